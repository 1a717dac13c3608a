//! Driving the hub's request handling without sockets, for the fuzz
//! targets and property tests (`crate::fuzzing`). The request goes through
//! the same steps as one from `server.rs`: parsed into method, path, query
//! and headers as hyper would, the body cut at the limit that applies, then
//! [`handlers::handle`] on a real backend.
#![doc(hidden)]

use std::path::Path;
use std::sync::Arc;

use super::backend::Backend;
use super::handlers::{self, HubRequest, Method};
use super::{HubStats, Shared, Tokens};

/// Tokens the harness with tokens knows: a branch, the county's read-only
/// operator, and more.
pub const TOKENS: &str = "3301A tok-branch\n3301B tok-other\n* tok-county\noffice:cgs tok-office\n";

/// A hub's handling, on one backend, with and without a tokens file.
pub struct Harness {
    open: Shared,
    guarded: Shared,
}

impl Harness {
    /// On two sled stores under `dir` (created).
    pub fn sled(dir: &Path) -> Result<Harness, String> {
        let open = |sub: &str| {
            super::store::HubStore::open(&dir.join(sub), 8 << 20).map_err(|e| e.to_string())
        };
        Self::on(
            Backend::Sled(open("open")?),
            Backend::Sled(open("guarded")?),
        )
    }

    /// On a PostgreSQL database.
    pub fn postgres(url: &str) -> Result<Harness, String> {
        let a = super::pg::PgStore::open(url, 2).map_err(|e| e.to_string())?;
        let b = super::pg::PgStore::open(url, 2).map_err(|e| e.to_string())?;
        Self::on(Backend::Postgres(a), Backend::Postgres(b))
    }

    fn on(open: Backend, guarded: Backend) -> Result<Harness, String> {
        let tokens = Tokens::parse(TOKENS)?;
        let shared = |store, tokens| Shared {
            store,
            tokens,
            faults: None,
            stats: Arc::new(HubStats::default()),
            log: false,
        };
        Ok(Harness {
            open: shared(open, None),
            guarded: shared(guarded, Some(tokens)),
        })
    }

    /// One request: `METHOD TARGET` on the first line, `Name: value`
    /// header lines, an empty line, then the body. A request with an
    /// `Authorization` header goes to the hub with a tokens file. Returns
    /// the status answered (0: the bytes were no request hyper would pass
    /// on). Every reply is checked for what any client relies on.
    pub fn request(&self, data: &[u8]) -> u16 {
        let Some(rq) = parse(data) else {
            return 0;
        };
        let guarded = rq.headers.contains_key(hyper::header::AUTHORIZATION);
        let shared = if guarded { &self.guarded } else { &self.open };
        let reply = if handlers::exempt(&rq.method, &rq.path) {
            handlers::answer_exempt(&rq.method)
        } else {
            handlers::handle(&rq, shared)
        };
        assert!(
            (100..600).contains(&reply.status),
            "status {}",
            reply.status
        );
        if reply
            .content_type
            .is_some_and(|c| c.starts_with("application/json"))
        {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok(),
                "a JSON reply that is not JSON"
            );
        }
        for (name, value) in &reply.headers {
            assert!(
                hyper::header::HeaderValue::from_str(value).is_ok(),
                "header {name} cannot be sent: {value:?}"
            );
        }
        reply.status
    }
}

/// The request in `data`, as hyper would hand it over (or `None`).
fn parse(data: &[u8]) -> Option<HubRequest> {
    let split = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or((data, &[][..]), |i| (&data[..i], &data[i + 2..]));
    let (head, body) = split;
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let method = hyper::Method::from_bytes(method.as_bytes()).ok()?;
    let uri: hyper::Uri = target.trim().parse().ok()?;
    let mut headers = hyper::HeaderMap::new();
    for line in lines.take(100) {
        let (name, value) = line.split_once(':')?;
        let name = hyper::header::HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
        let value = hyper::header::HeaderValue::from_str(value.trim()).ok()?;
        headers.append(name, value);
    }
    let method = Method::from_http(&method);
    let path = uri.path().to_string();
    let limit = super::server::body_limit(&method, &path);
    if body.len() > limit {
        // The server answers 413 before any handler runs.
        return None;
    }
    Some(HubRequest {
        method,
        path,
        query: uri.query().unwrap_or("").to_string(),
        headers,
        body: bytes::Bytes::copy_from_slice(body),
    })
}
