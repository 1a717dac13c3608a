//! The journal as the system of record: damage is refused and repaired,
//! kill -9 at any point loses and duplicates nothing, a full disk refuses
//! cleanly, modes are private, old stores migrate, backups restore.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jingyou::store::{Store, StoreError};

#[path = "support/journal_writer.rs"]
mod journal_writer;

const BIN: &str = env!("CARGO_BIN_EXE_jingyou");
const NOW: &str = "2026-11-28T10:00:00+08:00";

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["--lang", "en"])
        .args(args)
        .env("JINGYOU_NOW", NOW)
        .env("XDG_CONFIG_HOME", data.join("no-config"))
        .env_remove("JINGYOU_HUB_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run jingyou")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn seeded(n: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let o = run(
        dir.path(),
        &["seed", "--count", &n.to_string(), "--days", "3"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    dir
}

fn export_count(data: &Path) -> Result<usize, (i32, String, String)> {
    let o = run(
        data,
        &[
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
        ],
    );
    let (out, err) = text(&o);
    if o.status.code() != Some(0) {
        return Err((o.status.code().unwrap_or(-1), out, err));
    }
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    Ok(v.as_array().map(Vec::len).unwrap_or(0))
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

fn write_at(p: &Path, offset: u64, bytes: &[u8]) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(p)
        .expect("open");
    f.seek(SeekFrom::Start(offset)).expect("seek");
    f.write_all(bytes).expect("write");
}

type Damager = fn(&Path);

fn damages() -> Vec<(&'static str, Damager)> {
    vec![
        ("zeroed 8 KiB", |s| {
            let len = std::fs::metadata(s.join("db")).expect("db").len();
            write_at(&s.join("db"), len / 3, &vec![0u8; 8192]);
        }),
        ("truncated to half", |s| {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(s.join("db"))
                .expect("open");
            let len = f.metadata().expect("m").len();
            f.set_len(len / 2).expect("truncate");
        }),
        ("4 KiB of random bytes", |s| {
            let mut x: u32 = 0x9E37_79B9;
            let junk: Vec<u8> = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            write_at(&s.join("db"), 4096, &junk);
        }),
        ("20 byte flips", |s| {
            let p = s.join("db");
            let mut b = std::fs::read(&p).expect("read");
            let n = b.len();
            for i in 0..20 {
                let at = (i * 7919 + 101) % n;
                b[at] ^= 0xFF;
            }
            std::fs::write(&p, b).expect("write");
        }),
        ("db deleted", |s| {
            std::fs::remove_file(s.join("db")).expect("rm")
        }),
        ("conf deleted", |s| {
            std::fs::remove_file(s.join("conf")).expect("rm")
        }),
        ("whole store deleted", |s| {
            std::fs::remove_dir_all(s).expect("rm")
        }),
    ]
}

#[test]
fn damage_is_refused_unchanged_and_repair_brings_back_every_application() {
    let clean = seeded(60);
    assert_eq!(export_count(clean.path()), Ok(60));
    for (what, damage) in damages() {
        let tmp = tempfile::tempdir().expect("tmp");
        let data = tmp.path().join("data");
        copy_dir(clean.path(), &data);
        let store = data.join("store");
        damage(&store);
        let before = if store.exists() {
            snapshot(&store)
        } else {
            BTreeMap::new()
        };
        let journal_before = snapshot(&data.join("journal"));
        for args in [
            vec![
                "export",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--format",
                "json",
            ],
            vec!["tally", "--format", "json"],
            vec!["queue", "--format", "json"],
            vec!["store", "verify"],
        ] {
            let o = run(&data, &args);
            let (out, err) = text(&o);
            assert_eq!(o.status.code(), Some(1), "{what}: {args:?}: {out} {err}");
            assert!(out.is_empty(), "{what}: {args:?} printed {out}");
            assert!(
                err.contains("jingyou store repair") && err.trim().lines().count() == 1,
                "{what}: {args:?}: {err}"
            );
        }
        if store.exists() {
            assert_eq!(snapshot(&store), before, "{what}: store files changed");
        }
        assert_eq!(
            snapshot(&data.join("journal")),
            journal_before,
            "{what}: journal changed"
        );
        let o = run(&data, &["store", "repair"]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{what}: repair: {out} {err}");
        assert!(out.contains("60 applications"), "{what}: {out}");
        assert_eq!(export_count(&data), Ok(60), "{what}: after repair");
        let o = run(&data, &["store", "verify"]);
        assert_eq!(o.status.code(), Some(0), "{what}: verify: {:?}", text(&o));
        // The damaged store was kept, not deleted.
        if !what.contains("whole store") {
            let kept = std::fs::read_dir(&data).expect("ls").flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("store.damaged-")
            });
            assert!(kept, "{what}: the damaged store must be moved aside");
        }
    }
}

#[test]
fn a_damaged_journal_frame_is_reported_and_the_frames_after_it_still_read() {
    let data = seeded(30);
    let jdir = data.path().join("journal");
    let seg = jingyou::journal::segments(&jdir).expect("segments");
    let seg = seg.last().expect("a segment").clone();
    let path = jdir.join(&seg);
    let len = std::fs::metadata(&path).expect("m").len();
    write_at(&path, len / 2, b"\0\0\0\0\0\0\0\0");
    let o = run(data.path(), &["store", "verify"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&seg), "names the segment: {out}");
    let o = run(data.path(), &["store", "repair"]);
    let (out, err) = text(&o);
    assert!(out.contains(&seg), "{out} {err}");
    // One application (or one record) lost at most; every other is back.
    let n = export_count(data.path()).expect("export");
    assert!((29..=30).contains(&n), "{n}");
}

/// Set in the environment of the writer process the kill test starts: the
/// data dir and seed, one per line.
const WRITER_ENV: &str = "JINGYOU_TEST_JOURNAL_WRITER";
const WRITER_TEST: &str = "the_writer_keeps_what_it_prints";

/// A test of the writer itself, and, when started by the kill test with
/// `WRITER_ENV` set, the writer process that test kills (it never returns
/// then: it writes until killed).
#[test]
fn the_writer_keeps_what_it_prints() {
    if let Ok(spec) = std::env::var(WRITER_ENV) {
        let (dir, seed) = spec.split_once('\n').expect("DIR\nSEED");
        let out = std::io::stdout();
        let r = journal_writer::run(
            Path::new(dir),
            seed.parse().expect("seed"),
            None,
            &mut out.lock(),
        );
        eprintln!("writer stopped: {r:?}");
        std::process::exit(1);
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let mut out = Vec::new();
    let n = journal_writer::run(tmp.path(), 42, Some(40), &mut out).expect("writer");
    assert_eq!(n, 40);
    let (mut finished, mut parked) = (BTreeMap::new(), BTreeSet::new());
    for line in String::from_utf8_lossy(&out).lines() {
        record(line, &mut finished, &mut parked);
    }
    assert!(
        !finished.is_empty() && !parked.is_empty(),
        "{finished:?} {parked:?}"
    );
    let store = Store::open(&tmp.path().join("store"), 8).expect("reopen");
    for (number, id) in &finished {
        let a = store.application(number).expect("read").expect("there");
        assert_eq!(&a.id, id);
    }
    for n in &parked {
        assert!(store.draft(n).expect("draft").is_some(), "parked {n} lost");
    }
}

/// This test binary started again as the writer process.
fn writer(data: &Path, seed: u64) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("exe"));
    c.args([
        "--exact",
        WRITER_TEST,
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(WRITER_ENV, format!("{}\n{seed}", data.display()));
    c
}

#[test]
fn kill_9_at_random_points_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    let mut finished: BTreeMap<String, String> = BTreeMap::new();
    let mut parked: BTreeSet<String> = BTreeSet::new();
    let kills = 200;
    for round in 0..kills as u64 {
        let mut child = writer(data, round * 7919 + 13)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it do a few writes (vary how many), then kill it mid-flight.
        let want = 1 + (round % 9) as usize;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while got < want && Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
                got += 1;
                record(&line, &mut finished, &mut parked);
            }
        }
        std::thread::sleep(Duration::from_micros((round % 5) * 300));
        child.kill().expect("kill -9");
        let status = child.wait().expect("wait");
        assert!(!status.success() || got > 0, "round {round}: writer failed");
        reader.join().expect("reader");
        for line in rx.try_iter() {
            record(&line, &mut finished, &mut parked);
        }
    }
    // Reopen: the store catches up with its journal and agrees with it.
    let store = match Store::open(&data.join("store"), 8) {
        Ok(s) => s,
        Err(e) => panic!("reopen after {kills} kills: {e}"),
    };
    let report = store.verify().expect("verify");
    assert!(report.whole(), "{:?}", report.differences);
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    store
        .for_each_application(|_, a| {
            assert!(
                seen.insert(a.number.clone(), a.id.clone()).is_none(),
                "duplicate number {}",
                a.number
            );
        })
        .expect("scan");
    for (number, id) in &finished {
        assert_eq!(seen.get(number), Some(id), "finished {number} lost");
    }
    let ids: BTreeSet<&String> = seen.values().collect();
    assert_eq!(ids.len(), seen.len(), "an id stored twice");
    for n in &parked {
        assert!(store.draft(n).expect("draft").is_some(), "parked {n} lost");
    }
    assert_eq!(
        store.count_applications().expect("count"),
        seen.len() as u64
    );
    assert!(
        finished.len() > 100,
        "the writer did real work: {}",
        finished.len()
    );
}

