//! The endpoints of /v1 (docs/protocol.md): pure functions from a request
//! whose body was already read (by src/hub/server.rs, within its limits and
//! deadlines) to a [`Reply`]. They run on the hub's bounded blocking pool,
//! because the store (sled) blocks. No HTTP plumbing and no fault injection
//! lives here.

use std::io::Read;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use chrono::{DateTime, NaiveDate};
use serde_json::{json, Value};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use super::review::{NewReview, Review, ReviewOutcome, ReviewState};
use super::store::{canonical_json, hex, NewApp, NewVoid, Outcome, PatchOutcome};
use super::Shared;
use crate::wire::{
    self, reason, ItemResult, ItemStatus, MAX_BATCH, MAX_JSON_BODY, MAX_PATCH_BODY,
    MAX_UPLOAD_LENGTH, TUS_VERSION,
};

/// The request methods the hub knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Head,
    Patch,
    Options,
    Other(String),
}

impl Method {
    pub(crate) fn from_http(m: &hyper::Method) -> Method {
        match *m {
            hyper::Method::GET => Method::Get,
            hyper::Method::POST => Method::Post,
            hyper::Method::HEAD => Method::Head,
            hyper::Method::PATCH => Method::Patch,
            hyper::Method::OPTIONS => Method::Options,
            ref other => Method::Other(other.as_str().to_string()),
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
            Method::Other(m) => m,
        })
    }
}

/// One request, its body read in full.
pub(crate) struct HubRequest {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: hyper::HeaderMap,
    pub body: bytes::Bytes,
}

/// A reply, built before anything is written.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<&'static str>,
    /// Branch for the log line.
    pub branch: Option<String>,
}

impl Reply {
    pub(crate) fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: v.to_string().into_bytes(),
            content_type: Some("application/json; charset=utf-8"),
            branch: None,
        }
    }

    pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> Reply {
        Reply::json(
            status,
            &json!({"error": {"code": code, "message": message.into()}}),
        )
    }

    pub(crate) fn html(status: u16, page: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: page.as_bytes().to_vec(),
            content_type: Some("text/html; charset=utf-8"),
            branch: None,
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            content_type: None,
            branch: None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn branch(mut self, b: Option<&str>) -> Reply {
        if self.branch.is_none() {
            self.branch = b.map(str::to_string);
        }
        self
    }
}

fn header<'a>(rq: &'a HubRequest, name: &str) -> Option<&'a str> {
    rq.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Branch codes: 1..=32 of `[A-Za-z0-9_-]`.
pub(crate) fn valid_branch(b: &str) -> bool {
    wire::valid_branch(b)
}

/// Application ids: 1..=64 of `[A-Za-z0-9_-]` (UUID or ULID).
fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

