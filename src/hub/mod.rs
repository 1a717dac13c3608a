//! `jingyou-hub`, the reference receiver of the upload protocol
//! (docs/protocol.md): hyper on a small tokio runtime (src/hub/server.rs,
//! deadlines and admission), the /v1 endpoints (src/hub/handlers.rs) on a
//! bounded blocking pool, its own sled store, durable before it answers.
//!
//! Tests start it in-process with [`serve`] on `127.0.0.1:0` and stop it with
//! [`HubHandle::shutdown`]; [`Faults`] lets them make it misbehave on purpose.

pub mod backend;
mod faults;
pub mod fuzz;
mod handlers;
pub mod pg;
pub mod review;
mod server;
pub mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use crate::wire::{MAX_BATCH, MAX_JSON_BODY, MAX_PATCH_BODY, MAX_UPLOAD_LENGTH, PROTOCOL};
pub use faults::Faults;
pub use store::{HubStore, StoreError};

/// Errors starting or stopping the hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("cannot open the hub store in {dir}: {reason} (is another jingyou-hub using it?)")]
    Open { dir: String, reason: String },
    #[error("cannot use the database: {0}")]
    Database(String),
    #[error("tokens file {path}: {reason}")]
    Tokens { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Bearer tokens: token → branch. A branch named `*` is the county operator
/// (may read every branch's tallies and listings, may not post); one named
/// `office:NAME` is a vehicle office's operator, who may also set review
/// states of every branch's applications (a colon never occurs in a branch
/// code).
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
    /// Parses `BRANCH TOKEN` (or `* TOKEN`, `office:NAME TOKEN`) lines; blank lines and `#` comments are skipped.
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
            match branch.strip_prefix("office:") {
                Some(office) if !handlers::valid_branch(office) => {
                    return Err(format!(
                        "line {}: bad office name (office:NAME, NAME 1-32 of A-Z a-z 0-9 - _)",
                        n + 1
                    ));
                }
                Some(_) => {}
                None if branch != "*" && !handlers::valid_branch(branch) => {
                    return Err(format!("line {}: bad branch code", n + 1));
                }
                None => {}
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
    /// The sled store's directory (used when `db` is `None`).
    pub data_dir: PathBuf,
    /// A PostgreSQL URL: the PostgreSQL backend instead of sled.
    pub db: Option<String>,
    /// `None`: any branch is accepted (and a warning printed by the binary).
    pub tokens: Option<Tokens>,
    /// Store work at once (threads of the blocking pool).
    pub workers: usize,
    /// Requests admitted beyond `workers` to wait for one; the next get 503.
    pub max_waiting: usize,
    /// `Retry-After` seconds on an overload 503.
    pub retry_after_secs: u64,
    /// Threads that read and write sockets (tokio workers).
    pub io_threads: usize,
    /// All request headers must arrive within this.
    pub header_timeout: Duration,
    /// The whole body must arrive within this (408 beyond).
    pub body_timeout: Duration,
    /// Headers received to reply ready, store work included.
    pub request_timeout: Duration,
    /// A connection with no traffic and no request in hand this long is closed.
    pub keep_alive_timeout: Duration,
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Request bodies held in memory at once, in bytes (each reserves its
    /// Content-Length, or its size limit when it has none, before it is
    /// read); a request that does not fit is answered 503 + Retry-After.
    pub body_budget: usize,
    /// sled cache.
    pub cache_bytes: u64,
    /// One line per request on stderr.
    pub log: bool,
    /// Stop on SIGTERM or SIGINT (the binary).
    pub handle_signals: bool,
    pub faults: Option<Arc<Faults>>,
}

impl HubConfig {
    pub fn new(listen: impl Into<String>, data_dir: impl Into<PathBuf>) -> HubConfig {
        HubConfig {
            listen: listen.into(),
            data_dir: data_dir.into(),
            db: None,
            tokens: None,
            workers: 4,
            max_waiting: 64,
            retry_after_secs: 5,
            io_threads: 2,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(90),
            keep_alive_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            body_budget: 256 * 1024 * 1024,
            cache_bytes: 16 * 1024 * 1024,
            log: true,
            handle_signals: false,
            faults: None,
        }
    }
}

/// State shared by the connection tasks and the store workers.
pub(crate) struct Shared {
    pub store: backend::Backend,
    pub tokens: Option<Tokens>,
    pub faults: Option<Arc<Faults>>,
    pub stats: Arc<HubStats>,
    pub log: bool,
}

/// A running hub.
pub struct HubHandle {
    addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<JoinHandle<Result<(), HubError>>>,
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

    /// Stops accepting, lets in-flight requests finish, flushes and closes
    /// the store (so it can be opened again in this process).
    pub fn shutdown(mut self) -> Result<(), HubError> {
        self.stop_inner()
    }

    /// Blocks until the hub stops (the binary: until SIGTERM or SIGINT, then
    /// in-flight requests finish and the store is flushed).
    pub fn wait(mut self) -> Result<(), HubError> {
        self.shared = None;
        self.join()
    }

    fn join(&mut self) -> Result<(), HubError> {
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| {
                Err(HubError::Listen {
                    addr: self.addr.to_string(),
                    reason: "the server thread panicked".into(),
                })
            }),
            None => Ok(()),
        }
    }

    fn stop_inner(&mut self) -> Result<(), HubError> {
        // a closed channel means the server is gone already
        self.stop.send_replace(true);
        self.shared = None;
        self.join()
    }
}

