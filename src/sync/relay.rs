//! The outbox relay: sends what is pending when the link allows, and
//! reports only through a callback (a channel in the TUI, a progress bar in
//! `jingyou sync`).
//!
//! Rules (DESIGN.md §5): nothing leaves the store before the hub
//! acknowledges it; no persistent "sending" state; exponential backoff with
//! full jitter and a cap, honouring Retry-After; 401/403 stop the queue; a
//! reply that is not the hub's JSON is never an acknowledgement; a rejected
//! record is quarantined and the rest keep moving; attachments go first and
//! resume from the hub's offset.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::config::Config;
use crate::store::{Application, Decision, Store};
use crate::sync::client::{
    ClientConfig, ClientError, HubClient, ItemResult, ItemStatus, UploadMeta, UploadSource,
    VoidItem, MAX_BATCH, RETRYABLE_REASONS,
};
pub use crate::sync::error_kind::SyncErrorKind;

/// What the UI (or a `sync` command) asks of the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Send now, ignoring the backoff schedule.
    Now,
    /// Something new is due (a finish, a retried entry): a pass now, with
    /// the backoff of the rest kept.
    Due,
    /// Finish the current request and stop.
    Shutdown,
}

/// How the link looks from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// No hub configured (or a training store): the queue simply waits.
    NoHub,
    /// Not tried yet.
    Unknown,
    Online,
    /// Answers, but slowly (more than [`SLOW`] for a request).
    Slow,
    /// No answer, or errors.
    Offline,
    /// The hub was reached but did not finish its reply in time.
    Stalled,
    /// 401/403: the queue is stopped until support fixes the token.
    Refused,
}

impl LinkState {
    /// The state after a failed request: stalled or offline.
    pub fn after(e: &ClientError) -> LinkState {
        if e.is_stall() {
            LinkState::Stalled
        } else {
            LinkState::Offline
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            LinkState::NoHub => "link.no_hub",
            LinkState::Unknown => "link.unknown",
            LinkState::Online => "link.online",
            LinkState::Slow => "link.slow",
            LinkState::Offline => "link.offline",
            LinkState::Stalled => "link.stalled",
            LinkState::Refused => "link.refused",
        }
    }
}

/// Pages of `GET /v1/changes` pulled in one pass, at most.
pub const MAX_CHANGE_PAGES: usize = 200;

/// A request slower than this makes the link "slow".
pub const SLOW: Duration = Duration::from_secs(3);

/// What the relay reports as it works.
#[derive(Debug, Clone, PartialEq)]
pub enum RelayEvent {
    Link(LinkState),
    /// Applications handled so far in this pass, of how many were due.
    Progress {
        done: usize,
        due: usize,
    },
    /// Bytes of one attachment acknowledged by the hub.
    Attachment {
        name: String,
        sent: u64,
        total: u64,
    },
    Done(PassReport),
}

/// The outcome of one pass over the queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    pub acknowledged: usize,
    pub quarantined: usize,
    pub failed: usize,
    pub voids_sent: usize,
    /// Review changes pulled from the hub and stored in this pass.
    pub changes_pulled: usize,
    /// Customer notices handed to the notify command and sent.
    pub notices_sent: usize,
    /// Still pending after the pass (quarantined ones are not pending).
    pub pending: u64,
    pub next_try: Option<DateTime<FixedOffset>>,
    /// Set when the hub refused our credentials.
    pub refused: Option<String>,
    /// English detail of the last error, for the log and `doctor`.
    pub last_error: Option<String>,
    /// What kind of error it was, for the screen (in the UI's words).
    pub error_kind: Option<SyncErrorKind>,
    pub link: Option<LinkState>,
}

