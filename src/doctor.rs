//! `jingyou doctor`: diagnostics for remote support (DESIGN.md §2).
//!
//! The report has parts that come from different processes:
//! - the store part ([`StoreSection`] and, for a bundle, [`StoreExtras`]) is
//!   gathered by whichever process holds the store: the running app (asked
//!   over the control socket) or the doctor itself;
//! - everything else (paths, the hub probe, the clock, the terminal, the
//!   log) is gathered by the calling process, because the terminal that
//!   matters is the caller's, and the probe should test the caller's link.
//!
//! Nothing here prints a token, a PIN hash or a personal value: the hub
//! token is shown through [`mask::token`], and every text that comes from
//! the store or the log passes through [`log::scrub`].

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::{fmt, tr, Lang};
use crate::store::{Role, Store, UploadState};
use crate::sync::client::{ClientConfig, HubClient};
use crate::{log, mask};

/// How many failing pending records are listed (oldest first).
pub const FAILING_SHOWN: usize = 5;
/// At most this many quarantined records are listed one by one.
pub const QUARANTINED_SHOWN: usize = 50;
/// WARN lines of the log shown.
pub const LOG_WARNINGS: usize = 20;
/// A backup older than this many days is warned about.
pub const BACKUP_OLD_DAYS: i64 = 7;

/// Skew between the hub's clock and ours that is worth a warning.
pub const MAX_SKEW_SECS: i64 = 300;
/// A year before this means the PC's clock was reset.
pub const PLAUSIBLE_YEAR: i32 = 2024;

// ───────────── the store part ─────────────

/// One queue record worth a look: numbers and states, never personal values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub number: String,
    pub service: String,
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_try: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchInfo {
    pub code: String,
    pub name: String,
    pub training: bool,
    pub generated: bool,
}

/// Accounts by role (no names, no PIN hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCounts {
    pub total: u64,
    pub supervisors: u64,
    pub clerks: u64,
    pub disabled: u64,
    pub locked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodaySummary {
    pub date: String,
    pub total: u64,
    pub voided: u64,
    pub fees_total_fen: u64,
    pub pending: u64,
    pub acknowledged: u64,
    pub quarantined: u64,
}

/// What the process holding the store reports about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSection {
    /// The store directory.
    pub path: String,
    pub exists: bool,
    /// Answered by the running app over the control socket.
    pub answered_by_app: bool,
    /// Why the store could not be opened (one sentence); then the numbers
    /// below are absent.
    pub error: Option<String>,
    pub size_bytes: Option<u64>,
    pub applications: Option<u64>,
    pub drafts: Option<u64>,
    pub pending: Option<u64>,
    pub quarantined: Option<u64>,
    /// Each quarantined record (up to [`QUARANTINED_SHOWN`]).
    pub quarantined_items: Vec<QueueItem>,
    /// The oldest pending records that have failed at least once.
    pub failing_pending: Vec<QueueItem>,
    pub voids_waiting: Option<u64>,
    pub branch: Option<BranchInfo>,
    pub users: Option<UserCounts>,
    pub today: Option<TodaySummary>,
    /// When the last `backup --to` was taken (RFC 3339).
    #[serde(default)]
    pub last_backup: Option<String>,
    /// Backup older than a week, or none with applications on record.
    #[serde(default)]
    pub backup_warning: Option<String>,
    /// Queries that failed on an open store (one sentence each).
    pub problems: Vec<String>,
}

/// What a bundle needs from the store besides the section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreExtras {
    /// `queue --format json` shape, errors scrubbed.
    pub queue: Vec<serde_json::Value>,
    /// The last 7 days, `tally --format json` shape, oldest first.
    pub tallies: Vec<serde_json::Value>,
    /// Audit tail (newest first): at, who, what, scrubbed detail.
    pub audit: Vec<serde_json::Value>,
}

/// What the store holder sends back over the socket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StorePart {
    pub section: StoreSection,
    pub extras: Option<StoreExtras>,
}

fn queue_item(e: &crate::store::OutboxEntry) -> QueueItem {
    QueueItem {
        number: e.number.clone(),
        service: e.service.clone(),
        state: e.state.as_str().to_string(),
        attempts: e.attempts,
        last_error: e.last_error.as_deref().map(log::scrub),
        next_try: e.next_try.map(|t| t.to_rfc3339()),
    }
}

/// A section for a store that could not be opened (or does not exist).
pub fn store_unavailable(dir: &Path, error: Option<String>) -> StoreSection {
    StoreSection {
        path: dir.display().to_string(),
        exists: dir.exists(),
        error,
        ..StoreSection::default()
    }
}