impl Drop for HubHandle {
    fn drop(&mut self) {
        if let Err(e) = self.stop_inner() {
            eprintln!("jingyou-hub: {e}");
        }
    }
}

/// Opens the store, binds, and serves on a thread of its own (which owns the
/// tokio runtime) until [`HubHandle::shutdown`] or, with
/// `handle_signals`, SIGTERM/SIGINT.
pub fn serve(config: HubConfig) -> Result<HubHandle, HubError> {
    let store = match &config.db {
        Some(url) => backend::Backend::Postgres(
            pg::PgStore::open(url, config.workers.clamp(1, 256))
                .map_err(|e| HubError::Database(e.to_string()))?,
        ),
        None => backend::Backend::Sled(
            HubStore::open(&config.data_dir, config.cache_bytes).map_err(|e| HubError::Open {
                dir: config.data_dir.display().to_string(),
                reason: e.to_string(),
            })?,
        ),
    };
    let listen_err = |reason: String| HubError::Listen {
        addr: config.listen.clone(),
        reason,
    };
    let listener =
        std::net::TcpListener::bind(&config.listen).map_err(|e| listen_err(e.to_string()))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| listen_err(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| listen_err(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.io_threads.clamp(1, 16))
        .max_blocking_threads(config.workers.clamp(1, 256))
        .thread_name("hub")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| listen_err(format!("cannot start the runtime: {e}")))?;
    let stats = Arc::new(HubStats::default());
    let shared = Arc::new(Shared {
        store,
        tokens: config.tokens.clone().filter(|t| !t.is_empty()),
        faults: config.faults.clone(),
        stats: stats.clone(),
        log: config.log,
    });
    let limits = server::Limits {
        workers: config.workers.max(1),
        max_waiting: config.max_waiting,
        retry_after_secs: config.retry_after_secs,
        header_timeout: config.header_timeout,
        body_timeout: config.body_timeout,
        request_timeout: config.request_timeout,
        keep_alive_timeout: config.keep_alive_timeout,
        max_connections: config.max_connections,
        body_budget: config.body_budget,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handle_signals = config.handle_signals;
    let thread = {
        let shared = shared.clone();
        let stop_tx = stop_tx.clone();
        std::thread::Builder::new()
            .name("hub-server".into())
            .spawn(move || -> Result<(), HubError> {
                let served = runtime.block_on(async {
                    if handle_signals {
                        spawn_signal_watch(stop_tx)?;
                    }
                    server::run(listener, shared.clone(), limits, stop_rx).await
                });
                // in-flight store work finishes before the runtime is gone
                drop(runtime);
                let flushed = shared.store.flush();
                served.map_err(|e| HubError::Listen {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                })?;
                flushed?;
                Ok(())
            })
            .map_err(|e| listen_err(format!("cannot start the server thread: {e}")))?
    };
    Ok(HubHandle {
        addr,
        stop: stop_tx,
        thread: Some(thread),
        shared: Some(shared),
        stats,
    })
}

/// SIGTERM or SIGINT: set `stop` (once).
fn spawn_signal_watch(stop: tokio::sync::watch::Sender<bool>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        stop.send_replace(true);
    });
    Ok(())
}
