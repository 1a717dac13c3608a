//! Benchmark helper for bench/sync_bench.sh (not part of the app).
//!
//! `bench_attach DATA_DIR COUNT PHOTOS PHOTO_BYTES`
//!
//! Opens (creates) the store in `DATA_DIR/store`, seeds `COUNT - PHOTOS`
//! generated applications with `seed::seed`, then finishes `PHOTOS` more
//! applications (copies of seeded ones with new ids) that each carry one
//! photo of `PHOTO_BYTES` random (incompressible, like JPEG) bytes kept under
//! `DATA_DIR/photos/`. Finally prints every application record, raw, as one
//! JSON line on stdout, so a naive client can post exactly the same data.

use std::path::PathBuf;

use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::seed::{seed, Rng};
use jingyou::store::{AttachedFile, NewApplication, Store};
use sha2::Digest;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 {
        eprintln!("usage: bench_attach DATA_DIR COUNT PHOTOS PHOTO_BYTES");
        std::process::exit(2);
    }
    let data = PathBuf::from(&args[0]);
    let count: u64 = args[1].parse().expect("COUNT");
    let photos: u64 = args[2].parse().expect("PHOTOS");
    let photo_bytes: usize = args[3].parse().expect("PHOTO_BYTES");
    assert!(photos <= count, "PHOTOS must be at most COUNT");

    let store = Store::open(&data.join("store"), 8).expect("open store");
    let catalog = Catalog::builtin().expect("catalog");
    let clock = Clock::system();
    seed(&store, &catalog, &clock, count - photos, 5).expect("seed");
    let branch = store.branch().expect("branch").expect("seed made a branch");

    // Templates: the seeded applications of today.
    let templates = store.applications_on(clock.today()).expect("today's apps");
    assert!(!templates.is_empty() || photos == 0, "seed at least one");
    std::fs::create_dir_all(data.join("photos")).expect("mkdir photos");
    let mut rng = Rng::new(0xB0B0 ^ photos);
    for i in 0..photos as usize {
        let t = &templates[i % templates.len()];
        let bytes: Vec<u8> = (0..photo_bytes)
            .map(|_| (rng.next_u64() >> 24) as u8)
            .collect();
        let rel = format!("photos/bench-{i:03}.jpg");
        std::fs::write(data.join(&rel), &bytes).expect("write photo");
        let sha = jingyou::hub::store::hex(&sha2::Sha256::digest(&bytes));
        store
            .finish(
                &branch,
                NewApplication {
                    id: uuid::Uuid::new_v4().to_string(),
                    service: t.service.clone(),
                    date: t.date,
                    finished_at: t.finished_at,
                    clerk: t.clerk.clone(),
                    values: t.values.clone(),
                    materials: t.materials.clone(),
                    fees: t.fees.clone(),
                    payment: t.payment,
                    delivery: t.delivery.clone(),
                    draft_number: None,
                    generated: true,
                    attachments: vec![AttachedFile {
                        name: format!("photo-{i:03}.jpg"),
                        path: rel,
                        sha256: sha,
                        size: photo_bytes as u64,
                        mime: "image/jpeg".into(),
                    }],
                },
            )
            .expect("finish");
    }
    store.flush().expect("flush");
    let mut out = String::new();
    store
        .for_each_application(|_, app| {
            out.push_str(&serde_json::to_string(app).expect("json"));
            out.push('\n');
        })
        .expect("list");
    print!("{out}");
    eprintln!(
        "bench_attach: {} applications ({} with a {}-byte photo), branch {}",
        count, photos, photo_bytes, branch.code
    );
}