/// Gathers the store part from an open store. Every query that fails is
/// a problem line; the rest is still reported.
pub fn gather_store(store: &Store, clock: &Clock, lang: Lang, extras: bool) -> StorePart {
    let mut s = StoreSection {
        path: store.path().display().to_string(),
        exists: true,
        ..StoreSection::default()
    };
    let problem = |e: crate::store::StoreError| log::scrub(&e.message(lang));
    let mut problems = Vec::new();
    match store.size_on_disk() {
        Ok(n) => s.size_bytes = Some(n),
        Err(e) => problems.push(problem(e)),
    }
    match store.count_applications() {
        Ok(n) => s.applications = Some(n),
        Err(e) => problems.push(problem(e)),
    }
    match store.drafts() {
        Ok(d) => s.drafts = Some(d.len() as u64),
        Err(e) => problems.push(problem(e)),
    }
    match store.last_backup() {
        Ok(Some(at)) => {
            let days = (clock.now() - at).num_days();
            s.last_backup = Some(at.to_rfc3339());
            if days > BACKUP_OLD_DAYS {
                s.backup_warning = Some(fmt(
                    lang,
                    "backup.old",
                    &[("days", &days), ("at", &at.format("%Y-%m-%d %H:%M"))],
                ));
            }
        }
        Ok(None) if s.applications.unwrap_or(0) > 0 => {
            s.backup_warning = Some(tr(lang, "backup.never").to_string());
        }
        Ok(None) => {}
        Err(e) => problems.push(problem(e)),
    }
    let queue = match store.queue() {
        Ok(q) => q,
        Err(e) => {
            problems.push(problem(e));
            Vec::new()
        }
    };
    if !queue.is_empty() || s.applications.is_some() {
        let pending = queue
            .iter()
            .filter(|(_, e)| e.state == UploadState::Pending)
            .count() as u64;
        let quarantined: Vec<_> = queue
            .iter()
            .filter(|(_, e)| e.state == UploadState::Quarantined)
            .collect();
        s.pending = Some(pending);
        s.quarantined = Some(quarantined.len() as u64);
        s.quarantined_items = quarantined
            .iter()
            .take(QUARANTINED_SHOWN)
            .map(|(_, e)| queue_item(e))
            .collect();
        // The queue is keyed by date and sequence: oldest first.
        s.failing_pending = queue
            .iter()
            .filter(|(_, e)| {
                e.state == UploadState::Pending && (e.attempts > 0 || e.last_error.is_some())
            })
            .take(FAILING_SHOWN)
            .map(|(_, e)| queue_item(e))
            .collect();
    }
    match store.void_queue() {
        Ok(v) => s.voids_waiting = Some(v.len() as u64),
        Err(e) => problems.push(problem(e)),
    }
    match store.branch() {
        Ok(b) => {
            s.branch = b.map(|b| BranchInfo {
                code: b.code,
                name: b.name,
                training: b.training,
                generated: b.generated,
            })
        }
        Err(e) => problems.push(problem(e)),
    }
    let now = clock.now();
    match store.users() {
        Ok(users) => {
            let mut c = UserCounts::default();
            for u in &users {
                c.total += 1;
                match u.role {
                    Role::Supervisor => c.supervisors += 1,
                    _ => c.clerks += 1,
                }
                if u.disabled {
                    c.disabled += 1;
                }
                if u.locked_until.is_some_and(|t| t > now) {
                    c.locked += 1;
                }
            }
            s.users = Some(c);
        }
        Err(e) => problems.push(problem(e)),
    }
    let today = clock.today();
    match store.day_tally(today) {
        Ok(t) => {
            s.today = Some(TodaySummary {
                date: today.to_string(),
                total: t.total,
                voided: t.voided,
                fees_total_fen: t.fees_total_fen,
                pending: t.pending,
                acknowledged: t.acknowledged,
                quarantined: t.quarantined,
            })
        }
        Err(e) => problems.push(problem(e)),
    }
    let extras = extras.then(|| {
        let mut x = StoreExtras {
            queue: queue
                .iter()
                .map(|(_, e)| {
                    let i = queue_item(e);
                    serde_json::json!({
                        "id": e.id,
                        "number": i.number,
                        "service": i.service,
                        "date": e.date.to_string(),
                        "state": i.state,
                        "attempts": i.attempts,
                        "last_error": i.last_error,
                        "next_try": i.next_try,
                    })
                })
                .collect(),
            ..StoreExtras::default()
        };
        for back in (0..7).rev() {
            let Some(day) = today.checked_sub_days(chrono::Days::new(back)) else {
                continue;
            };
            match store.day_tally(day) {
                Ok(t) => x.tallies.push(crate::tally::day_json(day, &t)),
                Err(e) => problems.push(problem(e)),
            }
        }
        match store.audit_tail(500) {
            Ok(entries) => {
                x.audit = entries
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "at": a.at.to_rfc3339(),
                            "who": log::scrub(&a.who),
                            "what": log::scrub(&a.what),
                            "detail": log::scrub(&a.detail),
                        })
                    })
                    .collect()
            }
            Err(e) => problems.push(problem(e)),
        }
        x
    });
    s.problems = problems;
    StorePart { section: s, extras }
}