fn record(line: &str, finished: &mut BTreeMap<String, String>, parked: &mut BTreeSet<String>) {
    let mut w = line.split_whitespace();
    match (w.next(), w.next(), w.next()) {
        (Some("finish"), Some(n), Some(id)) => {
            finished.insert(n.to_string(), id.to_string());
        }
        (Some("park"), Some(n), _) => {
            parked.insert(n.to_string());
        }
        _ => {}
    }
}

#[test]
fn a_half_written_snapshot_never_poisons_a_later_open() {
    let data = seeded(5);
    let store = data.path().join("store");
    std::fs::write(store.join("snap.00000000000FFFFF.generating"), b"").expect("write");
    assert_eq!(export_count(data.path()), Ok(5));
    assert!(!store.join("snap.00000000000FFFFF.generating").exists());
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
}

#[test]
fn data_files_are_private_whatever_the_umask() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 022; exec '{BIN}' --data-dir '{}' seed --count 5 && umask 000 && exec '{BIN}' --data-dir '{}' doctor --bundle '{}'",
            data.display(),
            data.display(),
            tmp.path().join("bundle.tar.gz").display()
        ))
        .env("JINGYOU_NOW", NOW)
        .env("XDG_CONFIG_HOME", tmp.path().join("cfg"))
        .output()
        .expect("sh");
    assert!(o.status.success(), "{:?}", text(&o));
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec '{BIN}' --data-dir '{}' doctor --bundle '{}'",
            data.display(),
            tmp.path().join("bundle.tar.gz").display()
        ))
        .env("XDG_CONFIG_HOME", tmp.path().join("cfg"))
        .output()
        .expect("sh");
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(mode(&tmp.path().join("bundle.tar.gz")), 0o600);
    let mut stack = vec![data.clone()];
    assert_eq!(mode(&data), 0o700);
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ls").flatten() {
            let p = e.path();
            if p.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files > 3);
}

