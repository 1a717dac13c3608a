//! Reconciliation against a real hub that lacks some applications and has
//! extra ones.

use chrono::{DateTime, NaiveDate};
use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::config::Config;
use jingyou::reconcile::{self, Difference};
use jingyou::store::Store;
use jingyou::sync::client::{ClientConfig, HubClient};
use jingyou::sync::relay::{Relay, Settings};

fn clock() -> Clock {
    Clock::fixed(DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("t"))
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

fn drain(store: &Store, url: &str, data: &std::path::Path) {
    let client = HubClient::new(ClientConfig::new(url, "3301S")).expect("client");
    let mut relay = Relay {
        store,
        client: &client,
        settings: Settings::from_config(&Config::default()),
        clock: clock(),
        data_dir: data.to_path_buf(),
        batch: 50,
    };
    let r = relay.pass(true, &mut |_| {});
    assert!(r.last_error.is_none(), "{:?}", r.last_error);
}

#[test]
fn every_difference_is_named_by_application() {
    let branch_dir = tempfile::tempdir().expect("tmp");
    let hub_dir = tempfile::tempdir().expect("tmp");
    let snapshot = tempfile::tempdir().expect("tmp");
    let store = Store::open(&branch_dir.path().join("store"), 8).expect("store");
    jingyou::seed::seed(&store, &Catalog::builtin().expect("cat"), &clock(), 30, 3).expect("seed");
    // Hold five back, upload the rest, keep a copy of that hub.
    let queue = store.queue().expect("q");
    let held: Vec<String> = queue.iter().take(5).map(|(k, _)| k.clone()).collect();
    let held_numbers: Vec<String> = queue
        .iter()
        .take(5)
        .map(|(_, e)| e.number.clone())
        .collect();
    for k in &held {
        store.quarantine(k, "held back by the test").expect("q");
    }
    let hub = jingyou::hub::serve(jingyou::hub::HubConfig::new("127.0.0.1:0", hub_dir.path()))
        .expect("hub");
    drain(&store, &hub.url(), branch_dir.path());
    hub.shutdown().expect("shutdown");
    copy_dir(hub_dir.path(), snapshot.path());
    // Now the five go too: acknowledged here, but not at the old copy.
    let hub = jingyou::hub::serve(jingyou::hub::HubConfig::new("127.0.0.1:0", hub_dir.path()))
        .expect("hub");
    for k in &held {
        store.retry(k).expect("retry");
    }
    drain(&store, &hub.url(), branch_dir.path());
    assert_eq!(store.pending_count().expect("p"), 0);
    hub.shutdown().expect("shutdown");

    // The old copy lacks five and gets one this branch never made.
    let old = jingyou::hub::serve(jingyou::hub::HubConfig::new("127.0.0.1:0", snapshot.path()))
        .expect("hub");
    let client = HubClient::new(ClientConfig::new(old.url(), "3301S")).expect("client");
    let mut stranger = store
        .applications_on("2026-11-28".parse().expect("d"))
        .expect("apps")[0]
        .clone();
    stranger.id = "not-from-this-branch-0001".into();
    stranger.number = "3301S-261128-9999".into();
    let r = client.post_applications(&[stranger]).expect("post");
    assert!(r[0].is_acknowledged());
    // And one local void that has not travelled.
    let voided = store
        .applications_on("2026-11-27".parse().expect("d"))
        .expect("apps")[3]
        .number
        .clone();
    store
        .void(&voided, "test", "001", clock().now())
        .expect("void");

    let from: NaiveDate = "2026-11-26".parse().expect("d");
    let to: NaiveDate = "2026-11-28".parse().expect("d");
    let report = reconcile::reconcile(&store, &client, from, to).expect("reconcile");
    let missing: Vec<&String> = report
        .differences
        .iter()
        .filter_map(|d| match d {
            Difference::MissingAtHub { number, .. } => Some(number),
            _ => None,
        })
        .collect();
    let mut expected: Vec<&String> = held_numbers.iter().collect();
    expected.sort();
    assert_eq!(missing, expected, "exactly the five held back");
    assert!(report.differences.contains(&Difference::ExtraAtHub {
        number: "3301S-261128-9999".into(),
        id: "not-from-this-branch-0001".into(),
        date: "2026-11-28".into(),
    }));
    assert!(report.differences.contains(&Difference::VoidNotAtHub {
        number: voided.clone()
    }));
    assert!(!report
        .differences
        .iter()
        .any(|d| matches!(d, Difference::ReceiptDiffers { .. })));
    // Day counts: here all 29 acknowledged and not voided; the hub 25 + 1.
    let ours: u64 = report.days.values().map(|d| d.0).sum();
    let theirs: u64 = report.days.values().map(|d| d.1).sum();
    assert_eq!(ours, 29);
    assert_eq!(theirs, 26);
    assert_eq!(report.hub_total, 26);
    let text = reconcile::lines(&report, jingyou::i18n::Lang::En).join("\n");
    for n in &held_numbers {
        assert!(text.contains(n.as_str()), "{text}");
    }
}
