//! Rebuilding the working store from the journal: `store verify`,
//! `store repair` and the one-time migration of a store without a journal.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::apply::{self, Abort, Kv, T};
use super::open::{journal_dir_for, lock};
use super::{dec, AuditEntry, Result, Store, StoreError, UploadState, SCHEMA_VERSION};
use crate::journal::{self, index, Damage as FrameDamage, Entry, Journal, Record};

/// Records applied per transaction while rebuilding.
const CHUNK: usize = 500;

/// The eight trees in memory: what the journal says the store holds.
#[derive(Default)]
pub(super) struct MemKv(pub(super) RefCell<[BTreeMap<Vec<u8>, Vec<u8>>; 9]>);

impl Kv for MemKv {
    fn get(&self, t: T, key: &[u8]) -> std::result::Result<Option<Vec<u8>>, Abort> {
        Ok(self.0.borrow()[t as usize].get(key).cloned())
    }
    fn put(&self, t: T, key: &[u8], value: Vec<u8>) -> std::result::Result<(), Abort> {
        self.0.borrow_mut()[t as usize].insert(key.to_vec(), value);
        Ok(())
    }
    fn del(&self, t: T, key: &[u8]) -> std::result::Result<(), Abort> {
        self.0.borrow_mut()[t as usize].remove(key);
        Ok(())
    }
}

/// What `store verify` found.
#[derive(Debug, Default, Clone)]
pub struct VerifyReport {
    pub journal_records: u64,
    pub applications: u64,
    /// Each difference in one short line (keys, not personal data).
    pub differences: Vec<String>,
    /// Journal frames that did not check out.
    pub damaged_frames: Vec<FrameDamage>,
}

impl VerifyReport {
    pub fn whole(&self) -> bool {
        self.differences.is_empty() && self.damaged_frames.is_empty()
    }
}

/// What `store repair` did.
#[derive(Debug, Default, Clone)]
pub struct RepairReport {
    /// Where the damaged store was moved (never deleted).
    pub moved_to: Option<PathBuf>,
    pub journal_records: u64,
    pub applications: u64,
    pub users: u64,
    pub drafts: u64,
    pub voids: u64,
    pub acknowledged: u64,
    pub damaged_frames: Vec<FrameDamage>,
    pub verify: VerifyReport,
}

fn count_kinds(rec: &Record, r: &mut RepairReport) {
    r.journal_records += 1;
    match &rec.entry {
        Entry::Finish { .. } => r.applications += 1,
        Entry::Void { .. } => r.voids += 1,
        Entry::Acknowledged { items } => r.acknowledged += items.len() as u64,
        _ => {}
    }
}

