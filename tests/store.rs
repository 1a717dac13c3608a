//! The sled store on a real temporary directory.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use jingyou::store::*;

fn branch() -> Branch {
    Branch {
        code: "3301A".into(),
        name: "测试网点".into(),
        training: false,
        generated: false,
    }
}

fn new_app(service: &str, clerk: &str, fen: u64, payment: Payment, day: &str) -> NewApplication {
    let date: NaiveDate = day.parse().expect("date");
    NewApplication {
        id: uuid::Uuid::new_v4().to_string(),
        service: service.into(),
        date,
        finished_at: DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).expect("t"),
        clerk: clerk.into(),
        values: BTreeMap::from([("id_number".to_string(), "11010519491231002X".to_string())]),
        materials: vec!["id_card".into()],
        fees: vec![ChargedFee {
            item: "licence".into(),
            zh: "驾驶证工本费".into(),
            en: "Licence fee".into(),
            fen,
        }],
        payment: (fen > 0).then_some(payment),
        delivery: Delivery::Pickup,
        draft_number: None,
        generated: false,
        attachments: vec![],
    }
}

#[test]
fn finishing_numbers_applications_per_day_and_keeps_counters() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("store"), 8).expect("open");
    let b = branch();
    let a1 = store
        .finish(&b, new_app("D1", "001", 1000, Payment::Cash, "2026-11-28"))
        .expect("a1");
    let a2 = store
        .finish(&b, new_app("V1", "002", 10000, Payment::Qr, "2026-11-28"))
        .expect("a2");
    let a3 = store
        .finish(&b, new_app("D1", "001", 1000, Payment::Card, "2026-11-29"))
        .expect("a3");
    assert_eq!(a1.number, "3301A-261128-0001");
    assert_eq!(a2.number, "3301A-261128-0002");
    assert_eq!(a3.number, "3301A-261129-0001", "sequence restarts each day");

    let day = store
        .day_tally("2026-11-28".parse().expect("d"))
        .expect("tally");
    assert_eq!(day.total, 2);
    assert_eq!(day.fees_total_fen, 11000);
    assert_eq!(day.by_service.get("D1"), Some(&1));
    assert_eq!(day.by_service.get("V1"), Some(&1));
    assert_eq!(day.by_payment.get("qr"), Some(&10000));
    assert_eq!(day.pending, 2);
    assert_eq!(store.count_applications().expect("count"), 3);
    assert!(store.has_real_applications().expect("real"));
    assert_eq!(
        store
            .application("3301a-261128-0002")
            .expect("get")
            .map(|a| a.service),
        Some("V1".to_string())
    );
    assert_eq!(
        store
            .applications_on("2026-11-28".parse().expect("d"))
            .expect("on")
            .len(),
        2
    );
}

#[test]
fn finish_removes_the_draft_and_survives_reopen() {
    let dir = tempfile::tempdir().expect("tmp");
    let day: NaiveDate = "2026-11-28".parse().expect("d");
    {
        let store = Store::open(&dir.path().join("store"), 8).expect("open");
        let number = store.next_draft_number(day).expect("n");
        assert_eq!(number, "Z261128-001");
        assert_eq!(store.next_draft_number(day).expect("n"), "Z261128-002");
        let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("t");
        let draft = Draft {
            number: number.clone(),
            id: "x".into(),
            service: "D1".into(),
            clerk: "001".into(),
            created: now,
            updated: now,
            values: BTreeMap::from([("id_number".to_string(), "11010519491231002X".to_string())]),
            materials: vec![],
            payment: None,
            delivery: Delivery::Pickup,
            step: 0,
            focus: 1,
            generated: false,
            attachments: vec![],
        };
        store.save_draft(&draft).expect("save");
        store.flush().expect("flush");
        assert_eq!(
            store.find_drafts("11010519491231002x").expect("find").len(),
            1
        );
        assert_eq!(
            store
                .find_drafts(&number.to_lowercase())
                .expect("find")
                .len(),
            1
        );
        let mut app = new_app("D1", "001", 1000, Payment::Cash, "2026-11-28");
        app.draft_number = Some(number.clone());
        store.finish(&branch(), app).expect("finish");
        assert!(store.draft(&number).expect("draft").is_none());
    }
    let store = Store::open(&dir.path().join("store"), 8).expect("reopen");
    assert_eq!(store.day_tally(day).expect("t").total, 1);
    assert!(store.drafts().expect("drafts").is_empty());
}

#[test]
fn a_second_open_of_the_same_store_says_already_running() {
    let dir = tempfile::tempdir().expect("tmp");
    let _first = Store::open(&dir.path().join("store"), 8).expect("open");
    match Store::open(&dir.path().join("store"), 8) {
        Err(StoreError::AlreadyRunning(_)) => {}
        Err(other) => panic!("expected AlreadyRunning, got {other}"),
        Ok(_) => panic!("a second open must be refused"),
    }
}

#[test]
fn garbage_in_the_store_dir_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let conf = dir.join("conf");
    std::fs::write(&conf, b"\x00\x01garbage that is not a sled config").expect("write");
    std::fs::write(dir.join("db"), vec![0xAB; 4096]).expect("write");
    let before = std::fs::read(dir.join("db")).expect("read");
    let result = Store::open(&dir.clone(), 8);
    assert!(
        matches!(result, Err(StoreError::Damaged { .. })),
        "got {:?}",
        result.err()
    );
    assert_eq!(std::fs::read(dir.join("db")).expect("read"), before);
}

#[test]
fn a_store_whose_conf_is_missing_or_tiny_is_refused_not_recreated() {
    for conf in [None, Some(&b"12345678"[..])] {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("store");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("db"), vec![0x5A; 8192]).expect("write");
        if let Some(c) = conf {
            std::fs::write(dir.join("conf"), c).expect("write");
        }
        let before = std::fs::read(dir.join("db")).expect("read");
        let result = Store::open(&dir.clone(), 8);
        assert!(
            matches!(result, Err(StoreError::Damaged { .. })),
            "conf {conf:?}: {:?}",
            result.err()
        );
        assert_eq!(
            std::fs::read(dir.join("db")).expect("read"),
            before,
            "db untouched"
        );
    }
}