fn valid_text(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Who is asking: the token's branch, or `None` when the hub has no tokens.
enum Caller {
    Open,
    Branch(String),
    Operator,
    /// `office:NAME`: reads everything, sets review states.
    Office(String),
}

impl Caller {
    /// 403 unless this caller may act for `branch`.
    fn may_act_for(&self, branch: &str) -> Result<(), Reply> {
        match self {
            Caller::Open => Ok(()),
            Caller::Branch(b) if b == branch => Ok(()),
            Caller::Branch(_) => Err(Reply::error(
                403,
                "forbidden",
                "this token belongs to another branch",
            )),
            Caller::Operator | Caller::Office(_) => Err(Reply::error(
                403,
                "forbidden",
                "the operator token may read but not post",
            )),
        }
    }

    /// The office's name when this caller may set review states.
    fn office(&self) -> Result<String, Reply> {
        match self {
            Caller::Open => Ok("hub".to_string()),
            Caller::Office(name) => Ok(name.clone()),
            _ => Err(Reply::error(
                403,
                "forbidden",
                "only an office token (office:NAME in the tokens file) may set review states",
            )),
        }
    }

    /// 403 unless this caller may read `branch` (or all when `None`).
    fn may_read(&self, branch: Option<&str>) -> Result<(), Reply> {
        match (self, branch) {
            (Caller::Open | Caller::Operator | Caller::Office(_), _) => Ok(()),
            (Caller::Branch(b), Some(want)) if b == want => Ok(()),
            (Caller::Branch(_), _) => Err(Reply::error(
                403,
                "forbidden",
                "this token may read its own branch only",
            )),
        }
    }

    fn own_branch(&self) -> Option<&str> {
        match self {
            Caller::Branch(b) => Some(b),
            _ => None,
        }
    }
}

fn authenticate(rq: &HubRequest, shared: &Shared) -> Result<Caller, Reply> {
    let Some(tokens) = &shared.tokens else {
        return Ok(Caller::Open);
    };
    let unauthorized = |m: &str| {
        Reply::error(401, "unauthorized", m)
            .header("WWW-Authenticate", "Bearer realm=\"jingyou-hub\"")
    };
    let Some(value) = header(rq, "Authorization") else {
        return Err(unauthorized("an Authorization: Bearer token is required"));
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    match tokens.branch_for(token) {
        Some("*") => Ok(Caller::Operator),
        Some(b) if b.starts_with("office:") => Ok(Caller::Office(b[7..].to_string())),
        Some(b) => Ok(Caller::Branch(b.to_string())),
        None => Err(unauthorized("the token is not valid")),
    }
}

fn too_large(limit: usize) -> Reply {
    Reply::error(
        413,
        "payload_too_large",
        format!("the body is larger than {limit} bytes"),
    )
}

/// The body, at most `limit` bytes (413 beyond), gunzipped when
/// `Content-Encoding: gzip` (the decoded size is limited too).
fn body(rq: &HubRequest, limit: usize, allow_gzip: bool) -> Result<Vec<u8>, Reply> {
    if rq.body.len() > limit {
        return Err(too_large(limit));
    }
    let encoding = header(rq, "Content-Encoding").map(|s| s.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("identity") | Some("") => Ok(rq.body.to_vec()),
        Some("gzip") if allow_gzip => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&rq.body[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    Reply::error(400, "bad_gzip", format!("the gzip body is broken: {e}"))
                })?;
            if out.len() > limit {
                return Err(too_large(limit));
            }
            Ok(out)
        }
        Some(other) => Err(Reply::error(
            415,
            "unsupported_encoding",
            format!("Content-Encoding {other} is not supported (use gzip)"),
        )),
    }
}

