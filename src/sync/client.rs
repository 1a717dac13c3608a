//! Blocking HTTP client of the /v1 upload protocol (docs/protocol.md), on ureq 3.
//!
//! Every call has timeouts (connect, per read/write stall, response, body)
//! and one total budget for the whole request (connect, send, the whole
//! reply: `request_timeout`, shortened to what is left of a deadline set with
//! [`HubClient::set_deadline`]), so no hub can hold a call longer, not even
//! by trickling its reply a byte at a time. It never follows a redirect, reads 4xx/5xx bodies, and parses replies strictly:
//! a 200 that is not the hub's JSON is [`ClientError::NotAcknowledged`], never
//! success. Retrying, backoff and persistence are the caller's (the relay's).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha1::{Digest as _, Sha1};
use ureq::http::Response;
use ureq::Body;

/// Bodies above this are sent gzip-compressed.
pub const GZIP_ABOVE: usize = 1024;
/// Largest reply body read.
const MAX_REPLY: u64 = 16 * 1024 * 1024;
const TUS: &str = crate::wire::TUS_VERSION;

/// How to reach the hub.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://hub.example/` (or `http://127.0.0.1:8080` on loopback). The
    /// `/v1/...` paths are appended.
    pub base_url: String,
    /// Sent as `Authorization: Bearer TOKEN`; `None` sends no header.
    pub token: Option<String>,
    /// This branch's code.
    pub branch: String,
    /// DNS + TCP + TLS setup.
    pub connect_timeout: Duration,
    /// Longest silence while sending or receiving (per read/write), and the
    /// longest wait for the response headers.
    pub stall_timeout: Duration,
    /// Total budget for sending one body and for receiving one body.
    pub body_timeout: Duration,
    /// Total budget for one request: connect, send, and the whole reply.
    pub request_timeout: Duration,
    /// Longest `Retry-After` honoured (a larger one is cut to this).
    pub retry_after_cap: Duration,
    pub user_agent: String,
    /// PEM file of root certificates to trust INSTEAD of the bundled Mozilla
    /// roots (a private county CA). `None`: webpki roots.
    pub ca_file: Option<PathBuf>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, branch: impl Into<String>) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            token: None,
            branch: branch.into(),
            connect_timeout: Duration::from_secs(20),
            stall_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(600),
            request_timeout: Duration::from_secs(120),
            retry_after_cap: Duration::from_secs(15 * 60),
            user_agent: format!("jingyou/{}", env!("CARGO_PKG_VERSION")),
            ca_file: None,
        }
    }
}

/// What went wrong, classified for the relay.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 401/403: stop the queue and tell the clerk.
    #[error("the hub refused our credentials (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    /// Timeouts, connection failures/resets, 5xx, 408, 429, a truncated
    /// reply. Try again later (after `retry_after` if the hub said so).
    #[error("temporary failure: {reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
        /// The hub was reached but did not finish its reply in time (a
        /// stalled hub, not a missing link).
        stalled: bool,
    },
    /// A reply that is not the hub's acknowledgement: an HTML page (captive
    /// portal), a redirect, the wrong content type, unparsable JSON, missing
    /// or extra results. Retry later; nothing is acknowledged.
    #[error("not an acknowledgement from the hub: {reason}")]
    NotAcknowledged { reason: String },
    /// Another 4xx: the hub refused the request as such (code from the body).
    #[error("the hub refused the request (HTTP {status}, {code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// Bad input or configuration on our side (nothing was sent).
    #[error("{0}")]
    Invalid(String),
    /// Reading a local file to upload failed.
    #[error("reading the attachment: {0}")]
    Local(#[from] std::io::Error),
}

impl ClientError {
    /// Worth trying again later without a human.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::Retryable { .. } | ClientError::NotAcknowledged { .. }
        )
    }

    /// The hub was reached but its reply did not finish in time.
    pub fn is_stall(&self) -> bool {
        matches!(self, ClientError::Retryable { stalled: true, .. })
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Retryable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn retry(reason: impl Into<String>) -> ClientError {
        ClientError::Retryable {
            reason: reason.into(),
            retry_after: None,
            stalled: false,
        }
    }

    fn not_ack(reason: impl Into<String>) -> ClientError {
        ClientError::NotAcknowledged {
            reason: reason.into(),
        }
    }
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub time: String,
    /// Round trip as measured here.
    #[serde(skip)]
    pub elapsed: Duration,
}

