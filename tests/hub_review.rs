//! Review states at the hub, on both backends: the office's token, the
//! changes DESIGN allows and the ones it refuses, idempotency by review id,
//! the history, the branch's feed of changes (`GET /v1/changes`), and the
//! `jingyou-hub review` subcommand.

use std::process::{Command, Stdio};
use std::time::Duration;

use jingyou::hub::{serve, HubHandle, Tokens};
use serde_json::{json, Value};

#[path = "support/backends.rs"]
mod backends;
use backends::{Backend, Place};

const HUB: &str = env!("CARGO_BIN_EXE_jingyou-hub");
const BRANCH_A: &str = "tok-branch-a-0001";
const BRANCH_B: &str = "tok-branch-b-0002";
const OFFICE: &str = "tok-office-cg-0003";
const COUNTY: &str = "tok-county-0004";

fn tokens() -> Tokens {
    Tokens::parse(&format!(
        "3301A {BRANCH_A}\n3302B {BRANCH_B}\noffice:cg {OFFICE}\n* {COUNTY}\n"
    ))
    .expect("tokens")
}

fn start(place: &Place, tokens: Option<Tokens>) -> HubHandle {
    let mut cfg = place.config("127.0.0.1:0");
    cfg.tokens = tokens;
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

fn app(id: &str, branch: &str, date: &str) -> Value {
    json!({
        "id": id, "number": format!("{branch}-{id}"), "service": "A01", "date": date,
        "finished_at": format!("{date}T10:00:00+08:00"), "clerk": "001", "branch": branch,
        "values": {"name": "张三"}, "materials": [], "fees": [], "fee_total_fen": 0,
        "payment": "cash", "delivery": {"mode": "pickup"},
    })
}

fn call(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        b = b.header("Content-Type", "application/json");
    }
    let raw = body.map(Value::to_string).unwrap_or_default();
    let req = b.body(raw.into_bytes()).expect("request");
    let mut resp = agent().run(req).expect("transport");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn upload(base: &str, token: Option<&str>, branch: &str, apps: &[Value]) {
    let (status, v) = call(
        "POST",
        &format!("{base}/v1/applications"),
        token,
        Some(&json!({"branch": branch, "applications": apps})),
    );
    assert_eq!(status, 200, "{v}");
    for r in v["results"].as_array().expect("results") {
        assert_eq!(r["status"], "accepted", "{v}");
    }
}

fn review(base: &str, token: Option<&str>, id: &str, body: Value) -> (u16, Value) {
    call(
        "POST",
        &format!("{base}/v1/applications/{id}/review"),
        token,
        Some(&body),
    )
}

fn states(v: &Value) -> Vec<String> {
    v["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn review_states_over_http(backend: Backend) {
    let place = Place::new(backend);
    let hub = start(&place, Some(tokens()));
    let base = hub.url();
    upload(
        &base,
        Some(BRANCH_A),
        "3301A",
        &[
            app("r-1", "3301A", "2026-03-02"),
            app("r-2", "3301A", "2026-03-02"),
            app("r-3", "3301A", "2026-03-03"),
        ],
    );
    upload(
        &base,
        Some(BRANCH_B),
        "3302B",
        &[app("q-1", "3302B", "2026-03-02")],
    );

    // on arrival: received, with its time
    let (status, v) = call(
        "GET",
        &format!("{base}/v1/applications/r-1/review"),
        Some(OFFICE),
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "received");
    assert_eq!(states(&v), ["received"]);
    assert!(
        v["history"][0]["at"]
            .as_str()
            .is_some_and(|s| s.len() >= 20),
        "{v}"
    );

    // only an office token may review
    let body = json!({"review_id": "rv-1", "state": "needs_correction",
                      "note": "身份证复印件不清晰", "materials": ["M01"]});
    for t in [BRANCH_A, COUNTY] {
        let (status, v) = review(&base, Some(t), "r-1", body.clone());
        assert_eq!(status, 403, "{v}");
    }
    let (status, _) = review(&base, None, "r-1", body.clone());
    assert_eq!(status, 401);

    // received → needs_correction → accepted → completed
    let (status, v) = review(&base, Some(OFFICE), "r-1", body.clone());
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "needs_correction");
    assert_eq!(v["duplicate"], false);
    assert_eq!(v["history"][1]["note"], "身份证复印件不清晰");
    assert_eq!(v["history"][1]["materials"], json!(["M01"]));
    assert_eq!(v["history"][1]["office"], "cg");
    // the same review again: nothing changes
    let (status, v) = review(&base, Some(OFFICE), "r-1", body.clone());
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["duplicate"], true);
    assert_eq!(states(&v), ["received", "needs_correction"]);
    // the same review id for something else: refused
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-1", "state": "accepted"}),
    );
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (409, json!("review_id_conflict")),
        "{v}"
    );
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-2", "state": "accepted"}),
    );
    assert_eq!(status, 200, "{v}");
    // completed needs a result
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-3", "state": "completed"}),
    );
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("result"),
        "{v}"
    );
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-3", "state": "completed", "result": "EMS 1234567890123"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"], "EMS 1234567890123");
    assert_eq!(
        states(&v),
        ["received", "needs_correction", "accepted", "completed"]
    );

    // changes DESIGN does not allow: refused with the reason
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-4", "state": "accepted"}),
    );
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "transition_not_allowed");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("final"),
        "{v}"
    );
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-2",
        json!({"review_id": "rv-5", "state": "completed", "result": "x"}),
    );
    assert_eq!(status, 409, "received cannot jump to completed: {v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("accepted"),
        "the reason names what is allowed: {v}"
    );
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-2",
        json!({"review_id": "rv-6", "state": "rejected", "note": "不符合受理条件"}),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-2",
        json!({"review_id": "rv-7", "state": "accepted"}),
    );
    assert_eq!(status, 409, "rejected is final: {v}");
    // a rejected without its legal reason, a state that is not one
    let (status, _) = review(
        &base,
        Some(OFFICE),
        "r-3",
        json!({"review_id": "rv-8", "state": "rejected"}),
    );
    assert_eq!(status, 400);
    let (status, _) = review(
        &base,
        Some(OFFICE),
        "r-3",
        json!({"review_id": "rv-8", "state": "received"}),
    );
    assert_eq!(status, 400);
    let (status, _) = review(
        &base,
        Some(OFFICE),
        "r-3",
        json!({"review_id": "rv-8", "state": "done"}),
    );
    assert_eq!(status, 400);
    let (status, _) = review(&base, Some(OFFICE), "r-3", json!({"state": "accepted"}));
    assert_eq!(status, 400, "a review id is required");
    // an id the hub does not hold
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "nope-1",
        json!({"review_id": "rv-9", "state": "accepted"}),
    );
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (404, json!("unknown_application")),
        "{v}"
    );
    // a voided application
    let (status, v) = call(
        "POST",
        &format!("{base}/v1/voids"),
        Some(BRANCH_A),
        Some(&json!({"branch": "3301A", "voids": [
            {"id": "r-3", "reason": "录入错误", "at": "2026-03-03T11:00:00+08:00"}]})),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = review(
        &base,
        Some(OFFICE),
        "r-3",
        json!({"review_id": "rv-10", "state": "accepted"}),
    );
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (409, json!("voided")),
        "{v}"
    );
    let (status, _) = review(
        &base,
        Some(OFFICE),
        "q-1",
        json!({"review_id": "rv-11", "state": "accepted"}),
    );
    assert_eq!(status, 200);

    // the branch's feed: its own changes, in order, from a cursor
    let (status, v) = call("GET", &format!("{base}/v1/changes"), Some(BRANCH_A), None);
    assert_eq!(status, 200, "{v}");
    let got: Vec<(String, String)> = v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").into(),
                c["state"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("r-1", "needs_correction"),
        ("r-1", "accepted"),
        ("r-1", "completed"),
        ("r-2", "rejected"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want, "{v}");
    assert_eq!(v["more"], false);
    assert_eq!(v["changes"][0]["number"], "3301A-r-1");
    assert_eq!(v["changes"][0]["materials"], json!(["M01"]));
    assert_eq!(v["changes"][2]["result"], "EMS 1234567890123");
    let second = v["changes"][1]["cursor"]
        .as_str()
        .expect("cursor")
        .to_string();
    let last = v["cursor"].as_str().expect("cursor").to_string();
    assert_eq!(last, v["changes"][3]["cursor"].as_str().unwrap_or(""));
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/changes?since={second}"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(2), "{v}");
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/changes?since={last}"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(v["changes"], json!([]), "nothing new: {v}");
    assert_eq!(v["cursor"], json!(last), "the cursor stays: {v}");
    // another branch sees its own only, and may not read 3301A's
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/changes?since=0"),
        Some(BRANCH_B),
        None,
    );
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["changes"][0]["id"], "q-1");
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/changes?branch=3301A"),
        Some(BRANCH_B),
        None,
    );
    assert_eq!(status, 403);
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/changes?since=abc"),
        Some(BRANCH_B),
        None,
    );
    assert_eq!(status, 400);
    // a branch reads its own application's record, not another's
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/applications/r-1/review"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/applications/r-1/review"),
        Some(BRANCH_B),
        None,
    );
    assert_eq!(status, 404);

    // the work list
    let (status, v) = call("GET", &format!("{base}/v1/reviews"), Some(OFFICE), None);
    assert_eq!(status, 200, "{v}");
    let ids: Vec<&str> = v["applications"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, ["q-1"], "open ones, voided left out: {v}");
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/reviews?state=completed&branch=3301A"),
        Some(COUNTY),
        None,
    );
    assert_eq!(v["applications"][0]["id"], "r-1", "{v}");
    let (status, v) = call(
        "GET",
        &format!("{base}/v1/reviews?state=all"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(status, 200, "a branch lists its own: {v}");
    assert_eq!(v["applications"].as_array().map(Vec::len), Some(2), "{v}");
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/reviews?branch=3302B"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(status, 403, "and no other branch's");

    // the tallies count the office's changes of the day, per branch
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let (status, v) = call(
        "GET",
        &format!("{base}/v1/tallies?from={today}&to={today}"),
        Some(COUNTY),
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["reviews"],
        json!([
            {"branch": "3301A", "accepted": 1, "needs_correction": 1, "rejected": 1, "completed": 1},
            {"branch": "3302B", "accepted": 1, "needs_correction": 0, "rejected": 0, "completed": 0},
        ]),
        "{v}"
    );
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/tallies?from=2020-01-01&to=2020-01-02"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(v["reviews"], json!([]), "other days: {v}");

    // it all survives a restart
    hub.shutdown().expect("shutdown");
    let hub = start(&place, Some(tokens()));
    let base = hub.url();
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/applications/r-1/review"),
        Some(OFFICE),
        None,
    );
    assert_eq!(
        states(&v),
        ["received", "needs_correction", "accepted", "completed"],
        "{v}"
    );
    let (_, v) = review(
        &base,
        Some(OFFICE),
        "r-1",
        json!({"review_id": "rv-3", "state": "completed", "result": "EMS 1234567890123"}),
    );
    assert_eq!(v["duplicate"], true, "{v}");
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/changes?since={last}"),
        Some(BRANCH_A),
        None,
    );
    assert_eq!(
        v["changes"],
        json!([]),
        "no change repeated after a restart: {v}"
    );
    hub.shutdown().expect("shutdown");
}