fn read_json(rq: &HubRequest) -> Result<Value, Reply> {
    let ct = header(rq, "Content-Type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.starts_with("application/json") {
        return Err(Reply::error(
            415,
            "unsupported_media_type",
            "Content-Type must be application/json",
        ));
    }
    let body = body(rq, MAX_JSON_BODY, true)?;
    serde_json::from_slice(&body).map_err(|e| {
        Reply::error(
            400,
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// Requests that never wait for a worker, never meet a fault and never touch
/// the store: `GET /v1/health` and tus `OPTIONS`.
pub(crate) fn exempt(method: &Method, path: &str) -> bool {
    (*method == Method::Options && is_uploads(path))
        || (*method == Method::Get && path == "/v1/health")
}

fn is_uploads(path: &str) -> bool {
    path == "/v1/uploads" || path.starts_with("/v1/uploads/")
}

/// The answer to an [`exempt`] request (cheap, no store).
pub(crate) fn answer_exempt(method: &Method) -> Reply {
    if *method == Method::Options {
        tus_options()
    } else {
        health()
    }
}

/// Routes one request to its endpoint.
pub(crate) fn handle(rq: &HubRequest, shared: &Shared) -> Reply {
    let (method, path, query) = (&rq.method, rq.path.as_str(), rq.query.as_str());
    if exempt(method, path) {
        return answer_exempt(method);
    }
    if !path.starts_with("/v1/") {
        return Reply::error(
            404,
            "not_found",
            "unknown path (the protocol lives under /v1/)",
        );
    }
    let caller = match authenticate(rq, shared) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let own = caller.own_branch().map(str::to_string);
    let reply = match (method, path) {
        (Method::Post, "/v1/applications") => post_applications(rq, shared, &caller),
        (Method::Get, "/v1/applications") => get_applications(shared, &caller, query),
        (Method::Post, "/v1/voids") => post_voids(rq, shared, &caller),
        (Method::Get, "/v1/tallies") => get_tallies(shared, &caller, query),
        (Method::Post, "/v1/uploads") => tus_create(rq, shared, &caller),
        (Method::Get, "/v1/changes") => get_changes(shared, &caller, query),
        (Method::Get, "/v1/reviews") => get_reviews(shared, &caller, query),
        (m, p) if review_path(p).is_some() => match (m, review_path(p)) {
            (Method::Post, Some(id)) => post_review(rq, shared, &caller, id),
            (Method::Get, Some(id)) => get_review(shared, &caller, id),
            _ => Reply::error(
                405,
                "method_not_allowed",
                format!("{method} is not allowed here"),
            ),
        },
        (Method::Head, p) if p.starts_with("/v1/uploads/") => {
            tus_head(rq, shared, &caller, &p[12..])
        }
        (Method::Patch, p) if p.starts_with("/v1/uploads/") => {
            tus_patch(rq, shared, &caller, &p[12..])
        }
        (
            _,
            "/v1/applications" | "/v1/voids" | "/v1/tallies" | "/v1/uploads" | "/v1/health"
            | "/v1/changes" | "/v1/reviews",
        ) => Reply::error(
            405,
            "method_not_allowed",
            format!("{method} is not allowed here"),
        ),
        (_, p) if p.starts_with("/v1/uploads/") => Reply::error(
            405,
            "method_not_allowed",
            format!("{method} is not allowed here"),
        ),
        _ => Reply::error(404, "not_found", "unknown path"),
    };
    reply.branch(own.as_deref())
}

fn health() -> Reply {
    Reply::json(
        200,
        &json!({
            "status": "ok",
            "protocol": "v1",
            "version": env!("CARGO_PKG_VERSION"),
            "time": chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        }),
    )
}

fn store_failure(e: impl std::fmt::Display) -> Reply {
    Reply::error(500, "internal", format!("the hub store failed: {e}"))
}

fn item(
    id: &str,
    status: ItemStatus,
    receipt: Option<&str>,
    reason: Option<&str>,
    message: Option<String>,
) -> Value {
    let result = ItemResult {
        id: id.to_string(),
        status,
        receipt: receipt.map(str::to_string),
        reason: reason.map(str::to_string),
        retryable: reason.is_some_and(wire::is_retryable),
        message,
    };
    serde_json::to_value(&result).unwrap_or(Value::Null)
}

/// Takes `{"branch": B, KEY: [...]}` apart.
fn batch<'a>(body: &'a Value, key: &str) -> Result<(&'a str, &'a Vec<Value>), Reply> {
    let branch = body
        .get("branch")
        .and_then(Value::as_str)
        .filter(|b| valid_branch(b))
        .ok_or_else(|| Reply::error(400, "bad_request", "`branch` must be a branch code"))?;
    let items = body
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| Reply::error(400, "bad_request", format!("`{key}` must be an array")))?;
    if items.len() > MAX_BATCH {
        return Err(Reply::error(
            413,
            "batch_too_large",
            format!("at most {MAX_BATCH} items per batch"),
        ));
    }
    Ok((branch, items))
}

/// Validates one application; on failure returns (id as far as known, message).
fn validate_app(v: &Value, branch: &str) -> Result<NewApp, (String, String)> {
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let bad = |m: &str| Err((id.clone(), m.to_string()));
    if !v.is_object() {
        return bad("an application must be a JSON object");
    }
    if !valid_id(&id) {
        return bad("`id` must be 1-64 characters of A-Z a-z 0-9 - _");
    }
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| valid_text(s, 64))
    };
    let Some(number) = text("number") else {
        return bad("`number` is missing or not a short text");
    };
    let Some(service) = text("service") else {
        return bad("`service` is missing or not a short text");
    };
    let Some(date) = v
        .get("date")
        .and_then(Value::as_str)
        .filter(|d| parse_date(d).is_some())
    else {
        return bad("`date` must be YYYY-MM-DD");
    };
    match v.get("branch").and_then(Value::as_str) {
        Some(b) if b == branch => {}
        _ => return Err((id.clone(), reason::BRANCH_MISMATCH.into())),
    }
    let mut for_print = v.clone();
    if let Some(obj) = for_print.as_object_mut() {
        // volatile on the branch side; not part of the content
        obj.remove("void");
        obj.remove("hub_receipt");
    }
    let fingerprint = hex(&Sha256::digest(canonical_json(&for_print).as_bytes()));
    Ok(NewApp {
        id: id.clone(),
        branch: branch.to_string(),
        number: number.to_string(),
        service: service.to_string(),
        date: date.to_string(),
        fingerprint,
        body: v.clone(),
    })
}