use crate::wire::{ApplicationsReply, ChangesReply, ResultsReply};
pub use crate::wire::{
    BranchTally, HubApplication, ItemResult, ItemStatus, Tallies, VoidItem, MAX_BATCH,
    RETRYABLE_REASONS,
};

/// Tus metadata of one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadMeta {
    /// The application's id.
    pub application_id: String,
    pub filename: String,
    /// sha256 of the whole file (hex), if known.
    pub sha256: Option<String>,
}

/// Where the attachment's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum UploadSource<'a> {
    Bytes(&'a [u8]),
    /// Read chunk by chunk (the file must not change while uploading).
    File(&'a Path),
}

/// Reported after creation (offset 0) and after every acknowledged chunk.
/// Persist `url` when it first appears: a later call resumes from it.
#[derive(Debug, Clone, Copy)]
pub struct UploadProgress<'a> {
    pub url: &'a str,
    pub offset: u64,
    pub length: u64,
}

/// The blocking hub client.
pub struct HubClient {
    agent: ureq::Agent,
    /// No request runs past this (`sync --max-wait`).
    deadline: Mutex<Option<Instant>>,
    config: ClientConfig,
    base: String,
    origin: String,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // no token
        f.debug_struct("HubClient")
            .field("base", &self.base)
            .finish()
    }
}

fn header_str<'a>(r: &'a Response<Body>, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

fn header_u64(r: &Response<Body>, name: &str) -> Option<u64> {
    header_str(r, name).and_then(|v| v.trim().parse().ok())
}

/// A batch reply must answer every item sent, in order, and an
/// acknowledgement must carry a receipt; anything else is no answer.
fn check_results(reply: ResultsReply, ids: &[String]) -> Result<Vec<ItemResult>, ClientError> {
    if reply.results.len() != ids.len() {
        return Err(ClientError::not_ack(format!(
            "{} results for {} items",
            reply.results.len(),
            ids.len()
        )));
    }
    for (r, id) in reply.results.iter().zip(ids) {
        if &r.id != id {
            return Err(ClientError::not_ack(format!(
                "result for {:?} where {:?} was expected",
                r.id, id
            )));
        }
        if r.is_acknowledged() && r.receipt.as_deref().is_none_or(str::is_empty) {
            return Err(ClientError::not_ack(format!("no receipt for {id}")));
        }
    }
    Ok(reply.results)
}

/// The offset and length a tus `HEAD` reply gives (offset never past length).
fn offset_of(resp: &Response<Body>) -> Result<(u64, u64), ClientError> {
    match (
        header_u64(resp, "Upload-Offset"),
        header_u64(resp, "Upload-Length"),
    ) {
        (Some(o), Some(l)) if o <= l => Ok((o, l)),
        _ => Err(ClientError::not_ack(
            "HEAD without a sane Upload-Offset/Upload-Length",
        )),
    }
}

/// A page of changes must be this branch's, no longer than asked, every
/// cursor above `from` and above the one before, and the reply's own
/// cursor the last change's (or `from` when none).
fn check_changes(
    r: ChangesReply,
    from: u64,
    limit: usize,
    branch: &str,
) -> Result<ChangesReply, ClientError> {
    if r.changes.len() > limit.clamp(1, crate::wire::MAX_CHANGES) {
        return Err(ClientError::not_ack("more changes than asked for"));
    }
    if r.branch != branch {
        return Err(ClientError::not_ack("changes of another branch"));
    }
    let mut last = from;
    for c in &r.changes {
        match c.cursor.parse::<u64>() {
            Ok(n) if n > last => last = n,
            _ => {
                return Err(ClientError::not_ack(format!(
                    "change cursor {:?} out of order",
                    c.cursor
                )))
            }
        }
    }
    if r.cursor.parse::<u64>().ok() != Some(last) {
        return Err(ClientError::not_ack(format!(
            "reply cursor {:?} is not the last change's",
            r.cursor
        )));
    }
    Ok(r)
}

