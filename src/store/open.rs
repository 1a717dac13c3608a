//! Opening the working store and checking it against the journal
//! (docs/journal.md, "Opening").
//!
//! Order matters, so that a damaged store is refused before anything in it
//! changes:
//! 1. take `store/jingyou.lock` (flock; the kernel drops it when a process
//!    dies, so a killed app never reads as "already running");
//! 2. without opening sled: a database file missing beside a journal with
//!    records, a missing `conf`, or files that changed since the seal the
//!    last clean close left (`jingyou.seal`: sizes and times) are damage;
//! 3. remove snapshot files sled left half-written (`snap.*.generating`,
//!    e.g. on a full disk), which would break every later open;
//! 4. open sled and compare its journal position and application count
//!    with the journal: equal is whole; behind by at most [`MAX_TAIL`]
//!    records is a crash's torn tail and is replayed; anything else is
//!    damage.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{Damage, Result, Store, StoreError, SCHEMA_VERSION};
use crate::journal::{self, Journal};

/// The most records a store may be behind its journal and still be
/// caught up at open (a crash between the journal and sled loses one
/// record per writer; a power cut what sled had not yet written).
pub const MAX_TAIL: u64 = 1000;

const LOCK_FILE: &str = "jingyou.lock";
/// Tries of a lock, 50 ms apart.
const LOCK_TRIES: u32 = 20;
const SEAL_FILE: &str = "jingyou.seal";

/// What a clean close saw of sled's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SealFacts {
    files: Vec<(String, u64, i64, i64)>,
}