/// Where the hub is and how to reach it, from config and environment
/// (`JINGYOU_HUB_URL`, `JINGYOU_HUB_TOKEN` win). `None`: no hub configured.
pub fn client_config(config: &Config, branch: &str) -> Result<Option<ClientConfig>, String> {
    let url = std::env::var("JINGYOU_HUB_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| config.hub.url.clone());
    let Some(url) = url else {
        return Ok(None);
    };
    let token = match std::env::var("JINGYOU_HUB_TOKEN")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        Some(t) => Some(t.trim().to_string()),
        None => match &config.hub.token_file {
            Some(f) => Some(
                std::fs::read_to_string(f)
                    .map_err(|e| format!("{}: {e}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        },
    };
    let mut c = ClientConfig::new(url, branch);
    c.token = token;
    c.connect_timeout = Duration::from_millis(config.sync.connect_timeout_ms.max(1));
    c.stall_timeout = Duration::from_millis(config.sync.stall_timeout_ms.max(1));
    c.request_timeout = Duration::from_millis(config.sync.request_timeout_ms.max(1));
    c.retry_after_cap = Duration::from_millis(config.sync.backoff_cap_ms.max(1));
    c.ca_file = config.hub.ca_file.clone();
    Ok(Some(c))
}

/// Backoff with full jitter: a random delay in `[0, min(cap, base·2^attempts)]`.
pub fn backoff(attempts: u32, base: Duration, cap: Duration, random: u64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempts.min(20));
    let ceiling = exp.min(cap).as_millis() as u64;
    Duration::from_millis(if ceiling == 0 {
        0
    } else {
        random % (ceiling + 1)
    })
}

fn random() -> u64 {
    let b = *uuid::Uuid::new_v4().as_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// Tuning of one relay.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// tus chunk size.
    pub chunk: usize,
    /// Days after which acknowledged personal data is purged (0 = never).
    pub retention_days: u32,
    /// Days acknowledged applications stay in the working store (0 = always).
    pub keep_days: u32,
    /// Review changes per `GET /v1/changes`.
    pub changes_page: usize,
    /// The customer notices' command.
    pub notify: crate::notify::NotifySettings,
}

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            backoff_base: Duration::from_millis(c.sync.backoff_base_ms),
            backoff_cap: Duration::from_millis(c.sync.backoff_cap_ms.max(c.sync.backoff_base_ms)),
            chunk: 32 * 1024,
            retention_days: c.retention.days,
            keep_days: c.store.keep_days,
            changes_page: c.sync.changes_page.clamp(1, crate::wire::MAX_CHANGES),
            notify: crate::notify::NotifySettings {
                command: c.notify.command.clone(),
                timeout: Duration::from_secs(c.notify.timeout_secs.max(1)),
                backoff_base: Duration::from_millis(c.sync.backoff_base_ms),
                backoff_cap: Duration::from_millis(
                    c.sync.backoff_cap_ms.max(c.sync.backoff_base_ms),
                ),
            },
        }
    }
}

/// The application as the hub wants it: our record, with attachments as
/// `{upload_id, sha256, size}` and no local paths.
fn wire(app: &Application, uploads: &[(String, String, u64)]) -> Value {
    let mut v = serde_json::to_value(app).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("attachments");
        m.remove("hub_receipt");
        m.remove("purged");
        if !uploads.is_empty() {
            let list: Vec<Value> = uploads
                .iter()
                .map(|(id, sha, size)| json!({"upload_id": id, "sha256": sha, "size": size}))
                .collect();
            m.insert("attachments".into(), Value::Array(list));
        }
    }
    v
}

/// One relay: a store, a hub, a clock.
pub struct Relay<'a> {
    pub store: &'a Store,
    pub client: &'a HubClient,
    pub settings: Settings,
    pub clock: Clock,
    pub data_dir: std::path::PathBuf,
    /// Applications per request; adapts to the link.
    pub batch: usize,
}