/// Checks the `attachments` of an application: `Ok(())`, or (reason, message).
fn check_attachments(
    v: &Value,
    app: &NewApp,
    shared: &Shared,
) -> Result<(), (&'static str, String)> {
    let Some(list) = v.get("attachments") else {
        return Ok(());
    };
    if list.is_null() {
        return Ok(());
    }
    let Some(list) = list.as_array() else {
        return Err((reason::INVALID, "`attachments` must be an array".into()));
    };
    for a in list {
        let upload_id = a.get("upload_id").and_then(Value::as_str).unwrap_or("");
        let sha = a.get("sha256").and_then(Value::as_str).unwrap_or("");
        let size = a.get("size").and_then(Value::as_u64);
        if !valid_id(upload_id) || sha.len() != 64 || size.is_none() {
            return Err((
                reason::INVALID,
                "each attachment needs upload_id, sha256 (64 hex) and size".into(),
            ));
        }
        let up = match shared.store.get_upload(upload_id) {
            Ok(u) => u,
            Err(e) => return Err((reason::ATTACHMENTS_INCOMPLETE, format!("store: {e}"))),
        };
        let Some(up) = up else {
            return Err((
                reason::ATTACHMENTS_INCOMPLETE,
                format!("upload {upload_id} is unknown: upload it (again) first"),
            ));
        };
        if up.branch != app.branch || up.application != app.id {
            return Err((
                reason::ATTACHMENT_MISMATCH,
                format!("upload {upload_id} belongs to another application"),
            ));
        }
        if !up.complete() {
            return Err((
                reason::ATTACHMENTS_INCOMPLETE,
                format!(
                    "upload {upload_id} has {} of {} bytes",
                    up.offset, up.length
                ),
            ));
        }
        if Some(up.length) != size || up.sha256.as_deref() != Some(&sha.to_ascii_lowercase()) {
            return Err((
                reason::ATTACHMENT_MISMATCH,
                format!("upload {upload_id} differs in size or sha256"),
            ));
        }
    }
    Ok(())
}

fn post_applications(rq: &HubRequest, shared: &Shared, caller: &Caller) -> Reply {
    let body = match read_json(rq) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (branch, items) = match batch(&body, "applications") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = caller.may_act_for(branch) {
        return r;
    }
    let mut prepared: Vec<Option<NewApp>> = Vec::with_capacity(items.len());
    let mut early: Vec<Option<Value>> = Vec::with_capacity(items.len());
    for v in items {
        match validate_app(v, branch) {
            Err((id, msg)) => {
                let why = if msg == reason::BRANCH_MISMATCH {
                    reason::BRANCH_MISMATCH
                } else {
                    reason::INVALID
                };
                prepared.push(None);
                early.push(Some(item(
                    &id,
                    ItemStatus::Rejected,
                    None,
                    Some(why),
                    Some(msg),
                )));
            }
            Ok(app) => {
                let known = matches!(shared.store.get_app(&app.id), Ok(Some(_)));
                match if known {
                    Ok(())
                } else {
                    check_attachments(v, &app, shared)
                } {
                    Ok(()) => {
                        prepared.push(Some(app));
                        early.push(None);
                    }
                    Err((reason, msg)) => {
                        early.push(Some(item(
                            &app.id,
                            ItemStatus::Rejected,
                            None,
                            Some(reason),
                            Some(msg),
                        )));
                        prepared.push(None);
                    }
                }
            }
        }
    }
    let outcomes = match shared.store.insert_apps(&prepared) {
        Ok(o) => o,
        Err(e) => return store_failure(e),
    };
    let mut results = Vec::with_capacity(items.len());
    for ((pre, out), app) in early.into_iter().zip(outcomes).zip(&prepared) {
        results.push(match (pre, out, app) {
            (Some(v), _, _) => v,
            (None, Some(o), Some(app)) => outcome_item(&app.id, o),
            _ => item("", ItemStatus::Rejected, None, Some(reason::INVALID), None),
        });
    }
    Reply::json(200, &json!({ "results": results })).branch(Some(branch))
}

fn outcome_item(id: &str, o: Outcome) -> Value {
    match o {
        Outcome::Accepted(r) => item(id, ItemStatus::Accepted, Some(&r), None, None),
        Outcome::Duplicate(r) => item(id, ItemStatus::Duplicate, Some(&r), None, None),
        Outcome::Conflict => item(
            id,
            ItemStatus::Rejected,
            None,
            Some(reason::CONFLICT),
            Some("the hub holds this id with a different content; the first one is kept".into()),
        ),
        Outcome::Unknown => item(
            id,
            ItemStatus::Rejected,
            None,
            Some(reason::UNKNOWN_APPLICATION),
            Some("the hub does not hold this application (yet)".into()),
        ),
        Outcome::OtherBranch => item(
            id,
            ItemStatus::Rejected,
            None,
            Some(reason::BRANCH_MISMATCH),
            Some("the application belongs to another branch".into()),
        ),
    }
}

