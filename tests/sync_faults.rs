//! The outbox relay and `jingyou sync` against a real in-process hub that
//! misbehaves on purpose (hub `Faults`), real sled stores in temp dirs, and
//! the real binary killed with SIGKILL. The end state is always checked the
//! same way: every application acknowledged exactly once (see
//! [`assert_exactly_once`]).
//!
//! Timeouts are short (connect 500 ms, stall 500 ms, backoff 10–200 ms) so
//! the whole file stays well under 40 s on two cores.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::config::{Config, SyncConfig};
use jingyou::hub::{serve, Faults, HubConfig, HubHandle, HubStore, Tokens};
use jingyou::seed::{seed, Rng};
use jingyou::store::{AttachedFile, Branch, Delivery, NewApplication, Payment, Store, UploadState};
use jingyou::sync::client::{ClientConfig, HubClient};
use jingyou::sync::relay::{LinkState, PassReport, Relay, RelayEvent, Settings};
use serde_json::Value;
use sha2::Digest;

const JINGYOU: &str = env!("CARGO_BIN_EXE_jingyou");
const SYNC_TOML: &str = "[sync]\nconnect_timeout_ms = 500\nstall_timeout_ms = 500\n\
                         backoff_base_ms = 10\nbackoff_cap_ms = 200\n";

// ───────────────────────────── helpers ─────────────────────────────

fn config() -> Config {
    Config {
        sync: SyncConfig {
            connect_timeout_ms: 500,
            stall_timeout_ms: 500,
            backoff_base_ms: 10,
            backoff_cap_ms: 200,
            ..SyncConfig::default()
        },
        ..Config::default()
    }
}

fn start_hub(dir: &Path, listen: &str, tokens: Option<Tokens>) -> (HubHandle, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let mut cfg = HubConfig::new(listen, dir);
    cfg.tokens = tokens;
    cfg.log = false;
    cfg.faults = Some(faults.clone());
    (serve(cfg).expect("hub starts"), faults)
}

/// A client as `relay::client_config` builds it from [`config`] (built
/// directly so a `JINGYOU_HUB_URL` in the test environment cannot leak in).
fn client(url: &str, branch: &str, token: Option<&str>) -> HubClient {
    let c = config();
    let mut cc = ClientConfig::new(url, branch);
    cc.token = token.map(str::to_string);
    cc.connect_timeout = Duration::from_millis(c.sync.connect_timeout_ms);
    cc.stall_timeout = Duration::from_millis(c.sync.stall_timeout_ms);
    cc.body_timeout = Duration::from_secs(10);
    HubClient::new(cc).expect("client")
}

/// A patient client for reading back (listing) after the faults.
fn reader(url: &str, branch: &str, token: Option<&str>) -> HubClient {
    let mut cc = ClientConfig::new(url, branch);
    cc.token = token.map(str::to_string);
    cc.connect_timeout = Duration::from_secs(5);
    cc.stall_timeout = Duration::from_secs(20);
    HubClient::new(cc).expect("client")
}

fn branch(code: &str) -> Branch {
    Branch {
        code: code.into(),
        name: "测试网点".into(),
        training: false,
        generated: false,
    }
}

/// A store in `data/store` with branch `code` and `count` seeded
/// applications over 5 days ending today (system clock).
fn seeded(data: &Path, code: &str, count: u64) -> Store {
    let store = Store::open(&data.join("store"), 8).expect("store");
    store.set_branch(&branch(code)).expect("branch");
    if count > 0 {
        seed(
            &store,
            &Catalog::builtin().expect("catalog"),
            &Clock::system(),
            count,
            5,
        )
        .expect("seed");
    }
    store
}

fn relay<'a>(store: &'a Store, client: &'a HubClient, data: &Path, batch: usize) -> Relay<'a> {
    Relay {
        store,
        client,
        settings: Settings::from_config(&config()),
        clock: Clock::system(),
        data_dir: data.to_path_buf(),
        batch,
    }
}

fn day_range() -> (NaiveDate, NaiveDate) {
    let today = Clock::system().today();
    (
        today - chrono::Duration::days(30),
        today + chrono::Duration::days(1),
    )
}

/// A new application like a seeded one (for records built by hand).
fn new_app(id: &str, date: NaiveDate, attachments: Vec<AttachedFile>) -> NewApplication {
    NewApplication {
        id: id.into(),
        service: "A01".into(),
        date,
        finished_at: Clock::system().now(),
        clerk: "001".into(),
        values: BTreeMap::from([("name".to_string(), "王五".to_string())]),
        materials: vec!["id_card".into()],
        fees: vec![],
        payment: Some(Payment::Cash),
        delivery: Delivery::Pickup,
        draft_number: None,
        generated: true,
        attachments,
    }
}

