//! Benchmark helper for bench/store_bench.sh (not part of the app).
//!
//! `bench_store DATA_DIR N`: on the store in `DATA_DIR/store` (made by
//! `jingyou seed`), finishes N applications and parks N drafts one at a
//! time, as a clerk would, and prints the latency of each kind as JSON
//! (p50 and p99 in ms). Every call returns only once the change is durable
//! (the journal's fdatasync; before the journal: sled's flush).

use std::collections::BTreeMap;
use std::time::Instant;

use jingyou::store::{Branch, ChargedFee, Delivery, Draft, NewApplication, Payment, Store};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_store DATA_DIR N");
        std::process::exit(2);
    };
    let n: usize = n.parse().unwrap_or(100);
    let store = match Store::open(&std::path::Path::new(&dir).join("store"), 8) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("open: {e}");
            std::process::exit(1);
        }
    };
    let branch = match store.branch() {
        Ok(Some(b)) => b,
        _ => Branch {
            code: "3301B".into(),
            name: "bench".into(),
            training: false,
            generated: true,
        },
    };
    let now = chrono::Local::now().fixed_offset();
    let (mut fin, mut park) = (Vec::new(), Vec::new());
    for i in 0..n {
        let new = NewApplication {
            id: uuid::Uuid::new_v4().to_string(),
            service: "D1".into(),
            date: now.date_naive(),
            finished_at: now,
            clerk: "002".into(),
            values: BTreeMap::from([("owner_name".to_string(), format!("测试{i}"))]),
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
            generated: true,
            attachments: vec![],
        };
        let t = Instant::now();
        if let Err(e) = store.finish(&branch, new) {
            eprintln!("finish: {e}");
            std::process::exit(1);
        }
        fin.push(t.elapsed().as_secs_f64() * 1000.0);
        let number = match store.next_draft_number(now.date_naive()) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("draft number: {e}");
                std::process::exit(1);
            }
        };
        let d = Draft::new(number, "D1", "002", now);
        let t = Instant::now();
        if let Err(e) = store.park_draft(&d) {
            eprintln!("park: {e}");
            std::process::exit(1);
        }
        park.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{{\"n\": {n}, \"finish_p50_ms\": {:.2}, \"finish_p99_ms\": {:.2}, \"park_p50_ms\": {:.2}, \"park_p99_ms\": {:.2}}}",
        pct(&mut fin, 0.5),
        pct(&mut fin, 0.99),
        pct(&mut park, 0.5),
        pct(&mut park, 0.99)
    );
}