fn post_voids(rq: &HubRequest, shared: &Shared, caller: &Caller) -> Reply {
    let body = match read_json(rq) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (branch, items) = match batch(&body, "voids") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = caller.may_act_for(branch) {
        return r;
    }
    let mut prepared = Vec::with_capacity(items.len());
    let mut early = Vec::with_capacity(items.len());
    for v in items {
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let reason = v
            .get("reason")
            .and_then(Value::as_str)
            .filter(|r| valid_text(r, 500));
        let at = v
            .get("at")
            .and_then(Value::as_str)
            .filter(|a| DateTime::parse_from_rfc3339(a).is_ok());
        match (valid_id(&id), reason, at) {
            (true, Some(reason), Some(at)) => {
                prepared.push(Some(NewVoid {
                    id: id.clone(),
                    reason: reason.to_string(),
                    at: at.to_string(),
                }));
                early.push(None);
            }
            _ => {
                prepared.push(None);
                early.push(Some(item(
                    &id,
                    ItemStatus::Rejected,
                    None,
                    Some(reason::INVALID),
                    Some("a void needs id, reason (text) and at (RFC 3339)".into()),
                )));
            }
        }
    }
    let outcomes = match shared.store.void_apps(branch, &prepared) {
        Ok(o) => o,
        Err(e) => return store_failure(e),
    };
    let mut results = Vec::with_capacity(items.len());
    for ((pre, out), v) in early.into_iter().zip(outcomes).zip(&prepared) {
        results.push(match (pre, out, v) {
            (Some(x), _, _) => x,
            (None, Some(o), Some(v)) => outcome_item(&v.id, o),
            _ => item("", ItemStatus::Rejected, None, Some(reason::INVALID), None),
        });
    }
    Reply::json(200, &json!({ "results": results })).branch(Some(branch))
}

fn date_range(query: &str) -> Result<(String, String), Reply> {
    let get = |k: &str| {
        query_param(query, k)
            .filter(|d| parse_date(d).is_some())
            .ok_or_else(|| Reply::error(400, "bad_request", format!("`{k}` must be YYYY-MM-DD")))
    };
    let (from, to) = (get("from")?, get("to")?);
    if from > to {
        return Err(Reply::error(400, "bad_request", "`from` is after `to`"));
    }
    Ok((from, to))
}

fn get_tallies(shared: &Shared, caller: &Caller, query: &str) -> Reply {
    let (from, to) = match date_range(query) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let branch = query_param(query, "branch").or_else(|| caller.own_branch().map(str::to_string));
    if let Some(b) = &branch {
        if !valid_branch(b) {
            return Reply::error(400, "bad_request", "`branch` must be a branch code");
        }
    }
    if let Err(r) = caller.may_read(branch.as_deref()) {
        return r;
    }
    let tallies = match shared.store.tallies(&from, &to, branch.as_deref()) {
        Ok(t) => t,
        Err(e) => return store_failure(e),
    };
    let reviews = match shared.store.review_tallies(&from, &to, branch.as_deref()) {
        Ok(t) => t,
        Err(e) => return store_failure(e),
    };
    let total: u64 = tallies.values().map(|d| d.total).sum();
    let branches: Vec<Value> = tallies
        .iter()
        .map(|(b, d)| json!({"branch": b, "total": d.total, "by_service": d.by_service}))
        .collect();
    let reviews: Vec<&crate::wire::ReviewTally> = reviews.values().collect();
    Reply::json(
        200,
        &json!({"from": from, "to": to, "total": total, "branches": branches, "reviews": reviews}),
    )
}

fn get_applications(shared: &Shared, caller: &Caller, query: &str) -> Reply {
    let (from, to) = match date_range(query) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(branch) =
        query_param(query, "branch").or_else(|| caller.own_branch().map(str::to_string))
    else {
        return Reply::error(400, "bad_request", "`branch` is required");
    };
    if !valid_branch(&branch) {
        return Reply::error(400, "bad_request", "`branch` must be a branch code");
    }
    if let Err(r) = caller.may_read(Some(&branch)) {
        return r;
    }
    let apps = match shared.store.list_apps(&branch, &from, &to) {
        Ok(a) => a,
        Err(e) => return store_failure(e),
    };
    let list: Vec<Value> = apps
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "number": a.number, "receipt": a.receipt, "date": a.date,
                "service": a.service, "voided": a.void.is_some(),
            })
        })
        .collect();
    Reply::json(
        200,
        &json!({"branch": branch, "from": from, "to": to, "applications": list}),
    )
}

