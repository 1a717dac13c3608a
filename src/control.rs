//! Commands for a store that a running TUI holds (DESIGN.md §2): sled
//! allows one process per store, so the running app answers `tally`,
//! `queue`, `find`, `doctor`, `export` and `sync` over a Unix socket in the data
//! dir. A socket left by a killed process refuses connections and is then
//! ignored (and replaced by the next app), so it never reads as "running".

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A command line, as the CLI parsed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The subcommand and its arguments, e.g. `["queue", "--format", "json"]`.
    pub args: Vec<String>,
    pub lang: crate::i18n::Lang,
    /// A supervisor PIN for commands that need one (never logged).
    #[serde(default)]
    pub pin: Option<String>,
}

/// What a command prints and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
    /// How `stdout` is written (a CSV for Excel may be GB18030).
    #[serde(default)]
    pub encoding: StdoutEncoding,
}

/// The bytes `stdout` becomes when printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StdoutEncoding {
    #[default]
    Utf8,
    Gb18030,
}

impl Output {
    pub fn ok(stdout: String) -> Output {
        Output {
            stdout,
            stderr: String::new(),
            code: 0,
            encoding: StdoutEncoding::Utf8,
        }
    }

    pub fn fail(code: u8, stderr: String) -> Output {
        Output {
            stdout: String::new(),
            stderr,
            code,
            encoding: StdoutEncoding::Utf8,
        }
    }

    /// Prints it and gives the exit code.
    pub fn emit(&self) -> std::process::ExitCode {
        match self.encoding {
            StdoutEncoding::Utf8 => print!("{}", self.stdout),
            StdoutEncoding::Gb18030 => {
                use std::io::Write;
                let (bytes, _, _) = encoding_rs::GB18030.encode(&self.stdout);
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                    eprintln!("{e}");
                    return std::process::ExitCode::from(1);
                }
            }
        }
        if !self.stderr.is_empty() {
            // Error sentences may echo what was typed: no raw escapes.
            eprint!("{}", crate::mask::escape_controls(&self.stderr));
            if !self.stderr.ends_with('\n') {
                eprintln!();
            }
        }
        std::process::ExitCode::from(self.code)
    }
}

/// The socket of a store dir.
pub fn socket_path(store_dir: &Path) -> PathBuf {
    store_dir.with_file_name(match store_dir.file_name() {
        Some(n) => format!("{}.sock", n.to_string_lossy()),
        None => "store.sock".into(),
    })
}

/// Asks a running app to run `req`. `None` when no app answers (no socket,
/// or a stale one left by a killed process).
pub fn ask(store_dir: &Path, req: &Request, timeout: Duration) -> Option<Output> {
    let path = socket_path(store_dir);
    let mut stream = UnixStream::connect(&path).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    let mut line = serde_json::to_string(req).ok()?;
    line.push('\n');
    stream.write_all(line.as_bytes()).ok()?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).ok()?;
    serde_json::from_str(&reply).ok()
}

/// Listens for requests and answers each with `handle`, on its own thread
/// (the app's `handle` hands the request to its worker and waits).
/// Returns the listener's path; the file is removed when the guard drops.
pub fn serve<F>(store_dir: &Path, handle: F) -> std::io::Result<SocketGuard>
where
    F: Fn(Request) -> Output + Send + Sync + 'static,
{
    let handle = std::sync::Arc::new(handle);
    let path = socket_path(store_dir);
    // We hold the store's lock, so any socket here is stale.
    remove_stale(&path)?;
    let listener = UnixListener::bind(&path)?;
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(stream) = conn else { continue };
            let handle = handle.clone();
            // One thread per request: a long `sync` must not hold up `queue`.
            std::thread::spawn(move || answer(stream, &*handle));
        }
    });
    Ok(SocketGuard { path })
}

fn answer(stream: UnixStream, handle: &dyn Fn(Request) -> Output) {
    // Without a deadline a silent client would hold its thread for ever.
    if let Err(e) = stream.set_read_timeout(Some(Duration::from_secs(10))) {
        crate::log::warn(&format!(
            "control socket: no read deadline ({e}); request dropped"
        ));
        return;
    }
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut line = String::new();
    // A request is one line; refuse anything absurdly long.
    if BufReader::new(read_half.take(1 << 20))
        .read_line(&mut line)
        .is_err()
    {
        return;
    }
    let out = match parse_request(&line) {
        Ok(req) => handle(req),
        Err(e) => Output::fail(2, e),
    };
    let mut w = stream;
    if let Ok(mut s) = serde_json::to_string(&out) {
        s.push('\n');
        // A client that went away before the answer: nothing to tell it.
        if let Err(e) = w.write_all(s.as_bytes()) {
            crate::log::warn(&format!("control socket: answer not delivered ({e})"));
        }
    }
}

/// Parses one request line (JSON; at most 1 MiB is ever read).
pub fn parse_request(line: &str) -> Result<Request, String> {
    serde_json::from_str::<Request>(line).map_err(|e| format!("bad request: {e}"))
}

/// Removes the socket file when the app ends.
pub struct SocketGuard {
    path: PathBuf,
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        if let Err(e) = remove_stale(&self.path) {
            crate::log::warn(&format!("control socket {}: {e}", self.path.display()));
        }
    }
}

/// Removes a socket file; one that is not there is fine.
fn remove_stale(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_answered_and_a_stale_socket_is_not_an_answer() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = dir.path().join("store");
        let req = Request {
            args: vec!["queue".into()],
            lang: crate::i18n::Lang::En,
            pin: None,
        };
        assert!(
            ask(&store, &req, Duration::from_secs(1)).is_none(),
            "nothing listens yet"
        );
        {
            let _guard =
                serve(&store, |r| Output::ok(format!("got {}", r.args.join(" ")))).expect("serve");
            let out = ask(&store, &req, Duration::from_secs(5)).expect("answer");
            assert_eq!(out.stdout, "got queue");
        }
        // A socket file left behind by a killed process: connection refused.
        let path = socket_path(&store);
        let stale = UnixListener::bind(&path).expect("bind");
        drop(stale);
        assert!(path.exists());
        assert!(ask(&store, &req, Duration::from_secs(1)).is_none());
    }
}