/// Every application acknowledged exactly once: the hub holds `n`, lists
/// each id once, every local application carries the hub's receipt for its
/// id, the queue is empty, the day tallies say acknowledged == total, and
/// nothing was lost locally.
fn assert_exactly_once(store: &Store, hub: &HubHandle, list: &HubClient, n: usize) {
    assert_eq!(hub.app_count(), n, "hub app_count");
    let (from, to) = day_range();
    let listed = list.applications(from, to).expect("hub listing");
    assert_eq!(listed.len(), n, "hub listing length");
    let mut receipts: BTreeMap<String, String> = BTreeMap::new();
    for a in &listed {
        assert!(
            receipts.insert(a.id.clone(), a.receipt.clone()).is_none(),
            "id {} listed twice by the hub",
            a.id
        );
    }
    let distinct: BTreeSet<&String> = receipts.values().collect();
    assert_eq!(distinct.len(), n, "hub receipts are distinct");
    let mut local = 0;
    store
        .for_each_application(|key, app| {
            local += 1;
            let hub_receipt = receipts.get(&app.id);
            assert!(
                hub_receipt.is_some(),
                "{key} ({}) is not on the hub",
                app.id
            );
            assert_eq!(
                app.hub_receipt.as_ref(),
                hub_receipt,
                "{key}: local receipt differs from the hub's"
            );
        })
        .expect("walk applications");
    assert_eq!(local, n, "local applications");
    assert_eq!(store.count_applications().expect("count"), n as u64);
    let q = store.queue().expect("queue");
    assert!(
        q.is_empty(),
        "queue not empty: {} entries, e.g. {:?}",
        q.len(),
        q.first()
    );
    assert_eq!(store.pending_count().expect("pending"), 0);
    let (mut total, mut acked) = (0, 0);
    for d in store.tally_days().expect("days") {
        let t = store.day_tally(d).expect("tally");
        assert_eq!(t.pending, 0, "{d}: pending");
        assert_eq!(t.quarantined, 0, "{d}: quarantined");
        assert_eq!(t.acknowledged, t.total, "{d}: acknowledged != total");
        total += t.total;
        acked += t.acknowledged;
    }
    assert_eq!((total, acked), (n as u64, n as u64), "tally sums");
}

fn disarm(f: &Faults) {
    for c in [
        &f.drop_reply_after_commit,
        &f.garbage_reply_after_commit,
        &f.truncate_reply,
        &f.status_503_with_retry_after,
        &f.html_200,
    ] {
        c.store(0, Ordering::SeqCst);
    }
    f.stall_ms.store(0, Ordering::SeqCst);
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    DropAfterCommit,
    GarbageAfterCommit,
    Truncate,
    Stall,
    Html,
    Retry503,
}

fn arm(f: &Faults, fault: Fault) {
    match fault {
        Fault::DropAfterCommit => f.drop_reply_after_commit.store(1, Ordering::SeqCst),
        Fault::GarbageAfterCommit => f.garbage_reply_after_commit.store(1, Ordering::SeqCst),
        Fault::Truncate => f.truncate_reply.store(1, Ordering::SeqCst),
        Fault::Stall => f.stall_ms.store(1500, Ordering::SeqCst),
        Fault::Html => f.html_200.store(1, Ordering::SeqCst),
        Fault::Retry503 => {
            f.retry_after_secs.store(1, Ordering::SeqCst);
            f.status_503_with_retry_after.store(1, Ordering::SeqCst)
        }
    }
}

/// One relay pass that arms `fault` right after the pass's first
/// acknowledged batch, so the fault hits the middle of the stream.
fn pass_with_fault(
    relay: &mut Relay<'_>,
    faults: &Faults,
    fault: Fault,
    ignore_backoff: bool,
) -> PassReport {
    let mut armed = false;
    let r = relay.pass(ignore_backoff, &mut |ev| {
        if matches!(ev, RelayEvent::Progress { .. }) && !armed {
            armed = true;
            arm(faults, fault);
        }
    });
    disarm(faults);
    assert!(
        armed,
        "{fault:?}: no batch went through before the fault: {r:?}"
    );
    r
}