/// `Retry-After` as seconds or an HTTP date, at most `cap`.
fn retry_after(r: &Response<Body>, cap: Duration) -> Option<Duration> {
    let v = header_str(r, "Retry-After")?.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let delta = when.signed_duration_since(chrono::Utc::now());
        delta.to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}

fn transport_error(e: ureq::Error) -> ClientError {
    use ureq::Error as E;
    let reason = match &e {
        // Reaching the hub is the link; anything later is the hub stalling.
        E::Timeout(t @ (ureq::Timeout::Resolve | ureq::Timeout::Connect)) => {
            format!("timed out ({t:?})")
        }
        E::Timeout(t) => {
            return ClientError::Retryable {
                reason: format!("the hub did not finish its reply in time ({t:?})"),
                retry_after: None,
                stalled: true,
            }
        }
        E::Io(io) => format!("connection failed: {io}"),
        E::HostNotFound => "host not found".into(),
        E::ConnectionFailed => "connection failed".into(),
        E::Tls(m) => format!("TLS: {m} (is the PC's clock right?)"),
        E::Rustls(err) => format!("TLS: {err} (is the PC's clock right?)"),
        E::BodyExceedsLimit(_) => return ClientError::not_ack("the reply is too large"),
        E::TooManyRedirects | E::RedirectFailed => {
            return ClientError::not_ack("the hub answered with a redirect")
        }
        other => format!("{other}"),
    };
    ClientError::retry(reason)
}

fn gzip(data: &[u8]) -> Result<Vec<u8>, ClientError> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)
        .map_err(|e| ClientError::Invalid(format!("gzip: {e}")))?;
    enc.finish()
        .map_err(|e| ClientError::Invalid(format!("gzip: {e}")))
}

