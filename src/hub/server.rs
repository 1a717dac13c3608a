//! The hub's HTTP plumbing: hyper 1.x (HTTP/1.1) on a small tokio runtime.
//!
//! What it guarantees, whatever a peer does (docs/protocol.md, "Deadlines"):
//! - A connection is a task, not a thread. Reading headers and bodies is
//!   asynchronous, so a connection still sending them holds no worker.
//! - Headers must arrive within `header_timeout` (hyper's header read
//!   timeout), a body within `body_timeout`, and the whole request (body,
//!   queue and store work) within `request_timeout`; beyond, 408 (body) or
//!   503 + `Retry-After` (store) and the connection is closed.
//! - Store work (sled blocks) runs on tokio's blocking pool, at most
//!   `workers` at once; at most `workers + max_waiting` requests are admitted
//!   to it, the next ones are answered 503 with `Retry-After` at once.
//!   `GET /v1/health` and tus `OPTIONS` are answered on the I/O threads and
//!   never refused for being busy.
//! - Request bodies held at once fit in `body_budget` bytes: each reserves
//!   its Content-Length (its size limit without one) before it is read, and
//!   one that does not fit is answered 503 + `Retry-After` at once, unread.
//! - A keep-alive connection idle (no bytes either way, no request in the
//!   handlers) for `keep_alive_timeout` is closed; at most `max_connections`
//!   are open (further ones wait in the kernel's backlog).
//! - TCP_NODELAY on every socket: a reply leaves in one go, with no 40 ms
//!   delayed-ACK wait.
//! - Shutdown (SIGTERM/SIGINT in the binary, [`super::HubHandle::shutdown`] in
//!   tests): stop accepting, let in-flight requests finish (at most
//!   `request_timeout`), close idle connections, then return.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::faults::Sabotage;
use super::handlers::{self, HubRequest, Method, Reply};
use super::Shared;
use crate::wire::{MAX_JSON_BODY, MAX_PATCH_BODY, TUS_VERSION};

/// Limits and deadlines of the HTTP layer.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub workers: usize,
    pub max_waiting: usize,
    pub retry_after_secs: u64,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub request_timeout: Duration,
    pub keep_alive_timeout: Duration,
    pub max_connections: usize,
    pub body_budget: usize,
}

/// A response body: the whole reply, or (fault injection) half of it and
/// then an error, which makes hyper cut the connection.
enum ReplyBody {
    Full(Full<Bytes>),
    CutAfter(Option<Bytes>),
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            ReplyBody::Full(f) => Pin::new(f)
                .poll_frame(cx)
                .map(|o| o.map(|r| r.map_err(|never: Infallible| match never {}))),
            ReplyBody::CutAfter(part) => Poll::Ready(Some(match part.take() {
                Some(b) => Ok(Frame::data(b)),
                None => Err(io::Error::other("reply cut on purpose (fault injection)")),
            })),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Full(f) => f.is_end_stream(),
            ReplyBody::CutAfter(_) => false,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            ReplyBody::Full(f) => f.size_hint(),
            ReplyBody::CutAfter(_) => hyper::body::SizeHint::default(),
        }
    }
}

/// What the connection watchdog needs to know.
struct Activity {
    /// Milliseconds since `epoch` of the last byte read or written.
    last_io_ms: AtomicU64,
    /// Requests inside the service (reading a body, queued, in the store).
    in_service: AtomicUsize,
    epoch: Instant,
    /// Fault injection: bytes to write instead of the next reply, then close.
    garbage: Mutex<Option<&'static [u8]>>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            last_io_ms: AtomicU64::new(0),
            in_service: AtomicUsize::new(0),
            epoch: Instant::now(),
            garbage: Mutex::new(None),
        }
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_io_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_io_ms.load(Ordering::Relaxed)))
    }
}

/// Counts a request inside the service while alive.
struct InService(Arc<Activity>);

impl InService {
    fn enter(a: &Arc<Activity>) -> InService {
        a.in_service.fetch_add(1, Ordering::SeqCst);
        InService(a.clone())
    }
}

