//! `jingyou-hub`, the reference receiver of the upload protocol
//! (docs/protocol.md): tiny_http with a small fixed pool of worker threads, its
//! own sled store, durable (flushed) before it answers.
//!
//! Tests start it in-process with [`serve`] on `127.0.0.1:0` and stop it with
//! [`HubHandle::shutdown`]; [`Faults`] lets them make it misbehave on purpose.

mod handlers;
pub mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use store::{HubStore, StoreError};

/// Protocol version, the path prefix.
pub const PROTOCOL: &str = "v1";
/// Most applications (or voids) in one batch.
pub const MAX_BATCH: usize = 500;
/// Largest JSON body, after gzip decoding (and also on the wire).
pub const MAX_JSON_BODY: usize = 4 * 1024 * 1024;
/// Largest PATCH chunk.
pub const MAX_PATCH_BODY: usize = 8 * 1024 * 1024;
/// Largest attachment (`Tus-Max-Size`).
pub const MAX_UPLOAD_LENGTH: u64 = 64 * 1024 * 1024;

/// Errors starting or stopping the hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("cannot open the hub store in {dir}: {reason} (is another jingyou-hub using it?)")]
    Open { dir: String, reason: String },
    #[error("tokens file {path}: {reason}")]
    Tokens { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Bearer tokens: token → branch. A branch named `*` is the county operator
/// (may read every branch's tallies and listings, may not post).
#[derive(Clone, Default)]
pub struct Tokens {
    by_token: HashMap<String, String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never print tokens
        write!(f, "Tokens({} entries)", self.by_token.len())
    }
}

impl Tokens {
    /// Parses `BRANCH TOKEN` lines; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut by_token = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(branch), Some(token), None) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("line {}: expected `BRANCH TOKEN`", n + 1));
            };
            if branch != "*" && !handlers::valid_branch(branch) {
                return Err(format!("line {}: bad branch code", n + 1));
            }
            if token.len() < 8 {
                return Err(format!("line {}: token shorter than 8 characters", n + 1));
            }
            if by_token
                .insert(token.to_string(), branch.to_string())
                .is_some()
            {
                return Err(format!("line {}: token used twice", n + 1));
            }
        }
        Ok(Tokens { by_token })
    }

    pub fn load(path: &Path) -> Result<Tokens, HubError> {
        let err = |reason: String| HubError::Tokens {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Tokens::parse(&text).map_err(err)
    }

    /// Builds from `(branch, token)` pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tokens {
        Tokens {
            by_token: pairs
                .into_iter()
                .map(|(b, t)| (t.to_string(), b.to_string()))
                .collect(),
        }
    }

    pub fn branch_for(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}

/// Test-only fault injection, settable at run time. Each `AtomicU32` is a
/// count of requests to hit: it is decremented by each request it affects.
/// Faults apply to every request but `GET /v1/health` and `OPTIONS`.
#[derive(Debug, Default)]
pub struct Faults {
    /// Handle and commit (flush) the request, then write nothing at all: the
    /// client waits for its own timeout. (tiny_http 0.12 gives no way to close
    /// the socket of a live connection; it is shut when the client gives up.)
    pub drop_reply_after_commit: AtomicU32,
    /// Handle and commit, then answer bytes that are not HTTP (a reset or a
    /// broken middlebox as the client sees it: fails at once).
    pub garbage_reply_after_commit: AtomicU32,
    /// Handle and commit, then send the status line and headers with a
    /// Content-Length larger than the half body that follows, and stop.
    pub truncate_reply: AtomicU32,
    /// Answer 503 with `Retry-After: <retry_after_secs>` before handling.
    pub status_503_with_retry_after: AtomicU32,
    /// Seconds in the injected `Retry-After` (default 0 means 7).
    pub retry_after_secs: AtomicU64,
    /// Answer a captive-portal HTML page with 200 before handling.
    pub html_200: AtomicU32,
    /// Sleep this long before handling every request (0 = off).
    pub stall_ms: AtomicU64,
}

impl Faults {
    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// Counters for tests and logs.
#[derive(Debug, Default)]
pub struct HubStats {
    /// Requests answered (any status).
    pub requests: AtomicU64,
    /// PATCH payload bytes written (acknowledged with 204).
    pub patch_bytes: AtomicU64,
    /// PATCH requests received (any outcome).
    pub patches: AtomicU64,
    /// 503 answers for overload.
    pub overloaded: AtomicU64,
}

/// How to run a hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// `host:port`; port 0 picks a free one.
    pub listen: String,
    pub data_dir: PathBuf,
    /// `None`: any branch is accepted (and a warning printed by the binary).
    pub tokens: Option<Tokens>,
    /// Worker threads handling requests.
    pub workers: usize,
    /// Requests waiting for a worker beyond which the hub answers 503.
    pub max_waiting: usize,
    /// `Retry-After` seconds on an overload 503.
    pub retry_after_secs: u64,
    /// sled cache.
    pub cache_bytes: u64,
    /// One line per request on stderr.
    pub log: bool,
    pub faults: Option<Arc<Faults>>,
}