impl HubClient {
    pub fn new(config: ClientConfig) -> Result<HubClient, ClientError> {
        let base = config.base_url.trim_end_matches('/').to_string();
        // the http crate's URI parser (ureq's own), not string surgery
        let uri: ureq::http::Uri = base
            .parse()
            .map_err(|e| ClientError::Invalid(format!("hub URL {base} is not a URL: {e}")))?;
        let scheme = match uri.scheme_str() {
            Some(s @ ("http" | "https")) => s.to_string(),
            Some(_) => {
                return Err(ClientError::Invalid(format!(
                    "hub URL {base}: only http and https"
                )))
            }
            None => {
                return Err(ClientError::Invalid(format!(
                    "hub URL {base} has no scheme"
                )))
            }
        };
        let host = uri.authority().map(|a| a.as_str()).unwrap_or("");
        if host.is_empty() {
            return Err(ClientError::Invalid(format!("hub URL {base} has no host")));
        }
        let origin = format!("{scheme}://{host}");
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| ClientError::Invalid(format!("CA file {}: {e}", path.display())))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(ClientError::Invalid(format!(
                            "CA file {}: {e}",
                            path.display()
                        )))
                    }
                }
            }
            if certs.is_empty() {
                return Err(ClientError::Invalid(format!(
                    "CA file {} holds no certificate",
                    path.display()
                )));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let stall = Some(config.stall_timeout);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(config.user_agent.as_str())
            .tls_config(tls.build())
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_send_request(stall)
            .timeout_per_read(stall)
            .timeout_per_write(stall)
            .timeout_recv_response(stall)
            .timeout_send_body(Some(config.body_timeout))
            .timeout_recv_body(Some(config.body_timeout))
            .build()
            .new_agent();
        Ok(HubClient {
            agent,
            deadline: Mutex::new(None),
            config,
            base,
            origin,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Resolves a tus `Location` (absolute URL or absolute path).
    fn resolve(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else if location.starts_with('/') {
            format!("{}{}", self.origin, location)
        } else {
            format!("{}/{}", self.base, location)
        }
    }

    /// No request starts or runs past `deadline` (`None`: no deadline but
    /// each request's own `request_timeout`).
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = deadline;
    }

    /// The total time this request may take.
    fn budget(&self) -> Result<Duration, ClientError> {
        let deadline = *self.deadline.lock().unwrap_or_else(|p| p.into_inner());
        let mut budget = self.config.request_timeout;
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(50) {
                return Err(ClientError::retry(
                    "the time given to this sync is up; the rest waits for the next one",
                ));
            }
            budget = budget.min(left);
        }
        Ok(budget)
    }

    /// The request with its total budget and (if any) the bearer token.
    fn prepare<B>(
        &self,
        rb: ureq::RequestBuilder<B>,
    ) -> Result<ureq::RequestBuilder<B>, ClientError> {
        let rb = rb.config().timeout_global(Some(self.budget()?)).build();
        Ok(match &self.config.token {
            Some(t) => rb.header("Authorization", format!("Bearer {t}")),
            None => rb,
        })
    }

    /// Turns a non-2xx reply into an error; `Ok(resp)` for 2xx.
    fn check_status(&self, mut resp: Response<Body>) -> Result<Response<Body>, ClientError> {
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(resp);
        }
        if (300..400).contains(&status) {
            let to = header_str(&resp, "Location").unwrap_or("?").to_string();
            return Err(ClientError::not_ack(format!(
                "HTTP {status} redirect to {to} (not followed)"
            )));
        }
        let wait = retry_after(&resp, self.config.retry_after_cap);
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let (code, message) = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                Some((
                    e.get("code")?.as_str()?.to_string(),
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                ))
            })
            .unwrap_or_else(|| ("http".into(), format!("HTTP {status}")));
        Err(match status {
            401 | 403 => ClientError::Unauthorized { status, message },
            408 | 429 | 500..=599 => ClientError::Retryable {
                reason: format!("HTTP {status} {code}: {message}"),
                retry_after: wait,
                stalled: false,
            },
            _ => ClientError::Rejected {
                status,
                code,
                message,
            },
        })
    }

    /// Reads a 2xx JSON reply strictly.
    fn read_json<T: DeserializeOwned>(mut resp: Response<Body>) -> Result<T, ClientError> {
        let ct = header_str(&resp, "Content-Type")
            .unwrap_or("")
            .to_ascii_lowercase();
        if !ct.starts_with("application/json") {
            return Err(ClientError::not_ack(format!(
                "HTTP {} with Content-Type {:?}, not JSON (a captive portal or proxy page?)",
                resp.status().as_u16(),
                ct
            )));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_REPLY)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => ClientError::not_ack("the reply is too large"),
                ureq::Error::Timeout(t) => ClientError::Retryable {
                    reason: format!("the hub did not finish its reply in time ({t:?})"),
                    retry_after: None,
                    stalled: true,
                },
                e => ClientError::retry(format!("the reply was cut: {e}")),
            })?;
        serde_json::from_slice(&body)
            .map_err(|e| ClientError::not_ack(format!("the reply is not the hub's JSON: {e}")))
    }

    fn get_json<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, ClientError> {
        let resp = self
            .prepare(self.agent.get(&self.url(path_and_query)))?
            .header("Accept", "application/json")
            .call()
            .map_err(transport_error)?;
        Self::read_json(self.check_status(resp)?)
    }

    fn post_json<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ClientError> {
        let raw = serde_json::to_vec(body).map_err(|e| ClientError::Invalid(e.to_string()))?;
        let rb = self
            .prepare(self.agent.post(&self.url(path)))?
            .header("Accept", "application/json")
            .content_type("application/json");
        let resp = if raw.len() > GZIP_ABOVE {
            let gz = gzip(&raw)?;
            rb.header("Content-Encoding", "gzip").send(&gz[..])
        } else {
            rb.send(&raw[..])
        }
        .map_err(transport_error)?;
        Self::read_json(self.check_status(resp)?)
    }

    /// `GET /v1/health` (no token needed), timed.
    pub fn health(&self) -> Result<Health, ClientError> {
        let start = Instant::now();
        let resp = self
            .agent
            .get(&self.url("/v1/health"))
            .config()
            .timeout_global(Some(self.budget()?))
            .build()
            .call()
            .map_err(transport_error)?;
        let mut h: Health = Self::read_json(self.check_status(resp)?)?;
        if h.status != "ok" {
            return Err(ClientError::not_ack(format!(
                "health status {:?}",
                h.status
            )));
        }
        h.elapsed = start.elapsed();
        Ok(h)
    }

    /// Posts a batch and checks that every id sent has exactly one result, in order.
    fn post_batch(
        &self,
        path: &str,
        key: &str,
        items: Vec<Value>,
    ) -> Result<Vec<ItemResult>, ClientError> {
        if items.len() > MAX_BATCH {
            return Err(ClientError::Invalid(format!(
                "at most {MAX_BATCH} items per batch"
            )));
        }
        let mut ids = Vec::with_capacity(items.len());
        for v in &items {
            match v.get("id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => ids.push(id.to_string()),
                _ => return Err(ClientError::Invalid("an item has no `id`".into())),
            }
        }
        let body = json!({ "branch": self.config.branch, key: items });
        let reply: ResultsReply = self.post_json(path, &body)?;
        check_results(reply, &ids)
    }

    /// `POST /v1/applications`: anything that serialises to the application
    /// JSON (the store's `Application`, or a `serde_json::Value` with
    /// `attachments` added). Gzipped above [`GZIP_ABOVE`] bytes.
    pub fn post_applications<T: Serialize>(
        &self,
        apps: &[T],
    ) -> Result<Vec<ItemResult>, ClientError> {
        let items = apps
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.post_batch("/v1/applications", "applications", items)
    }

    /// `POST /v1/voids`.
    pub fn post_voids(&self, voids: &[VoidItem]) -> Result<Vec<ItemResult>, ClientError> {
        let items = voids
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.post_batch("/v1/voids", "voids", items)
    }

    /// `GET /v1/tallies` for this branch.
    pub fn tallies(&self, from: NaiveDate, to: NaiveDate) -> Result<Tallies, ClientError> {
        self.tallies_for(from, to, Some(&self.config.branch))
    }

    /// `GET /v1/tallies` for one branch or (operator token / open hub) all.
    pub fn tallies_for(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<&str>,
    ) -> Result<Tallies, ClientError> {
        let mut q = format!("/v1/tallies?from={from}&to={to}");
        if let Some(b) = branch {
            q.push_str(&format!("&branch={}", encode_query(b)));
        }
        self.get_json(&q)
    }

    /// `GET /v1/applications` of this branch.
    pub fn applications(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<HubApplication>, ClientError> {
        let q = format!(
            "/v1/applications?branch={}&from={from}&to={to}",
            encode_query(&self.config.branch)
        );
        let r: ApplicationsReply = self.get_json(&q)?;
        Ok(r.applications)
    }

    /// `GET /v1/changes?since=CURSOR&branch=B`: one page of this branch's
    /// review changes. The reply is checked before anyone stores it: every
    /// cursor a number above `since` and above the one before, and the
    /// reply's own cursor the last change's (or `since` when none).
    pub fn changes(&self, since: &str, limit: usize) -> Result<ChangesReply, ClientError> {
        let from: u64 = since
            .parse()
            .map_err(|_| ClientError::Invalid(format!("not a cursor: {since:?}")))?;
        let q = format!(
            "/v1/changes?since={from}&limit={}&branch={}",
            limit.clamp(1, crate::wire::MAX_CHANGES),
            encode_query(&self.config.branch)
        );
        let r: ChangesReply = self.get_json(&q)?;
        check_changes(r, from, limit, &self.config.branch)
    }

    // ------------------------------------------------------------ tus

    fn tus_create(&self, length: u64, meta: &UploadMeta) -> Result<String, ClientError> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
        let mut md = format!(
            "branch {},application {},filename {}",
            b64(&self.config.branch),
            b64(&meta.application_id),
            b64(&meta.filename)
        );
        if let Some(sha) = &meta.sha256 {
            md.push_str(&format!(",sha256 {}", b64(sha)));
        }
        let resp = self
            .prepare(self.agent.post(&self.url("/v1/uploads")))?
            .header("Tus-Resumable", TUS)
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", md)
            .send_empty()
            .map_err(transport_error)?;
        let resp = self.check_status(resp)?;
        if resp.status().as_u16() != 201 {
            return Err(ClientError::not_ack(format!(
                "upload creation answered HTTP {} instead of 201",
                resp.status().as_u16()
            )));
        }
        let loc = header_str(&resp, "Location")
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ClientError::not_ack("upload created without a Location"))?;
        Ok(self.resolve(loc))
    }

    /// `HEAD` an upload: `Ok(Some((offset, length)))`, or `Ok(None)` when the
    /// hub no longer knows it (404/410: create a new one).
    pub fn upload_offset(&self, url: &str) -> Result<Option<(u64, u64)>, ClientError> {
        let resp = self
            .prepare(self.agent.head(url))?
            .header("Tus-Resumable", TUS)
            .call()
            .map_err(transport_error)?;
        if matches!(resp.status().as_u16(), 404 | 410) {
            return Ok(None);
        }
        offset_of(&self.check_status(resp)?).map(Some)
    }

    /// Uploads one attachment by tus, resuming `existing_url` from the hub's
    /// offset if given (a new upload is created when there is none, or the hub
    /// forgot it, or its length differs). Calls `progress` right after
    /// creation (persist the URL then) and after every acknowledged chunk.
    /// Returns the upload URL; its last path segment is the `upload_id`.
    pub fn upload_attachment(
        &self,
        source: UploadSource<'_>,
        meta: &UploadMeta,
        existing_url: Option<&str>,
        chunk_size: usize,
        progress: &mut dyn FnMut(UploadProgress<'_>),
    ) -> Result<String, ClientError> {
        let chunk_size = chunk_size.clamp(1, 8 * 1024 * 1024);
        let mut file = match source {
            UploadSource::File(p) => Some(File::open(p)?),
            UploadSource::Bytes(_) => None,
        };
        let length = match (source, &file) {
            (UploadSource::Bytes(b), _) => b.len() as u64,
            (_, Some(f)) => f.metadata()?.len(),
            _ => 0,
        };
        let mut url = None;
        let mut offset = 0;
        if let Some(u) = existing_url {
            if let Some((o, l)) = self.upload_offset(u)? {
                if l == length {
                    url = Some(u.to_string());
                    offset = o;
                }
            }
        }
        let url = match url {
            Some(u) => u,
            None => {
                let u = self.tus_create(length, meta)?;
                progress(UploadProgress {
                    url: &u,
                    offset: 0,
                    length,
                });
                u
            }
        };
        let mut buf = Vec::with_capacity(chunk_size);
        let mut conflicts = 0;
        let mut mismatches = 0;
        while offset < length {
            let n = chunk_size.min((length - offset) as usize);
            buf.clear();
            match (source, file.as_mut()) {
                (UploadSource::Bytes(b), _) => {
                    buf.extend_from_slice(&b[offset as usize..offset as usize + n])
                }
                (_, Some(f)) => {
                    buf.resize(n, 0);
                    f.seek(SeekFrom::Start(offset))?;
                    f.read_exact(&mut buf)?;
                }
                _ => return Err(ClientError::Invalid("no source".into())),
            }
            let sum = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(&buf));
            let resp = self
                .prepare(self.agent.patch(&url))?
                .header("Tus-Resumable", TUS)
                .header("Upload-Offset", offset.to_string())
                .header("Upload-Checksum", format!("sha1 {sum}"))
                .content_type("application/offset+octet-stream")
                .send(&buf[..])
                .map_err(transport_error)?;
            match resp.status().as_u16() {
                204 => {
                    let new = header_u64(&resp, "Upload-Offset")
                        .filter(|&o| o > offset && o <= length)
                        .ok_or_else(|| ClientError::not_ack("204 without a sane Upload-Offset"))?;
                    offset = new;
                    mismatches = 0;
                    progress(UploadProgress {
                        url: &url,
                        offset,
                        length,
                    });
                }
                409 if conflicts < 3 => {
                    conflicts += 1;
                    match self.upload_offset(&url)? {
                        Some((o, _)) => offset = o,
                        None => return Err(ClientError::retry("the upload vanished; start again")),
                    }
                }
                460 if mismatches < 2 => mismatches += 1,
                460 => {
                    return Err(ClientError::retry(
                        "chunk checksum mismatch, again and again",
                    ))
                }
                404 | 410 => {
                    return Err(ClientError::retry("the hub forgot the upload; start again"))
                }
                _ => {
                    self.check_status(resp)?;
                    return Err(ClientError::not_ack("unexpected 2xx to PATCH"));
                }
            }
        }
        Ok(url)
    }
}