#[test]
fn a_store_without_a_journal_is_migrated_once() {
    use jingyou::store::{Application, Branch, Delivery, OutboxEntry, Payment, UploadState};
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    let at = chrono::DateTime::parse_from_rfc3339(NOW).expect("t");
    {
        let db = sled::open(&dir).expect("sled");
        let meta = db.open_tree("meta").expect("meta");
        meta.insert("schema", &1u32.to_be_bytes()).expect("schema");
        let b = Branch {
            code: "3301A".into(),
            name: "旧".into(),
            training: false,
            generated: false,
        };
        meta.insert("branch", serde_json::to_vec(&b).expect("b"))
            .expect("branch");
        let apps = db.open_tree("applications").expect("apps");
        let outbox = db.open_tree("outbox").expect("outbox");
        for seq in 1..=3u32 {
            let key = format!("2026-11-28/{seq:06}");
            let app = Application {
                id: format!("id-{seq}"),
                number: format!("3301A-261128-{seq:04}"),
                service: "D1".into(),
                date: at.date_naive(),
                finished_at: at,
                clerk: "001".into(),
                branch: "3301A".into(),
                values: BTreeMap::new(),
                materials: vec![],
                fees: vec![],
                fee_total_fen: 0,
                payment: Some(Payment::Cash),
                delivery: Delivery::Pickup,
                draft_number: None,
                void: None,
                generated: false,
                purged: false,
                hub_receipt: (seq == 1).then(|| "R1".to_string()),
                attachments: vec![],
            };
            apps.insert(key.as_bytes(), serde_json::to_vec(&app).expect("a"))
                .expect("insert");
            if seq > 1 {
                let e = OutboxEntry {
                    id: app.id.clone(),
                    number: app.number.clone(),
                    service: "D1".into(),
                    date: app.date,
                    state: if seq == 3 {
                        UploadState::Quarantined
                    } else {
                        UploadState::Pending
                    },
                    attempts: 2,
                    last_error: Some("x".into()),
                    next_try: None,
                    uploads: BTreeMap::new(),
                };
                outbox
                    .insert(key.as_bytes(), serde_json::to_vec(&e).expect("e"))
                    .expect("insert");
            }
        }
        db.flush().expect("flush");
    }
    let store = Store::open(&dir, 8).expect("migrates");
    assert_eq!(store.count_applications().expect("n"), 3);
    assert_eq!(store.pending_count().expect("p"), 1);
    let q = store.queue().expect("queue");
    assert_eq!(q.len(), 2);
    assert!(q.iter().any(|(_, e)| e.state == UploadState::Quarantined));
    assert_eq!(
        store
            .application("3301A-261128-0001")
            .expect("a")
            .and_then(|a| a.hub_receipt),
        Some("R1".into())
    );
    assert!(store.verify().expect("verify").whole());
    drop(store);
    let kept = std::fs::read_dir(tmp.path())
        .expect("ls")
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("store.schema1-")
        });
    assert!(kept, "the old store is kept aside");
    // Once: the second open is a plain open.
    let again = Store::open(&dir, 8).expect("reopen");
    assert_eq!(again.count_applications().expect("n"), 3);
}