impl HubConfig {
    pub fn new(listen: impl Into<String>, data_dir: impl Into<PathBuf>) -> HubConfig {
        HubConfig {
            listen: listen.into(),
            data_dir: data_dir.into(),
            tokens: None,
            workers: 4,
            max_waiting: 64,
            retry_after_secs: 5,
            cache_bytes: 16 * 1024 * 1024,
            log: true,
            faults: None,
        }
    }
}

/// State shared by the workers.
pub(crate) struct Shared {
    pub store: HubStore,
    pub tokens: Option<Tokens>,
    pub faults: Option<Arc<Faults>>,
    pub stats: Arc<HubStats>,
    pub log: bool,
}

/// A running hub.
pub struct HubHandle {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    shared: Option<Arc<Shared>>,
    stats: Arc<HubStats>,
}

impl HubHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> Arc<HubStats> {
        self.stats.clone()
    }

    /// Number of applications held (tests).
    pub fn app_count(&self) -> usize {
        self.shared.as_ref().map_or(0, |s| s.store.app_count())
    }

    /// Stops accepting, lets the workers finish what they hold, flushes and
    /// closes the store (so it can be opened again in this process).
    pub fn shutdown(mut self) -> Result<(), HubError> {
        self.stop_inner()
    }

    /// Blocks until the hub stops (the binary: until it is signalled).
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    fn stop_inner(&mut self) -> Result<(), HubError> {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if let Some(shared) = self.shared.take() {
            shared.store.flush()?;
            drop(shared);
        }
        Ok(())
    }
}

impl Drop for HubHandle {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Opens the store, binds, starts the dispatcher and the workers.
pub fn serve(config: HubConfig) -> Result<HubHandle, HubError> {
    let store =
        HubStore::open(&config.data_dir, config.cache_bytes).map_err(|e| HubError::Open {
            dir: config.data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
    let server = tiny_http::Server::http(&config.listen).map_err(|e| HubError::Listen {
        addr: config.listen.clone(),
        reason: e.to_string(),
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| HubError::Listen {
            addr: config.listen.clone(),
            reason: "not an IP socket".into(),
        })?;
    let server = Arc::new(server);
    let stats = Arc::new(HubStats::default());
    let shared = Arc::new(Shared {
        store,
        tokens: config.tokens.clone().filter(|t| !t.is_empty()),
        faults: config.faults.clone(),
        stats: stats.clone(),
        log: config.log,
    });
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = sync_channel::<tiny_http::Request>(config.max_waiting.max(1));
    let rx = Arc::new(Mutex::new(rx));
    let mut threads = Vec::new();
    for i in 0..config.workers.max(1) {
        let rx = rx.clone();
        let shared = shared.clone();
        let t = std::thread::Builder::new()
            .name(format!("hub-worker-{i}"))
            .spawn(move || worker(&rx, &shared))
            .map_err(|e| HubError::Listen {
                addr: config.listen.clone(),
                reason: format!("cannot start a worker thread: {e}"),
            })?;
        threads.push(t);
    }
    let dispatcher = {
        let server = server.clone();
        let stop = stop.clone();
        let shared = shared.clone();
        let retry_after = config.retry_after_secs;
        std::thread::Builder::new()
            .name("hub-dispatch".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let rq = match server.recv_timeout(Duration::from_millis(100)) {
                        Ok(Some(rq)) => rq,
                        Ok(None) => continue,
                        Err(_) => break,
                    };
                    match tx.try_send(rq) {
                        Ok(()) => {}
                        Err(TrySendError::Full(rq)) | Err(TrySendError::Disconnected(rq)) => {
                            shared.stats.overloaded.fetch_add(1, Ordering::Relaxed);
                            // answer (and drain the body) off the dispatcher
                            let shared = shared.clone();
                            let _ = std::thread::Builder::new()
                                .name("hub-503".into())
                                .spawn(move || handlers::overloaded(rq, &shared, retry_after));
                        }
                    }
                }
                drop(tx);
            })
            .map_err(|e| HubError::Listen {
                addr: config.listen.clone(),
                reason: format!("cannot start the dispatcher: {e}"),
            })?
    };
    threads.insert(0, dispatcher);
    Ok(HubHandle {
        addr,
        server,
        stop,
        threads,
        shared: Some(shared),
        stats,
    })
}

fn worker(rx: &Mutex<Receiver<tiny_http::Request>>, shared: &Shared) {
    loop {
        let next = {
            let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv()
        };
        match next {
            Ok(rq) => {
                // A bug must not shrink the pool: the request (dropped while
                // unwinding) answers 500 and the worker goes on.
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    handlers::handle(rq, shared)
                }));
                if caught.is_err() && shared.log {
                    eprintln!("hub: a request handler panicked; answered 500");
                }
            }
            Err(_) => return,
        }
    }
}