// ------------------------------------------------------------- review

/// `/v1/applications/{id}/review` → the id.
fn review_path(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/applications/")?
        .strip_suffix("/review")
        .filter(|id| !id.contains('/'))
}

fn unknown_application(id: &str) -> Reply {
    Reply::error(
        404,
        "unknown_application",
        format!(
            "the hub holds no application with id {}",
            id.escape_default()
        ),
    )
}

/// `POST /v1/applications/{id}/review`: `{"review_id", "state", "note"?,
/// "result"?, "materials"?}` with an office token.
fn post_review(rq: &HubRequest, shared: &Shared, caller: &Caller, id: &str) -> Reply {
    let office = match caller.office() {
        Ok(o) => o,
        Err(r) => return r,
    };
    let body = match read_json(rq) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !valid_id(id) {
        return unknown_application(id);
    }
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(state) = text("state") else {
        return Reply::error(400, "bad_request", "`state` is required");
    };
    let Some(state) = ReviewState::parse(&state) else {
        return Reply::error(
            400,
            "bad_request",
            "`state` must be accepted, needs_correction, rejected or completed",
        );
    };
    let materials = match body.get("materials") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(_) => {
            return Reply::error(400, "bad_request", "`materials` must be an array of codes")
        }
    };
    let review = NewReview {
        review_id: text("review_id").unwrap_or_default(),
        app_id: id.to_string(),
        state,
        note: text("note"),
        result: text("result"),
        materials,
        office,
    };
    if let Err(why) = review.check() {
        return Reply::error(400, "bad_request", why);
    }
    match shared.store.review(&review) {
        Ok(ReviewOutcome::Done(rec)) => {
            let mut v = rec.to_json();
            v["duplicate"] = json!(false);
            Reply::json(200, &v).branch(Some(&rec.branch))
        }
        Ok(ReviewOutcome::Duplicate(rec)) => {
            let mut v = rec.to_json();
            v["duplicate"] = json!(true);
            Reply::json(200, &v).branch(Some(&rec.branch))
        }
        Ok(ReviewOutcome::UnknownApplication) => unknown_application(id),
        Ok(ReviewOutcome::Voided) => Reply::error(
            409,
            "voided",
            "the branch voided this application: it cannot be reviewed",
        ),
        Ok(ReviewOutcome::NotAllowed(why)) => Reply::error(409, "transition_not_allowed", why),
        Ok(ReviewOutcome::IdConflict) => Reply::error(
            409,
            "review_id_conflict",
            "this review id was used for a different review",
        ),
        Err(e) => store_failure(e),
    }
}

/// `GET /v1/applications/{id}/review`: the state and history.
fn get_review(shared: &Shared, caller: &Caller, id: &str) -> Reply {
    if !valid_id(id) {
        return unknown_application(id);
    }
    match shared.store.get_review(id) {
        Ok(Some(rec)) => match caller.may_read(Some(&rec.branch)) {
            Ok(()) => Reply::json(200, &rec.to_json()),
            // another branch's id: as if not held
            Err(_) => unknown_application(id),
        },
        Ok(None) => unknown_application(id),
        Err(e) => store_failure(e),
    }
}

/// `?state=S` (or every state not final) and `?branch=B`.
fn review_filter(query: &str) -> Result<(Vec<ReviewState>, Option<String>), Reply> {
    let states = match query_param(query, "state").as_deref() {
        None | Some("") => ReviewState::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .collect(),
        Some("all") => ReviewState::ALL.to_vec(),
        Some(s) => match ReviewState::parse(s) {
            Some(s) => vec![s],
            None => return Err(Reply::error(
                400,
                "bad_request",
                "`state` must be received, accepted, needs_correction, rejected, completed or all",
            )),
        },
    };
    let branch = query_param(query, "branch").filter(|b| !b.is_empty());
    if let Some(b) = &branch {
        if !valid_branch(b) {
            return Err(Reply::error(
                400,
                "bad_request",
                "`branch` must be a branch code",
            ));
        }
    }
    Ok((states, branch))
}

