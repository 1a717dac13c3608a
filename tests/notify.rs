//! Customer notices: each review change of an application with a phone
//! number makes one short text, handed to the `[notify] command` (here a
//! fake SMS gateway script that fails, then recovers), retried, never sent
//! twice, and one left "sending" by a crash is never sent again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use jingyou::clock::Clock;
use jingyou::config::Config;
use jingyou::hub::{serve, HubConfig};
use jingyou::store::{Branch, Delivery, NewApplication, NoticeState, Payment, Store};
use jingyou::sync::client::{ClientConfig, HubClient};
use jingyou::sync::relay::{Relay, Settings};
use serde_json::{json, Value};

fn post(url: &str, body: &Value) -> u16 {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent();
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .expect("transport")
        .status()
        .as_u16()
}

/// A gateway that fails while `fail` holds a number above 0 (counting it
/// down), else appends `ID PHONE TEXT` to `log`.
fn gateway(dir: &Path) -> String {
    let script = dir.join("sms.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             n=$(cat '{fail}' 2>/dev/null || echo 0)\n\
             if [ \"$n\" -gt 0 ]; then echo $((n - 1)) > '{fail}'; echo 'gateway down' >&2; exit 1; fi\n\
             text=$(cat)\n\
             printf '%s %s %s\\n' \"$JINGYOU_NOTIFY_ID\" \"$JINGYOU_NOTIFY_PHONE\" \"$text\" >> '{log}'\n",
            fail = dir.join("fail").display(),
            log = dir.join("sent.log").display(),
        ),
    )
    .expect("script");
    format!("sh {}", script.display())
}

fn sent_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("sent.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn app(id: &str, phone: Option<&str>) -> NewApplication {
    let mut values = BTreeMap::from([
        ("owner_name".to_string(), "张三".to_string()),
        ("id_number".to_string(), "11010519491231002X".to_string()),
    ]);
    if let Some(p) = phone {
        values.insert("phone".into(), p.into());
    }
    NewApplication {
        id: id.into(),
        service: "D1".into(),
        date: Clock::system().today(),
        finished_at: Clock::system().now(),
        clerk: "001".into(),
        values,
        materials: vec![],
        fees: vec![],
        payment: Some(Payment::Cash),
        delivery: Delivery::Pickup,
        draft_number: None,
        generated: false,
        attachments: vec![],
    }
}