/// `jingyou` with a sandboxed environment and the short `[sync]` config.
fn jingyou(root: &Path, hub_url: &str, token: Option<&str>) -> Command {
    for d in ["home", "config", "xdg"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    let conf = root.join("config.toml");
    std::fs::write(&conf, SYNC_TOML).expect("config");
    let mut c = Command::new(JINGYOU);
    c.env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("xdg"))
        .env("LANG", "C.UTF-8")
        .env("JINGYOU_HUB_URL", hub_url)
        .env_remove("JINGYOU_NOW")
        .env_remove("JINGYOU_DATA")
        .env_remove("JINGYOU_HUB_TOKEN")
        .env_remove("RUST_LOG")
        .arg("--config")
        .arg(&conf)
        .arg("--data-dir")
        .arg(root.join("data"))
        .stdin(Stdio::null());
    if let Some(t) = token {
        c.env("JINGYOU_HUB_TOKEN", t);
    }
    c
}

fn run(mut c: Command) -> (i32, String, String) {
    let o = c.output().expect("jingyou runs");
    let out = (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(!out.2.contains("panicked"), "panic: {}", out.2);
    out
}

fn queue_json(root: &Path, hub_url: &str) -> Vec<Value> {
    let mut c = jingyou(root, hub_url, None);
    c.args(["queue", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "queue --format json: {err}");
    match serde_json::from_str(&out) {
        Ok(Value::Array(a)) => a,
        other => panic!("queue --format json is not an array: {other:?}\n{out}"),
    }
}

// ───────────────────────────── a. fault schedule ─────────────────────────────

/// 1,000 applications through: 503 + Retry-After (and the relay keeps off
/// those records for that long), reply dropped after commit, garbage after
/// commit, truncated reply, stalled reply, captive-portal HTML, and the hub
/// stopped and restarted on the same data dir.
#[test]
fn thousand_applications_through_a_schedule_of_faults() {
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("branch");
    let hub_dir = tmp.path().join("hub");
    let store = seeded(&data, "3301A", 1000);
    assert_eq!(store.pending_count().unwrap(), 1000);
    let (mut hub, faults) = start_hub(&hub_dir, "127.0.0.1:0", None);
    let mut url = hub.url();
    let mut batch = 20;

    // 1. 503 with Retry-After: 1 on the second batch of the pass.
    let before: BTreeMap<String, u32> = store
        .queue()
        .unwrap()
        .into_iter()
        .map(|(k, e)| (k, e.attempts))
        .collect();
    let c = client(&url, "3301A", None);
    let mut r = relay(&store, &c, &data, batch);
    let t503 = Clock::system().now();
    let rep = pass_with_fault(&mut r, &faults, Fault::Retry503, true);
    assert!(rep.acknowledged > 0 && rep.failed > 0, "503: {rep:?}");
    let hit: Vec<(String, jingyou::store::OutboxEntry)> = store
        .queue()
        .unwrap()
        .into_iter()
        .filter(|(k, e)| e.attempts > before[k])
        .collect();
    assert_eq!(hit.len(), rep.failed, "the 503'd batch");
    for (k, e) in &hit {
        let next = e.next_try.expect("a next try after a 503");
        assert!(
            next >= t503 + chrono::Duration::seconds(1),
            "{k}: next try {next} is sooner than Retry-After: 1 s after {t503}"
        );
        assert!(
            e.last_error.as_deref().unwrap_or("").contains("503"),
            "{e:?}"
        );
    }

    // 2. Reply dropped after commit, in a pass that honours the backoff:
    //    the 503'd records are not tried again within their second.
    let ids_503: BTreeSet<String> = hit.iter().map(|(_, e)| e.id.clone()).collect();
    let started = Clock::system().now();
    let rep = pass_with_fault(&mut r, &faults, Fault::DropAfterCommit, false);
    batch = r.batch;
    assert!(rep.failed > 0, "drop: {rep:?}");
    let earliest = hit.iter().filter_map(|(_, e)| e.next_try).min().unwrap();
    assert!(
        started < earliest,
        "the test itself was too slow to check Retry-After"
    );
    for (k, e) in store.queue().unwrap() {
        if ids_503.contains(&e.id) {
            assert_eq!(
                e.attempts,
                before[&k] + 1,
                "{k} was tried again within Retry-After"
            );
        }
    }
    let (from, to) = day_range();
    let on_hub: BTreeSet<String> = reader(&url, "3301A", None)
        .applications(from, to)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(
        on_hub.is_disjoint(&ids_503),
        "a 503'd record reached the hub early"
    );
    assert!(
        hub.app_count()
            > store.count_applications().unwrap() as usize
                - store.pending_count().unwrap() as usize,
        "the dropped reply's batch was committed on the hub"
    );

    // 3–6. More faults mid-stream, each in its own pass.
    for fault in [
        Fault::GarbageAfterCommit,
        Fault::Truncate,
        Fault::Stall,
        Fault::Html,
    ] {
        let mut r = relay(&store, &c, &data, batch);
        let rep = pass_with_fault(&mut r, &faults, fault, true);
        batch = r.batch;
        assert!(rep.acknowledged > 0 && rep.failed > 0, "{fault:?}: {rep:?}");
        let err = rep.last_error.clone().unwrap_or_default();
        if fault == Fault::Html {
            assert!(err.contains("not an acknowledgement"), "{fault:?}: {err}");
        }
    }
    drop(r);
    drop(c);

    // 7. The hub goes away (a pass fails, nothing is lost), and comes back
    //    on the same data dir: the same port if we can bind it again.
    let addr = hub.local_addr();
    hub.shutdown().unwrap();
    {
        let c = client(&url, "3301A", None);
        let pending = store.pending_count().unwrap();
        let rep = relay(&store, &c, &data, batch).pass(true, &mut |_| {});
        assert_eq!(rep.acknowledged, 0, "hub down: {rep:?}");
        assert!(rep.failed > 0, "hub down: {rep:?}");
        assert_eq!(store.pending_count().unwrap(), pending);
    }
    let mut restarted = None;
    for _ in 0..20 {
        match serve({
            let mut cfg = HubConfig::new(addr.to_string(), &hub_dir);
            cfg.log = false;
            cfg.faults = Some(faults.clone());
            cfg
        }) {
            Ok(h) => {
                restarted = Some(h);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    hub = match restarted {
        Some(h) => h,
        None => {
            eprintln!("port {addr} not free again: restarting the hub on a new port");
            start_hub(&hub_dir, "127.0.0.1:0", None).0
        }
    };
    url = hub.url();

    // Drain: passes until nothing is pending (bounded).
    let c = client(&url, "3301A", None);
    let mut r = relay(&store, &c, &data, batch);
    let mut passes = 0;
    loop {
        let rep = r.pass(true, &mut |_| {});
        passes += 1;
        if rep.pending == 0 {
            break;
        }
        assert!(
            passes < 50 && t0.elapsed() < Duration::from_secs(30),
            "not drained after {passes} passes: {rep:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_exactly_once(&store, &hub, &reader(&url, "3301A", None), 1000);
    eprintln!(
        "a: drained in {passes} final passes, {:?} in all",
        t0.elapsed()
    );
    hub.shutdown().unwrap();
}

// ───────────────────────────── b. kill -9 ─────────────────────────────

/// `jingyou sync` killed with SIGKILL at random points (a slowed hub makes
/// the kills land mid-sync); then `jingyou sync --once` finishes the job,
/// exactly once.
#[test]
fn sync_killed_at_random_points_then_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("client");
    let n = 400;
    drop(seeded(&root.join("data"), "3301A", n));
    let (hub, faults) = start_hub(&tmp.path().join("hub"), "127.0.0.1:0", None);
    faults.stall_ms.store(80, Ordering::SeqCst);
    let mut rng = Rng::new(0x9_C0FFEE);
    let mut mid_sync = 0;
    for round in 0..6 {
        let mut c = jingyou(&root, &hub.url(), None);
        c.args(["sync", "--max-wait", "60"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("spawn jingyou sync");
        let after = Duration::from_millis(50 + rng.below(451));
        std::thread::sleep(after);
        let running = child.try_wait().expect("try_wait").is_none();
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        if running {
            mid_sync += 1;
        }
        eprintln!(
            "b: round {round}: killed after {after:?} (running: {running}, {status}), hub holds {}",
            hub.app_count()
        );
    }
    assert!(mid_sync >= 3, "only {mid_sync} kills landed mid-sync");
    assert!(
        hub.app_count() < n as usize,
        "the kills came too late to matter"
    );
    faults.stall_ms.store(0, Ordering::SeqCst);
    let mut c = jingyou(&root, &hub.url(), None);
    c.args(["sync", "--once"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "sync --once after the kills: {err}");
    assert_eq!(queue_json(&root, &hub.url()), Vec::<Value>::new());
    let store = Store::open(&root.join("data/store"), 8).unwrap();
    assert_exactly_once(&store, &hub, &reader(&hub.url(), "3301A", None), n as usize);
    drop(store);
    hub.shutdown().unwrap();
}

// ───────────────────────────── c. resumed attachment ─────────────────────────────

/// A 2 MiB attachment whose upload is cut three times (reply dropped after
/// the chunk was committed, garbage after commit, a stalled PATCH) resumes
/// from the hub's offset each time: no acknowledged chunk is sent again.
#[test]
fn big_attachment_cut_three_times_resumes_without_resending() {
    const SIZE: usize = 2 * 1024 * 1024;
    const CHUNK: usize = 64 * 1024;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("branch");
    let hub_dir = tmp.path().join("hub");
    let store = seeded(&data, "3301A", 0);
    let mut rng = Rng::new(2024);
    let bytes: Vec<u8> = (0..SIZE).map(|_| (rng.next_u64() >> 32) as u8).collect();
    std::fs::create_dir_all(data.join("attachments")).unwrap();
    std::fs::write(data.join("attachments/scan.pdf"), &bytes).unwrap();
    let sha = jingyou::hub::store::hex(&sha2::Sha256::digest(&bytes));
    let app = store
        .finish(
            &branch("3301A"),
            new_app(
                "big-attachment-1",
                Clock::system().today(),
                vec![AttachedFile {
                    name: "scan.pdf".into(),
                    path: "attachments/scan.pdf".into(),
                    sha256: sha.clone(),
                    size: SIZE as u64,
                    mime: "application/pdf".into(),
                }],
            ),
        )
        .unwrap();
    let (hub, faults) = start_hub(&hub_dir, "127.0.0.1:0", None);
    let c = client(&hub.url(), "3301A", None);
    let mut r = relay(&store, &c, &data, 20);
    r.settings.chunk = CHUNK;
    let cuts = [
        (SIZE as u64 / 4, Fault::DropAfterCommit),
        (SIZE as u64 / 2, Fault::GarbageAfterCommit),
        (3 * SIZE as u64 / 4, Fault::Stall),
    ];
    let mut next_cut = 0;
    let mut failures = 0;
    let mut passes = 0;
    loop {
        let mut armed_now = false;
        let rep = r.pass(true, &mut |ev| {
            if let RelayEvent::Attachment { sent, .. } = ev {
                if !armed_now && next_cut < cuts.len() && sent >= cuts[next_cut].0 {
                    arm(&faults, cuts[next_cut].1);
                    next_cut += 1;
                    armed_now = true;
                }
            }
        });
        passes += 1;
        disarm(&faults);
        if rep.failed > 0 {
            failures += 1;
            // Let a stalled PATCH land on the hub before resuming.
            std::thread::sleep(Duration::from_millis(1200));
        }
        if rep.pending == 0 {
            break;
        }
        assert!(passes < 20, "not done after {passes} passes: {rep:?}");
    }
    assert_eq!(
        (next_cut, failures),
        (3, 3),
        "three cuts, three failed passes"
    );
    let stats = hub.stats();
    let patch_bytes = stats.patch_bytes.load(Ordering::SeqCst);
    let patches = stats.patches.load(Ordering::SeqCst);
    let chunks = SIZE.div_ceil(CHUNK) as u64;
    eprintln!("c: {patches} PATCHes, {patch_bytes} bytes written, {chunks} chunks");
    assert!(
        patch_bytes <= (SIZE + 3 * CHUNK) as u64,
        "{patch_bytes} PATCH bytes written for a {SIZE}-byte file"
    );
    assert!(
        patches <= chunks + 3,
        "{patches} PATCH requests for {chunks} chunks and 3 cuts: acknowledged chunks were resent"
    );
    let local = store.application(&app.number).unwrap().unwrap();
    let receipt = local.hub_receipt.clone().expect("acknowledged");
    assert!(store.queue().unwrap().is_empty());
    assert_eq!(hub.app_count(), 1);
    hub.shutdown().unwrap();

    // The hub's copy: one upload, complete, with the right sha256.
    let parts: Vec<PathBuf> = std::fs::read_dir(hub_dir.join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        parts.len(),
        1,
        "one upload on the hub, not a new one per cut: {parts:?}"
    );
    let stored = std::fs::read(&parts[0]).unwrap();
    assert_eq!(
        jingyou::hub::store::hex(&sha2::Sha256::digest(&stored)),
        sha
    );
    let hs = HubStore::open(&hub_dir, 1 << 20).unwrap();
    let id = parts[0].file_stem().unwrap().to_string_lossy().into_owned();
    let up = hs.get_upload(&id).unwrap().expect("upload record");
    assert!(up.complete());
    assert_eq!(up.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(
        hs.get_app("big-attachment-1").unwrap().unwrap().receipt,
        receipt
    );
}

// ───────────────────────────── d. 401 / 403 ─────────────────────────────

/// A wrong token (401) or another branch's token (403) stops the pass as
/// `refused` and marks nothing; the binary exits 4; the right token drains.
#[test]
fn refused_credentials_mark_nothing_and_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("client");
    let data = root.join("data");
    let tokens = Tokens::from_pairs([("3301A", "secret-a-123"), ("3301B", "secret-b-123")]);
    let (hub, _) = start_hub(&tmp.path().join("hub"), "127.0.0.1:0", Some(tokens));
    let store = seeded(&data, "3301A", 30);
    let before = store.queue().unwrap();
    for token in ["wrong-token-1", "secret-b-123"] {
        let c = client(&hub.url(), "3301A", Some(token));
        let rep = relay(&store, &c, &data, 20).pass(true, &mut |_| {});
        assert!(rep.refused.is_some(), "{token}: {rep:?}");
        assert_eq!(
            (rep.acknowledged, rep.failed, rep.quarantined),
            (0, 0, 0),
            "{rep:?}"
        );
        assert_eq!(
            store.queue().unwrap(),
            before,
            "{token}: the queue was touched"
        );
    }
    drop(store);
    assert_eq!(hub.app_count(), 0);
    for token in ["wrong-token-1", "secret-b-123"] {
        let mut c = jingyou(&root, &hub.url(), Some(token));
        c.args(["sync", "--once"]);
        let (code, _, err) = run(c);
        assert_eq!(code, 4, "{token}: {err}");
    }
    let mut c = jingyou(&root, &hub.url(), Some("secret-a-123"));
    c.args(["sync", "--once"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "right token: {err}");
    let store = Store::open(&data.join("store"), 8).unwrap();
    assert_exactly_once(
        &store,
        &hub,
        &reader(&hub.url(), "3301A", Some("secret-a-123")),
        30,
    );
}

// ───────────────────────────── e. quarantine ─────────────────────────────

/// A record the hub rejects (an id with invalid characters; another
/// branch's code) is quarantined; the rest keep moving.
#[test]
fn rejected_records_are_quarantined_and_the_rest_move() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("client");
    let data = root.join("data");
    let (hub, _) = start_hub(&tmp.path().join("hub"), "127.0.0.1:0", None);
    let store = Store::open(&data.join("store"), 8).unwrap();
    store.set_branch(&branch("3301A")).unwrap();
    // In the middle of the key order: finished first, two days back.
    let day = Clock::system().today() - chrono::Duration::days(2);
    let bad_id = store
        .finish(&branch("3301A"), new_app("bad id/错", day, vec![]))
        .unwrap();
    let other = store
        .finish(&branch("3301X"), new_app("other-branch-1", day, vec![]))
        .unwrap();
    seed(
        &store,
        &Catalog::builtin().unwrap(),
        &Clock::system(),
        50,
        5,
    )
    .unwrap();
    let c = client(&hub.url(), "3301A", None);
    let rep = relay(&store, &c, &data, 20).pass(true, &mut |_| {});
    assert_eq!(
        (rep.acknowledged, rep.quarantined, rep.pending),
        (50, 2, 0),
        "{rep:?}"
    );
    drop(store);
    assert_eq!(hub.app_count(), 50);

    let q = queue_json(&root, &hub.url());
    assert_eq!(q.len(), 2, "{q:?}");
    for (app, reason) in [(&bad_id, "invalid"), (&other, "branch_mismatch")] {
        let e = q
            .iter()
            .find(|e| e["id"] == app.id.as_str())
            .unwrap_or_else(|| panic!("{} not in the queue: {q:?}", app.id));
        assert_eq!(e["state"], "quarantined", "{e}");
        let err = e["last_error"].as_str().unwrap_or("");
        assert!(err.contains(reason), "{}: last_error {err:?}", app.id);
    }
    // Quarantined is not pending: sync says nothing is left.
    let mut c = jingyou(&root, &hub.url(), None);
    c.args(["sync", "--once"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let store = Store::open(&data.join("store"), 8).unwrap();
    let mut acked = 0;
    store
        .for_each_application(|_, a| acked += usize::from(a.hub_receipt.is_some()))
        .unwrap();
    assert_eq!(acked, 50);
    let t: u64 = store
        .tally_days()
        .unwrap()
        .into_iter()
        .map(|d| store.day_tally(d).unwrap().quarantined)
        .sum();
    assert_eq!(t, 2, "the day tallies count two quarantined");
}

// ───────────────────────────── f. not acknowledgements ─────────────────────────────

/// A fake "hub" answering every request with one canned reply.
fn canned_server(reply: String) -> (String, Arc<AtomicBool>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stop2.load(Ordering::SeqCst) {
            let Ok((mut s, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let _ = s.set_nonblocking(false);
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = Vec::new();
                let mut tmp = [0u8; 8192];
                // read the head, then Content-Length bytes of body
                let head_end = loop {
                    match s.read(&mut tmp) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&tmp[..n]),
                    }
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match s.read(&mut tmp) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&tmp[..n]),
                    }
                }
                let _ = s.write_all(reply.as_bytes());
            });
        }
    });
    (url, stop)
}

/// A captive portal's HTML 200, a bare 200, a redirect (to the real hub),
/// and a JSON 200 of the wrong shape: none acknowledges anything; the
/// queue keeps every entry pending, with the reason as last_error.
#[test]
fn bare_200_html_and_redirects_are_never_acknowledgements() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("branch");
    let (hub, faults) = start_hub(&tmp.path().join("hub"), "127.0.0.1:0", None);
    let store = seeded(&data, "3301A", 30);
    let keys =
        |s: &Store| -> Vec<String> { s.queue().unwrap().into_iter().map(|(k, _)| k).collect() };
    let all = keys(&store);

    let check = |what: &str, rep: &PassReport, requests_before: Option<u64>| {
        assert_eq!(rep.acknowledged, 0, "{what}: {rep:?}");
        assert_eq!(keys(&store), all, "{what}: queue changed");
        let q = store.queue().unwrap();
        assert!(
            q.iter().all(|(_, e)| e.state == UploadState::Pending),
            "{what}"
        );
        assert!(
            q.iter().any(|(_, e)| e.last_error.is_some()),
            "{what}: no last_error recorded"
        );
        assert_eq!(hub.app_count(), 0, "{what}: the hub got something");
        if let Some(before) = requests_before {
            assert_eq!(
                hub.stats().requests.load(Ordering::SeqCst),
                before,
                "{what}: the real hub was asked (a redirect followed?)"
            );
        }
    };

    // captive portal on the real hub (html_200 on every request)
    faults.html_200.store(1_000, Ordering::SeqCst);
    let c = client(&hub.url(), "3301A", None);
    let rep = relay(&store, &c, &data, 20).pass(true, &mut |_| {});
    assert_eq!(rep.acknowledged, 0, "html: {rep:?}");
    assert!(
        rep.last_error
            .as_deref()
            .unwrap_or("")
            .contains("not an acknowledgement"),
        "{rep:?}"
    );
    check("html", &rep, None);
    faults.html_200.store(0, Ordering::SeqCst);
    // The hub counts a request after answering it: let the count settle.
    std::thread::sleep(Duration::from_millis(300));

    let hub_url = hub.url();
    for (what, reply) in [
        (
            "bare 200",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
        ),
        (
            "302",
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {hub_url}/v1/applications\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        ),
        (
            "307",
            format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {hub_url}/v1/applications\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        ),
        (
            "JSON 200 without results",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\
             Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}"
                .to_string(),
        ),
        (
            "JSON 200 with no result per item",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\
             Content-Length: 14\r\nConnection: close\r\n\r\n{\"results\":[]}"
                .to_string(),
        ),
    ] {
        let (url, stop) = canned_server(reply);
        let requests = hub.stats().requests.load(Ordering::SeqCst);
        let c = client(&url, "3301A", None);
        let rep = relay(&store, &c, &data, 20).pass(true, &mut |_| {});
        check(what, &rep, Some(requests));
        assert!(rep.last_error.is_some(), "{what}: {rep:?}");
        stop.store(true, Ordering::SeqCst);
    }
    // and the real hub, answering properly, takes them all
    let c = client(&hub.url(), "3301A", None);
    let rep = relay(&store, &c, &data, 20).pass(true, &mut |_| {});
    assert_eq!(rep.acknowledged, 30, "{rep:?}");
    assert_exactly_once(&store, &hub, &reader(&hub.url(), "3301A", None), 30);
}

// ───────────────────────────── e. a hub that trickles ─────────────────────────────

#[path = "support/fake_hub.rs"]
mod fake_hub;
use fake_hub::FakeHub;

/// A results reply that would acknowledge nothing useful, sent one byte
/// every `pause`: what matters is that nobody waits for its end.
fn trickling_hub(pause: Duration) -> FakeHub {
    let body = format!("{{\"results\": [{}]}}", " ".repeat(400));
    FakeHub::start(FakeHub::json_reply(200, &[], &body), 1, pause)
}

/// `jingyou sync --once --max-wait 5` against a hub that answers one byte
/// every 2 s (stall timeout 3 s, so no single read ever times out): the
/// command ends within its five seconds, the records stay pending.
#[test]
fn sync_max_wait_bounds_a_trickling_hub() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("client");
    drop(seeded(&root.join("data"), "3301A", 30));
    let hub = trickling_hub(Duration::from_secs(2));
    let mut c = jingyou(&root, &hub.url, None);
    std::fs::write(
        root.join("config.toml"),
        "[sync]\nconnect_timeout_ms = 500\nstall_timeout_ms = 3000\nbackoff_base_ms = 10\nbackoff_cap_ms = 200\n",
    )
    .unwrap();
    c.args(["sync", "--once", "--max-wait", "5"]);
    let t = Instant::now();
    let (code, _, err) = run(c);
    let took = t.elapsed();
    assert_eq!(code, 3, "records are left pending: {err}");
    assert!(
        took < Duration::from_secs(8),
        "sync --once --max-wait 5 took {took:?}"
    );
    assert!(
        hub.requests.load(Ordering::SeqCst) >= 1,
        "the hub was asked"
    );
    drop(hub);
    let q = queue_json(&root, "http://127.0.0.1:9");
    assert_eq!(q.len(), 30);
    assert!(q.iter().all(|r| r["state"] == "pending"), "{q:?}");
}

/// The relay (the clerk's status bar) tells a stalled hub from a missing
/// link, and no request outlives `request_timeout`.
#[test]
fn a_trickling_hub_shows_as_stalled() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let store = seeded(&data, "3301A", 5);
    let hub = trickling_hub(Duration::from_millis(300));
    let mut cfg = ClientConfig::new(hub.url.clone(), "3301A");
    cfg.connect_timeout = Duration::from_millis(500);
    cfg.stall_timeout = Duration::from_secs(3);
    cfg.request_timeout = Duration::from_secs(2);
    let client = HubClient::new(cfg).unwrap();
    let mut r = relay(&store, &client, &data, 20);
    let t = Instant::now();
    let report = r.pass(true, &mut |_| {});
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert_eq!(report.link, Some(LinkState::Stalled), "{report:?}");
    assert_eq!(report.acknowledged, 0);
    assert_eq!(report.pending, 5);
    // and a hub that is not there at all is offline, not stalled
    drop(hub);
    let mut cfg = ClientConfig::new("http://127.0.0.1:9", "3301A");
    cfg.connect_timeout = Duration::from_millis(500);
    let client = HubClient::new(cfg).unwrap();
    let mut r = relay(&store, &client, &data, 20);
    let report = r.pass(true, &mut |_| {});
    assert_eq!(report.link, Some(LinkState::Offline), "{report:?}");
}

/// `Retry-After: 99999999` (three years) is cut to `backoff_cap_ms`.
#[test]
fn retry_after_is_capped_at_the_backoff_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("client");
    drop(seeded(&root.join("data"), "3301A", 3));
    let hub = FakeHub::start(
        FakeHub::json_reply(
            503,
            &["Retry-After: 99999999"],
            r#"{"error": {"code": "overloaded", "message": "busy"}}"#,
        ),
        usize::MAX,
        Duration::ZERO,
    );
    let mut c = jingyou(&root, &hub.url, None);
    c.args(["sync", "--once"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    let q = queue_json(&root, &hub.url);
    assert_eq!(q.len(), 3);
    let latest = chrono::Local::now() + chrono::Duration::seconds(60);
    for r in &q {
        let next = r["next_try"].as_str().expect("a next try");
        let next = chrono::DateTime::parse_from_rfc3339(next).unwrap();
        // backoff_cap_ms = 200 in SYNC_TOML: well within a minute
        assert!(next < latest, "next try {next} for {r}");
    }
}