/// `GET /v1/reviews?state=S&branch=B`: the office's work list.
fn get_reviews(shared: &Shared, caller: &Caller, query: &str) -> Reply {
    let (states, branch) = match review_filter(query) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let branch = branch.or_else(|| caller.own_branch().map(str::to_string));
    if let Err(r) = caller.may_read(branch.as_deref()) {
        return r;
    }
    match shared.store.list_reviews(&states, branch.as_deref()) {
        Ok(list) => {
            let list: Vec<Value> = list.iter().map(Review::to_json).collect();
            Reply::json(200, &json!({ "applications": list }))
        }
        Err(e) => store_failure(e),
    }
}

/// `GET /v1/changes?since=CURSOR[&branch=B]`: the branch's review changes
/// after the cursor, in order, a page at a time.
fn get_changes(shared: &Shared, caller: &Caller, query: &str) -> Reply {
    let since = match query_param(query, "since").as_deref() {
        None | Some("") => 0,
        Some(s) => match s.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                return Reply::error(
                    400,
                    "bad_request",
                    "`since` must be a cursor from an earlier reply (or absent)",
                )
            }
        },
    };
    let branch = match (caller, query_param(query, "branch")) {
        (Caller::Branch(own), None) => own.clone(),
        (Caller::Branch(own), Some(b)) if *own == b => b,
        (Caller::Branch(_), Some(_)) => {
            return Reply::error(403, "forbidden", "this token may read its own branch only")
        }
        (_, Some(b)) if valid_branch(&b) => b,
        (_, Some(_)) => return Reply::error(400, "bad_request", "`branch` must be a branch code"),
        (_, None) => return Reply::error(400, "bad_request", "`branch` is required"),
    };
    let limit = match query_param(query, "limit").as_deref() {
        None | Some("") => wire::MAX_CHANGES,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=wire::MAX_CHANGES).contains(&n) => n,
            _ => {
                return Reply::error(
                    400,
                    "bad_request",
                    format!("`limit` must be 1-{}", wire::MAX_CHANGES),
                )
            }
        },
    };
    match shared.store.changes(&branch, since, limit) {
        Ok((changes, more)) => {
            let cursor = changes
                .last()
                .map_or_else(|| since.to_string(), |c| c.cursor.clone());
            let reply = wire::ChangesReply {
                branch: branch.clone(),
                changes,
                cursor,
                more,
            };
            match serde_json::to_value(&reply) {
                Ok(v) => Reply::json(200, &v).branch(Some(&branch)),
                Err(e) => store_failure(e),
            }
        }
        Err(e) => store_failure(e),
    }
}

// ---------------------------------------------------------------- tus

fn tus_options() -> Reply {
    Reply::empty(204)
        .header("Tus-Version", TUS_VERSION)
        .header("Tus-Extension", wire::TUS_EXTENSIONS)
        .header("Tus-Max-Size", MAX_UPLOAD_LENGTH.to_string())
        .header("Tus-Checksum-Algorithm", wire::TUS_CHECKSUM_ALGORITHM)
}

fn tus_version_ok(rq: &HubRequest) -> Result<(), Reply> {
    match header(rq, "Tus-Resumable") {
        Some(v) if v.trim() == TUS_VERSION => Ok(()),
        _ => Err(
            Reply::error(412, "tus_version", "Tus-Resumable: 1.0.0 is required")
                .header("Tus-Version", TUS_VERSION),
        ),
    }
}

/// `key base64,key base64` (values may be absent).
fn parse_metadata(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in s.split(',') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .map_err(|_| format!("metadata {k}: value is not base64"))?;
        let v =
            String::from_utf8(bytes).map_err(|_| format!("metadata {k}: value is not UTF-8"))?;
        out.push((k.to_string(), v));
    }
    Ok(out)
}