impl Relay<'_> {
    fn later(&self, attempts: u32, retry_after: Option<Duration>) -> DateTime<FixedOffset> {
        let mut d = backoff(
            attempts,
            self.settings.backoff_base,
            self.settings.backoff_cap,
            random(),
        );
        if let Some(r) = retry_after {
            d = d.max(r);
        }
        self.clock.now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
    }

    fn fail_all(&self, keys: &[(String, u32)], why: &str, retry_after: Option<Duration>) {
        for (k, attempts) in keys {
            let _ = self
                .store
                .record_failure(k, why, Some(self.later(*attempts, retry_after)));
        }
        let _ = self.store.flush();
    }

    /// Uploads an application's attachments (resuming), giving
    /// `(upload_id, sha256, size)` of each.
    fn upload_attachments(
        &self,
        key: &str,
        app: &Application,
        known: &std::collections::BTreeMap<String, String>,
        on: &mut dyn FnMut(RelayEvent),
    ) -> Result<Vec<(String, String, u64)>, ClientError> {
        let mut out = Vec::new();
        for a in &app.attachments {
            let path = self.data_dir.join(&a.path);
            let meta = UploadMeta {
                application_id: app.id.clone(),
                filename: a.name.clone(),
                sha256: Some(a.sha256.clone()),
            };
            let mut remembered = known.get(&a.sha256).cloned();
            let store = self.store;
            let url = self.client.upload_attachment(
                UploadSource::File(&path),
                &meta,
                known.get(&a.sha256).map(String::as_str),
                self.settings.chunk,
                &mut |p| {
                    if remembered.as_deref() != Some(p.url) {
                        let _ = store.remember_upload(key, &a.sha256, p.url);
                        remembered = Some(p.url.to_string());
                    }
                    on(RelayEvent::Attachment {
                        name: a.name.clone(),
                        sent: p.offset,
                        total: p.length,
                    });
                },
            )?;
            out.push((
                crate::sync::client::upload_id(&url).to_string(),
                a.sha256.clone(),
                a.size,
            ));
        }
        Ok(out)
    }

    /// One pass over everything due (or everything pending with
    /// `ignore_backoff`), then the voids.
    pub fn pass(&mut self, ignore_backoff: bool, on: &mut dyn FnMut(RelayEvent)) -> PassReport {
        let mut report = PassReport::default();
        let now = self.clock.now();
        let due_total = self.store.count_due(now, ignore_backoff).unwrap_or(0);
        let mut done = 0;
        let mut after: Option<String> = None;
        'batches: loop {
            let batch = match self.store.due_after(
                after.as_deref(),
                now,
                ignore_backoff,
                self.batch.clamp(1, MAX_BATCH),
            ) {
                Ok(b) => b,
                Err(e) => {
                    report.last_error = Some(e.to_string());
                    report.error_kind = Some(SyncErrorKind::Store);
                    break;
                }
            };
            if batch.is_empty() {
                break;
            }
            after = batch.last().map(|(k, _)| k.clone());
            // Attachments first; an application goes only with all of them.
            let mut wires = Vec::new();
            let mut keys = Vec::new();
            for (key, entry) in &batch {
                let app = match self.store.application_at(key) {
                    Ok(Some(a)) => a,
                    Ok(None) => {
                        let _ = self.store.quarantine(key, "application record missing");
                        report.quarantined += 1;
                        continue;
                    }
                    Err(e) => {
                        let _ = self
                            .store
                            .quarantine(key, &format!("unreadable record: {e}"));
                        report.quarantined += 1;
                        continue;
                    }
                };
                match self.upload_attachments(key, &app, &entry.uploads, on) {
                    Ok(uploads) => {
                        wires.push(wire(&app, &uploads));
                        keys.push((key.clone(), entry.attempts));
                    }
                    Err(ClientError::Unauthorized { status, message }) => {
                        report.refused = Some(format!("HTTP {status}: {message}"));
                        report.error_kind = Some(SyncErrorKind::Refused);
                        report.link = Some(LinkState::Refused);
                        break 'batches;
                    }
                    Err(ClientError::Local(e)) => {
                        let _ = self
                            .store
                            .quarantine(key, &format!("attachment unreadable: {e}"));
                        report.quarantined += 1;
                    }
                    Err(e) => {
                        report.failed += 1;
                        report.last_error = Some(e.to_string());
                        report.error_kind = Some(SyncErrorKind::of(&e));
                        report.link = Some(LinkState::after(&e));
                        self.fail_all(
                            &[(key.clone(), entry.attempts)],
                            &e.to_string(),
                            e.retry_after(),
                        );
                        break 'batches;
                    }
                }
            }
            if wires.is_empty() {
                continue;
            }
            let started = Instant::now();
            match self.client.post_applications(&wires) {
                Ok(results) => {
                    let took = started.elapsed();
                    report.link = Some(if took > SLOW {
                        LinkState::Slow
                    } else {
                        LinkState::Online
                    });
                    on(RelayEvent::Link(report.link.unwrap_or(LinkState::Online)));
                    let decisions: Vec<(String, Decision)> = results
                        .iter()
                        .zip(&keys)
                        .map(|(r, (key, attempts))| {
                            (key.clone(), decide(r, || self.later(*attempts, None)))
                        })
                        .collect();
                    match self.store.settle(&decisions) {
                        Ok((acked, quarantined, retried)) => {
                            report.acknowledged += acked;
                            report.quarantined += quarantined;
                            report.failed += retried;
                        }
                        Err(e) => {
                            report.last_error = Some(e.to_string());
                            report.error_kind = Some(SyncErrorKind::Store);
                            break;
                        }
                    }
                    // Batches sized to the link: about 10 s a request.
                    if took < Duration::from_secs(2) {
                        self.batch = (self.batch * 2).min(MAX_BATCH);
                    } else if took > Duration::from_secs(10) {
                        self.batch = (self.batch / 2).max(1);
                    }
                }
                Err(ClientError::Unauthorized { status, message }) => {
                    report.refused = Some(format!("HTTP {status}: {message}"));
                    report.error_kind = Some(SyncErrorKind::Refused);
                    report.link = Some(LinkState::Refused);
                    on(RelayEvent::Link(LinkState::Refused));
                    break;
                }
                Err(ClientError::Rejected {
                    status,
                    code,
                    message,
                }) if keys.len() > 1 => {
                    // The request as such was refused (e.g. too large):
                    // smaller batches; nothing is marked.
                    self.batch = (keys.len() / 2).max(1);
                    after = None;
                    report.last_error = Some(format!("HTTP {status} {code}: {message}"));
                    report.error_kind = Some(SyncErrorKind::Rejected);
                    continue;
                }
                Err(ClientError::Rejected {
                    status,
                    code,
                    message,
                }) => {
                    let why = format!("HTTP {status} {code}: {message}");
                    for (k, _) in &keys {
                        let _ = self.store.quarantine(k, &why);
                        report.quarantined += 1;
                    }
                    report.last_error = Some(why);
                    report.error_kind = Some(SyncErrorKind::Rejected);
                }
                Err(e) => {
                    let why = e.to_string();
                    self.fail_all(&keys, &why, e.retry_after());
                    report.failed += keys.len();
                    report.last_error = Some(why);
                    report.error_kind = Some(SyncErrorKind::of(&e));
                    report.link = Some(LinkState::after(&e));
                    on(RelayEvent::Link(LinkState::after(&e)));
                    self.batch = (self.batch / 2).max(1);
                    break;
                }
            }
            done += keys.len();
            on(RelayEvent::Progress {
                done,
                due: due_total,
            });
        }
        if report.refused.is_none()
            && !matches!(report.link, Some(LinkState::Offline | LinkState::Stalled))
        {
            report.voids_sent = self.send_voids(ignore_backoff, &mut report);
        }
        // The office's answers come back on every pass that reached the
        // hub (after the uploads, so a pass that just uploaded hears of it).
        if report.refused.is_none()
            && !matches!(report.link, Some(LinkState::Offline | LinkState::Stalled))
        {
            self.pull_changes(&mut report);
        }
        // The customers hear of it: notices made by those changes (and any
        // left from before) go to the notify command.
        let sent = crate::notify::send_due(self.store, &self.settings.notify, self.clock.now());
        report.notices_sent = sent.sent;
        if let Some(e) = sent.last_error {
            crate::log::warn(&format!("notify: {e}"));
        }
        if report.acknowledged > 0 {
            // Old applications just acknowledged leave the working store
            // in the same pass.
            if let Err(e) = self
                .store
                .evict_due(self.clock.today(), self.settings.keep_days)
            {
                crate::log::warn(&format!("store: eviction: {e}"));
            }
        }
        if let Some(e) = report.refused.as_ref().or(report.last_error.as_ref()) {
            crate::log::warn(&format!("upload: {e}"));
        }
        if report.acknowledged + report.quarantined > 0 {
            crate::log::info(&format!(
                "upload: {} acknowledged, {} quarantined",
                report.acknowledged, report.quarantined
            ));
        }
        report.pending = self.store.pending_count().unwrap_or(0);
        report.next_try = self.store.next_try().ok().flatten();
        report
    }

    /// Pulls the branch's review changes from the stored cursor, a page at
    /// a time; each page and its cursor are one journal record.
    fn pull_changes(&self, report: &mut PassReport) {
        // bounded: a branch a long way behind catches up over passes
        for _ in 0..MAX_CHANGE_PAGES {
            let since = match self.store.review_cursor() {
                Ok(c) => c,
                Err(e) => {
                    report.last_error = Some(e.to_string());
                    report.error_kind = Some(SyncErrorKind::Store);
                    return;
                }
            };
            let started = Instant::now();
            let page = match self.client.changes(&since, self.settings.changes_page) {
                Ok(p) => p,
                Err(ClientError::Unauthorized { status, message }) => {
                    report.refused = Some(format!("HTTP {status}: {message}"));
                    report.error_kind = Some(SyncErrorKind::Refused);
                    report.link = Some(LinkState::Refused);
                    return;
                }
                Err(e) => {
                    report.last_error = Some(format!("changes: {e}"));
                    report.error_kind = Some(SyncErrorKind::of(&e));
                    if e.is_retryable() {
                        report.link = Some(LinkState::after(&e));
                    }
                    return;
                }
            };
            if report.link.is_none() {
                report.link = Some(if started.elapsed() > SLOW {
                    LinkState::Slow
                } else {
                    LinkState::Online
                });
            }
            if page.changes.is_empty() && page.cursor == since {
                return;
            }
            match self.store.record_changes(&page.changes, &page.cursor) {
                Ok(n) => report.changes_pulled += n,
                Err(e) => {
                    report.last_error = Some(e.to_string());
                    report.error_kind = Some(SyncErrorKind::Store);
                    return;
                }
            }
            if !page.more {
                return;
            }
        }
    }

    fn send_voids(&self, ignore_backoff: bool, report: &mut PassReport) -> usize {
        let now = self.clock.now();
        let Ok(all) = self.store.void_queue() else {
            return 0;
        };
        let due: Vec<_> = all
            .into_iter()
            .filter(|(_, v)| ignore_backoff || v.next_try.is_none_or(|t| t <= now))
            .collect();
        let mut sent = 0;
        for chunk in due.chunks(MAX_BATCH) {
            let items: Vec<VoidItem> = chunk
                .iter()
                .map(|(_, v)| VoidItem {
                    id: v.id.clone(),
                    reason: v.reason.clone(),
                    at: v.at.to_rfc3339(),
                })
                .collect();
            match self.client.post_voids(&items) {
                Ok(results) => {
                    let mut taken = Vec::new();
                    for (r, (key, v)) in results.iter().zip(chunk) {
                        if r.is_acknowledged() {
                            taken.push(key.clone());
                        } else {
                            let why = r.reason.clone().unwrap_or_else(|| "rejected".into());
                            let _ = self.store.void_failed(
                                key,
                                &why,
                                Some(self.later(v.attempts, None)),
                            );
                        }
                    }
                    match self.store.voids_acknowledged(&taken) {
                        Ok(()) => sent += taken.len(),
                        Err(e) => {
                            report.last_error = Some(e.to_string());
                            report.error_kind = Some(SyncErrorKind::Store);
                            break;
                        }
                    }
                }
                Err(ClientError::Unauthorized { status, message }) => {
                    report.refused = Some(format!("HTTP {status}: {message}"));
                    report.error_kind = Some(SyncErrorKind::Refused);
                    report.link = Some(LinkState::Refused);
                    break;
                }
                Err(e) => {
                    for (key, v) in chunk {
                        let _ = self.store.void_failed(
                            key,
                            &e.to_string(),
                            Some(self.later(v.attempts, e.retry_after())),
                        );
                    }
                    report.last_error = Some(e.to_string());
                    report.error_kind = Some(SyncErrorKind::of(&e));
                    break;
                }
            }
        }
        sent
    }
}

