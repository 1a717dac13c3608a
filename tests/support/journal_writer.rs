//! The writer that tests/journal.rs kills with SIGKILL at random moments.
//!
//! It loops: finish an application, park a draft, acknowledge the oldest
//! pending applications in a batch. After each call returns (the change is
//! durable) it prints one line: `finish NUMBER ID`, `park NUMBER`, `ack N`.
//! The test runs it as a process of its own (its own test binary started
//! again with an environment variable), kills it, reopens the store and
//! checks that everything printed is there, once.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::DateTime;
use jingyou::store::{
    Branch, ChargedFee, Decision, Delivery, Draft, NewApplication, Payment, Store,
};

/// Runs `steps` writes (or until killed, with `None`) on `data/store`,
/// printing a line to `out` after each. Returns the number of writes.
pub fn run(
    data: &Path,
    seed: u64,
    steps: Option<usize>,
    out: &mut impl Write,
) -> Result<usize, String> {
    let mut rng: u64 = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let store = Store::open(&data.join("store"), 8).map_err(|e| format!("open: {e}"))?;
    let branch = Branch {
        code: "3301K".into(),
        name: "kill".into(),
        training: false,
        generated: false,
    };
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
    let mut done = 0;
    while steps.is_none_or(|s| done < s) {
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
                    payment: Some(Payment::Cash),
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
        let line = r.map_err(|e| format!("write: {e}"))?;
        writeln!(out, "{line}")
            .and_then(|_| out.flush())
            .map_err(|e| format!("stdout: {e}"))?;
        done += 1;
    }
    Ok(done)
}