// ───────────── the caller's part ─────────────

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathInfo {
    pub path: String,
    pub exists: bool,
}

impl PathInfo {
    pub fn of(p: &Path) -> PathInfo {
        PathInfo {
            path: p.display().to_string(),
            exists: p.exists(),
        }
    }
}

/// Version, paths, configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct General {
    pub version: String,
    pub binary: Option<String>,
    pub os: String,
    pub arch: String,
    pub data_dir: PathInfo,
    pub store_dir: PathInfo,
    pub log_dir: PathInfo,
    pub config_file: PathInfo,
    /// Why the config file was not used (then the defaults are).
    pub config_problem: Option<String>,
    pub catalog_override: PathInfo,
    pub catalog_problems: Vec<String>,
    pub training: bool,
    /// The running app answered (it holds the store).
    pub app_running: bool,
    pub lang: String,
    pub timezone: String,
}

/// `std::env::consts::OS` plus the kernel release when /proc tells it.
pub fn os_name() -> String {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    match release {
        Some(r) => format!("{} {r}", std::env::consts::OS),
        None => std::env::consts::OS.to_string(),
    }
}

/// One timed step of the probe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub ok: bool,
    /// Skipped because an earlier step failed.
    pub skipped: bool,
    pub ms: Option<u64>,
    pub error: Option<String>,
}

impl Step {
    fn skipped() -> Step {
        Step {
            skipped: true,
            ..Step::default()
        }
    }

    fn ok(elapsed: Duration) -> Step {
        Step {
            ok: true,
            ms: Some(ms(elapsed)),
            ..Step::default()
        }
    }

    fn failed(elapsed: Duration, error: String) -> Step {
        Step {
            ms: Some(ms(elapsed)),
            error: Some(error),
            ..Step::default()
        }
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The timed probe of the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubProbe {
    /// `configured`, `none` (no hub configured), `training`, or `invalid`.
    pub status: String,
    /// The URL without any user:password part.
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub scheme: Option<String>,
    /// The token as [`mask::token`] shows it, or null without one.
    pub token: Option<String>,
    /// A configuration problem (unreadable token file, bad URL).
    pub error: Option<String>,
    pub timeout_ms: u64,
    pub dns: Option<Step>,
    pub addresses: Vec<String>,
    pub tcp: Option<Step>,
    /// `GET /v1/health` on a new connection (for https this includes the
    /// TLS handshake: "TLS+HTTP"; it also resolves and connects again).
    pub http: Option<Step>,
    pub http_includes_tls: bool,
    pub hub_version: Option<String>,
    pub hub_time: Option<String>,
}

/// Clock sanity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockCheck {
    pub local: String,
    pub year_plausible: bool,
    /// Hub time minus local time, seconds (when the hub answered).
    pub skew_secs: Option<i64>,
    pub skew_ok: Option<bool>,
}

/// The caller's terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    pub term: Option<String>,
    pub colorterm: Option<String>,
    pub no_color: bool,
    pub stdout_tty: bool,
    pub stdin_tty: bool,
    /// Columns and rows, or null when not a terminal.
    pub size: Option<(u16, u16)>,
    pub lang: Option<String>,
    pub lc_all: Option<String>,
    pub lc_ctype: Option<String>,
    /// The locale in effect for characters (LC_ALL, else LC_CTYPE, else LANG).
    pub effective_locale: Option<String>,
    pub utf8: bool,
    pub ssh: bool,
    pub auto_theme: String,
    pub configured_theme: String,
}

/// The whole report (`doctor --json`; keys are stable, more may be added).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub general: General,
    pub store: StoreSection,
    pub hub: HubProbe,
    pub clock: ClockCheck,
    pub terminal: Terminal,
    /// The last WARN lines of the log, oldest first, scrubbed.
    pub log_warnings: Vec<String>,
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether a locale name asks for UTF-8 (`zh_CN.UTF-8`, `C.utf8`).
pub fn is_utf8_locale(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("utf-8") || l.contains("utf8")
}