/// What becomes of one application from its item in the hub's reply: a
/// pure function, so every reply shape is tested without a hub or store.
/// `retry_at` gives the next try for a retryable refusal.
pub fn decide(r: &ItemResult, retry_at: impl FnOnce() -> DateTime<FixedOffset>) -> Decision {
    match r.status {
        ItemStatus::Accepted | ItemStatus::Duplicate => {
            Decision::Acknowledge(r.receipt.clone().unwrap_or_default())
        }
        ItemStatus::Rejected => {
            let reason = r.reason.clone().unwrap_or_else(|| "rejected".into());
            let text = match &r.message {
                Some(m) => format!("{reason}: {m}"),
                None => reason.clone(),
            };
            if r.retryable || RETRYABLE_REASONS.contains(&reason.as_str()) {
                Decision::RetryAt(retry_at(), text)
            } else {
                Decision::Quarantine(text)
            }
        }
    }
}

/// Old audit lines out of the working store, then the retention purge as
/// its own daily job: the purge runs at most once per
/// branch day (remembered in the store), outside the upload pass.
pub fn retention_job(
    store: &Store,
    settings: &Settings,
    clock: &Clock,
    data_dir: &std::path::Path,
) {
    // Old audit lines leave the working store too (cheap when none is
    // due: the scan stops at the first line that stays).
    if let Err(e) = store.evict_audit_due(clock.today(), settings.keep_days) {
        crate::log::warn(&format!("store: audit eviction: {e}"));
    }
    if settings.retention_days == 0 {
        return;
    }
    match crate::retention::purge_daily(store, settings.retention_days, clock.today(), data_dir) {
        Ok(Some(n)) if n > 0 => crate::log::info(&format!(
            "retention: purged personal data of {n} applications"
        )),
        Ok(_) => {}
        Err(e) => crate::log::warn(&format!("retention: {e}")),
    }
}

