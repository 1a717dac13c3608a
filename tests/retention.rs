//! The retention purge: personal data of old acknowledged applications goes,
//! numbers, fees and tallies stay; unacknowledged ones wait.

use chrono::{DateTime, NaiveDate};
use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::store::{Application, Store};

fn clock() -> Clock {
    Clock::fixed(DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("t"))
}

fn all(store: &Store) -> Vec<Application> {
    let mut v = Vec::new();
    store
        .for_each_application(|_, a| v.push(a.clone()))
        .expect("scan");
    v
}

#[test]
fn old_acknowledged_applications_lose_personal_data_and_keep_the_rest() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("store"), 8).expect("store");
    jingyou::seed::seed(&store, &Catalog::builtin().expect("cat"), &clock(), 80, 40).expect("seed");
    // Acknowledge every other queued application.
    let queue = store.queue().expect("q");
    let mut held = Vec::new();
    for (i, (k, _)) in queue.iter().enumerate() {
        if i % 2 == 0 {
            store.acknowledge(k, &format!("HUB-{i}")).expect("ack");
        } else {
            held.push(k.clone());
        }
    }
    let before_tallies: Vec<_> = jingyou::tally::days(
        "2026-10-20".parse().expect("d"),
        "2026-11-28".parse().expect("d"),
    )
    .into_iter()
    .map(|d| store.day_tally(d).expect("t"))
    .collect();
    let today: NaiveDate = "2026-11-28".parse().expect("d");
    let cutoff: NaiveDate = "2026-11-18".parse().expect("d");
    let n = jingyou::retention::purge(&store, 10, today, dir.path()).expect("purge");
    assert!(n > 0);
    for a in all(&store) {
        let old = a.date < cutoff;
        let acked = a.hub_receipt.is_some();
        if old && acked {
            assert!(a.purged, "{}", a.number);
            for key in ["id_number", "phone", "owner_name", "address"] {
                assert!(!a.values.contains_key(key), "{} kept {key}", a.number);
            }
            assert!(
                a.fee_total_fen == a.fees.iter().map(|f| f.fen).sum::<u64>(),
                "fees stay"
            );
            assert!(!a.number.is_empty() && !a.service.is_empty());
        } else {
            assert!(!a.purged, "{} purged too early", a.number);
            assert!(
                !a.values.is_empty(),
                "{} lost its values too early",
                a.number
            );
        }
    }
    // A second call finds nothing new.
    assert_eq!(
        jingyou::retention::purge(&store, 10, today, dir.path()).expect("purge"),
        0
    );
    // Tallies are untouched and still agree with a recount.
    let after_tallies: Vec<_> = jingyou::tally::days(
        "2026-10-20".parse().expect("d"),
        "2026-11-28".parse().expect("d"),
    )
    .into_iter()
    .map(|d| store.day_tally(d).expect("t"))
    .collect();
    assert_eq!(before_tallies, after_tallies);
    assert!(jingyou::tally::rebuild(&store).expect("rebuild").is_empty());
    // Once the held ones are acknowledged, the leftovers are purged too.
    for k in &held {
        store.acknowledge(k, "HUB-late").expect("ack");
    }
    let m = jingyou::retention::purge(&store, 10, today, dir.path()).expect("purge");
    assert!(m > 0);
    for a in all(&store) {
        assert_eq!(a.purged, a.date < cutoff, "{} {}", a.number, a.date);
    }
}
