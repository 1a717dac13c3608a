//! Day counters against a brute-force count over generated stores, also
//! after voids; the rebuild finds and corrects a damaged counter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::store::{Application, Store};
use jingyou::tally;

fn clock() -> Clock {
    Clock::fixed(DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("t"))
}

/// Counts a day's numbers straight from the applications.
fn brute(
    apps: &[Application],
    day: NaiveDate,
) -> (u64, u64, u64, BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let mut total = 0;
    let mut voided = 0;
    let mut fees = 0;
    let mut by_service = BTreeMap::new();
    let mut by_payment = BTreeMap::new();
    for a in apps.iter().filter(|a| a.date == day) {
        if a.void.is_some() {
            voided += 1;
            continue;
        }
        total += 1;
        fees += a.fee_total_fen;
        *by_service.entry(a.service.clone()).or_insert(0) += 1;
        if a.fee_total_fen > 0 {
            *by_payment
                .entry(
                    a.payment
                        .expect("a paid application has its method")
                        .as_str()
                        .to_string(),
                )
                .or_insert(0) += a.fee_total_fen;
        }
    }
    (total, voided, fees, by_service, by_payment)
}

fn all_apps(store: &Store) -> Vec<Application> {
    let mut v = Vec::new();
    store
        .for_each_application(|_, a| v.push(a.clone()))
        .expect("scan");
    v
}

#[test]
fn counters_match_a_brute_force_count_before_and_after_voids() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("store"), 8).expect("open");
    let catalog = Catalog::builtin().expect("catalog");
    jingyou::seed::seed(&store, &catalog, &clock(), 1_500, 10).expect("seed");
    let check = |store: &Store| {
        let apps = all_apps(store);
        assert_eq!(apps.len(), 1_500);
        for day in tally::days(
            "2026-11-19".parse().expect("d"),
            "2026-11-28".parse().expect("d"),
        ) {
            let t = store.day_tally(day).expect("tally");
            let (total, voided, fees, by_service, by_payment) = brute(&apps, day);
            assert_eq!(t.total, total, "{day}");
            assert_eq!(t.voided, voided, "{day}");
            assert_eq!(t.fees_total_fen, fees, "{day}");
            assert_eq!(t.by_service, by_service, "{day}");
            assert_eq!(t.by_payment, by_payment, "{day}");
            assert_eq!(
                t.by_service.values().sum::<u64>(),
                t.total,
                "by_service sums to total"
            );
            assert_eq!(
                t.by_clerk.values().sum::<u64>(),
                t.total,
                "by_clerk sums to total"
            );
            assert_eq!(t.by_payment.values().sum::<u64>(), t.fees_total_fen);
        }
    };
    check(&store);
    // Void every 7th application, across days.
    let apps = all_apps(&store);
    let at = clock().now();
    for a in apps.iter().step_by(7) {
        store.void(&a.number, "写错了", "001", at).expect("void");
    }
    // Voiding twice is refused and changes nothing.
    assert!(store.void(&apps[0].number, "again", "001", at).is_err());
    check(&store);
    assert!(
        tally::rebuild(&store).expect("rebuild").is_empty(),
        "counters agree with the recount"
    );
}

#[test]
fn rebuild_reports_and_repairs_a_wrong_counter() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("store"), 8).expect("open");
    let catalog = Catalog::builtin().expect("catalog");
    jingyou::seed::seed(&store, &catalog, &clock(), 100, 3).expect("seed");
    let day: NaiveDate = "2026-11-27".parse().expect("d");
    let good = store.day_tally(day).expect("t");
    let mut bad = good.clone();
    bad.total += 5;
    store.put_day_tally(day, &bad).expect("put");
    let diffs = tally::rebuild(&store).expect("rebuild");
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].date, day);
    assert_eq!(diffs[0].stored.total, good.total + 5);
    assert_eq!(store.day_tally(day).expect("t"), good, "repaired");
}

#[test]
fn the_queue_moves_counters_between_upload_states() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("store"), 8).expect("open");
    let catalog = Catalog::builtin().expect("catalog");
    jingyou::seed::seed(&store, &catalog, &clock(), 10, 1).expect("seed");
    let day: NaiveDate = "2026-11-28".parse().expect("d");
    let q = store.queue().expect("queue");
    assert_eq!(q.len(), 10);
    assert_eq!(store.pending_count().expect("p"), 10);
    assert!(store.acknowledge(&q[0].0, "HUB-1").expect("ack"));
    assert!(
        !store.acknowledge(&q[0].0, "HUB-1").expect("ack twice"),
        "second ack is a no-op"
    );
    assert!(store.quarantine(&q[1].0, "rejected: bad data").expect("q"));
    let t = store.day_tally(day).expect("t");
    assert_eq!((t.pending, t.acknowledged, t.quarantined), (8, 1, 1));
    assert_eq!(store.pending_count().expect("p"), 8);
    assert_eq!(
        store
            .application_at(&q[0].0)
            .expect("a")
            .and_then(|a| a.hub_receipt),
        Some("HUB-1".into())
    );
    assert!(store.retry(&q[1].0).expect("retry"));
    let t = store.day_tally(day).expect("t");
    assert_eq!((t.pending, t.acknowledged, t.quarantined), (9, 1, 0));
    assert!(tally::rebuild(&store).expect("rebuild").is_empty());
}