/// The relay thread of the TUI: a pass when something is due or the clerk
/// asks, sleeping in between; events go to `on`. Stops on `Shutdown` or
/// when the wake channel closes.
pub fn run_thread(
    store: Store,
    client: HubClient,
    settings: Settings,
    clock: Clock,
    data_dir: std::path::PathBuf,
    wake: Receiver<Wake>,
    mut on: impl FnMut(RelayEvent) + Send + 'static,
) {
    let mut relay = Relay {
        store: &store,
        client: &client,
        settings,
        clock,
        data_dir,
        batch: 20,
    };
    let mut force = false;
    let mut stopped = false;
    loop {
        if !stopped || force {
            let report = relay.pass(force, &mut on);
            stopped = report.refused.is_some();
            on(RelayEvent::Done(report));
        }
        retention_job(relay.store, &relay.settings, &relay.clock, &relay.data_dir);
        force = false;
        // Sleep until the next try, or a minute (a link probe), or a wake.
        let wait = match relay.store.next_try().ok().flatten() {
            Some(t) => (t - clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_secs(600)),
            None => Duration::from_secs(60),
        }
        .max(Duration::from_millis(200));
        match wake.recv_timeout(wait) {
            Ok(Wake::Now) => force = true,
            Ok(Wake::Due) => {}
            Ok(Wake::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_has_full_jitter_under_a_cap() {
        let base = Duration::from_secs(5);
        let cap = Duration::from_secs(900);
        assert_eq!(backoff(0, base, cap, 0), Duration::ZERO);
        assert_eq!(backoff(0, base, cap, 5000), Duration::from_millis(5000));
        assert_eq!(
            backoff(0, base, cap, 5001),
            Duration::ZERO,
            "wraps inside [0, base]"
        );
        // attempts 3: ceiling 40 s
        assert!(backoff(3, base, cap, u64::MAX) <= Duration::from_secs(40));
        // far attempts never exceed the cap and never overflow
        for r in [0, 1, 12345, u64::MAX] {
            assert!(backoff(60, base, cap, r) <= cap);
        }
    }
}

/// The last pass's report, numbered, for whoever waits on it.
type Reports = std::sync::Arc<(
    std::sync::Mutex<(u64, Option<PassReport>)>,
    std::sync::Condvar,
)>;

/// The TUI's relay thread, as others see it: wake it, wait for its next pass.
#[derive(Clone)]
pub struct RelayHandle {
    pub wake: std::sync::mpsc::Sender<Wake>,
    reports: Reports,
}

impl RelayHandle {
    /// Asks for a pass now (ignoring the backoff) and waits for its report.
    pub fn send_now_and_wait(&self, timeout: Duration) -> Option<PassReport> {
        let (lock, cv) = &*self.reports;
        let seen = lock.lock().ok()?.0;
        self.wake.send(Wake::Now).ok()?;
        let deadline = Instant::now() + timeout;
        let mut guard = lock.lock().ok()?;
        while guard.0 <= seen {
            let left = deadline.checked_duration_since(Instant::now())?;
            guard = cv.wait_timeout(guard, left).ok()?.0;
        }
        // A pass that was already running when we asked may not have
        // included our request: wait for one more if so.
        guard.1.clone()
    }

    pub fn shutdown(&self) {
        let _ = self.wake.send(Wake::Shutdown);
    }
}

/// Starts the relay thread; `on` gets every event (from that thread).
pub fn spawn(
    store: Store,
    client: HubClient,
    settings: Settings,
    clock: Clock,
    data_dir: std::path::PathBuf,
    mut on: impl FnMut(RelayEvent) + Send + 'static,
) -> RelayHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    let reports: Reports = Default::default();
    let shared = reports.clone();
    std::thread::spawn(move || {
        run_thread(store, client, settings, clock, data_dir, rx, move |ev| {
            if let RelayEvent::Done(r) = &ev {
                let (lock, cv) = &*shared;
                if let Ok(mut g) = lock.lock() {
                    g.0 += 1;
                    g.1 = Some(r.clone());
                }
                cv.notify_all();
            }
            on(ev);
        })
    });
    RelayHandle { wake: tx, reports }
}
