//! The counter printer: receipts and slips laid out for the paper width,
//! encoded as the printer expects (UTF-8, or GB18030 for the dot-matrix
//! ESC/P and thermal ESC/POS printers found at branch counters), and sent to
//! a device file or through a command. Every failure comes back as a
//! [`PrintError`] the clerk is told about in the UI's language.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use unicode_width::UnicodeWidthStr;

use crate::config::{PrintConfig, PrintEncoding};
use crate::i18n::{fmt, tr, Lang};

/// How long a print command may take before it is stopped and reported.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How much of a failed command's stderr is kept for the message.
const STDERR_KEPT: usize = 4096;

/// Where printed text goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A device (`/dev/usb/lp0`) or an existing file, written directly.
    Device(PathBuf),
    /// A shell command that reads the text on stdin (`lp -d counter`).
    Command(String),
}

impl Target {
    /// The configured target: the device wins over the command; `None`
    /// when neither is set.
    pub fn of(config: &PrintConfig) -> Option<Target> {
        if let Some(d) = config.device.as_ref().filter(|d| !d.as_os_str().is_empty()) {
            return Some(Target::Device(d.clone()));
        }
        config
            .command
            .as_ref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| Target::Command(c.clone()))
    }

    /// For messages: the device path or the command line.
    pub fn describe(&self) -> String {
        match self {
            Target::Device(p) => p.display().to_string(),
            Target::Command(c) => c.clone(),
        }
    }
}

/// Why a receipt did not reach the printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("print command {command:?} could not start: {source}")]
    Start {
        command: String,
        source: std::io::Error,
    },
    // stderr is shown to the clerk, not logged: it might echo the receipt.
    #[error("print command {command:?} failed (exit status {status})")]
    Exit {
        command: String,
        /// The exit code, or the signal that ended it, as text.
        status: String,
        stderr: String,
    },
    #[error("print command {command:?} did not finish within {seconds} s")]
    Timeout { command: String, seconds: u64 },
    #[error("printer device {device} cannot be opened: {source}")]
    Open {
        device: PathBuf,
        source: std::io::Error,
    },
    #[error("writing to the printer {target} failed: {source}")]
    Write {
        target: String,
        source: std::io::Error,
    },
}

/// An I/O error in the UI's language: the common causes named, others by
/// their system error number.
fn io_reason(lang: Lang, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => tr(lang, "print.err_not_found").to_string(),
        ErrorKind::PermissionDenied => tr(lang, "print.err_permission").to_string(),
        ErrorKind::BrokenPipe => tr(lang, "print.err_broken_pipe").to_string(),
        _ => match e.raw_os_error() {
            Some(code) => fmt(lang, "print.err_os", &[("code", &code)]),
            None => tr(lang, "print.err_other").to_string(),
        },
    }
}

impl PrintError {
    /// One sentence for the clerk's status line.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            PrintError::Start { command, source } => fmt(
                lang,
                "print.start_failed",
                &[
                    ("command", &escape(command)),
                    ("reason", &io_reason(lang, source)),
                ],
            ),
            PrintError::Exit {
                command,
                status,
                stderr,
            } => {
                let mut s = fmt(
                    lang,
                    "print.exit_failed",
                    &[("command", &escape(command)), ("status", status)],
                );
                let first = stderr.lines().find(|l| !l.trim().is_empty());
                if let Some(line) = first {
                    s.push_str(&fmt(
                        lang,
                        "print.said",
                        &[("text", &escape(cut(line.trim(), 120)))],
                    ));
                }
                s
            }
            PrintError::Timeout { command, seconds } => fmt(
                lang,
                "print.timeout",
                &[("command", &escape(command)), ("seconds", seconds)],
            ),
            PrintError::Open { device, source } => fmt(
                lang,
                "print.open_failed",
                &[
                    ("device", &escape(&device.display().to_string())),
                    ("reason", &io_reason(lang, source)),
                ],
            ),
            PrintError::Write { target, source } => fmt(
                lang,
                "print.write_failed",
                &[
                    ("target", &escape(target)),
                    ("reason", &io_reason(lang, source)),
                ],
            ),
        }
    }
}