/// Without a tokens file, a branch names itself with `&branch=`.
fn changes_without_tokens(backend: Backend) {
    let place = Place::new(backend);
    let hub = start(&place, None);
    let base = hub.url();
    upload(&base, None, "3301A", &[app("o-1", "3301A", "2026-03-02")]);
    let (status, _) = call("GET", &format!("{base}/v1/changes?since=0"), None, None);
    assert_eq!(status, 400, "the branch is required");
    let (status, v) = review(
        &base,
        None,
        "o-1",
        json!({"review_id": "ov-1", "state": "accepted"}),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = call(
        "GET",
        &format!("{base}/v1/changes?since=0&branch=3301A"),
        None,
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changes"][0]["state"], "accepted", "{v}");
    hub.shutdown().expect("shutdown");
}

/// Many reviews at once from many connections: each one once, the feed
/// in the order of its cursors with no gap a reader could fall into.
fn concurrent_reviews_keep_the_feed_in_order(backend: Backend) {
    let place = Place::new(backend);
    let hub = start(&place, None);
    let base = hub.url();
    let apps: Vec<Value> = (0..40)
        .map(|i| app(&format!("c-{i}"), "3301A", "2026-03-02"))
        .collect();
    upload(&base, None, "3301A", &apps);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                for i in (t..40).step_by(4) {
                    for rid in [format!("cc-{i}"), format!("cc-{i}")] {
                        let (status, v) = review(
                            &base,
                            None,
                            &format!("c-{i}"),
                            json!({"review_id": rid, "state": "accepted"}),
                        );
                        assert_eq!(status, 200, "{v}");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let (_, v) = call(
        "GET",
        &format!("{base}/v1/changes?since=0&branch=3301A"),
        None,
        None,
    );
    let cursors: Vec<u64> = v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            c["cursor"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(cursors, (1..=40).collect::<Vec<u64>>(), "{v}");
    hub.shutdown().expect("shutdown");
}

conformance!(
    review_states_over_http,
    changes_without_tokens,
    concurrent_reviews_keep_the_feed_in_order
);

// ------------------------------------------------------------ the CLI

fn hub_cmd(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(HUB);
    c.args(args)
        .env_remove("JINGYOU_HUB_DB")
        .env_remove("JINGYOU_HUB_TOKEN");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.stdin(Stdio::null()).output().expect("jingyou-hub runs");
    let out = (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(!out.2.contains("panicked"), "{}", out.2);
    out
}

fn store_args(place: &Place) -> Vec<String> {
    match &place.db {
        Some(url) => vec!["--db".into(), url.clone()],
        None => vec!["--data".into(), place.path().display().to_string()],
    }
}

fn review_subcommand(backend: Backend) {
    let place = Place::new(backend);
    let hub = start(&place, None);
    upload(
        &hub.url(),
        None,
        "3301A",
        &[
            app("k-1", "3301A", "2026-03-02"),
            app("k-2", "3301A", "2026-03-03"),
        ],
    );
    upload(
        &hub.url(),
        None,
        "3302B",
        &[app("k-3", "3302B", "2026-03-02")],
    );
    hub.shutdown().expect("shutdown");
    let store = store_args(&place);
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = vec!["review"];
        args.extend(extra);
        args.extend(store.iter().map(String::as_str));
        hub_cmd(&args, &[])
    };
    let (code, out, err) = run(&[
        "k-1",
        "--state",
        "needs_correction",
        "--note",
        "缺少照片",
        "--material",
        "M02",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("k-1") && out.contains("needs_correction"),
        "{out}"
    );
    let (code, _, err) = run(&["k-1", "--state", "accepted", "--review-id", "cli-2"]);
    assert_eq!(code, 0, "{err}");
    // the same review id again: done, nothing changed
    let (code, out, err) = run(&["k-1", "--state", "accepted", "--review-id", "cli-2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("before"), "{out}");
    // refused: exit 1, one sentence with the reason
    let (code, _, err) = run(&["k-1", "--state", "rejected", "--note", "x"]);
    assert_eq!(code, 1, "accepted may only become completed: {err}");
    assert!(err.contains("completed"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, _, err) = run(&["no-such-id", "--state", "accepted"]);
    assert_eq!(code, 1);
    assert!(err.contains("no application"), "{err}");
    // usage: exit 2
    for bad in [
        &["k-2", "--state", "finished"][..],
        &["k-2"],
        &["k-2", "--state", "completed"],
        &["k-2", "--state", "rejected"],
        &["--list", "--state", "nonsense"],
        &["k-2", "--list"],
        &[],
    ] {
        let (code, _, err) = run(bad);
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
    let (code, _, _) = run(&["k-1", "--state", "completed", "--result", "EMS 9876"]);
    assert_eq!(code, 0);
    // the work list: open ones by default
    let (code, out, err) = run(&["--list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let ids: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, ["k-3", "k-2"], "by date, then id: {v}");
    let (code, out, _) = run(&["--list", "--state", "completed", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v[0]["id"], "k-1");
    assert_eq!(v[0]["result"], "EMS 9876");
    assert_eq!(v[0]["history"].as_array().map(Vec::len), Some(4), "{v}");
    assert_eq!(v[0]["history"][1]["materials"], json!(["M02"]));
    let (code, out, _) = run(&["--list", "--branch", "3302B"]);
    assert_eq!(code, 0);
    assert!(out.contains("k-3") && !out.contains("k-2"), "{out}");
    assert!(out.trim_end().ends_with("1 application(s)"), "{out}");
    // `tally` counts the changes of the day too
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let mut args: Vec<&str> = vec![
        "tally", "--from", &today, "--to", &today, "--format", "json",
    ];
    args.extend(store.iter().map(String::as_str));
    let (code, out, err) = hub_cmd(&args, &[]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["reviews"][0]["completed"], 1, "{v}");
    assert_eq!(v["reviews"][0]["needs_correction"], 1, "{v}");
    let mut args: Vec<&str> = vec!["tally", "--from", &today, "--to", &today, "--format", "csv"];
    args.extend(store.iter().map(String::as_str));
    let (_, out, _) = hub_cmd(&args, &[]);
    assert!(out.contains("3301A,review:completed,1"), "{out}");
    let (code, out, _) = run(&["--list", "--state", "all", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out)
            .ok()
            .and_then(|v| v.as_array().map(Vec::len)),
        Some(3)
    );
}

conformance!(review_subcommand);

/// A sled store a hub holds: the subcommand asks that hub (`--hub`).
#[test]
fn review_through_a_running_hub() {
    let place = Place::new(Backend::Sled);
    let hub = start(&place, Some(tokens()));
    let base = hub.url();
    upload(
        &base,
        Some(BRANCH_A),
        "3301A",
        &[app("h-1", "3301A", "2026-03-02")],
    );
    let dir = place.path().display().to_string();
    let (code, _, err) = hub_cmd(
        &["review", "h-1", "--state", "accepted", "--data", &dir],
        &[],
    );
    assert_eq!(code, 1, "the store is held: {err}");
    assert!(err.contains("--hub"), "{err}");
    let (code, _, err) = hub_cmd(
        &["review", "h-1", "--state", "accepted", "--hub", &base],
        &[],
    );
    assert_eq!(code, 2, "no token: {err}");
    let (code, _, err) = hub_cmd(
        &["review", "h-1", "--state", "accepted", "--hub", &base],
        &[("JINGYOU_HUB_TOKEN", BRANCH_A)],
    );
    assert_eq!(code, 1, "a branch token may not review: {err}");
    let (code, out, err) = hub_cmd(
        &["review", "h-1", "--state", "accepted", "--hub", &base],
        &[("JINGYOU_HUB_TOKEN", OFFICE)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("accepted"), "{out}");
    let (code, _, err) = hub_cmd(
        &[
            "review", "h-1", "--state", "rejected", "--note", "x", "--hub", &base,
        ],
        &[("JINGYOU_HUB_TOKEN", OFFICE)],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("completed"), "{err}");
    let (code, _, _) = hub_cmd(
        &["review", "zz-9", "--state", "accepted", "--hub", &base],
        &[("JINGYOU_HUB_TOKEN", OFFICE)],
    );
    assert_eq!(code, 1);
    let (code, out, err) = hub_cmd(
        &["review", "--list", "--format", "json", "--hub", &base],
        &[("JINGYOU_HUB_TOKEN", OFFICE)],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v[0]["state"], "accepted", "{v}");
    assert_eq!(v[0]["history"][1]["office"], "cg", "{v}");
    hub.shutdown().expect("shutdown");
}

#[test]
fn office_tokens_parse() {
    assert!(Tokens::parse("office:cg-1 abcdefgh\n").is_ok());
    assert!(Tokens::parse("office: abcdefgh\n").is_err());
    assert!(Tokens::parse("office:a:b abcdefgh\n").is_err());
}