fn tus_create(rq: &HubRequest, shared: &Shared, caller: &Caller) -> Reply {
    if let Err(r) = tus_version_ok(rq) {
        return r;
    }
    if header(rq, "Upload-Defer-Length").is_some() {
        return Reply::error(400, "bad_request", "Upload-Defer-Length is not supported");
    }
    let Some(length) = header(rq, "Upload-Length").and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return Reply::error(400, "bad_request", "Upload-Length is required");
    };
    if length > MAX_UPLOAD_LENGTH {
        return Reply::error(
            413,
            "payload_too_large",
            format!("attachments are limited to {MAX_UPLOAD_LENGTH} bytes"),
        );
    }
    let meta = match parse_metadata(header(rq, "Upload-Metadata").unwrap_or("")) {
        Ok(m) => m,
        Err(e) => return Reply::error(400, "bad_request", e),
    };
    let get = |k: &str| meta.iter().find(|(mk, _)| mk == k).map(|(_, v)| v.clone());
    let Some(branch) = get("branch").filter(|b| valid_branch(b)) else {
        return Reply::error(400, "bad_request", "Upload-Metadata needs `branch`");
    };
    let Some(application) = get("application").filter(|a| valid_id(a)) else {
        return Reply::error(
            400,
            "bad_request",
            "Upload-Metadata needs `application` (the application id)",
        );
    };
    let Some(filename) = get("filename").filter(|f| valid_text(f, 200)) else {
        return Reply::error(400, "bad_request", "Upload-Metadata needs `filename`");
    };
    let declared = get("sha256").map(|s| s.to_ascii_lowercase());
    if let Err(r) = caller.may_act_for(&branch) {
        return r;
    }
    // a creation-with-upload body is not supported: drain and ignore it
    let _ = body(rq, MAX_PATCH_BODY, false);
    match shared
        .store
        .create_upload(&branch, &application, &filename, length, declared)
    {
        Ok(up) => Reply::empty(201)
            .header("Location", format!("/v1/uploads/{}", up.id))
            .header("Upload-Offset", "0")
            .branch(Some(&branch)),
        Err(e) => store_failure(e),
    }
}

fn load_upload(shared: &Shared, caller: &Caller, id: &str) -> Result<super::store::Upload, Reply> {
    let gone = || Reply::error(404, "not_found", "no such upload: create a new one");
    if !valid_id(id) {
        return Err(gone());
    }
    let up = shared
        .store
        .get_upload(id)
        .map_err(store_failure)?
        .ok_or_else(gone)?;
    caller.may_act_for(&up.branch)?;
    Ok(up)
}

fn tus_head(rq: &HubRequest, shared: &Shared, caller: &Caller, id: &str) -> Reply {
    if let Err(r) = tus_version_ok(rq) {
        return r;
    }
    match load_upload(shared, caller, id) {
        Ok(up) => Reply::empty(200)
            .header("Upload-Offset", up.offset.to_string())
            .header("Upload-Length", up.length.to_string())
            .branch(Some(&up.branch)),
        Err(r) => r,
    }
}

fn tus_patch(rq: &HubRequest, shared: &Shared, caller: &Caller, id: &str) -> Reply {
    shared.stats.patches.fetch_add(1, Ordering::Relaxed);
    if let Err(r) = tus_version_ok(rq) {
        return r;
    }
    let ct = header(rq, "Content-Type")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct != "application/offset+octet-stream" {
        return Reply::error(
            415,
            "unsupported_media_type",
            "Content-Type must be application/offset+octet-stream",
        );
    }
    let Some(offset) = header(rq, "Upload-Offset").and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return Reply::error(400, "bad_request", "Upload-Offset is required");
    };
    let checksum = header(rq, "Upload-Checksum").map(str::to_string);
    let up = match load_upload(shared, caller, id) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let data = match body(rq, MAX_PATCH_BODY, false) {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Some(c) = checksum {
        let (algo, value) = c.trim().split_once(' ').unwrap_or((c.trim(), ""));
        if !algo.eq_ignore_ascii_case("sha1") {
            return Reply::error(400, "bad_request", "only sha1 checksums are supported");
        }
        let ours = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(&data));
        if ours != value.trim() {
            return Reply::error(
                wire::STATUS_CHECKSUM_MISMATCH,
                "checksum_mismatch",
                "the chunk's sha1 does not match; it was discarded",
            )
            .header("Upload-Offset", up.offset.to_string())
            .branch(Some(&up.branch));
        }
    }
    match shared.store.patch_upload(id, offset, &data) {
        Ok(PatchOutcome::Written(n)) => {
            shared
                .stats
                .patch_bytes
                .fetch_add(data.len() as u64, Ordering::Relaxed);
            Reply::empty(204)
                .header("Upload-Offset", n.to_string())
                .branch(Some(&up.branch))
        }
        Ok(PatchOutcome::OffsetMismatch(cur)) => Reply::error(
            409,
            "offset_mismatch",
            format!("the upload is at offset {cur}"),
        )
        .header("Upload-Offset", cur.to_string())
        .branch(Some(&up.branch)),
        Ok(PatchOutcome::TooLong) => {
            Reply::error(400, "bad_request", "the chunk goes past Upload-Length")
        }
        Ok(PatchOutcome::NotFound) => {
            Reply::error(404, "not_found", "no such upload: create a new one")
        }
        Err(e) => store_failure(e),
    }
}
