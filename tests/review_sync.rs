//! The office's answers back at the branch: the relay pulls
//! `GET /v1/changes` on every pass (after its uploads), `jingyou sync --once`
//! pulls with nothing to upload, and a branch killed with SIGKILL while it
//! pulls and stores loses no change and applies none twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::config::Config;
use jingyou::hub::{serve, HubConfig, HubHandle};
use jingyou::seed::{seed, Rng};
use jingyou::store::{Branch, Store};
use jingyou::sync::client::{ClientConfig, HubClient};
use jingyou::sync::relay::{Relay, Settings};
use jingyou::wire::ReviewState;
use serde_json::{json, Value};

const JINGYOU: &str = env!("CARGO_BIN_EXE_jingyou");

fn start_hub(dir: &Path) -> HubHandle {
    let mut cfg = HubConfig::new("127.0.0.1:0", dir);
    cfg.log = false;
    serve(cfg).expect("hub starts")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent()
}

fn post(url: &str, body: &Value) -> (u16, Value) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .expect("transport");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn review(base: &str, id: &str, review_id: &str, body: Value) {
    let mut body = body;
    body["review_id"] = json!(review_id);
    let (status, v) = post(&format!("{base}/v1/applications/{id}/review"), &body);
    assert_eq!(status, 200, "review {id}: {v}");
}

fn seeded(data: &Path, code: &str, count: u64) -> Store {
    let store = Store::open(&data.join("store"), 8).expect("store");
    store
        .set_branch(&Branch {
            code: code.into(),
            name: "测试网点".into(),
            training: false,
            generated: false,
        })
        .expect("branch");
    if count > 0 {
        seed(
            &store,
            &Catalog::builtin().expect("catalog"),
            &Clock::system(),
            count,
            3,
        )
        .expect("seed");
    }
    store
}

fn relay<'a>(store: &'a Store, client: &'a HubClient, data: &Path) -> Relay<'a> {
    Relay {
        store,
        client,
        settings: Settings::from_config(&Config::default()),
        clock: Clock::system(),
        data_dir: data.to_path_buf(),
        batch: 50,
    }
}