#[test]
fn the_gateway_fails_then_recovers_and_nothing_is_sent_twice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("branch");
    let mut cfg = HubConfig::new("127.0.0.1:0", tmp.path().join("hub"));
    cfg.log = false;
    let hub = serve(cfg).expect("hub");
    let base = hub.url();
    let store = Store::open(&data.join("store"), 8).expect("store");
    let branch = Branch {
        code: "3301A".into(),
        name: "城关邮政所".into(),
        training: false,
        generated: false,
    };
    store.set_branch(&branch).expect("branch");
    let a = store
        .finish(&branch, app("n-1", Some("13812345678")))
        .expect("a");
    let b = store.finish(&branch, app("n-2", None)).expect("b");
    let mut config = Config::default();
    config.notify.command = Some(gateway(tmp.path()));
    config.sync.backoff_base_ms = 1;
    config.sync.backoff_cap_ms = 2;
    let settings = Settings::from_config(&config);
    let client = HubClient::new(ClientConfig::new(&base, "3301A")).expect("client");
    let pass = |store: &Store| {
        Relay {
            store,
            client: &client,
            settings: settings.clone(),
            clock: Clock::system(),
            data_dir: data.clone(),
            batch: 20,
        }
        .pass(true, &mut |_| {})
    };
    assert_eq!(pass(&store).acknowledged, 2);
    // the office answers both; only the one with a phone makes notices
    for (id, rid, body) in [
        (
            "n-1",
            "r1",
            json!({"state": "needs_correction", "note": "照片不合格"}),
        ),
        ("n-2", "r2", json!({"state": "accepted"})),
        ("n-1", "r3", json!({"state": "accepted"})),
    ] {
        let mut body = body;
        body["review_id"] = json!(rid);
        assert_eq!(
            post(&format!("{base}/v1/applications/{id}/review"), &body),
            200
        );
    }
    // the gateway is down for the first three tries
    std::fs::write(tmp.path().join("fail"), "3").expect("fail");
    let r = pass(&store);
    assert_eq!((r.changes_pulled, r.notices_sent), (3, 0), "{r:?}");
    let notices = store.notices().expect("notices");
    assert_eq!(
        notices.len(),
        2,
        "one per change of the application with a phone"
    );
    assert!(notices.iter().all(|n| n.state == NoticeState::Pending));
    // the application's later notice waits for its first one
    let tries: Vec<(&str, u32)> = notices
        .iter()
        .map(|n| (n.id.as_str(), n.attempts))
        .collect();
    assert_eq!(tries, [("n1", 1), ("n3", 0)]);
    assert!(
        notices[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("exit status")),
        "{:?}",
        notices[0].last_error
    );
    assert!(sent_lines(tmp.path()).is_empty());
    let mut passes = 1;
    while sent_lines(tmp.path()).len() < 2 {
        std::thread::sleep(Duration::from_millis(20));
        pass(&store);
        passes += 1;
        assert!(passes < 20, "not recovered: {:?}", store.notices());
    }
    // more passes, a reopened store: nothing goes out again
    for _ in 0..3 {
        pass(&store);
    }
    drop(store);
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    pass(&store);
    let lines = sent_lines(tmp.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("n1 13812345678 【邮政】"), "{lines:?}");
    assert!(
        lines[0].contains("需补正") && lines[0].contains("照片不合格"),
        "{lines:?}"
    );
    assert!(lines[0].contains(&a.number), "{lines:?}");
    assert!(
        lines[1].starts_with("n3 13812345678 ") && lines[1].contains("受理"),
        "{lines:?}"
    );
    for l in &lines {
        let text = l.splitn(3, ' ').nth(2).unwrap_or("");
        assert!(text.chars().count() <= 70, "{text}");
        assert!(
            !l.contains("张三") && !l.contains("11010519491231002X"),
            "{l}"
        );
    }
    assert!(!lines.iter().any(|l| l.contains(&b.number)));
    let notices = store.notices().expect("notices");
    assert!(
        notices.iter().all(|n| n.state == NoticeState::Sent),
        "{notices:?}"
    );
    let report = store.verify().expect("verify");
    assert!(report.whole(), "{:?}", report.differences);

    // a crash while the command ran: the notice stays "sending" in the
    // journal, and is never handed to the command again
    assert_eq!(
        post(
            &format!("{base}/v1/applications/n-1/review"),
            &json!({"review_id": "r4", "state": "completed", "result": "EMS 1190000000001"})
        ),
        200
    );
    let mut no_command = settings.clone();
    no_command.notify.command = None;
    let r = Relay {
        store: &store,
        client: &client,
        settings: no_command,
        clock: Clock::system(),
        data_dir: data.clone(),
        batch: 20,
    }
    .pass(true, &mut |_| {});
    assert_eq!(r.changes_pulled, 1);
    let n = store
        .notices()
        .expect("notices")
        .into_iter()
        .find(|n| n.id == "n4")
        .expect("made, waiting");
    assert_eq!(n.state, NoticeState::Pending, "no command: it waits");
    store
        .set_notice(&n, NoticeState::Sending, None, None)
        .expect("sending");
    drop(store); // as if killed here
    let store = Store::open(&data.join("store"), 8).expect("reopen");
    pass(&store);
    let n = store
        .notices()
        .expect("notices")
        .into_iter()
        .find(|n| n.id == "n4")
        .expect("there");
    assert_eq!(n.state, NoticeState::Uncertain);
    assert_eq!(sent_lines(tmp.path()).len(), 2, "never sent twice");
    // the retention purge takes the phone number out of the outbox too
    let purged = jingyou::retention::purge_daily(
        &store,
        1,
        Clock::system().today() + chrono::Duration::days(30),
        &data,
    )
    .expect("purge");
    assert!(purged.is_some_and(|n| n >= 1), "{purged:?}");
    let notices = store.notices().expect("notices");
    assert!(notices.is_empty(), "{notices:?}");
    let report = store.verify().expect("verify");
    assert!(report.whole(), "{:?}", report.differences);
    drop(store);
    hub.shutdown().expect("shutdown");
}