/// Percent-encodes a query value (branch codes are plain, but be safe).
fn encode_query(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// sha256 (hex) of a byte slice, for `attachments[].sha256`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    crate::hub::store::hex(&sha2::Sha256::digest(data))
}

/// The `upload_id` in an upload URL (its last path segment).
pub fn upload_id(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// For the fuzz targets and property tests (`crate::fuzzing`): a hub's
/// reply in `data` (`STATUS`, `Name: value` header lines, an empty line,
/// the body) put through every reading the client does of a reply: the
/// status check, strict JSON of each reply type, batch results against the
/// items sent, `Retry-After`, tus offsets. Each must answer (an error is
/// fine) and a wait is never longer than the cap.
#[doc(hidden)]
pub fn fuzz_reply(data: &[u8]) {
    use std::sync::OnceLock;
    static CLIENT: OnceLock<Option<HubClient>> = OnceLock::new();
    let Some(client) = CLIENT
        .get_or_init(|| HubClient::new(ClientConfig::new("http://127.0.0.1:9", "3301A")).ok())
    else {
        return;
    };
    let (head, body) = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or((data, &[][..]), |i| (&data[..i], &data[i + 2..]));
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let mut lines = head.lines();
    let Some(status) = lines.next().and_then(|l| l.trim().parse::<u16>().ok()) else {
        return;
    };
    let mut headers = Vec::new();
    for line in lines.take(64) {
        let Some((name, value)) = line.split_once(':') else {
            return;
        };
        headers.push((name.trim(), value.trim()));
    }
    let make = || -> Option<Response<Body>> {
        let mut b = ureq::http::Response::builder().status(status);
        for (k, v) in &headers {
            b = b.header(*k, *v);
        }
        b.body(Body::builder().data(body.to_vec())).ok()
    };
    let Some(first) = make() else {
        return;
    };
    let cap = client.config.retry_after_cap;
    if let Some(wait) = retry_after(&first, cap) {
        assert!(wait <= cap, "a wait past the cap");
    }
    let ids = ["a".to_string(), "b".to_string()];
    let Ok(resp) = client.check_status(first) else {
        return;
    };
    if let Ok(reply) = HubClient::read_json::<ResultsReply>(resp) {
        if let Ok(results) = check_results(reply, &ids) {
            assert_eq!(results.len(), ids.len());
        }
    }
    if let Some(r) = make() {
        if let Ok((o, l)) = offset_of(&r) {
            assert!(o <= l);
        }
    }
    if let Some(r) = make() {
        let _ = HubClient::read_json::<Health>(r);
    }
    if let Some(r) = make() {
        let _ = HubClient::read_json::<Tallies>(r);
    }
    if let Some(r) = make() {
        let _ = HubClient::read_json::<ApplicationsReply>(r);
    }
    if let Some(r) = make() {
        if let Ok(Ok(page)) =
            HubClient::read_json::<ChangesReply>(r).map(|c| check_changes(c, 3, 25, "3301A"))
        {
            assert!(page.changes.len() <= 25);
        }
    }
}