/// Control characters shown as `\u{..}` so a message cannot drive the terminal.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// At most `max` characters of `s`.
fn cut(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A line made of one repeated rule character (`-----`, `=====`).
fn is_rule(line: &str) -> bool {
    let mut chars = line.chars();
    match chars.next() {
        Some(c @ ('-' | '=' | '*' | '─' | '━')) => {
            line.chars().count() >= 8 && chars.all(|d| d == c)
        }
        _ => false,
    }
}

/// Lays text out for paper `width` display columns wide (CJK counts two):
/// longer lines are wrapped (CJK line-breaking rules kept), rules cut to the
/// width, control characters other than line breaks become spaces (a name
/// can never send printer commands), and every line ends with `\n`.
pub fn layout(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out = String::with_capacity(text.len() + 64);
    for raw in text.lines() {
        let line: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if line.width() <= width {
            out.push_str(line.trim_end());
            out.push('\n');
        } else if is_rule(&line) {
            let c = line.chars().next().unwrap_or('-');
            let cw = unicode_width::UnicodeWidthChar::width(c)
                .unwrap_or(1)
                .max(1);
            out.extend(std::iter::repeat_n(c, width / cw));
            out.push('\n');
        } else {
            for l in crate::receipt::wrap(&line, width) {
                out.push_str(l.trim_end());
                out.push('\n');
            }
        }
    }
    out
}

/// The bytes of `text` in `encoding`. GB18030 covers all of Unicode, so
/// nothing is lost.
pub fn encode(text: &str, encoding: PrintEncoding) -> Vec<u8> {
    match encoding {
        PrintEncoding::Utf8 => text.as_bytes().to_vec(),
        PrintEncoding::Gb18030 => {
            let (bytes, _, _) = encoding_rs::GB18030.encode(text);
            bytes.into_owned()
        }
    }
}

/// What goes to the printer for `text` under `config`.
pub fn render(text: &str, config: &PrintConfig) -> Vec<u8> {
    encode(&layout(text, config.width), config.encoding)
}

/// Writes `bytes` to the target and waits for it to be taken: the device
/// written and closed, or the command finished with exit 0 (stopped and
/// reported after `timeout`).
pub fn send(target: &Target, bytes: &[u8], timeout: Duration) -> Result<(), PrintError> {
    match target {
        Target::Device(path) => write_device(path, bytes),
        Target::Command(cmd) => run_command(cmd, bytes, timeout, &[]),
    }
}

/// Runs `cmd` (with `sh -c`) with `bytes` on stdin and `env` set, as a
/// print command is run: Ok once it exits 0 within `timeout`.
pub fn run_with_env(
    cmd: &str,
    bytes: &[u8],
    timeout: Duration,
    env: &[(&str, &str)],
) -> Result<(), PrintError> {
    run_command(cmd, bytes, timeout, env)
}

fn write_device(path: &Path, bytes: &[u8]) -> Result<(), PrintError> {
    // Never created: a missing /dev/usb/lp0 means the printer is not
    // plugged in, not a file to make.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|source| PrintError::Open {
            device: path.to_path_buf(),
            source,
        })?;
    let write_err = |source| PrintError::Write {
        target: path.display().to_string(),
        source,
    };
    f.write_all(bytes).map_err(write_err)?;
    f.flush().map_err(write_err)
}