impl Drop for InService {
    fn drop(&mut self) {
        self.0.in_service.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The socket, noting every byte's time (for the idle watchdog).
struct WatchedIo {
    inner: TcpStream,
    activity: Arc<Activity>,
    /// Set once garbage was written: everything after is swallowed.
    sabotaged: bool,
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.sabotaged {
            return Poll::Ready(Err(io::Error::from(io::ErrorKind::BrokenPipe)));
        }
        let garbage = self
            .activity
            .garbage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(g) = garbage {
            // Fault injection: these bytes instead of the reply, then shut.
            self.sabotaged = true;
            if self.inner.try_write(g).is_err() {
                // the peer is gone already: nothing more to spoil
            }
            return Poll::Ready(Err(io::Error::from(io::ErrorKind::BrokenPipe)));
        }
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.sabotaged || self.activity_has_garbage() {
            let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
            return self.poll_write(cx, first);
        }
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl WatchedIo {
    fn activity_has_garbage(&self) -> bool {
        self.activity
            .garbage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

/// State shared by every connection task.
struct Server {
    shared: Arc<Shared>,
    limits: Limits,
    /// Admission to the store: `workers + max_waiting` permits.
    admission: Arc<Semaphore>,
    /// Memory for request bodies, in KiB permits (`body_budget`).
    bodies: Arc<Semaphore>,
    stop: watch::Receiver<bool>,
}

/// Serves `listener` until `stop` turns true, then drains.
pub(crate) async fn run(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    limits: Limits,
    stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let server = Arc::new(Server {
        admission: Arc::new(Semaphore::new(limits.workers.max(1) + limits.max_waiting)),
        bodies: Arc::new(Semaphore::new((limits.body_budget / 1024).max(1))),
        shared,
        limits,
        stop: stop.clone(),
    });
    let open = Arc::new(AtomicUsize::new(0));
    let all_closed = Arc::new(tokio::sync::Notify::new());
    let mut stop_accept = stop.clone();
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: say so, breathe, go on.
                    if server.shared.log {
                        eprintln!("hub: accept failed: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop_accept.wait_for(|s| *s) => break,
        };
        // Best effort: a socket without NODELAY still works, only slower.
        if let Err(e) = tcp.set_nodelay(true) {
            if server.shared.log {
                eprintln!("hub: cannot set TCP_NODELAY: {e}");
            }
        }
        open.fetch_add(1, Ordering::SeqCst);
        let server = server.clone();
        let open = open.clone();
        let all_closed = all_closed.clone();
        tokio::spawn(async move {
            connection(tcp, peer, &server).await;
            drop(permit);
            if open.fetch_sub(1, Ordering::SeqCst) == 1 {
                all_closed.notify_waiters();
            }
        });
    }
    drop(listener);
    // Drain: in-flight requests finish; give up after the request deadline.
    let grace = server.limits.request_timeout + Duration::from_secs(1);
    let drained = tokio::time::timeout(grace, async {
        while open.load(Ordering::SeqCst) > 0 {
            let notified = all_closed.notified();
            if open.load(Ordering::SeqCst) == 0 {
                break;
            }
            // re-check now and then: notify_waiters only wakes current waiters
            let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
        }
    })
    .await;
    if drained.is_err() && server.shared.log {
        eprintln!(
            "hub: {} connection(s) still open after {} s; closing them",
            open.load(Ordering::SeqCst),
            grace.as_secs()
        );
    }
    Ok(())
}

async fn connection(tcp: TcpStream, _peer: SocketAddr, server: &Arc<Server>) {
    let activity = Arc::new(Activity::new());
    activity.touch();
    let io = TokioIo::new(WatchedIo {
        inner: tcp,
        activity: activity.clone(),
        sabotaged: false,
    });
    let svc = {
        let server = server.clone();
        let activity = activity.clone();
        service_fn(move |rq| {
            let server = server.clone();
            let activity = activity.clone();
            async move { serve_one(rq, &server, &activity).await }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(server.limits.header_timeout)
        .keep_alive(true)
        .max_headers(64)
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    let mut stop = server.stop.clone();
    let mut shutting_down = false;
    let tick = (server.limits.keep_alive_timeout / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = stop.wait_for(|s| *s), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = ticker.tick() => {
                let idle = activity.in_service.load(Ordering::SeqCst) == 0
                    && activity.idle_for() >= server.limits.keep_alive_timeout;
                if idle {
                    // idle keep-alive, or a peer that stopped reading its reply
                    break;
                }
            }
        }
    }
}

/// A body over its limit is still read (and thrown away) up to this many
/// bytes, so that a client that does not wait for `100 Continue` gets to read
/// the 413 instead of a broken pipe.
const MAX_DRAIN: usize = 2 * MAX_PATCH_BODY;

enum BodyRead {
    Complete(Bytes),
    TooLarge,
    TimedOut,
    Broken(hyper::Error),
}

/// Reads a body of at most `limit` bytes by `deadline`; a longer one is read
/// on and dropped up to [`MAX_DRAIN`] (then `TooLarge`).
async fn read_body(mut body: Incoming, limit: usize, deadline: tokio::time::Instant) -> BodyRead {
    let mut data = bytes::BytesMut::new();
    let mut seen = 0usize;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return BodyRead::TimedOut,
            Ok(None) => break,
            Ok(Some(Err(e))) => return BodyRead::Broken(e),
            Ok(Some(Ok(f))) => f,
        };
        if let Ok(chunk) = frame.into_data() {
            seen += chunk.len();
            if seen <= limit {
                data.extend_from_slice(&chunk);
            } else if seen > MAX_DRAIN {
                return BodyRead::TooLarge;
            }
        }
    }
    if seen > limit {
        BodyRead::TooLarge
    } else {
        BodyRead::Complete(data.freeze())
    }
}

/// 503 `overloaded` with `Retry-After`, counted.
fn overloaded(server: &Server) -> Reply {
    server
        .shared
        .stats
        .overloaded
        .fetch_add(1, Ordering::Relaxed);
    Reply::error(503, "overloaded", "the hub is busy; try again later")
        .header("Retry-After", server.limits.retry_after_secs.to_string())
}

/// Which body limit applies to a request.
pub(crate) fn body_limit(method: &Method, path: &str) -> usize {
    if *method == Method::Patch && path.starts_with("/v1/uploads/") {
        MAX_PATCH_BODY
    } else {
        MAX_JSON_BODY
    }
}

fn to_response(reply: &Reply, close: bool) -> Response<ReplyBody> {
    let mut b = Response::builder()
        .status(reply.status)
        .header("Tus-Resumable", TUS_VERSION)
        .header("Cache-Control", "no-store");
    if let Some(ct) = reply.content_type {
        b = b.header("Content-Type", ct);
    }
    for (k, v) in &reply.headers {
        b = b.header(*k, v.as_str());
    }
    if close {
        b = b.header("Connection", "close");
    }
    let body = ReplyBody::Full(Full::new(Bytes::from(reply.body.clone())));
    b.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(ReplyBody::Full(Full::new(Bytes::from_static(
            b"{\"error\":{\"code\":\"internal\",\"message\":\"bad reply header\"}}",
        ))));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

fn log(
    server: &Server,
    method: &Method,
    path: &str,
    status: &str,
    start: Instant,
    branch: Option<&str>,
) {
    server.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    if server.shared.log {
        // no query string (kept short), never a token or a body
        let path: String = path.chars().take(80).filter(|c| !c.is_control()).collect();
        eprintln!(
            "hub: {} {} {} {}ms {}",
            method,
            path,
            status,
            start.elapsed().as_millis(),
            branch.unwrap_or("-")
        );
    }
}

/// One request, start to reply.
async fn serve_one(
    rq: Request<Incoming>,
    server: &Arc<Server>,
    activity: &Arc<Activity>,
) -> Result<Response<ReplyBody>, io::Error> {
    let _in = InService::enter(activity);
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + server.limits.request_timeout;
    let method = Method::from_http(rq.method());
    let path = rq.uri().path().to_string();
    let query = rq.uri().query().unwrap_or("").to_string();

    if handlers::exempt(&method, &path) {
        let reply = handlers::answer_exempt(&method);
        log(
            server,
            &method,
            &path,
            &reply.status.to_string(),
            start,
            None,
        );
        return Ok(to_response(&reply, false));
    }

    let finish = |reply: Reply, close: bool| {
        log(
            server,
            &method,
            &path,
            &reply.status.to_string(),
            start,
            reply.branch.as_deref(),
        );
        Ok(to_response(&reply, close))
    };

    // The body, within its size limit and deadline; no worker is held.
    let limit = body_limit(&method, &path);
    let declared = rq
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = rq.headers().contains_key(hyper::header::TRANSFER_ENCODING);
    let (parts, body) = rq.into_parts();
    let body_deadline = (tokio::time::Instant::now() + server.limits.body_timeout).min(deadline);
    let too_large = || {
        Reply::error(
            413,
            "payload_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    };
    if declared.is_some_and(|n| n > MAX_DRAIN as u64) {
        // not worth reading: answer and close (the client may see a reset)
        return finish(too_large(), true);
    }
    // Room for the body in the memory budget, before a byte of it is read:
    // its declared length, or its limit for a chunked one (a request with
    // neither has no body and needs none).
    let need = match declared {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(limit),
        None if chunked => limit,
        None => 0,
    };
    let kib = u32::try_from(need.div_ceil(1024)).unwrap_or(u32::MAX);
    let room = if kib == 0 {
        Ok(None)
    } else {
        server.bodies.clone().try_acquire_many_owned(kib).map(Some)
    };
    let Ok(_body_room) = room else {
        return finish(overloaded(server), true);
    };
    let body = match read_body(body, limit, body_deadline).await {
        BodyRead::Complete(b) => b,
        BodyRead::TooLarge => return finish(too_large(), true),
        BodyRead::TimedOut => {
            return finish(
                Reply::error(408, "request_timeout", "the body did not arrive in time"),
                true,
            );
        }
        BodyRead::Broken(e) => {
            // the peer went away or sent a broken body: nothing to answer
            log(server, &method, &path, "body-error", start, None);
            return Err(io::Error::other(format!("reading the body failed: {e}")));
        }
    };

    // Admission to the store: a place, or 503 at once.
    let Ok(permit) = server.admission.clone().try_acquire_owned() else {
        return finish(overloaded(server), false);
    };

    let faults = server.shared.faults.clone();
    if let Some(f) = &faults {
        if let Some(stall) = f.stall() {
            tokio::time::sleep(stall).await;
        }
        if let Some(reply) = f.before() {
            drop(permit);
            return finish(reply, false);
        }
    }

    let hub_rq = HubRequest {
        method: method.clone(),
        path: path.clone(),
        query,
        headers: parts.headers,
        body,
    };
    let shared = server.shared.clone();
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        handlers::handle(&hub_rq, &shared)
    });
    let reply = match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(_)) => {
            if server.shared.log {
                eprintln!("hub: a request handler panicked; answered 500");
            }
            Reply::error(500, "internal", "the hub failed on this request")
        }
        Err(_) => {
            // The store may still commit it: ids make the retry safe.
            return finish(
                Reply::error(503, "timeout", "the hub did not finish in time; try again")
                    .header("Retry-After", server.limits.retry_after_secs.to_string()),
                true,
            );
        }
    };

    match faults.as_deref().and_then(|f| f.after()) {
        None => finish(reply, false),
        Some(Sabotage::Silence) => {
            log(
                server,
                &method,
                &path,
                "dropped",
                start,
                reply.branch.as_deref(),
            );
            let mut stop = server.stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
            Err(io::Error::other(
                "reply dropped on purpose (fault injection)",
            ))
        }
        Some(Sabotage::Garbage(bytes)) => {
            log(
                server,
                &method,
                &path,
                "garbage",
                start,
                reply.branch.as_deref(),
            );
            *activity.garbage.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes);
            Ok(to_response(&reply, true))
        }
        Some(Sabotage::Truncate) => {
            log(
                server,
                &method,
                &path,
                "truncated",
                start,
                reply.branch.as_deref(),
            );
            let half = Bytes::from(reply.body[..reply.body.len() / 2].to_vec());
            let mut r = to_response(&reply, true);
            r.headers_mut().insert(
                hyper::header::CONTENT_LENGTH,
                hyper::header::HeaderValue::from(reply.body.len() + 100),
            );
            *r.body_mut() = ReplyBody::CutAfter(Some(half));
            Ok(r)
        }
    }
}