fn seal_facts(dir: &Path) -> std::io::Result<SealFacts> {
    let mut files = Vec::new();
    for name in ["db", "conf"] {
        match std::fs::metadata(dir.join(name)) {
            Ok(m) => files.push((name.to_string(), m.len(), m.mtime(), m.mtime_nsec())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(SealFacts { files })
}

/// Held by every clone of a [`Store`]; when the last one goes (after all
/// of sled's trees, which flush as they drop), it records the seal and
/// releases the lock.
pub struct Seal {
    dir: PathBuf,
    _lock: File,
}

impl Drop for Seal {
    fn drop(&mut self) {
        let write = || -> std::io::Result<()> {
            let facts = seal_facts(&self.dir)?;
            let body = serde_json::to_vec(&facts).map_err(std::io::Error::other)?;
            let tmp = self.dir.join(".jingyou.seal.tmp");
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&body)?;
            f.sync_data()?;
            std::fs::rename(&tmp, self.dir.join(SEAL_FILE))?;
            journal::sync_dir(&self.dir)
        };
        if let Err(e) = write() {
            crate::log::warn(&format!("store: cannot write the close seal: {e}"));
        }
    }
}

fn damaged(dir: &Path, why: Damage) -> StoreError {
    crate::log::warn(&format!("store {}: damaged: {why:?}", dir.display()));
    StoreError::Damaged {
        path: dir.to_path_buf(),
        why,
    }
}

fn io_damage(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    damaged(
        dir,
        Damage::Io {
            error: e.to_string(),
        },
    )
}

/// Takes the store's lock, or says who holds it.
pub(super) fn lock(dir: &Path) -> Result<File> {
    journal::private_dir(dir).map_err(|e| io_damage(dir, e))?;
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| io_damage(dir, e))?;
    // A lock just released can stay held a moment longer by a child this
    // process is starting (fork shares the descriptor until exec): retry
    // for a second before saying another jingyou has the store.
    for attempt in 0..LOCK_TRIES {
        // SAFETY: flock on a descriptor we own.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(f);
        }
        if attempt + 1 < LOCK_TRIES {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    Err(StoreError::AlreadyRunning(dir.to_path_buf()))
}

/// `<data>/journal` for `<data>/store` (and the same under training/).
pub fn journal_dir_for(store_dir: &Path) -> PathBuf {
    store_dir
        .parent()
        .map(|p| p.join("journal"))
        .unwrap_or_else(|| PathBuf::from("journal"))
}

/// sled's own lock on `db` (we hold ours already, so a failure to take it
/// is a child process still sharing a descriptor, not another app).
fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.raw_os_error() == Some(libc::EAGAIN)
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

pub(super) fn open_sled(dir: &Path, cache_mib: u64) -> Result<sled::Db> {
    let mut attempt = 0;
    loop {
        let r = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_mib.clamp(1, 256) * 1024 * 1024)
            // No timer: nothing is written while the app is idle. Durability
            // comes from the journal (and Store::flush for autosaved drafts).
            .flush_every_ms(None)
            .open();
        match r {
            Ok(db) => return Ok(db),
            Err(e) if is_lock_error(&e) => {
                attempt += 1;
                if attempt >= LOCK_TRIES {
                    return Err(StoreError::AlreadyRunning(dir.to_path_buf()));
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => {
                return Err(damaged(
                    dir,
                    Damage::Unreadable {
                        error: e.to_string(),
                    },
                ))
            }
        }
    }
}

pub(super) fn build(dir: &Path, db: sled::Db, journal: Journal, lock: File) -> Result<Store> {
    let tree = |name: &str| db.open_tree(name);
    Ok(Store {
        path: dir.to_path_buf(),
        journal_dir: journal.dir().to_path_buf(),
        meta: tree("meta")?,
        users: tree("users")?,
        drafts: tree("drafts")?,
        apps: tree("applications")?,
        outbox: tree("outbox")?,
        tally: tree("tally")?,
        audit: tree("audit")?,
        voids: tree("voids")?,
        refs: tree("refs")?,
        db,
        journal: Arc::new(Mutex::new(journal)),
        reserve_bytes: 0,
        _seal: Arc::new(Seal {
            dir: dir.to_path_buf(),
            _lock: lock,
        }),
    })
}

/// Why `open` refused, without having changed the store (step 2).
fn precheck(dir: &Path, records: u64) -> Result<()> {
    let db = dir.join("db");
    let db_len = std::fs::metadata(&db).map(|m| m.len()).ok();
    let conf_len = std::fs::metadata(dir.join("conf"))
        .map(|m| m.len())
        .unwrap_or(0);
    match db_len {
        None if records > 0 => return Err(damaged(dir, Damage::DbMissing { records })),
        // sled treats a missing or tiny `conf` as a new database and would
        // overwrite the data beside it.
        Some(n) if n > 0 && conf_len <= 8 => return Err(damaged(dir, Damage::ConfMissing)),
        _ => {}
    }
    let seal = dir.join(SEAL_FILE);
    match std::fs::read(&seal) {
        Ok(bytes) => {
            let then: Option<SealFacts> = serde_json::from_slice(&bytes).ok();
            let now = seal_facts(dir).map_err(|e| io_damage(dir, e))?;
            if let Some(then) = then {
                for f in &then.files {
                    if !now.files.contains(f) {
                        return Err(damaged(
                            dir,
                            Damage::ChangedWhileClosed { file: f.0.clone() },
                        ));
                    }
                }
            }
            // From here on the store is open: a crash must not leave a
            // stale seal that would call the next open's files changed.
            std::fs::remove_file(&seal).map_err(|e| io_damage(dir, e))?;
            journal::sync_dir(dir).map_err(|e| io_damage(dir, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_damage(dir, e)),
    }
    Ok(())
}

/// Removes snapshot files sled never finished writing (step 3).
fn remove_unfinished_snapshots(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for ent in rd.flatten() {
        let name = ent.file_name();
        let Some(n) = name.to_str() else { continue };
        if n.starts_with("snap.") && n.ends_with(".generating") {
            match std::fs::remove_file(ent.path()) {
                Ok(()) => crate::log::warn(&format!(
                    "store: removed an unfinished snapshot {n} (left by a full disk or a crash)"
                )),
                Err(e) => crate::log::warn(&format!("store: cannot remove {n}: {e}")),
            }
        }
    }
}

fn read_u32(v: Option<sled::IVec>) -> Option<u32> {
    v.and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
        .map(u32::from_be_bytes)
}

impl Store {
    /// Opens (or creates) the store in `dir`, with its journal beside it.
    /// A store that does not agree with its journal is refused (and not
    /// changed); one behind by a crash's last writes is caught up.
    pub fn open(dir: &Path, cache_mib: u64) -> Result<Store> {
        let journal_dir = journal_dir_for(dir);
        // A compaction cut between its two renames: put the old store back.
        let aside = dir.with_file_name(format!(
            "{}.before-compact",
            dir.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        if !dir.exists() && aside.join("db").exists() {
            std::fs::rename(&aside, dir).map_err(|e| io_damage(dir, e))?;
            crate::log::warn("store: an interrupted compaction was undone");
        }
        if let Some(data) = dir.parent() {
            if !data.as_os_str().is_empty() {
                journal::private_dir(data).map_err(|e| io_damage(dir, e))?;
            }
        }
        let summary = journal::summary(&journal_dir)?;
        if !dir.exists() && summary.last_seq > 0 {
            // Not even a lock file is made beside a journal with records.
            return Err(damaged(
                dir,
                Damage::DbMissing {
                    records: summary.last_seq,
                },
            ));
        }
        let lock = lock(dir)?;
        precheck(dir, summary.last_seq)?;
        remove_unfinished_snapshots(dir);
        let db = open_sled(dir, cache_mib)?;
        let journal = Journal::new(&journal_dir, summary.last_seq, summary.torn_tail);
        let store = build(dir, db, journal, lock)?;
        let schema = match store.meta.get("schema")? {
            None => None,
            Some(v) => Some(read_u32(Some(v)).ok_or_else(|| {
                damaged(
                    dir,
                    Damage::Unreadable {
                        error: "schema version".into(),
                    },
                )
            })?),
        };
        match schema {
            None if summary.last_seq > 0 => Err(damaged(
                dir,
                Damage::OpenedEmpty {
                    records: summary.last_seq,
                },
            )),
            None => {
                store.meta.insert("schema", &SCHEMA_VERSION.to_be_bytes())?;
                store
                    .meta
                    .insert(super::review::DAYS_COUNTED, b"1".to_vec())?;
                store.db.flush()?;
                Ok(store)
            }
            Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                path: dir.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            }),
            Some(1) if summary.last_seq == 0 => {
                drop(store);
                super::repair::migrate_v1(dir, cache_mib)
            }
            Some(1) => Err(damaged(dir, Damage::SchemaWithoutJournal)),
            Some(_) => {
                store.catch_up(&summary)?;
                store.count_review_days_once()?;
                Ok(store)
            }
        }
    }

    /// Step 4: the store against the journal's newest records.
    fn catch_up(&self, summary: &journal::Summary) -> Result<()> {
        let dir = &self.path;
        let have = self.journal_seq()?;
        let want = summary.last_seq;
        if have > want {
            return Err(damaged(
                dir,
                Damage::AheadOfJournal {
                    store: have,
                    journal: want,
                },
            ));
        }
        if want - have > MAX_TAIL {
            return Err(damaged(
                dir,
                Damage::BehindJournal {
                    store: have,
                    journal: want,
                },
            ));
        }
        if have < want {
            let (recs, _) = journal::records_after(&self.journal_dir, have)?;
            let contiguous = recs
                .iter()
                .zip(have + 1..)
                .all(|((_, r), expected)| r.seq == expected);
            if recs.len() as u64 != want - have || !contiguous {
                return Err(damaged(
                    dir,
                    Damage::JournalGap {
                        from: have + 1,
                        to: want,
                    },
                ));
            }
            self.apply_records(&recs)?;
            self.db.flush()?;
            crate::log::info(&format!(
                "store: caught up {} journal records left by a crash",
                recs.len()
            ));
        }
        let count = self.app_count()?;
        if count != summary.applications {
            return Err(damaged(
                dir,
                Damage::CountMismatch {
                    store: count,
                    journal: summary.applications,
                },
            ));
        }
        Ok(())
    }
}