fn run_command(
    cmd: &str,
    bytes: &[u8],
    timeout: Duration,
    env: &[(&str, &str)],
) -> Result<(), PrintError> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| PrintError::Start {
            command: cmd.to_string(),
            source,
        })?;
    // Read stderr aside so a chatty command cannot block on a full pipe.
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 1024];
            loop {
                match e.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = STDERR_KEPT.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    });
    // A command that exits without reading shows up as a broken pipe here;
    // its exit status below is the better report, so keep the write error
    // for a command that claims success.
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(bytes).and_then(|_| stdin.flush()),
        None => Ok(()),
    };
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                if let Err(e) = child.kill() {
                    crate::log::warn(&format!("print command: cannot stop it: {e}"));
                }
                if let Err(e) = child.wait() {
                    crate::log::warn(&format!("print command: cannot reap it: {e}"));
                }
                return Err(PrintError::Timeout {
                    command: cmd.to_string(),
                    seconds: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => {
                return Err(PrintError::Write {
                    target: cmd.to_string(),
                    source,
                })
            }
        }
    };
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        let status = match (status.code(), status.signal()) {
            (Some(c), _) => c.to_string(),
            (None, Some(s)) => format!("signal {s}"),
            (None, None) => "?".to_string(),
        };
        return Err(PrintError::Exit {
            command: cmd.to_string(),
            status,
            stderr,
        });
    }
    written.map_err(|source| PrintError::Write {
        target: cmd.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_wraps_and_cuts_by_display_width() {
        let text = format!(
            "{}\n受理网点：城关邮政所城关邮政所城关邮政所（3301A）\nshort\n",
            "-".repeat(40)
        );
        let out = layout(&text, 32);
        for l in out.lines() {
            assert!(l.width() <= 32, "{l:?} is {} wide", l.width());
        }
        assert_eq!(out.lines().next(), Some("-".repeat(32).as_str()));
        assert!(out.ends_with("short\n"), "{out}");
        // Nothing but the line breaks is lost.
        let joined: String = out.lines().skip(1).collect();
        assert!(
            joined.contains("城关邮政所城关邮政所城关邮政所（3301A）short"),
            "{joined}"
        );
    }

    #[test]
    fn layout_keeps_fitting_text_and_removes_control_characters() {
        assert_eq!(layout("合计：¥10.00", 40), "合计：¥10.00\n");
        assert_eq!(layout("王\u{1b}[0m五", 40), "王 [0m五\n");
    }

    #[test]
    fn gb18030_round_trips() {
        let text = "公安交管业务受理回执 ¥ 鄂A·12345 𠀀\n";
        let bytes = encode(text, PrintEncoding::Gb18030);
        assert_ne!(bytes, text.as_bytes());
        // 公 is C2 B9 in GB2312/GBK/GB18030.
        assert_eq!(&bytes[..2], &[0xB9, 0xAB]);
        let (back, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        assert_eq!(back, text);
    }

    #[test]
    fn a_missing_device_is_an_open_error_and_is_not_created() {
        let dir = tempfile::tempdir().expect("tmp");
        let dev = dir.path().join("lp0");
        let e = send(&Target::Device(dev.clone()), b"x", COMMAND_TIMEOUT).unwrap_err();
        assert!(matches!(e, PrintError::Open { .. }), "{e}");
        assert!(!dev.exists());
        assert!(
            e.message(Lang::Zh).contains("lp0"),
            "{}",
            e.message(Lang::Zh)
        );
    }

    #[test]
    fn a_failing_command_reports_its_status_and_stderr() {
        let e = send(
            &Target::Command("cat >/dev/null; echo 'no such printer' >&2; exit 3".into()),
            b"x",
            COMMAND_TIMEOUT,
        )
        .unwrap_err();
        let m = e.message(Lang::En);
        assert!(m.contains('3') && m.contains("no such printer"), "{m}");
        let e = send(
            &Target::Command("sleep 5".into()),
            b"",
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(matches!(e, PrintError::Timeout { .. }), "{e}");
        assert!(send(
            &Target::Command("cat >/dev/null".into()),
            b"x",
            COMMAND_TIMEOUT
        )
        .is_ok());
    }
}
