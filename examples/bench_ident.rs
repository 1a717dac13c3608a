//! Benchmark helper for bench/ident_bench.sh (not part of the app).
//!
//! `bench_ident N`: checks N generated ID numbers (address codes from the
//! GB/T 2260 table and random ones), N plates and N phone numbers, and
//! prints the mean time per check of each kind in microseconds.

use std::time::Instant;

use jingyou::ident::{check, county_code_known, id_check_char, Kind};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let ids: Vec<String> = (0..n)
        .map(|_| {
            let body = format!(
                "{:02}{:04}19800101{:03}",
                11 + next() % 55,
                next() % 10_000,
                next() % 1000
            );
            let c = id_check_char(&body).unwrap_or('0');
            format!("{body}{c}")
        })
        .collect();
    let plates: Vec<String> = (0..n)
        .map(|_| {
            format!(
                "湘{}{:05}",
                char::from(b'A' + (next() % 8) as u8),
                next() % 100_000
            )
        })
        .collect();
    let phones: Vec<String> = (0..n)
        .map(|_| format!("1{}{:09}", 3 + next() % 7, next() % 1_000_000_000))
        .collect();
    // Parsing the county table alone (the first lookup), then one lookup.
    let start = Instant::now();
    let known = county_code_known("110105");
    let first = start.elapsed().as_secs_f64() * 1e6;
    let start = Instant::now();
    let again = county_code_known("439952");
    let second = start.elapsed().as_secs_f64() * 1e6;
    println!("county table: first lookup {first:.0} µs (parses it), next {second:.2} µs ({known}, {again})");
    // The first check of each kind also parses its table (once) and, for
    // the first of all, the locale texts.
    for (kind, v) in [
        (Kind::Id, "11010519491231002X"),
        (Kind::Plate, "京A12345"),
        (Kind::Phone, "13812345678"),
    ] {
        let start = Instant::now();
        let ok = check(kind, v, today).is_ok();
        let us = start.elapsed().as_secs_f64() * 1e6;
        println!("{kind}: first check {us:.0} µs (table parsed once; valid: {ok})");
    }
    for (kind, values) in [
        (Kind::Id, &ids),
        (Kind::Plate, &plates),
        (Kind::Phone, &phones),
    ] {
        let start = Instant::now();
        let mut warned = 0u64;
        for v in values.iter() {
            if check(kind, v, today)
                .map(|c| !c.warnings.is_empty())
                .unwrap_or(false)
            {
                warned += 1;
            }
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("{kind}: {us:.2} µs per check ({n} checks, {warned} with a warning)");
    }
}