#[test]
fn backup_then_restore_on_a_new_pc_gives_the_same_data() {
    let data = seeded(40);
    let usb = tempfile::tempdir().expect("usb");
    let new_bytes = |o: &Output| -> u64 {
        let (out, _) = text(o);
        out.split('(')
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no byte count in {out}"))
    };
    let o = run(
        data.path(),
        &["backup", "--to", usb.path().to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let first = new_bytes(&o);
    // A second backup copies only what is new (the first backup's audit line).
    let o = run(
        data.path(),
        &["backup", "--to", usb.path().to_str().expect("utf8")],
    );
    let second = new_bytes(&o);
    assert!(first > 20_000 && second < 1_000, "{first} then {second}");
    let newpc = tempfile::tempdir().expect("new");
    let target = newpc.path().join("data");
    let o = run(
        &target,
        &["restore", "--from", usb.path().to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(export_count(&target), Ok(40));
    let a = run(data.path(), &["tally", "--days", "3", "--format", "json"]);
    let b = run(&target, &["tally", "--days", "3", "--format", "json"]);
    assert_eq!(text(&a).0, text(&b).0);
    // Drafts came along (seed leaves three).
    let store = Store::open(&target.join("store"), 8).expect("open");
    assert_eq!(store.drafts().expect("drafts").len(), 3);
    drop(store);
    // Never over an existing data dir.
    let o = run(
        &target,
        &["restore", "--from", usb.path().to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
#[ignore = "needs root to mount a small tmpfs; CI runs it"]
fn a_full_disk_refuses_finish_and_park_and_recovers() {
    use jingyou::store::{Delivery, Draft, NewApplication, Payment};
    let tmp = tempfile::tempdir().expect("tmp");
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount");
    assert!(ok.success(), "mount tmpfs (run as root)");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let store = Store::open(&mnt.join("data/store"), 1)
        .expect("open")
        .with_reserve_mib(2);
    let b = branch("3301F", "满");
    let at = chrono::DateTime::parse_from_rfc3339(NOW).expect("t");
    let new = || NewApplication {
        id: uuid::Uuid::new_v4().to_string(),
        service: "D1".into(),
        date: at.date_naive(),
        finished_at: at,
        clerk: "001".into(),
        values: BTreeMap::new(),
        materials: vec![],
        fees: vec![],
        payment: Some(Payment::Cash),
        delivery: Delivery::Pickup,
        draft_number: None,
        generated: false,
        attachments: vec![],
    };
    store.finish(&b, new()).expect("room at first");
    // Fill the disk to under the reserve.
    let filler = mnt.join("filler");
    let free = jingyou::store::free_bytes(&mnt).expect("statvfs");
    let fill = free.saturating_sub(1024 * 1024);
    std::fs::write(&filler, vec![0u8; fill as usize]).expect("fill");
    match store.finish(&b, new()) {
        Err(StoreError::DiskFull { free_mib, .. }) => assert!(free_mib < 2),
        other => panic!("expected DiskFull, got {other:?}"),
    }
    let d = Draft::new("Z261128-001".into(), "D1", "001", at);
    assert!(matches!(
        store.park_draft(&d),
        Err(StoreError::DiskFull { .. })
    ));
    let msg = StoreError::DiskFull {
        path: mnt.clone(),
        free_mib: 1,
        reserve_mib: 2,
    }
    .message(jingyou::i18n::Lang::Zh);
    assert!(msg.contains("磁盘空间不足"), "{msg}");
    assert_eq!(store.count_applications().expect("n"), 1);
    drop(store);
    // Reopening on the full disk must not poison the store.
    std::fs::write(mnt.join("filler2"), vec![0u8; 900 * 1024]).ok();
    let _ = Store::open(&mnt.join("data/store"), 1);
    std::fs::remove_file(&filler).expect("free");
    let _ = std::fs::remove_file(mnt.join("filler2"));
    let store = Store::open(&mnt.join("data/store"), 1)
        .expect("reopen after room returns")
        .with_reserve_mib(2);
    store.finish(&b, new()).expect("finish once room is back");
    assert_eq!(store.count_applications().expect("n"), 2);
    assert!(store.verify().expect("verify").whole());
}

fn branch(code: &str, name: &str) -> jingyou::store::Branch {
    jingyou::store::Branch {
        code: code.into(),
        name: name.into(),
        training: false,
        generated: false,
    }
}

fn old_app(day: &str, n: u32) -> jingyou::store::NewApplication {
    use jingyou::store::{Delivery, NewApplication, Payment};
    let at = chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).expect("t");
    NewApplication {
        id: format!("old-{day}-{n}"),
        service: "D1".into(),
        date: at.date_naive(),
        finished_at: at,
        clerk: "001".into(),
        values: BTreeMap::from([
            ("id_number".to_string(), "11010519491231002X".to_string()),
            ("owner_name".to_string(), "张三丰".to_string()),
        ]),
        materials: vec![],
        fees: vec![],
        payment: Some(Payment::Cash),
        delivery: Delivery::Ems {
            address: "浙江省杭州市西湖区文三路 90 号".into(),
        },
        draft_number: None,
        generated: false,
        attachments: vec![],
    }
}

fn acknowledge_all(store: &Store) {
    use jingyou::store::Decision;
    let q: Vec<(String, Decision)> = store
        .queue()
        .expect("queue")
        .into_iter()
        .map(|(k, e)| (k, Decision::Acknowledge(format!("R-{}", e.number))))
        .collect();
    store.settle(&q).expect("settle");
}

#[test]
fn old_acknowledged_applications_leave_sled_and_stay_findable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    let b = branch("3301E", "旧");
    let today: chrono::NaiveDate = "2026-11-28".parse().expect("d");
    let store = Store::open(&dir, 8).expect("open");
    let mut numbers = Vec::new();
    for n in 0..20 {
        let a = store.finish(&b, old_app("2026-09-10", n)).expect("finish");
        numbers.push(a.number);
    }
    let recent = store.finish(&b, old_app("2026-11-27", 99)).expect("recent");
    acknowledge_all(&store);
    let before = store
        .day_tally("2026-09-10".parse().expect("d"))
        .expect("t");
    // 20 applications, and their day's counters (no application of that
    // day stays), into the index's archive.
    assert_eq!(store.evict_due(today, 30).expect("evict"), 21);
    assert_eq!(store.evict_due(today, 30).expect("again"), 0);
    let archive = tmp.path().join("journal/index/2026-09.tally");
    let archived = std::fs::read_to_string(&archive).expect("archive");
    assert!(archived.starts_with("2026-09-10\t{"), "{archived}");
    assert!(store
        .tally_days()
        .expect("days")
        .contains(&"2026-09-10".parse().expect("d")));
    // Gone from sled, still found by number, with its receipt.
    let a = store
        .application(&numbers[3])
        .expect("find")
        .expect("found");
    assert_eq!(
        a.hub_receipt.as_deref(),
        Some(format!("R-{}", numbers[3]).as_str())
    );
    assert!(store.application(&recent.number).expect("recent").is_some());
    let all = store
        .applications_between("2026-09-01".parse().expect("d"), today)
        .expect("range");
    assert_eq!(all.len(), 21);
    // Counters untouched; a void of an evicted application still counts.
    assert_eq!(
        store
            .day_tally("2026-09-10".parse().expect("d"))
            .expect("t"),
        before
    );
    let at = chrono::DateTime::parse_from_rfc3339(NOW).expect("t");
    store
        .void(&numbers[0], "录错", "001", at)
        .expect("void evicted");
    assert!(matches!(
        store.void(&numbers[0], "again", "001", at),
        Err(StoreError::AlreadyVoided(_))
    ));
    let t = store
        .day_tally("2026-09-10".parse().expect("d"))
        .expect("t");
    assert_eq!((t.total, t.voided), (19, 1));
    assert!(store.verify().expect("verify").whole());
    // The void brought the day back to the working store; the next pass
    // archives it again, as the void left it.
    assert_eq!(store.evict_due(today, 30).expect("day again"), 1);
    assert_eq!(
        store
            .day_tally("2026-09-10".parse().expect("d"))
            .expect("t"),
        t
    );
    assert!(
        std::fs::read_to_string(&archive)
            .expect("archive")
            .lines()
            .count()
            == 2
    );
    let v = store
        .application(&numbers[0])
        .expect("find")
        .expect("found");
    assert!(v.void.is_some());
    assert_eq!(store.count_applications().expect("n"), 21);
    // Their audit lines leave the working store too, and are read back
    // from the journal for a range that reaches them.
    let sept = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 9, d).expect("d");
    let old_lines = |store: &Store| {
        store
            .audit_between(sept(1), sept(30))
            .expect("audit")
            .into_iter()
            .filter(|l| l.what == "finish")
            .map(|l| l.detail)
            .collect::<Vec<_>>()
    };
    assert_eq!(old_lines(&store), numbers);
    assert_eq!(store.evict_audit_due(today, 30).expect("audit out"), 20);
    assert_eq!(store.evict_audit_due(today, 30).expect("again"), 0);
    let kept = store.audit_tail(usize::MAX).expect("tail");
    assert!(
        kept.iter()
            .all(|l| l.at.date_naive() >= today - chrono::Duration::days(30)),
        "{kept:?}"
    );
    assert!(kept.iter().any(|l| l.detail == recent.number), "{kept:?}");
    assert_eq!(old_lines(&store), numbers, "read back from the journal");
    let all_lines = store
        .audit_between(sept(1), today)
        .expect("audit")
        .into_iter()
        .filter(|l| l.what == "finish")
        .count();
    assert_eq!(all_lines, 21, "each line once");
    assert!(store.verify().expect("verify").whole());
    drop(store);
    // Compaction keeps everything (and the journal as it was).
    let journal_before = snapshot(&tmp.path().join("journal"));
    jingyou::store::compact(&dir, 8).expect("compact");
    assert_eq!(snapshot(&tmp.path().join("journal")), journal_before);
    {
        let store = Store::open(&dir, 8).expect("open after compaction");
        assert!(store.verify().expect("verify").whole());
        assert_eq!(store.count_applications().expect("n"), 21);
        assert!(store.application(&recent.number).expect("find").is_some());
    }
    assert!(!tmp.path().join("store.before-compact").exists());
    // A repair rebuilds the small store and the index.
    std::fs::write(&archive, "2026-09-10\t{\"total\":1}\n").expect("spoil the archive");
    {
        let store = Store::open(&dir, 8).expect("open");
        let v = store.verify().expect("verify");
        assert!(
            v.differences
                .iter()
                .any(|d| d.contains("archived day counters 2026-09-10")),
            "{:?}",
            v.differences
        );
    }
    let r = Store::repair(&dir, 8).expect("repair");
    assert!(r.verify.whole(), "{:?}", r.verify.differences);
    let store = Store::open(&dir, 8).expect("open");
    assert_eq!(
        store
            .day_tally("2026-09-10".parse().expect("d"))
            .expect("t"),
        t,
        "the archive rebuilt"
    );
    assert!(store
        .application(&numbers[0])
        .expect("find")
        .and_then(|a| a.void)
        .is_some());
    assert_eq!(
        store
            .applications_between("2026-09-01".parse().expect("d"), today)
            .expect("range")
            .len(),
        21
    );
    // The day's last number left with its counters; with the clock set
    // back to that day, the next number still follows the index's last.
    let again = store
        .finish(&b, old_app("2026-09-10", 77))
        .expect("finish on an archived day");
    assert!(again.number.ends_with("-0021"), "{}", again.number);
    let t = store
        .day_tally("2026-09-10".parse().expect("d"))
        .expect("t");
    assert_eq!((t.total, t.voided), (20, 1));
    assert!(store.verify().expect("verify").whole());
}

fn journal_bytes(data: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for (_, b) in snapshot(&data.join("journal")) {
        all.extend(b);
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn retention_reaches_the_journal_and_the_backup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let b = branch("3301R", "旧");
    let today: chrono::NaiveDate = "2026-11-28".parse().expect("d");
    let store = Store::open(&data.join("store"), 8).expect("open");
    for n in 0..5 {
        store.finish(&b, old_app("2026-05-10", n)).expect("finish");
    }
    store.finish(&b, old_app("2026-11-20", 9)).expect("recent");
    acknowledge_all(&store);
    store.evict_due(today, 30).expect("evict");
    assert!(contains(&journal_bytes(&data), "11010519491231002X"));
    // A backup taken before the purge holds the IDs…
    drop(store);
    let usb = tmp.path().join("usb");
    let o = run(&data, &["backup", "--to", usb.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let in_backup = |usb: &Path| -> usize {
        snapshot(&usb.join("jingyou-backup/journal"))
            .values()
            .map(|b| {
                b.windows(18)
                    .filter(|w| *w == b"11010519491231002X")
                    .count()
            })
            .sum()
    };
    assert_eq!(in_backup(&usb), 6);
    let store = Store::open(&data.join("store"), 8).expect("open");
    let purged = jingyou::retention::purge(&store, 180, today, &data).expect("purge");
    assert_eq!(purged, 5);
    // The recent one keeps its data; the old ones are gone from the journal.
    let bytes = journal_bytes(&data);
    let hits = bytes
        .windows(18)
        .filter(|w| *w == b"11010519491231002X")
        .count();
    assert_eq!(hits, 1, "only the recent application keeps its ID");
    assert!(store.verify().expect("verify").whole());
    let old = store
        .applications_between(
            "2026-05-01".parse().expect("d"),
            "2026-05-31".parse().expect("d"),
        )
        .expect("range");
    assert_eq!(old.len(), 5);
    assert!(old.iter().all(|a| a.purged && a.values.is_empty()));
    drop(store);
    // The reopened store and a repair agree with the rewritten journal.
    assert!(Store::repair(&data.join("store"), 8)
        .expect("repair")
        .verify
        .whole());
    // …and the next backup rewrites the copy of the segment without them.
    let o = run(&data, &["backup", "--to", usb.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(in_backup(&usb), 1);
}

#[test]
fn evicted_applications_waiting_for_an_answer_stay_overdue_without_reading_the_journal() {
    use jingyou::wire::{Change, ReviewState};
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    let b = branch("3301L", "迟");
    let today: chrono::NaiveDate = "2026-11-28".parse().expect("d");
    let catalog = jingyou::catalog::Catalog::builtin().expect("catalog");
    let store = Store::open(&dir, 8).expect("open");
    let mut apps = Vec::new();
    for n in 0..4 {
        apps.push(store.finish(&b, old_app("2026-09-10", n)).expect("finish"));
    }
    let fifth = store.finish(&b, old_app("2026-09-11", 9)).expect("fifth");
    acknowledge_all(&store);
    let change = |cursor: &str, i: usize, state| Change {
        cursor: cursor.into(),
        id: apps[i].id.clone(),
        number: apps[i].number.clone(),
        state,
        at: "2026-09-11T14:00:00+08:00".into(),
        note: None,
        result: None,
        materials: vec![],
        review_id: format!("r{cursor}"),
    };
    // 0 completed before eviction, 1 accepted (still open), 2 and 3 never
    // answered; 3 is voided after eviction, 2 completed after it.
    store
        .record_changes(
            &[
                change("1", 0, ReviewState::Completed),
                change("2", 1, ReviewState::Accepted),
            ],
            "2",
        )
        .expect("changes");
    let late_numbers = |store: &Store| {
        jingyou::overdue::overdue(store, &catalog, today)
            .expect("overdue")
            .into_iter()
            .map(|l| l.number)
            .collect::<Vec<_>>()
    };
    let before = late_numbers(&store);
    assert_eq!(
        before,
        vec![
            apps[1].number.clone(),
            apps[2].number.clone(),
            apps[3].number.clone(),
            fifth.number.clone()
        ]
    );
    // Five applications, their two days' counters and one day's count
    // of answers.
    assert_eq!(store.evict_due(today, 30).expect("evict"), 8);
    assert_eq!(late_numbers(&store), before, "the same after eviction");
    assert_eq!(store.open_evicted().expect("open").len(), 4);
    // Without the journal's segments, the marks still answer.
    let journal = tmp.path().join("journal");
    let aside = tmp.path().join("journal-aside");
    std::fs::rename(&journal, &aside).expect("aside");
    assert_eq!(late_numbers(&store), before);
    std::fs::rename(&aside, &journal).expect("back");
    let at = chrono::DateTime::parse_from_rfc3339(NOW).expect("t");
    store
        .void(&apps[3].number, "录错", "001", at)
        .expect("void");
    store
        .record_changes(&[change("3", 2, ReviewState::Completed)], "3")
        .expect("completed");
    let after = vec![apps[1].number.clone(), fifth.number.clone()];
    assert_eq!(late_numbers(&store), after);
    drop(store);
    // A repair rebuilds the marks from the journal.
    let r = Store::repair(&dir, 8).expect("repair");
    assert!(r.verify.whole(), "{:?}", r.verify.differences);
    let store = Store::open(&dir, 8).expect("open");
    assert_eq!(late_numbers(&store), after);
}

#[test]
fn final_answers_leave_the_working_store_with_their_applications_and_stay_found() {
    use jingyou::wire::{Change, ReviewState};
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    let b = branch("3301F", "答");
    let today: chrono::NaiveDate = "2026-11-28".parse().expect("d");
    let since = today - chrono::Duration::days(211);
    let store = Store::open(&dir, 8).expect("open");
    let mut apps = Vec::new();
    for n in 0..3 {
        apps.push(store.finish(&b, old_app("2026-09-10", n)).expect("finish"));
    }
    let mut recent = old_app("2026-11-27", 7);
    recent
        .values
        .insert("id_number".into(), "110101199003074514".into());
    let recent = store.finish(&b, recent).expect("recent");
    acknowledge_all(&store);
    let change = |cursor: &str, i: usize, state, at: &str| Change {
        cursor: cursor.into(),
        id: apps[i].id.clone(),
        number: apps[i].number.clone(),
        state,
        at: at.into(),
        note: None,
        result: Some(format!("EMS{cursor}")),
        materials: vec![],
        review_id: format!("r{cursor}"),
    };
    let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("d");
    // 0 answered before eviction; 1 after it; 2 never.
    store
        .record_changes(
            &[
                change("1", 0, ReviewState::Accepted, "2026-09-11T09:00:00+08:00"),
                change("2", 0, ReviewState::Completed, "2026-09-12T09:00:00+08:00"),
            ],
            "2",
        )
        .expect("changes");
    // Three applications, their day's counters and two days of answer
    // counts (09-11, 09-12), which go to the index's archive.
    assert_eq!(store.evict_due(today, 30).expect("evict"), 6);
    let review_archive = tmp.path().join("journal/index/2026-09.review");
    let archived = std::fs::read_to_string(&review_archive).expect("answer archive");
    assert_eq!(archived.lines().count(), 2, "{archived}");
    assert!(archived.starts_with("2026-09-11\t{"), "{archived}");
    assert_eq!(store.evict_due(today, 30).expect("evict"), 0);
    assert_eq!(
        store.reviews().expect("reviews").len(),
        0,
        "final answer left"
    );
    store
        .record_changes(
            &[change(
                "3",
                1,
                ReviewState::Completed,
                "2026-11-28T09:00:00+08:00",
            )],
            "3",
        )
        .expect("late answer");
    assert_eq!(store.reviews().expect("reviews").len(), 0);
    // An answer dated on an archived day, pulled late: the day's counts
    // come back to the working store first and are added to.
    store
        .record_changes(
            &[Change {
                result: None,
                ..change("4", 2, ReviewState::Accepted, "2026-09-11T15:00:00+08:00")
            }],
            "4",
        )
        .expect("answer dated on an archived day");
    assert_eq!(
        store
            .review_counts(day("2026-09-11"))
            .expect("c")
            .accepted_on_day,
        2
    );
    // Archived again, as it is now.
    assert_eq!(store.evict_due(today, 30).expect("evict"), 1);
    let archived = std::fs::read_to_string(&review_archive).expect("answer archive");
    assert!(
        archived
            .trim_end()
            .ends_with("\"accepted\":2,\"rejected\":0,\"needs_correction\":0,\"completed\":0}"),
        "{archived}"
    );
    let check = |store: &Store| {
        // Day counts survive the answers leaving the working store.
        assert_eq!(
            store
                .review_counts(day("2026-09-12"))
                .expect("c")
                .completed_on_day,
            1
        );
        assert_eq!(
            store
                .review_counts(day("2026-09-11"))
                .expect("c")
                .accepted_on_day,
            2
        );
        assert_eq!(store.review_counts(today).expect("c").completed_on_day, 1);
        // Found by number with their answers, read back from the journal.
        for (i, result, want) in [
            (0, Some("EMS2"), ReviewState::Completed),
            (1, Some("EMS3"), ReviewState::Completed),
            (2, None, ReviewState::Accepted),
        ] {
            let f = store
                .find_applications(&apps[i].number, since)
                .expect("find");
            assert_eq!(f.len(), 1, "{i}");
            assert_eq!(f[0].result(), result, "{i}");
            assert_eq!(f[0].state, Some(want), "{i}");
        }
        // By part of a number (the index), newest first, the recent one too.
        let part = &apps[0].number[..12];
        let found: Vec<String> = store
            .find_applications(part, since)
            .expect("part")
            .into_iter()
            .map(|f| f.app.number)
            .collect();
        let mut want: Vec<String> = apps.iter().map(|a| a.number.clone()).collect();
        want.reverse();
        assert_eq!(found, want);
        // By ID number, within the retention period only.
        let by_id = store
            .find_applications("11010519491231002X", since)
            .expect("id");
        assert_eq!(by_id.len(), 3);
        assert!(store
            .find_applications("11010519491231002X", day("2026-10-01"))
            .expect("id")
            .is_empty());
        let mine = store
            .find_applications("110101199003074514", since)
            .expect("id");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].app.number, recent.number);
    };
    check(&store);
    assert!(store.verify().expect("verify").whole());
    // A spoiled answer archive is found by verify and rebuilt by repair.
    std::fs::write(&review_archive, "2026-09-11\t{\"accepted\":9}\n").expect("spoil");
    let v = store.verify().expect("verify");
    assert!(
        v.differences
            .iter()
            .any(|d| d.contains("archived answer counts 2026-09-11")),
        "{:?}",
        v.differences
    );
    drop(store);
    let r = Store::repair(&dir, 8).expect("repair");
    assert!(r.verify.whole(), "{:?}", r.verify.differences);
    let store = Store::open(&dir, 8).expect("open");
    // The one answer not final (application 2's) stays in the working store.
    assert_eq!(store.reviews().expect("reviews").len(), 1);
    check(&store);
}