/// The calling process's terminal and locale.
pub fn terminal(config: &Config) -> Terminal {
    use std::io::IsTerminal;
    let term = env_nonempty("TERM");
    let no_color = env_nonempty("NO_COLOR").is_some();
    let lang = env_nonempty("LANG");
    let lc_all = env_nonempty("LC_ALL");
    let lc_ctype = env_nonempty("LC_CTYPE");
    let effective = lc_all.clone().or(lc_ctype.clone()).or(lang.clone());
    let stdout_tty = std::io::stdout().is_terminal();
    let size = if stdout_tty {
        crossterm::terminal::size().ok()
    } else {
        None
    };
    Terminal {
        auto_theme: crate::ui::theme::Theme::auto_name(term.as_deref().unwrap_or(""), no_color)
            .to_string(),
        configured_theme: config.ui.theme.clone(),
        term,
        colorterm: env_nonempty("COLORTERM"),
        no_color,
        stdout_tty,
        stdin_tty: std::io::stdin().is_terminal(),
        size,
        utf8: effective.as_deref().is_some_and(is_utf8_locale),
        effective_locale: effective,
        lang,
        lc_all,
        lc_ctype,
        ssh: env_nonempty("SSH_CONNECTION").is_some() || env_nonempty("SSH_TTY").is_some(),
    }
}

/// The last `n` WARN lines of the log (current file, then older ones as
/// needed), oldest first, scrubbed once more.
pub fn log_warnings(data_dir: &Path, n: usize) -> Vec<String> {
    let dir = log::dir(data_dir);
    let mut found: Vec<String> = Vec::new();
    let mut files = vec![dir.join("jingyou.log")];
    for i in 1..=log::KEEP {
        files.push(dir.join(format!("jingyou.log.{i}")));
    }
    for f in files {
        if found.len() >= n {
            break;
        }
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut here: Vec<String> = text
            .lines()
            .filter(|l| l.contains(" WARN "))
            .map(log::scrub)
            .collect();
        let take = n - found.len();
        let start = here.len().saturating_sub(take);
        let mut newer = std::mem::take(&mut found);
        found = here.split_off(start);
        found.append(&mut newer);
    }
    found
}

/// The parts of a hub URL: scheme, host, port, and the URL shown (without
/// user:password).
fn parse_url(url: &str) -> Option<(String, String, u16, String)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        (h.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (hostport.to_string(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    let shown = format!("{scheme}://{hostport}{path}");
    Some((scheme, host, port, shown))
}

/// Resolves with a timeout (std's resolver cannot be interrupted, so it
/// runs on its own thread, which is left behind if it hangs).
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let target = (host.to_string(), port);
    std::thread::spawn(move || {
        let r = target
            .to_socket_addrs()
            .map(|a| a.collect::<Vec<_>>())
            .map_err(|e| e.to_string());
        let _ = tx.send(r);
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(a)) if a.is_empty() => Err("no address".into()),
        Ok(r) => r,
        Err(_) => Err(format!("timed out after {} ms", ms(timeout))),
    }
}

/// Probes the hub step by step, each with the connect timeout.
/// `branch` only labels the client; the health check needs no token.
pub fn probe_hub(config: &Config, branch: &str, training: bool) -> HubProbe {
    let timeout = Duration::from_millis(config.sync.connect_timeout_ms.max(1));
    let mut p = HubProbe {
        timeout_ms: ms(timeout),
        ..HubProbe::default()
    };
    if training {
        p.status = "training".into();
        return p;
    }
    let cc: ClientConfig = match crate::sync::relay::client_config(config, branch) {
        Ok(Some(c)) => c,
        Ok(None) => {
            p.status = "none".into();
            return p;
        }
        Err(e) => {
            // An unreadable token file: the URL is still probed.
            p.error = Some(log::scrub(&e));
            let url = std::env::var("JINGYOU_HUB_URL")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| config.hub.url.clone())
                .unwrap_or_default();
            let mut c = ClientConfig::new(url, branch);
            c.connect_timeout = timeout;
            c.ca_file = config.hub.ca_file.clone();
            c
        }
    };
    p.token = cc.token.as_deref().map(mask::token);
    let Some((scheme, host, port, shown)) = parse_url(&cc.base_url) else {
        p.status = "invalid".into();
        p.error = Some(log::scrub(&format!(
            "{}: not an http:// or https:// URL",
            cc.base_url
        )));
        return p;
    };
    p.status = "configured".into();
    p.http_includes_tls = scheme == "https";
    p.url = Some(shown);
    p.scheme = Some(scheme);
    p.host = Some(host.clone());
    p.port = Some(port);

    let t = Instant::now();
    let addrs = match resolve(&host, port, timeout) {
        Ok(a) => {
            p.dns = Some(Step::ok(t.elapsed()));
            a
        }
        Err(e) => {
            p.dns = Some(Step::failed(t.elapsed(), e));
            p.tcp = Some(Step::skipped());
            p.http = Some(Step::skipped());
            return p;
        }
    };
    p.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    let t = Instant::now();
    match TcpStream::connect_timeout(&addrs[0], timeout) {
        Ok(s) => {
            p.tcp = Some(Step::ok(t.elapsed()));
            drop(s);
        }
        Err(e) => {
            p.tcp = Some(Step::failed(t.elapsed(), format!("{}: {e}", addrs[0])));
            p.http = Some(Step::skipped());
            return p;
        }
    }
    // The health check gets the same budget per step, not the long upload
    // timeouts.
    let mut probe_cc = cc;
    probe_cc.connect_timeout = timeout;
    probe_cc.stall_timeout = timeout;
    probe_cc.body_timeout = timeout;
    let t = Instant::now();
    let result = HubClient::new(probe_cc).and_then(|c| c.health());
    match result {
        Ok(h) => {
            p.http = Some(Step::ok(h.elapsed));
            p.hub_version = Some(h.version);
            p.hub_time = Some(h.time);
        }
        Err(e) => p.http = Some(Step::failed(t.elapsed(), log::scrub(&e.to_string()))),
    }
    p
}