fn jingyou(root: &Path, hub_url: &str) -> Command {
    for d in ["home", "config", "xdg"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    let conf = root.join("config.toml");
    // small pages: many journal records per pull, for the kills to land between
    std::fs::write(&conf, "[sync]\nchanges_page = 25\n").expect("config");
    let mut c = Command::new(JINGYOU);
    c.arg("--config")
        .arg(&conf)
        .env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("xdg"))
        .env("LANG", "C.UTF-8")
        .env("JINGYOU_HUB_URL", hub_url)
        .env_remove("JINGYOU_NOW")
        .env_remove("JINGYOU_DATA")
        .env_remove("JINGYOU_HUB_TOKEN")
        .args(["--lang", "en", "--data-dir"])
        .arg(root.join("data"))
        .stdin(Stdio::null());
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

#[test]
fn the_relay_pulls_after_uploading_and_sync_once_pulls_with_nothing_to_upload() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("branch");
    let data = root.join("data");
    let hub = start_hub(&tmp.path().join("hub"));
    let base = hub.url();
    let store = seeded(&data, "3301A", 3);
    let client = HubClient::new(ClientConfig::new(&base, "3301A")).expect("client");
    let r = relay(&store, &client, &data).pass(true, &mut |_| {});
    assert_eq!((r.acknowledged, r.changes_pulled), (3, 0), "{r:?}");
    let mut ids = Vec::new();
    store
        .for_each_application(|_, a| ids.push(a.id.clone()))
        .expect("apps");
    ids.sort();
    // the office answers two of them
    review(
        &base,
        &ids[0],
        "o-1",
        json!({"state": "needs_correction", "note": "缺少行驶证原件", "materials": ["vehicle_licence"]}),
    );
    review(&base, &ids[1], "o-2", json!({"state": "accepted"}));
    // a pass that uploads hears of them in the same pass
    seed(
        &store,
        &Catalog::builtin().expect("catalog"),
        &Clock::system(),
        1,
        1,
    )
    .expect("seed one more");
    let r = relay(&store, &client, &data).pass(true, &mut |_| {});
    assert_eq!((r.acknowledged, r.changes_pulled), (1, 2), "{r:?}");
    let rev = store.review_of(&ids[0]).expect("read").expect("pulled");
    assert_eq!(rev.state, ReviewState::NeedsCorrection);
    assert_eq!(rev.history[0].note.as_deref(), Some("缺少行驶证原件"));
    assert_eq!(rev.history[0].materials, ["vehicle_licence"]);
    assert_eq!(store.review_cursor().expect("cursor"), "2");
    drop(store);

    // nothing to upload: `sync --once` still pulls
    review(
        &base,
        &ids[1],
        "o-3",
        json!({"state": "completed", "result": "EMS 1190000000001"}),
    );
    let (code, _, err) = run({
        let mut c = jingyou(&root, &base);
        c.args(["sync", "--once"]);
        c
    });
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 review result"), "{err}");
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    let rev = store.review_of(&ids[1]).expect("read").expect("pulled");
    assert_eq!(rev.state, ReviewState::Completed);
    assert_eq!(rev.result(), Some("EMS 1190000000001"));
    assert_eq!(rev.history.len(), 2);
    let seq = store.journal_seq().expect("seq");
    drop(store);
    // nothing new: nothing written
    let (code, _, err) = run({
        let mut c = jingyou(&root, &base);
        c.args(["sync", "--once"]);
        c
    });
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("review result"), "{err}");
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    assert_eq!(store.journal_seq().expect("seq"), seq, "no empty records");
    let report = store.verify().expect("verify");
    assert!(report.whole(), "{:?}", report.differences);
    assert_eq!(store.reviews().expect("reviews").len(), 2);
    drop(store);
    // a store rebuilt from the journal has the same reviews
    let (code, out, err) = run({
        let mut c = jingyou(&root, &base);
        c.args(["store", "repair"]);
        c
    });
    assert_eq!(code, 0, "{out}{err}");
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    assert_eq!(
        store.review_of(&ids[1]).expect("read").map(|r| r.state),
        Some(ReviewState::Completed)
    );
    assert_eq!(store.review_cursor().expect("cursor"), "3");
    let numbers: Vec<String> = ids
        .iter()
        .map(|id| {
            let mut n = String::new();
            store
                .for_each_application(|_, a| {
                    if &a.id == id {
                        n = a.number.clone();
                    }
                })
                .expect("apps");
            n
        })
        .collect();
    let id_number = {
        let mut v = None;
        store
            .for_each_application(|_, a| {
                if a.id == ids[1] {
                    v = a.values.get("id_number").cloned();
                }
            })
            .expect("apps");
        v
    };
    drop(store);

    // `jingyou find`: the state, its history and the result, in English
    // protocol names in JSON whatever the language
    let find = |args: &[&str]| {
        run({
            let mut c = jingyou(&root, &base);
            c.arg("find").args(args);
            c
        })
    };
    let (code, out, err) = find(&[&numbers[1], "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v[0]["id"], json!(ids[1]));
    assert_eq!(v[0]["state"], "completed");
    assert_eq!(v[0]["result"], "EMS 1190000000001");
    assert_eq!(v[0]["history"][0]["state"], "accepted");
    assert_eq!(v[0]["history"][1]["state"], "completed");
    let keys: Vec<&String> = v[0].as_object().expect("object").keys().collect();
    let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["date", "history", "id", "number", "result", "service", "state"]
    );
    let (code, out, err) = find(&[&numbers[0], "--lang", "zh"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("需补正") && out.contains("缺少行驶证原件"),
        "{out}"
    );
    // the third: acknowledged, not answered yet
    let (code, out, _) = find(&[&numbers[2], "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"state\":\"received\""), "{out}");
    // part of a number; nothing found
    let tail = &numbers[1][numbers[1].len() - 4..];
    let (code, out, _) = find(&[tail, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains(&numbers[1]), "{out}");
    let (code, out, err) = find(&["ZZ-NOTHING-LIKE-IT"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    // the day's tally counts the office's answers; reconciliation agrees,
    // then names what the branch has not pulled yet
    let (code, out, err) = run({
        let mut c = jingyou(&root, &base);
        c.args(["tally", "--format", "json"]);
        c
    });
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["reviews"],
        json!({"accepted": 1, "needs_correction": 1, "rejected": 0, "completed": 1, "overdue": 0}),
        "{v}"
    );
    let reconcile = || {
        run({
            let mut c = jingyou(&root, &base);
            c.args(["tally", "--reconcile", "--format", "json"]);
            c
        })
    };
    let (code, out, err) = reconcile();
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("Office review"), "{out}");
    review(
        &base,
        &ids[2],
        "o-4",
        json!({"state": "rejected", "note": "不符合条件"}),
    );
    let (_, out, _) = reconcile();
    assert!(
        out.contains("Office review \\\"rejected\\\": 1 at the hub, 0 received here"),
        "{out}"
    );
    let idn = id_number.expect("a seeded application carries an ID number");
    let (code, out, _) = find(&[&idn, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains(&numbers[1]), "{out}");
    assert!(!out.contains(&idn), "the ID number is not echoed: {out}");
    hub.shutdown().expect("shutdown");
}

/// `jingyou sync --once` killed with SIGKILL at random points while it pulls
/// pages of changes (each page and its cursor one journal record), then run
/// to the end: every change is there once, in the hub's order.
#[test]
fn killed_while_pulling_changes_loses_and_repeats_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("branch");
    let data = root.join("data");
    drop(seeded(&data, "3301K", 0));
    let hub = start_hub(&tmp.path().join("hub"));
    let base = hub.url();
    // 1,500 applications at the hub, each accepted then completed: 3,000
    // changes, 120 pages of 25
    let n = 1500;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let apps: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({"id": format!("k-{i:05}"), "number": format!("3301K-{i:05}"),
                       "service": "A01", "date": "2026-03-02", "branch": "3301K",
                       "finished_at": "2026-03-02T10:00:00+08:00", "values": {}})
            })
            .collect();
        let (status, v) = post(
            &format!("{base}/v1/applications"),
            &json!({"branch": "3301K", "applications": apps}),
        );
        assert_eq!(status, 200, "{v}");
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                for i in (t..n).step_by(4) {
                    let id = format!("k-{i:05}");
                    review(&base, &id, &format!("a-{i}"), json!({"state": "accepted"}));
                    review(
                        &base,
                        &id,
                        &format!("c-{i}"),
                        json!({"state": "completed", "result": format!("EMS {i}")}),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("reviewer");
    }
    let total = 2 * n as u64;
    let mut rng = Rng::new(0x005E_ED13);
    let mut mid_pull = 0;
    let mut last_cursor = 0u64;
    for round in 0..30 {
        if last_cursor == total {
            break;
        }
        let mut c = jingyou(&root, &base);
        c.args(["sync", "--once"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("spawn jingyou sync");
        std::thread::sleep(Duration::from_millis(10 + rng.below(60)));
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        let store = Store::open(&data.join("store"), 8).expect("reopen after kill -9");
        let cursor: u64 = store.review_cursor().expect("cursor").parse().expect("n");
        assert!(cursor >= last_cursor, "the cursor went back");
        if cursor > 0 && cursor < total {
            mid_pull += 1;
        }
        eprintln!("round {round}: cursor {cursor} of {total}");
        last_cursor = cursor;
        drop(store);
    }
    assert!(
        mid_pull >= 3,
        "only {mid_pull} kills landed while pulling (cursor {last_cursor})"
    );
    let (code, _, err) = run({
        let mut c = jingyou(&root, &base);
        c.args(["sync", "--once"]);
        c
    });
    assert_eq!(code, 0, "{err}");
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    assert_eq!(store.review_cursor().expect("cursor"), total.to_string());
    let reviews = store.reviews().expect("reviews");
    assert_eq!(reviews.len(), n);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for r in &reviews {
        let got: Vec<&str> = r.history.iter().map(|c| c.review_id.as_str()).collect();
        let i: usize = r.id[2..].parse().expect("id");
        assert_eq!(
            got,
            [format!("a-{i}"), format!("c-{i}")],
            "{}: each change once, in order",
            r.id
        );
        assert_eq!(r.state, ReviewState::Completed);
        for c in &r.history {
            let n: u64 = c.cursor.parse().expect("cursor");
            assert!(seen.insert(c.cursor.clone(), n).is_none(), "cursor twice");
        }
    }
    assert_eq!(seen.len() as u64, total);
    let report = store.verify().expect("verify");
    assert!(report.whole(), "{:?}", report.differences);
    drop(store);
    hub.shutdown().expect("shutdown");
}
