//! Load generator for bench/hub_bench.sh (not a test): C concurrent branch
//! clients, each posting batches of B new applications to a hub for S
//! seconds over keep-alive connections; prints one JSON line with accepted/s
//! and p50/p99 latency per request.
//!
//! With RATE, the load is offered at RATE applications a second in all
//! (each client sends a batch every CLIENTS × BATCH / RATE seconds, on a
//! fixed schedule) instead of as fast as answers come back, and latency is
//! counted from when a request was due, so a slow answer that delays the
//! next request is not hidden (no coordinated omission).
//!
//! usage: hub_load URL CLIENTS BATCH SECONDS [RATE]
//!        hub_load --fill-sled DIR COUNT   (bulk fill a sled hub store)

use std::time::{Duration, Instant};

use jingyou::hub::store::{HubStore, NewApp};
use serde_json::{json, Value};

fn app(branch: &str, date: &str, n: u64) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    json!({
        "id": id, "number": format!("{branch}-{n:08}"), "service": "A01", "date": date,
        "finished_at": format!("{date}T10:00:00+08:00"), "clerk": "001", "branch": branch,
        "values": {"name": "张三", "id_number": "330102199001011234", "plate": "浙A12345"},
        "materials": ["id_card"], "fees": [{"item": "fee", "fen": 1000}], "fee_total_fen": 1000,
        "payment": "cash", "delivery": {"mode": "pickup"},
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn load(url: &str, clients: usize, batch: usize, seconds: u64, rate: Option<f64>) {
    let until = Instant::now() + Duration::from_secs(seconds);
    // Open loop: one batch per client every `every`, staggered.
    let every = rate.map(|r| Duration::from_secs_f64(clients as f64 * batch as f64 / r.max(1.0)));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let url = format!("{url}/v1/applications");
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .new_agent();
                let branch = format!("B{c:05}");
                let mut lat = Vec::new();
                let (mut accepted, mut busy, mut n) = (0u64, 0u64, 0u64);
                let mut due = Instant::now()
                    + every.map_or(Duration::ZERO, |e| e.mul_f64(c as f64 / clients as f64));
                while Instant::now() < until {
                    if every.is_some() {
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        }
                    }
                    let apps: Vec<Value> = (0..batch)
                        .map(|_| {
                            n += 1;
                            app(&branch, "2026-03-09", n)
                        })
                        .collect();
                    let body = json!({"branch": branch, "applications": apps}).to_string();
                    // closed loop: from now; open loop: from when it was due
                    let t = if every.is_some() { due } else { Instant::now() };
                    if let Some(e) = every {
                        due += e;
                    }
                    let r = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(body.as_bytes());
                    match r {
                        Ok(mut r) if r.status().as_u16() == 200 => {
                            let text = r.body_mut().read_to_string().unwrap_or_default();
                            lat.push(t.elapsed());
                            accepted += text.matches("\"accepted\"").count() as u64;
                        }
                        Ok(mut r) => {
                            r.body_mut().read_to_string().ok();
                            busy += 1;
                            if every.is_none() {
                                std::thread::sleep(Duration::from_millis(100));
                            }
                        }
                        Err(_) => {
                            busy += 1;
                            if every.is_none() {
                                std::thread::sleep(Duration::from_millis(100));
                            }
                        }
                    }
                }
                (lat, accepted, busy)
            })
        })
        .collect();
    let start = Instant::now();
    let mut lat = Vec::new();
    let (mut accepted, mut busy) = (0, 0);
    for t in threads {
        if let Ok((l, a, b)) = t.join() {
            lat.extend(l);
            accepted += a;
            busy += b;
        }
    }
    let secs = start.elapsed().as_secs_f64().max(seconds as f64);
    lat.sort();
    println!(
        "{}",
        json!({
            "clients": clients, "batch": batch, "seconds": secs, "accepted": accepted,
            "offered_per_s": rate,
            "accepted_per_s": (accepted as f64 / secs).round(),
            "requests": lat.len(), "refused_or_failed": busy,
            "p50_ms": (percentile(&lat, 0.5) * 10.0).round() / 10.0,
            "p99_ms": (percentile(&lat, 0.99) * 10.0).round() / 10.0,
        })
    );
}

fn fill_sled(dir: &str, count: u64) {
    let store = match HubStore::open(std::path::Path::new(dir), 64 * 1024 * 1024) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hub_load: {e}");
            std::process::exit(1);
        }
    };
    let mut done = 0u64;
    let t = Instant::now();
    let mut last = Instant::now();
    while done < count {
        let batch: Vec<Option<NewApp>> = (0..500.min(count - done))
            .map(|i| {
                let n = done + i;
                let branch = format!("F{:05}", n % 50_000);
                let date = format!("2025-{:02}-{:02}", 1 + (n / 28) % 12, 1 + n % 28);
                let body = app(&branch, &date, n);
                Some(NewApp {
                    id: body["id"].as_str().unwrap_or_default().to_string(),
                    branch,
                    number: body["number"].as_str().unwrap_or_default().to_string(),
                    service: "A01".into(),
                    date,
                    fingerprint: format!("{n:064x}"),
                    body,
                })
            })
            .collect();
        if let Err(e) = store.insert_apps(&batch) {
            eprintln!("hub_load: {e}");
            std::process::exit(1);
        }
        done += batch.len() as u64;
        if last.elapsed() > Duration::from_secs(10) || done == count {
            eprintln!(
                "filled {done} in {:.0} s ({:.0}/s overall)",
                t.elapsed().as_secs_f64(),
                done as f64 / t.elapsed().as_secs_f64()
            );
            last = Instant::now();
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--fill-sled") && args.len() == 4 {
        fill_sled(&args[2], args[3].parse().unwrap_or(0));
        return;
    }
    if args.len() != 5 && args.len() != 6 {
        eprintln!(
            "usage: hub_load URL CLIENTS BATCH SECONDS [RATE] | hub_load --fill-sled DIR COUNT"
        );
        std::process::exit(2);
    }
    let n = |i: usize| args[i].parse::<u64>().unwrap_or(1);
    let rate = args.get(5).and_then(|r| r.parse::<f64>().ok());
    load(&args[1], n(2) as usize, n(3) as usize, n(4), rate);
}