/// The clock check: the year, and the skew against the hub's time.
pub fn check_clock(now: DateTime<FixedOffset>, hub_time: Option<&str>) -> ClockCheck {
    let skew = hub_time
        .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .map(|h| h.signed_duration_since(now).num_seconds());
    ClockCheck {
        local: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        year_plausible: now.year() >= PLAUSIBLE_YEAR,
        skew_secs: skew,
        skew_ok: skew.map(|s| s.abs() <= MAX_SKEW_SECS),
    }
}

// ───────────── text ─────────────

fn yes_no(lang: Lang, b: bool) -> &'static str {
    tr(lang, if b { "doctor.yes" } else { "doctor.no" })
}

fn line(out: &mut String, lang: Lang, label: &str, value: &str) {
    out.push_str(&format!("  {}: {value}\n", tr(lang, label)));
}

fn path_line(out: &mut String, lang: Lang, label: &str, p: &PathInfo) {
    let state = tr(
        lang,
        if p.exists {
            "doctor.exists"
        } else {
            "doctor.missing"
        },
    );
    line(out, lang, label, &format!("{} ({state})", p.path));
}

fn warn_line(out: &mut String, text: &str) {
    out.push_str(&format!("  ! {text}\n"));
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "-".into())
}

/// Bytes as KiB / MiB.
pub fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn item_line(out: &mut String, lang: Lang, i: &QueueItem) {
    let next = i
        .next_try
        .as_deref()
        .map(|t| match DateTime::parse_from_rfc3339(t) {
            Ok(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
            Err(_) => t.to_string(),
        })
        .unwrap_or_else(|| "-".into());
    out.push_str(&format!(
        "    {}\n",
        fmt(
            lang,
            "doctor.store.item",
            &[
                ("number", &i.number),
                ("service", &i.service),
                ("attempts", &i.attempts),
                ("error", &i.last_error.as_deref().unwrap_or("-")),
                ("next", &next),
            ],
        )
    ));
}

fn step_line(out: &mut String, lang: Lang, label: &str, step: &Option<Step>) {
    let Some(s) = step else { return };
    let text = if s.skipped {
        tr(lang, "doctor.hub.skipped").to_string()
    } else if s.ok {
        fmt(lang, "doctor.hub.ok_ms", &[("ms", &opt(&s.ms))])
    } else {
        fmt(
            lang,
            "doctor.hub.failed_ms",
            &[
                ("ms", &opt(&s.ms)),
                ("error", &s.error.as_deref().unwrap_or("-")),
            ],
        )
    };
    line(out, lang, label, &text);
}

/// The report as text for a person, in `lang`.
pub fn render(r: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let g = &r.general;
    out.push_str(&format!("{}\n", tr(lang, "doctor.title")));

    out.push_str(&format!("\n[{}]\n", tr(lang, "doctor.general.title")));
    line(&mut out, lang, "doctor.general.version", &g.version);
    line(&mut out, lang, "doctor.general.binary", &opt(&g.binary));
    line(
        &mut out,
        lang,
        "doctor.general.os",
        &format!("{} ({})", g.os, g.arch),
    );
    path_line(&mut out, lang, "doctor.general.data_dir", &g.data_dir);
    path_line(&mut out, lang, "doctor.general.store_dir", &g.store_dir);
    path_line(&mut out, lang, "doctor.general.log_dir", &g.log_dir);
    path_line(&mut out, lang, "doctor.general.config_file", &g.config_file);
    if let Some(p) = &g.config_problem {
        warn_line(&mut out, p);
    }
    path_line(
        &mut out,
        lang,
        "doctor.general.catalog_override",
        &g.catalog_override,
    );
    for p in &g.catalog_problems {
        warn_line(&mut out, p);
    }
    line(
        &mut out,
        lang,
        "doctor.general.training",
        yes_no(lang, g.training),
    );
    line(
        &mut out,
        lang,
        "doctor.general.app_running",
        tr(
            lang,
            if g.app_running {
                "doctor.general.app_answered"
            } else {
                "doctor.general.app_not_running"
            },
        ),
    );
    line(
        &mut out,
        lang,
        "doctor.general.lang_tz",
        &format!("{} / {}", g.lang, g.timezone),
    );

    render_store(&mut out, lang, &r.store);
    render_hub(&mut out, lang, &r.hub, &r.clock);
    render_terminal(&mut out, lang, &r.terminal);

    out.push_str(&format!(
        "\n[{}]\n",
        fmt(lang, "doctor.log.title", &[("n", &LOG_WARNINGS)])
    ));
    if r.log_warnings.is_empty() {
        out.push_str(&format!("  {}\n", tr(lang, "doctor.log.none")));
    }
    for l in &r.log_warnings {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

fn render_store(out: &mut String, lang: Lang, s: &StoreSection) {
    out.push_str(&format!("\n[{}]\n", tr(lang, "doctor.store.title")));
    if let Some(e) = &s.error {
        warn_line(out, e.trim_end());
        return;
    }
    if !s.exists {
        line(
            out,
            lang,
            "doctor.store.state",
            tr(lang, "doctor.store.none"),
        );
        return;
    }
    if let Some(n) = s.size_bytes {
        line(out, lang, "doctor.store.size", &human_size(n));
    }
    if let Some(b) = &s.branch {
        let mut v = format!("{} {}", b.code, b.name);
        if b.training {
            v.push_str(&format!(" ({})", tr(lang, "doctor.store.training")));
        }
        if b.generated {
            v.push_str(&format!(" ({})", tr(lang, "doctor.store.generated")));
        }
        line(out, lang, "doctor.store.branch", &v);
    } else {
        line(
            out,
            lang,
            "doctor.store.branch",
            tr(lang, "doctor.store.no_branch"),
        );
    }
    if let Some(u) = &s.users {
        line(
            out,
            lang,
            "doctor.store.users",
            &fmt(
                lang,
                "doctor.store.users_value",
                &[
                    ("total", &u.total),
                    ("supervisors", &u.supervisors),
                    ("clerks", &u.clerks),
                    ("disabled", &u.disabled),
                    ("locked", &u.locked),
                ],
            ),
        );
    }
    line(
        out,
        lang,
        "doctor.store.applications",
        &opt(&s.applications),
    );
    line(out, lang, "doctor.store.drafts", &opt(&s.drafts));
    line(
        out,
        lang,
        "doctor.store.queue",
        &fmt(
            lang,
            "doctor.store.queue_value",
            &[
                ("pending", &opt(&s.pending)),
                ("quarantined", &opt(&s.quarantined)),
            ],
        ),
    );
    line(out, lang, "doctor.store.voids", &opt(&s.voids_waiting));
    line(
        out,
        lang,
        "doctor.store.backup",
        s.last_backup.as_deref().unwrap_or("-"),
    );
    if let Some(w) = &s.backup_warning {
        warn_line(out, w);
    }
    if let Some(t) = &s.today {
        line(
            out,
            lang,
            "doctor.store.today",
            &fmt(
                lang,
                "doctor.store.today_value",
                &[
                    ("date", &t.date),
                    ("total", &t.total),
                    ("voided", &t.voided),
                    ("fees", &yuan(t.fees_total_fen)),
                    ("pending", &t.pending),
                    ("acknowledged", &t.acknowledged),
                    ("quarantined", &t.quarantined),
                ],
            ),
        );
    }
    if !s.quarantined_items.is_empty() {
        out.push_str(&format!("  {}:\n", tr(lang, "doctor.store.quarantined")));
        for i in &s.quarantined_items {
            item_line(out, lang, i);
        }
        let more = s
            .quarantined
            .unwrap_or(0)
            .saturating_sub(s.quarantined_items.len() as u64);
        if more > 0 {
            out.push_str(&format!(
                "    {}\n",
                fmt(lang, "doctor.store.more", &[("n", &more)])
            ));
        }
    }
    if !s.failing_pending.is_empty() {
        out.push_str(&format!(
            "  {}:\n",
            fmt(lang, "doctor.store.failing", &[("n", &FAILING_SHOWN)])
        ));
        for i in &s.failing_pending {
            item_line(out, lang, i);
        }
    }
    for p in &s.problems {
        warn_line(out, p);
    }
}

fn render_hub(out: &mut String, lang: Lang, h: &HubProbe, c: &ClockCheck) {
    out.push_str(&format!("\n[{}]\n", tr(lang, "doctor.hub.title")));
    match h.status.as_str() {
        "training" => line(
            out,
            lang,
            "doctor.hub.state",
            tr(lang, "doctor.hub.training"),
        ),
        "none" => line(out, lang, "doctor.hub.state", tr(lang, "doctor.hub.none")),
        _ => {
            line(out, lang, "doctor.hub.url", &opt(&h.url));
            line(
                out,
                lang,
                "doctor.hub.token",
                &h.token
                    .clone()
                    .unwrap_or_else(|| tr(lang, "doctor.hub.no_token").to_string()),
            );
            line(
                out,
                lang,
                "doctor.hub.timeout",
                &format!("{} ms", h.timeout_ms),
            );
            if let Some(e) = &h.error {
                warn_line(out, e);
            }
            step_line(out, lang, "doctor.hub.dns", &h.dns);
            if !h.addresses.is_empty() {
                line(out, lang, "doctor.hub.addresses", &h.addresses.join(", "));
            }
            step_line(out, lang, "doctor.hub.tcp", &h.tcp);
            let http_label = if h.http_includes_tls {
                "doctor.hub.tls_http"
            } else {
                "doctor.hub.http"
            };
            step_line(out, lang, http_label, &h.http);
            if let Some(v) = &h.hub_version {
                line(out, lang, "doctor.hub.version", v);
            }
        }
    }
    out.push_str(&format!("\n[{}]\n", tr(lang, "doctor.clock.title")));
    line(out, lang, "doctor.clock.local", &c.local);
    if !c.year_plausible {
        warn_line(out, tr(lang, "doctor.clock.reset"));
    }
    match (c.skew_secs, c.skew_ok) {
        (Some(s), Some(true)) => line(
            out,
            lang,
            "doctor.clock.skew",
            &fmt(lang, "doctor.clock.skew_value", &[("secs", &s)]),
        ),
        (Some(s), _) => {
            line(
                out,
                lang,
                "doctor.clock.skew",
                &fmt(lang, "doctor.clock.skew_value", &[("secs", &s)]),
            );
            warn_line(out, tr(lang, "doctor.clock.skew_warn"));
        }
        _ => line(
            out,
            lang,
            "doctor.clock.skew",
            tr(lang, "doctor.clock.no_hub_time"),
        ),
    }
}

fn render_terminal(out: &mut String, lang: Lang, t: &Terminal) {
    out.push_str(&format!("\n[{}]\n", tr(lang, "doctor.term.title")));
    line(out, lang, "doctor.term.term", &opt(&t.term));
    line(out, lang, "doctor.term.colorterm", &opt(&t.colorterm));
    line(out, lang, "doctor.term.no_color", yes_no(lang, t.no_color));
    line(
        out,
        lang,
        "doctor.term.stdout_tty",
        yes_no(lang, t.stdout_tty),
    );
    let size = match t.size {
        Some((w, h)) => format!("{w}x{h}"),
        None => tr(lang, "doctor.term.not_a_terminal").to_string(),
    };
    line(out, lang, "doctor.term.size", &size);
    if let Some((w, h)) = t.size {
        if w < 80 || h < 24 {
            warn_line(out, tr(lang, "doctor.term.small"));
        }
    }
    line(
        out,
        lang,
        "doctor.term.locale",
        &format!(
            "LANG={} LC_ALL={} LC_CTYPE={}",
            opt(&t.lang),
            opt(&t.lc_all),
            opt(&t.lc_ctype)
        ),
    );
    line(out, lang, "doctor.term.utf8", yes_no(lang, t.utf8));
    if !t.utf8 {
        warn_line(out, tr(lang, "doctor.term.no_utf8"));
    }
    line(out, lang, "doctor.term.ssh", yes_no(lang, t.ssh));
    line(
        out,
        lang,
        "doctor.term.theme",
        &format!("{} (auto → {})", t.configured_theme, t.auto_theme),
    );
}

// ───────────── the bundle ─────────────

/// Whether a config key names a secret (`token`, `api_secret`, `password`,
/// `api_key`...).
fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // A `*_file` key is a path (e.g. `token_file`), not the secret itself.
    if k.ends_with("_file") {
        return false;
    }
    ["token", "secret", "password", "passwd"]
        .iter()
        .any(|w| k.contains(w))
        || k.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|p| p == "key")
}

fn mask_toml(v: &mut toml::Value) {
    if let toml::Value::Table(t) = v {
        for (k, val) in t.iter_mut() {
            if secret_key(k) && !val.is_table() {
                *val = toml::Value::String("***".into());
            } else {
                mask_toml(val);
            }
        }
    } else if let toml::Value::Array(a) = v {
        for x in a {
            mask_toml(x);
        }
    }
}

/// The config file with every value of a secret-looking key masked. Text
/// that does not parse is masked line by line (`key = value`).
pub fn masked_config(text: &str) -> String {
    let masked = match toml::from_str::<toml::Value>(text) {
        Ok(mut v) => {
            mask_toml(&mut v);
            toml::to_string(&v).unwrap_or_default()
        }
        Err(_) => text
            .lines()
            .map(|l| match l.split_once('=') {
                Some((k, _)) if secret_key(k.trim().trim_matches('"')) => {
                    format!("{}= \"***\"", k)
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    };
    log::scrub(&masked)
}

/// One file of the bundle.
pub struct BundleFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// What goes into the bundle, apart from what the caller rendered.
pub fn bundle_files(
    report: &Report,
    text: &str,
    extras: Option<&StoreExtras>,
    config_file: &Path,
    data_dir: &Path,
) -> Vec<BundleFile> {
    let mut files = vec![
        BundleFile {
            name: "doctor.txt".into(),
            data: text.as_bytes().to_vec(),
        },
        BundleFile {
            name: "doctor.json".into(),
            data: serde_json::to_vec_pretty(report).unwrap_or_default(),
        },
    ];
    let empty = StoreExtras::default();
    let x = extras.unwrap_or(&empty);
    files.push(BundleFile {
        name: "queue.json".into(),
        data: serde_json::to_vec_pretty(&x.queue).unwrap_or_default(),
    });
    files.push(BundleFile {
        name: "tallies.json".into(),
        data: serde_json::to_vec_pretty(&x.tallies).unwrap_or_default(),
    });
    files.push(BundleFile {
        name: "audit.json".into(),
        data: serde_json::to_vec_pretty(&x.audit).unwrap_or_default(),
    });
    if let Ok(bytes) = std::fs::read(config_file) {
        files.push(BundleFile {
            name: "config.toml".into(),
            data: masked_config(&String::from_utf8_lossy(&bytes)).into_bytes(),
        });
    }
    let mut logs: Vec<PathBuf> = std::fs::read_dir(log::dir(data_dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    for p in logs {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let scrubbed: String = String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| log::scrub(l) + "\n")
            .collect();
        files.push(BundleFile {
            name: format!("logs/{name}"),
            data: scrubbed.into_bytes(),
        });
    }
    files
}

/// Writes the files as a `.tar.gz` into a new file at `path` (never over
/// an existing one). Returns the archive's size.
pub fn write_bundle(path: &Path, files: &[BundleFile], now: NaiveDate) -> std::io::Result<u64> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let result = (|| {
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mtime = now
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or(0);
        let dir = format!("jingyou-doctor-{}", now.format("%Y%m%d"));
        for file in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(file.data.len() as u64);
            h.set_mode(0o600);
            h.set_mtime(mtime);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, format!("{dir}/{}", file.name), &file.data[..])?;
        }
        let gz = tar.into_inner()?;
        let mut f = gz.finish()?;
        f.flush()?;
        f.sync_all()?;
        f.metadata().map(|m| m.len())
    })();
    if result.is_err() {
        // A half-written archive is no use to anyone.
        let _ = std::fs::remove_file(path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_and_credentials_dropped() {
        let (s, h, p, shown) = parse_url("https://u:pw@hub.example:8443/x").expect("url");
        assert_eq!((s.as_str(), h.as_str(), p), ("https", "hub.example", 8443));
        assert_eq!(shown, "https://hub.example:8443/x");
        let (_, h, p, _) = parse_url("http://127.0.0.1").expect("url");
        assert_eq!((h.as_str(), p), ("127.0.0.1", 80));
        let (_, h, p, _) = parse_url("http://[::1]:9/").expect("url");
        assert_eq!((h.as_str(), p), ("::1", 9));
        assert!(parse_url("ftp://x").is_none());
        assert!(parse_url("nonsense").is_none());
        assert!(parse_url("http://:80").is_none());
        assert!(parse_url("http://h:notaport").is_none());
    }

    #[test]
    fn secrets_in_config_are_masked() {
        let text = "[hub]\nurl = \"https://h\"\ntoken = \"abcd-secret\"\ntoken_file = \"/etc/t\"\n[x]\napi_key = \"k1\"\npassword = \"pw\"\n";
        let m = masked_config(text);
        assert!(!m.contains("abcd-secret"), "{m}");
        assert!(!m.contains("\"k1\""), "{m}");
        assert!(!m.contains("\"pw\""), "{m}");
        assert!(m.contains("/etc/t"), "{m}");
        let broken = "[hub\nsecret = \"s3\"\nurl = 1";
        let m = masked_config(broken);
        assert!(!m.contains("s3"), "{m}");
        assert!(m.contains("url = 1"), "{m}");
    }

    #[test]
    fn locale_and_clock_checks() {
        assert!(is_utf8_locale("zh_CN.UTF-8"));
        assert!(is_utf8_locale("C.utf8"));
        assert!(!is_utf8_locale("C"));
        let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("t");
        let c = check_clock(now, Some("2026-11-28T10:10:00+08:00"));
        assert_eq!(c.skew_secs, Some(600));
        assert_eq!(c.skew_ok, Some(false));
        assert!(c.year_plausible);
        let old = DateTime::parse_from_rfc3339("2001-01-01T00:00:00+08:00").expect("t");
        assert!(!check_clock(old, None).year_plausible);
    }
}