/// A new, empty store in `dir` filled from the journal beside it.
fn rebuild(dir: &Path, cache_mib: u64, report: &mut RepairReport) -> Result<()> {
    let journal_dir = journal_dir_for(dir);
    {
        let lock = lock(dir)?;
        let db = super::open::open_sled(dir, cache_mib)?;
        let summary = journal::summary(&journal_dir)?;
        let journal = Journal::new(&journal_dir, summary.last_seq, summary.torn_tail);
        let store = super::open::build(dir, db, journal, lock)?;
        store.meta.insert("schema", &SCHEMA_VERSION.to_be_bytes())?;
        // Replaying the journal counts every office answer by day.
        store
            .meta
            .insert(super::review::DAYS_COUNTED, b"1".to_vec())?;
        let mut chunk: Vec<(String, Record)> = Vec::with_capacity(CHUNK);
        let mut failed: Option<StoreError> = None;
        let mut refs: BTreeMap<String, (String, Vec<index::Ref>)> = BTreeMap::new();
        let mut evicted: Vec<String> = Vec::new();
        let mut archived: BTreeMap<chrono::NaiveDate, super::DayTally> = BTreeMap::new();
        let mut archived_reviews: BTreeMap<chrono::NaiveDate, super::ReviewDay> = BTreeMap::new();
        let mut key_by_number: BTreeMap<String, String> = BTreeMap::new();
        let damage = journal::for_each(&journal_dir, |segment, rec| {
            if failed.is_some() {
                return;
            }
            count_kinds(rec, report);
            if let Entry::Finish { key, app } = &rec.entry {
                refs.insert(key.clone(), (app.number.clone(), Vec::new()));
                key_by_number.insert(app.number.clone(), key.clone());
            }
            if let Entry::Reviewed { changes, .. } = &rec.entry {
                for c in changes {
                    let Some(key) = key_by_number.get(&c.number) else {
                        continue;
                    };
                    if let Some((_, v)) = refs.get_mut(key) {
                        if !v.iter().any(|r| r.seq == rec.seq) {
                            v.push(index::Ref {
                                seq: rec.seq,
                                segment: segment.to_string(),
                            });
                        }
                    }
                }
            }
            if let Entry::Evicted {
                items,
                days,
                review_days,
                ..
            } = &rec.entry
            {
                evicted.extend(items.iter().map(|(k, _)| k.clone()));
                archived.extend(days.iter().map(|(d, t)| (*d, t.clone())));
                archived_reviews.extend(review_days.iter().map(|(d, c)| (*d, *c)));
            }
            for k in journal::keys_of(&rec.entry) {
                if let Some((_, v)) = refs.get_mut(k) {
                    v.push(index::Ref {
                        seq: rec.seq,
                        segment: segment.to_string(),
                    });
                }
            }
            chunk.push((segment.to_string(), rec.clone()));
            if chunk.len() >= CHUNK {
                if let Err(e) = store.apply_records(&chunk) {
                    failed = Some(e);
                }
                chunk.clear();
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        store.apply_records(&chunk)?;
        report.damaged_frames = damage;
        // The index of applications that left the working store, anew.
        let io_err = |e: std::io::Error| {
            StoreError::Journal(journal::JournalError::Io {
                path: index::dir(&journal_dir),
                source: e,
            })
        };
        index::clear(&journal_dir).map_err(io_err)?;
        let mut lines = Vec::new();
        for k in evicted {
            if let Some((number, rs)) = refs.remove(&k) {
                for r in rs {
                    lines.push((number.clone(), k.clone(), r));
                }
            }
        }
        index::append(&journal_dir, &lines).map_err(io_err)?;
        index::append_tally(&journal_dir, &archived).map_err(io_err)?;
        index::append_review_days(&journal_dir, &archived_reviews).map_err(io_err)?;
        report.users = store.users.len() as u64;
        report.drafts = store.drafts.len() as u64;
        store.flush()?;
    }
    Ok(())
}

/// The days of `want` that the archive (read a month at a time with
/// `month`) does not hold as they are.
fn archive_differences<T: PartialEq>(
    want: &BTreeMap<chrono::NaiveDate, T>,
    month: impl Fn(&str) -> BTreeMap<chrono::NaiveDate, T>,
) -> Vec<chrono::NaiveDate> {
    let mut months: BTreeMap<String, BTreeMap<chrono::NaiveDate, T>> = BTreeMap::new();
    let mut out = Vec::new();
    for (day, t) in want {
        let m = day.format("%Y-%m").to_string();
        let have = months.entry(m.clone()).or_insert_with(|| month(&m));
        if have.get(day) != Some(t) {
            out.push(*day);
        }
    }
    out
}

fn aside_name(dir: &Path, what: &str) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let parent = dir.parent().unwrap_or(Path::new("."));
    let mut candidate = parent.join(format!("{base}.{what}-{stamp}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = parent.join(format!("{base}.{what}-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

impl Store {
    /// Compares the whole store with the whole journal.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let mem = MemKv::default();
        let mut failed: Option<String> = None;
        let mut archived: BTreeMap<chrono::NaiveDate, super::DayTally> = BTreeMap::new();
        let mut archived_reviews: BTreeMap<chrono::NaiveDate, super::ReviewDay> = BTreeMap::new();
        report.damaged_frames = journal::for_each(&self.journal_dir, |segment, rec| {
            report.journal_records += 1;
            if let Entry::Evicted {
                days, review_days, ..
            } = &rec.entry
            {
                archived.extend(days.iter().map(|(d, t)| (*d, t.clone())));
                archived_reviews.extend(review_days.iter().map(|(d, c)| (*d, *c)));
            }
            if let Err(e) = apply::apply(&mem, rec, segment) {
                if failed.is_none() {
                    failed = Some(format!("record {}: {e:?}", rec.seq));
                }
            }
        })?;
        if let Some(f) = failed {
            report
                .differences
                .push(format!("journal cannot be applied: {f}"));
        }
        let want = mem.0.into_inner();
        let mut diff = |what: String| {
            if report.differences.len() < 200 {
                report.differences.push(what);
            }
        };
        let have_seq = self.journal_seq()?;
        if have_seq != report.journal_records {
            diff(format!(
                "journal position: store {have_seq}, journal {}",
                report.journal_records
            ));
        }
        // Applications, users and day counters: exactly as the journal says.
        for (t, tree, name) in [
            (T::Apps, &self.apps, "application"),
            (T::Users, &self.users, "user"),
            (T::Tally, &self.tally, "day counters"),
            (T::Voids, &self.voids, "void waiting for upload"),
        ] {
            let expected = &want[t as usize];
            let mut seen = 0usize;
            for row in tree.iter() {
                let (k, v) = row?;
                seen += 1;
                let key = String::from_utf8_lossy(&k).into_owned();
                match expected.get(k.as_ref()) {
                    None => diff(format!("{name} {key}: in the store, not in the journal")),
                    Some(_) if t == T::Voids => {}
                    Some(e) if e.as_slice() != v.as_ref() => {
                        diff(format!("{name} {key}: differs from the journal"))
                    }
                    Some(_) => {}
                }
            }
            if seen < expected.len() {
                for k in expected.keys() {
                    if !tree.contains_key(k)? {
                        diff(format!(
                            "{name} {}: in the journal, missing from the store",
                            String::from_utf8_lossy(k)
                        ));
                    }
                }
            }
            if t == T::Apps {
                report.applications = expected.len() as u64;
            }
        }
        // Day counters and answer counts that left the working store: the
        // archives as the journal's eviction records gave them.
        for day in archive_differences(&archived, |m| index::tally_month(&self.journal_dir, m)) {
            diff(format!(
                "archived day counters {day}: differ from the journal"
            ));
        }
        for day in archive_differences(&archived_reviews, |m| {
            index::review_month(&self.journal_dir, m)
        }) {
            diff(format!(
                "archived answer counts {day}: differ from the journal"
            ));
        }
        // The queue: the same records in the same state (attempts and
        // errors are the working store's own).
        let expected = &want[T::Outbox as usize];
        for (k, v) in expected {
            let e: super::OutboxEntry = dec(v)?;
            match self.outbox.get(k)? {
                None => diff(format!(
                    "upload queue {}: missing from the store",
                    String::from_utf8_lossy(k)
                )),
                Some(raw) => {
                    let have: super::OutboxEntry = dec(&raw)?;
                    if have.state != e.state {
                        diff(format!(
                            "upload queue {}: {} in the store, {} in the journal",
                            String::from_utf8_lossy(k),
                            have.state.as_str(),
                            e.state.as_str()
                        ));
                    }
                }
            }
        }
        if self.outbox.len() != expected.len() {
            diff(format!(
                "upload queue: {} in the store, {} in the journal",
                self.outbox.len(),
                expected.len()
            ));
        }
        // Parked drafts: each must still be there (autosaves may be newer).
        for k in want[T::Drafts as usize].keys() {
            if !self.drafts.contains_key(k)? {
                diff(format!(
                    "draft {}: parked in the journal, missing from the store",
                    String::from_utf8_lossy(k)
                ));
            }
        }
        let audit_want = want[T::Audit as usize].len();
        if self.audit.len() != audit_want {
            diff(format!(
                "audit log: {} lines in the store, {audit_want} in the journal",
                self.audit.len()
            ));
        }
        // Review states pulled from the hub, the cursor, the day counts,
        // notices, and the marks of evicted applications still open.
        let reviews_want: BTreeMap<&[u8], &[u8]> = want[T::Meta as usize]
            .iter()
            .filter(|(k, _)| {
                k.starts_with(b"review") || k.starts_with(b"notice") || k.starts_with(b"open/")
            })
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        let mut reviews_have = 0usize;
        for row in self
            .meta
            .scan_prefix(b"review")
            .chain(self.meta.scan_prefix(b"notice"))
            .chain(self.meta.scan_prefix(b"open/"))
        {
            let (k, v) = row?;
            reviews_have += 1;
            if reviews_want.get(k.as_ref()) != Some(&v.as_ref()) {
                diff(format!(
                    "{}: differs from the journal",
                    String::from_utf8_lossy(&k)
                ));
            }
        }
        if reviews_have != reviews_want.len() {
            diff(format!(
                "review states and notices: {reviews_have} in the store, {} in the journal",
                reviews_want.len()
            ));
        }
        if self.meta.get("branch")?.as_deref()
            != want[T::Meta as usize]
                .get(b"branch".as_slice())
                .map(Vec::as_slice)
        {
            diff("branch: differs from the journal".into());
        }
        Ok(report)
    }

    /// Moves the store in `dir` aside (never deleting it), builds a new
    /// one from the journal and verifies it.
    pub fn repair(dir: &Path, cache_mib: u64) -> Result<RepairReport> {
        let mut report = RepairReport::default();
        if dir.exists() {
            // Refuse while an app holds it; release before moving.
            drop(lock(dir)?);
            let aside = aside_name(dir, "damaged");
            std::fs::rename(dir, &aside).map_err(|e| StoreError::Damaged {
                path: dir.to_path_buf(),
                why: super::Damage::Io {
                    error: e.to_string(),
                },
            })?;
            report.moved_to = Some(aside);
        }
        rebuild(dir, cache_mib, &mut report)?;
        let store = Store::open(dir, cache_mib)?;
        report.verify = store.verify()?;
        Ok(report)
    }
}

/// A store of schema 1 (no journal): its records are written into a new
/// journal once, the old store is moved aside, and a new one is built
/// from the journal, so the two agree from the first day.
pub(super) fn migrate_v1(dir: &Path, cache_mib: u64) -> Result<Store> {
    let journal_dir = journal_dir_for(dir);
    let n;
    {
        let _lock = lock(dir)?;
        let db = super::open::open_sled(dir, cache_mib)?;
        let entries = v1_entries(&db)?;
        n = entries.len();
        let mut journal = Journal::new(&journal_dir, 0, 0);
        let numbered = journal::with_app_counts(0, entries);
        journal.append(chrono::Local::now().fixed_offset(), numbered)?;
        db.flush()?;
    }
    let aside = aside_name(dir, "schema1");
    std::fs::rename(dir, &aside).map_err(|e| StoreError::Damaged {
        path: dir.to_path_buf(),
        why: super::Damage::Io {
            error: e.to_string(),
        },
    })?;
    let mut report = RepairReport::default();
    rebuild(dir, cache_mib, &mut report)?;
    let note = format!(
        "store: migrated to schema {SCHEMA_VERSION}: {n} records written to the journal {}; the old store is kept at {}",
        journal_dir.display(),
        aside.display()
    );
    crate::log::info(&note);
    eprintln!(
        "{}",
        crate::i18n::fmt(
            crate::i18n::Lang::default(),
            "store.migrated",
            &[("records", &n), ("old", &aside.display()),],
        )
    );
    Store::open(dir, cache_mib)
}

/// The records of a schema-1 store, in an order that rebuilds it.
fn v1_entries(db: &sled::Db) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let meta = db.open_tree("meta")?;
    if let Some(b) = meta.get("branch")? {
        out.push(Entry::Branch { branch: dec(&b)? });
    }
    for v in db.open_tree("users")?.iter().values() {
        out.push(Entry::User { user: dec(&v?)? });
    }
    let outbox = db.open_tree("outbox")?;
    let voids = db.open_tree("voids")?;
    let mut later = Vec::new();
    for row in db.open_tree("applications")?.iter() {
        let (k, v) = row?;
        let key = String::from_utf8_lossy(&k).into_owned();
        let mut app: super::Application = dec(&v)?;
        let void = app.void.take();
        let receipt = app.hub_receipt.take();
        out.push(Entry::Finish {
            key: key.clone(),
            app,
        });
        if let Some(void) = void {
            later.push(Entry::Void {
                key: key.clone(),
                void,
                evicted: None,
            });
            if !voids.contains_key(&k)? {
                later.push(Entry::VoidsAcknowledged {
                    keys: vec![key.clone()],
                });
            }
        }
        match outbox.get(&k)? {
            Some(raw) => {
                let e: super::OutboxEntry = dec(&raw)?;
                if e.state == UploadState::Quarantined {
                    later.push(Entry::Quarantined {
                        key: key.clone(),
                        reason: e.last_error.unwrap_or_default(),
                    });
                }
            }
            None => later.push(Entry::Acknowledged {
                items: vec![(key.clone(), receipt.unwrap_or_default())],
            }),
        }
    }
    out.extend(later);
    for v in db.open_tree("drafts")?.iter().values() {
        out.push(Entry::Park { draft: dec(&v?)? });
    }
    for v in db.open_tree("audit")?.iter().values() {
        let audit: AuditEntry = dec(&v?)?;
        // Each finish brings its own audit line.
        if audit.what != "finish" {
            out.push(Entry::Audit { audit });
        }
    }
    Ok(out)
}

/// The users as the journal last recorded them (for a supervisor's PIN
/// when the working store cannot be opened).
pub fn journal_users(journal_dir: &Path) -> Result<Vec<super::User>> {
    let mut users: BTreeMap<String, super::User> = BTreeMap::new();
    journal::for_each(journal_dir, |_, rec| {
        if let Entry::User { user } = &rec.entry {
            users.insert(user.id.clone(), user.clone());
        }
    })?;
    Ok(users.into_values().collect())
}

/// Rewrites the working store in `dir` with only its live data: sled never
/// gives freed space back to the file system, and opening costs grow with
/// the file, so after many applications left (eviction) the store is
/// copied tree by tree into a new one, made durable, and swapped in. The
/// journal is not touched. Returns (bytes before, bytes after).
pub fn compact(dir: &Path, cache_mib: u64) -> Result<(u64, u64)> {
    let io = |e: std::io::Error| StoreError::Damaged {
        path: dir.to_path_buf(),
        why: super::Damage::Io {
            error: e.to_string(),
        },
    };
    // Whole and ours: the usual checks, then close it.
    let before = {
        let store = Store::open(dir, cache_mib)?;
        store.flush()?;
        store.size_on_disk()?
    };
    let lock_held = lock(dir)?;
    let tmp = dir.with_file_name(format!(
        "{}.compacting",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io)?;
    }
    let after = {
        let old = super::open::open_sled(dir, cache_mib)?;
        let new = super::open::open_sled(&tmp, cache_mib)?;
        for name in old.tree_names() {
            let from = old.open_tree(&name)?;
            let to = new.open_tree(&name)?;
            let mut batch = sled::Batch::default();
            let mut n = 0;
            for row in from.iter() {
                let (k, v) = row?;
                batch.insert(k, v);
                n += 1;
                if n % 5_000 == 0 {
                    to.apply_batch(std::mem::take(&mut batch))?;
                }
            }
            to.apply_batch(batch)?;
        }
        new.flush()?;
        std::fs::File::open(tmp.join("db"))
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        new.size_on_disk()?
    };
    drop(lock_held);
    let old_aside = dir.with_file_name(format!(
        "{}.before-compact",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    if old_aside.exists() {
        std::fs::remove_dir_all(&old_aside).map_err(io)?;
    }
    std::fs::rename(dir, &old_aside).map_err(io)?;
    std::fs::rename(&tmp, dir).map_err(io)?;
    if let Some(parent) = dir.parent() {
        journal::sync_dir(parent).map_err(io)?;
    }
    // The new store must open whole before the old one goes.
    drop(Store::open(dir, cache_mib)?);
    std::fs::remove_dir_all(&old_aside).map_err(io)?;
    Ok((before, after))
}
