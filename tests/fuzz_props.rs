//! Property tests over the same entry points as the fuzz targets
//! (`jingyou::fuzzing`, `fuzz/fuzz_targets/*.rs`): every file of the kept
//! corpus (`fuzz/corpus/TARGET/`, which holds every crash ever found as a
//! case of its own), then inputs made from it by a seeded mutator, each
//! within a time bound. A panic in a target fails the test and prints the
//! input that caused it (as hex) so it can join the corpus.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jingyou::fuzzing::TARGETS;

#[path = "support/backends.rs"]
mod backends;

/// Inputs per target made by mutation (set `JINGYOU_PROP_CASES` for more).
fn cases() -> usize {
    std::env::var("JINGYOU_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// The slowest any one input may take (an unoptimised build, a loaded CI).
const BOUND: Duration = Duration::from_secs(3);

/// Bytes that parsers care about, spliced in by the mutator.
const TOKENS: &[&[u8]] = &[
    b"\n\n",
    b"\n",
    b"{",
    b"}",
    b"[",
    b"\"",
    b":",
    b",",
    b"=",
    b"0",
    b"-1",
    b"99999999999999999999999",
    b"1e309",
    b"\0",
    b"\xff\xfe",
    b"\x1b[",
    b"\xf7\x4a",
    b"JYJOURN1",
    b"[[service]]",
    b"[[fee]]",
    b"Content-Encoding: gzip\n",
    b"Content-Type: application/json\n",
    b"Authorization: Bearer tok-branch\n",
    b"Upload-Offset: 18446744073709551615\n",
    b"Retry-After: 18446744073709551615\n",
    "京".as_bytes(),
    "２".as_bytes(),
    b"\xe2\x80\xae",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four edits of `seed` (or of a splice of two seeds).
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            4 => v.truncate(at),
            5 => {
                // Repeat a piece (deep nesting, long lines, many frames).
                let end = (at + 1 + rng.below(32)).min(v.len());
                let piece = v[at.min(end)..end].to_vec();
                for _ in 0..1 + rng.below(64) {
                    v.splice(at..at, piece.iter().copied());
                }
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            _ => {
                let n = 1 + rng.below(8);
                for _ in 0..n {
                    v.insert(at.min(v.len()), rng.next() as u8);
                }
            }
        }
    }
    v
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect();
    out.sort();
    out
}

fn hex(data: &[u8]) -> String {
    data.iter().take(4096).map(|b| format!("{b:02x}")).collect()
}

/// Runs `f` on `input`; a panic or a slow answer fails with the input.
fn one(name: &str, f: &dyn Fn(&[u8]), input: &[u8], what: &str) {
    let start = Instant::now();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(input)));
    let took = start.elapsed();
    assert!(
        r.is_ok(),
        "{name}: panicked on {what} ({} bytes): {}",
        input.len(),
        hex(input)
    );
    assert!(
        took < BOUND,
        "{name}: {took:?} on {what} ({} bytes): {}",
        input.len(),
        hex(input)
    );
}

fn run_target(name: &str) {
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no target {name}"));
    // The hub's target keeps its store in a directory of the process's
    // own; here it gets a temporary one that goes with the test.
    let dir = tempfile::tempdir().expect("tmp");
    let hub = (name == "hub_request")
        .then(|| jingyou::hub::fuzz::Harness::sled(dir.path()).expect("open"));
    let f = |data: &[u8]| match &hub {
        Some(h) => {
            h.request(data);
        }
        None => target(data),
    };
    let files = corpus(name);
    assert!(!files.is_empty(), "{name}: the corpus is empty");
    for (path, data) in &files {
        one(name, &f, data, &path.display().to_string());
    }
    let seeds: Vec<Vec<u8>> = files.into_iter().map(|(_, d)| d).collect();
    // A fixed seed per target: a failure repeats on the next run.
    let mut rng = Rng(name.bytes().fold(0x9e37_79b9_7f4a_7c15, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }) | 1);
    for i in 0..cases() {
        let input = mutate(&mut rng, &seeds);
        one(name, &f, &input, &format!("mutation {i}"));
    }
}

macro_rules! props {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_target(stringify!($name));
            }
        )*

        #[test]
        fn every_fuzz_target_has_a_property_test_and_a_fuzz_target() {
            let here = [$(stringify!($name)),*];
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
            for (name, _) in TARGETS {
                assert!(here.contains(&name), "{name} has no property test");
                let file = root.join("fuzz_targets").join(format!("{name}.rs"));
                assert!(file.exists(), "{} missing", file.display());
            }
        }
    };
}

props!(
    ident,
    catalog_override,
    config,
    theme,
    keymap,
    journal_frames,
    control_request,
    hub_request,
    client_reply,
);

/// The hub's handling on PostgreSQL, with the same inputs.
#[test]
#[ignore = "needs PostgreSQL: JINGYOU_TEST_PG=postgres://… (CI starts one)"]
fn hub_request_on_postgres() {
    let url = backends::fresh_database();
    let harness = jingyou::hub::fuzz::Harness::postgres(&url).expect("connect");
    let seeds: Vec<Vec<u8>> = corpus("hub_request").into_iter().map(|(_, d)| d).collect();
    let mut answered = 0;
    for s in &seeds {
        if harness.request(s) != 0 {
            answered += 1;
        }
    }
    assert!(answered >= seeds.len() / 2, "{answered} of {}", seeds.len());
    let mut rng = Rng(0x5eed);
    for i in 0..cases() {
        let input = mutate(&mut rng, &seeds);
        let start = Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness.request(&input)));
        assert!(r.is_ok(), "mutation {i} panicked: {}", hex(&input));
        assert!(
            start.elapsed() < BOUND,
            "mutation {i} slow: {}",
            hex(&input)
        );
    }
}

/// The hub corpus is made of requests the hub answers (not of bytes the
/// harness throws away), and the good ones succeed.
#[test]
fn the_hub_corpus_reaches_the_handlers() {
    let dir = tempfile::tempdir().expect("tmp");
    let harness = jingyou::hub::fuzz::Harness::sled(dir.path()).expect("open");
    for (path, data) in corpus("hub_request") {
        let status = harness.request(&data);
        assert_ne!(status, 0, "{} is not a request", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if [
            "post_apps",
            "post_apps_gzip",
            "health",
            "apps",
            "review_accept",
            "changes",
        ]
        .contains(&name)
        {
            assert_eq!(status, 200, "{name}");
        }
    }
}
