//! Test helper for tests/journal.rs (not part of the app): a writer to be
//! killed with SIGKILL at a random moment.
//!
//! `journal_writer DATA_DIR SEED`
//!
//! Opens `DATA_DIR/store` and loops: finish an application, park a draft,
//! acknowledge the oldest pending applications in a batch. After each call
//! returns (the change is durable) it prints one line on stdout:
//! `finish NUMBER ID`, `park NUMBER`, `ack N`. The test kills it, reopens
//! the store and checks that everything printed is there, once.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::DateTime;
use jingyou::store::{
    Branch, ChargedFee, Decision, Delivery, Draft, NewApplication, Payment, Store,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(seed)) = (args.next(), args.next()) else {
        eprintln!("usage: journal_writer DATA_DIR SEED");
        std::process::exit(2);
    };
    let mut rng: u64 = seed.parse().unwrap_or(1) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let store = match Store::open(&std::path::Path::new(&dir).join("store"), 8) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("open: {e}");
            std::process::exit(1);
        }
    };
    let branch = Branch {
        code: "3301K".into(),
        name: "kill".into(),
        training: false,
        generated: false,
    };
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
    let out = std::io::stdout();
    let mut out = out.lock();
    loop {
        let r = match next() % 3 {
            0 | 1 => {
                let id = uuid::Uuid::new_v4().to_string();
                let new = NewApplication {
                    id: id.clone(),
                    service: "D1".into(),
                    date: at.date_naive(),
                    finished_at: at,
                    clerk: "001".into(),
                    values: BTreeMap::from([("owner_name".to_string(), "张三".to_string())]),
                    materials: vec![],
                    fees: vec![ChargedFee {
                        item: "licence".into(),
                        zh: "工本费".into(),
                        en: "fee".into(),
                        fen: 1000,
                    }],
                    payment: Payment::Cash,
                    delivery: Delivery::Pickup,
                    draft_number: None,
                    generated: false,
                    attachments: vec![],
                };
                store
                    .finish(&branch, new)
                    .map(|a| format!("finish {} {}", a.number, a.id))
            }
            _ if next() % 2 == 0 => store.next_draft_number(at.date_naive()).and_then(|n| {
                let d = Draft::new(n.clone(), "D1", "001", at);
                store.park_draft(&d).map(|_| format!("park {n}"))
            }),
            _ => store.queue().and_then(|q| {
                let batch: Vec<(String, Decision)> = q
                    .into_iter()
                    .take(5)
                    .map(|(k, e)| (k, Decision::Acknowledge(format!("R-{}", e.number))))
                    .collect();
                store.settle(&batch).map(|(n, _, _)| format!("ack {n}"))
            }),
        };
        match r {
            Ok(line) => {
                if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                    std::process::exit(0);
                }
            }
            Err(e) => {
                eprintln!("write: {e}");
                std::process::exit(1);
            }
        }
    }
}
