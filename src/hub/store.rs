//! The hub's own sled store: applications, voids, per-branch per-day tallies,
//! receipt counters and tus uploads.
//!
//! Trees:
//! - `apps`: application id → [`StoredApp`] (JSON).
//! - `by_branch`: `branch \0 date \0 id` → empty (listing by branch and day).
//! - `tally`: `date \0 branch` → [`BranchDay`] (JSON), kept in the same
//!   transaction as the insert and adjusted by voids.
//! - `meta`: `seq/<branch>` → u64 big endian (receipt counter).
//! - `uploads`: upload id → [`Upload`] (JSON); the bytes live in
//!   `<data>/uploads/<id>.part`.
//! - `reviews`: application id → [`Review`] (JSON), once the office has
//!   reviewed it (before that it is `received`, from `apps`).
//! - `review_ids`: review id → application id (a review sent again is
//!   recognised).
//! - `changes`: `branch \0 seq` (u64 big endian) → [`Change`] (JSON), the
//!   branch's feed for `GET /v1/changes`; `meta` `change_seq` numbers them.
//!
//! Every write is made durable before the caller answers, by group commit:
//! the writers that finished their transaction while a flush was running
//! share the next one (one `Db::flush()` plus an fsync of sled's file, since
//! sled's own flush does not fsync), so a busy hub flushes once per group
//! rather than once per request.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::review::{NewReview, Review, ReviewEvent, ReviewOutcome, ReviewState};
use crate::wire::Change;

/// Errors of the hub store. None of them carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("hub store: {0}")]
    Sled(#[from] sled::Error),
    #[error("hub store: file I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("hub store: a record could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("hub database: {0}")]
    Postgres(String),
    /// A transaction to run again (deadlock, serialization failure).
    #[error("hub database: {0}")]
    Retry(String),
}

/// One application as the hub keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredApp {
    pub id: String,
    pub branch: String,
    pub number: String,
    pub service: String,
    pub date: String,
    pub receipt: String,
    /// sha256 (hex) of the canonical JSON minus the volatile keys.
    pub fingerprint: String,
    pub received_at: String,
    #[serde(default)]
    pub void: Option<StoredVoid>,
    /// The application exactly as received.
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVoid {
    pub reason: String,
    pub at: String,
    pub received_at: String,
}

/// What one branch did on one day, as acknowledged (voided not counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchDay {
    pub total: u64,
    pub by_service: BTreeMap<String, u64>,
}

/// An application that passed validation, ready to insert.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub id: String,
    pub branch: String,
    pub number: String,
    pub service: String,
    pub date: String,
    pub fingerprint: String,
    pub body: Value,
}

/// A void that passed validation.
#[derive(Debug, Clone)]
pub struct NewVoid {
    pub id: String,
    pub reason: String,
    pub at: String,
}

/// Outcome of one insert or void.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted(String),
    Duplicate(String),
    /// Same id, different content; the first record is kept.
    Conflict,
    /// Void of an application the hub does not hold (yet).
    Unknown,
    /// Void of another branch's application.
    OtherBranch,
}

/// A tus upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub branch: String,
    pub application: String,
    pub filename: String,
    pub length: u64,
    pub offset: u64,
    /// sha256 the client declared in Upload-Metadata, if any.
    #[serde(default)]
    pub declared_sha256: Option<String>,
    /// sha256 of the complete file, computed by the hub on completion.
    #[serde(default)]
    pub sha256: Option<String>,
    pub created: String,
}

impl Upload {
    pub fn complete(&self) -> bool {
        self.offset == self.length && self.sha256.is_some()
    }
}

/// Outcome of a PATCH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchOutcome {
    Written(u64),
    NotFound,
    OffsetMismatch(u64),
    TooLong,
}

/// Group commit: writers take a ticket after their transaction; one of them
/// flushes for every ticket issued so far while the others wait.
struct GroupCommit {
    /// Tickets issued (writes done in memory).
    written: AtomicU64,
    state: Mutex<CommitState>,
    done: Condvar,
    /// Flushes made (for tests and the benchmark).
    flushes: AtomicU64,
}

#[derive(Default)]
struct CommitState {
    /// Every ticket up to this one is durable.
    durable: u64,
    flushing: bool,
}

pub struct HubStore {
    db: sled::Db,
    /// sled's data file, for the fsync after a flush.
    db_file: File,
    commit: GroupCommit,
    apps: sled::Tree,
    by_branch: sled::Tree,
    tally: sled::Tree,
    meta: sled::Tree,
    uploads: sled::Tree,
    reviews: sled::Tree,
    review_ids: sled::Tree,
    changes: sled::Tree,
    upload_dir: PathBuf,
    upload_lock: Mutex<()>,
}

fn abort<E: std::fmt::Display>(e: E) -> ConflictableTransactionError<String> {
    ConflictableTransactionError::Abort(e.to_string())
}

fn tx_err(e: TransactionError<String>) -> StoreError {
    match e {
        TransactionError::Abort(msg) => {
            StoreError::Io(std::io::Error::other(format!("transaction aborted: {msg}")))
        }
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

fn now_rfc3339() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn tally_key(date: &str, branch: &str) -> Vec<u8> {
    format!("{date}\0{branch}").into_bytes()
}

fn index_key(branch: &str, date: &str, id: &str) -> Vec<u8> {
    format!("{branch}\0{date}\0{id}").into_bytes()
}

fn adjust_tally(
    tally: &TransactionalTree,
    date: &str,
    branch: &str,
    service: &str,
    up: bool,
) -> Result<(), ConflictableTransactionError<String>> {
    let key = tally_key(date, branch);
    let mut day: BranchDay = match tally.get(&key)? {
        Some(v) => serde_json::from_slice(&v).map_err(abort)?,
        None => BranchDay::default(),
    };
    let n = day.by_service.entry(service.to_string()).or_insert(0);
    if up {
        *n += 1;
        day.total += 1;
    } else {
        *n = n.saturating_sub(1);
        if *n == 0 {
            day.by_service.remove(service);
        }
        day.total = day.total.saturating_sub(1);
    }
    tally.insert(key, serde_json::to_vec(&day).map_err(abort)?)?;
    Ok(())
}

impl HubStore {
    /// Opens (or creates) the store in `dir` with a cache of `cache_bytes`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<HubStore, StoreError> {
        fs::create_dir_all(dir)?;
        let upload_dir = dir.join("uploads");
        fs::create_dir_all(&upload_dir)?;
        let db = sled::Config::new()
            .path(dir.join("hub.sled"))
            .cache_capacity(cache_bytes)
            .flush_every_ms(Some(500))
            .open()?;
        let db_file = File::open(dir.join("hub.sled").join("db"))?;
        Ok(HubStore {
            db_file,
            commit: GroupCommit {
                written: AtomicU64::new(0),
                state: Mutex::new(CommitState::default()),
                done: Condvar::new(),
                flushes: AtomicU64::new(0),
            },
            apps: db.open_tree("apps")?,
            by_branch: db.open_tree("by_branch")?,
            tally: db.open_tree("tally")?,
            meta: db.open_tree("meta")?,
            uploads: db.open_tree("uploads")?,
            reviews: db.open_tree("reviews")?,
            review_ids: db.open_tree("review_ids")?,
            changes: db.open_tree("changes")?,
            db,
            upload_dir,
            upload_lock: Mutex::new(()),
        })
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.durable()
    }

    /// Flushes made so far (each may have covered many writes).
    pub fn flush_count(&self) -> u64 {
        self.commit.flushes.load(Ordering::Relaxed)
    }

    /// Returns once every write this thread made is on disk (group commit).
    fn durable(&self) -> Result<(), StoreError> {
        let c = &self.commit;
        let mine = c.written.fetch_add(1, Ordering::SeqCst) + 1;
        let mut st = c.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if st.durable >= mine {
                return Ok(());
            }
            if st.flushing {
                st = c.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.flushing = true;
            let target = c.written.load(Ordering::SeqCst);
            drop(st);
            let flushed = self
                .db
                .flush()
                .map_err(StoreError::from)
                .and_then(|_| self.db_file.sync_data().map_err(StoreError::from));
            c.flushes.fetch_add(1, Ordering::Relaxed);
            st = c.state.lock().unwrap_or_else(|p| p.into_inner());
            st.flushing = false;
            if flushed.is_ok() {
                st.durable = st.durable.max(target);
            }
            c.done.notify_all();
            flushed?;
        }
    }

    pub fn get_app(&self, id: &str) -> Result<Option<StoredApp>, StoreError> {
        match self.apps.get(id.as_bytes())? {
            Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
            None => Ok(None),
        }
    }

    pub fn app_count(&self) -> usize {
        self.apps.len()
    }

    /// Inserts a batch in ONE transaction (sled serialises transactions), so
    /// two copies of the same id arriving at once give one record and one
    /// receipt; then flushes. `None` entries are skipped (rejected earlier).
    pub fn insert_apps(
        &self,
        batch: &[Option<NewApp>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        let received_at = now_rfc3339();
        let out = (&self.apps, &self.by_branch, &self.tally, &self.meta)
            .transaction(|(apps, by_branch, tally, meta)| {
                let mut out = Vec::with_capacity(batch.len());
                for item in batch {
                    let Some(app) = item else {
                        out.push(None);
                        continue;
                    };
                    if let Some(old) = apps.get(app.id.as_bytes())? {
                        let old: StoredApp = serde_json::from_slice(&old).map_err(abort)?;
                        out.push(Some(if old.fingerprint == app.fingerprint {
                            Outcome::Duplicate(old.receipt)
                        } else {
                            Outcome::Conflict
                        }));
                        continue;
                    }
                    let seq_key = format!("seq/{}", app.branch);
                    let seq = match meta.get(seq_key.as_bytes())? {
                        Some(v) => {
                            let mut b = [0u8; 8];
                            if v.len() == 8 {
                                b.copy_from_slice(&v);
                            }
                            u64::from_be_bytes(b)
                        }
                        None => 0,
                    } + 1;
                    meta.insert(seq_key.as_bytes(), &seq.to_be_bytes())?;
                    let receipt = format!("HUB-{}-{:06}", app.branch, seq);
                    let rec = StoredApp {
                        id: app.id.clone(),
                        branch: app.branch.clone(),
                        number: app.number.clone(),
                        service: app.service.clone(),
                        date: app.date.clone(),
                        receipt: receipt.clone(),
                        fingerprint: app.fingerprint.clone(),
                        received_at: received_at.clone(),
                        void: None,
                        body: app.body.clone(),
                    };
                    apps.insert(app.id.as_bytes(), serde_json::to_vec(&rec).map_err(abort)?)?;
                    by_branch.insert(index_key(&app.branch, &app.date, &app.id), &[][..])?;
                    adjust_tally(tally, &app.date, &app.branch, &app.service, true)?;
                    out.push(Some(Outcome::Accepted(receipt)));
                }
                Ok(out)
            })
            .map_err(tx_err)?;
        self.durable()?;
        Ok(out)
    }

    /// Applies a batch of voids of `branch` in one transaction, then flushes.
    pub fn void_apps(
        &self,
        branch: &str,
        batch: &[Option<NewVoid>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        let received_at = now_rfc3339();
        let out = (&self.apps, &self.tally)
            .transaction(|(apps, tally)| {
                let mut out = Vec::with_capacity(batch.len());
                for item in batch {
                    let Some(v) = item else {
                        out.push(None);
                        continue;
                    };
                    let Some(raw) = apps.get(v.id.as_bytes())? else {
                        out.push(Some(Outcome::Unknown));
                        continue;
                    };
                    let mut rec: StoredApp = serde_json::from_slice(&raw).map_err(abort)?;
                    if rec.branch != branch {
                        out.push(Some(Outcome::OtherBranch));
                        continue;
                    }
                    if let Some(old) = &rec.void {
                        out.push(Some(if old.reason == v.reason && old.at == v.at {
                            Outcome::Duplicate(rec.receipt.clone())
                        } else {
                            Outcome::Conflict
                        }));
                        continue;
                    }
                    rec.void = Some(StoredVoid {
                        reason: v.reason.clone(),
                        at: v.at.clone(),
                        received_at: received_at.clone(),
                    });
                    apps.insert(v.id.as_bytes(), serde_json::to_vec(&rec).map_err(abort)?)?;
                    adjust_tally(tally, &rec.date, &rec.branch, &rec.service, false)?;
                    out.push(Some(Outcome::Accepted(rec.receipt.clone())));
                }
                Ok(out)
            })
            .map_err(tx_err)?;
        self.durable()?;
        Ok(out)
    }

    /// Per-branch tallies over `from..=to` (dates `YYYY-MM-DD`).
    pub fn tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, BranchDay>, StoreError> {
        let mut out: BTreeMap<String, BranchDay> = BTreeMap::new();
        let start = format!("{from}\0").into_bytes();
        let end = format!("{to}\u{1}").into_bytes();
        for kv in self.tally.range(start..end) {
            let (k, v) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let Some((_, b)) = key.split_once('\0') else {
                continue;
            };
            if branch.is_some_and(|want| want != b) {
                continue;
            }
            let day: BranchDay = serde_json::from_slice(&v)?;
            let acc = out.entry(b.to_string()).or_default();
            acc.total += day.total;
            for (svc, n) in day.by_service {
                if n > 0 {
                    *acc.by_service.entry(svc).or_insert(0) += n;
                }
            }
        }
        Ok(out)
    }

    /// Applications of `branch` dated `from..=to`, by date then id.
    pub fn list_apps(
        &self,
        branch: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<StoredApp>, StoreError> {
        let start = format!("{branch}\0{from}\0").into_bytes();
        let end = format!("{branch}\0{to}\u{1}").into_bytes();
        let mut out = Vec::new();
        for kv in self.by_branch.range(start..end) {
            let (k, _) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let Some(id) = key.rsplit('\0').next() else {
                continue;
            };
            if let Some(app) = self.get_app(id)? {
                out.push(app);
            }
        }
        Ok(out)
    }

    /// Sets a review state in one transaction: the application's record,
    /// the review id, the branch's change feed and its counter; then flushes.
    pub fn review(&self, r: &NewReview) -> Result<ReviewOutcome, StoreError> {
        let at = now_rfc3339();
        let trees = (
            &self.apps,
            &self.reviews,
            &self.review_ids,
            &self.changes,
            &self.meta,
        );
        let (outcome, wrote) = trees
            .transaction(|(apps, reviews, review_ids, changes, meta)| {
                let load =
                    |app: &StoredApp| -> Result<Review, ConflictableTransactionError<String>> {
                        Ok(match reviews.get(app.id.as_bytes())? {
                            Some(v) => serde_json::from_slice(&v).map_err(abort)?,
                            None => arrival(app),
                        })
                    };
                if let Some(held) = review_ids.get(r.review_id.as_bytes())? {
                    let app_id = String::from_utf8_lossy(&held).into_owned();
                    let Some(raw) = apps.get(app_id.as_bytes())? else {
                        return Ok((ReviewOutcome::IdConflict, false));
                    };
                    let app: StoredApp = serde_json::from_slice(&raw).map_err(abort)?;
                    let rec = load(&app)?;
                    let same = rec
                        .history
                        .iter()
                        .find(|e| e.review_id == r.review_id)
                        .is_some_and(|e| r.same_as(e, &app_id));
                    return Ok((
                        if same {
                            ReviewOutcome::Duplicate(rec)
                        } else {
                            ReviewOutcome::IdConflict
                        },
                        false,
                    ));
                }
                let Some(raw) = apps.get(r.app_id.as_bytes())? else {
                    return Ok((ReviewOutcome::UnknownApplication, false));
                };
                let app: StoredApp = serde_json::from_slice(&raw).map_err(abort)?;
                if app.void.is_some() {
                    return Ok((ReviewOutcome::Voided, false));
                }
                let mut rec = load(&app)?;
                if let Some(why) = super::review::refusal(rec.state, r.state) {
                    return Ok((ReviewOutcome::NotAllowed(why), false));
                }
                let seq = match meta.get(b"change_seq")? {
                    Some(v) if v.len() == 8 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&v);
                        u64::from_be_bytes(b)
                    }
                    _ => 0,
                } + 1;
                meta.insert(&b"change_seq"[..], &seq.to_be_bytes())?;
                let event = ReviewEvent {
                    seq,
                    review_id: r.review_id.clone(),
                    state: r.state,
                    at: at.clone(),
                    note: r.note.clone(),
                    result: r.result.clone(),
                    materials: r.materials.clone(),
                    office: r.office.clone(),
                };
                let change = change_of(&rec, &event);
                rec.state = r.state;
                rec.history.push(event);
                reviews.insert(app.id.as_bytes(), serde_json::to_vec(&rec).map_err(abort)?)?;
                review_ids.insert(r.review_id.as_bytes(), app.id.as_bytes())?;
                changes.insert(
                    change_key(&app.branch, seq),
                    serde_json::to_vec(&change).map_err(abort)?,
                )?;
                Ok((ReviewOutcome::Done(rec), true))
            })
            .map_err(tx_err)?;
        if wrote {
            self.durable()?;
        }
        Ok(outcome)
    }

    /// The review record of application `id` (`received` when never reviewed).
    pub fn get_review(&self, id: &str) -> Result<Option<Review>, StoreError> {
        let Some(app) = self.get_app(id)? else {
            return Ok(None);
        };
        self.review_of(&app).map(Some)
    }

    fn review_of(&self, app: &StoredApp) -> Result<Review, StoreError> {
        Ok(match self.reviews.get(app.id.as_bytes())? {
            Some(v) => serde_json::from_slice(&v)?,
            None => arrival(app),
        })
    }

    /// Applications not voided whose state is one of `states` (of `branch`
    /// when given), by date then id.
    pub fn list_reviews(
        &self,
        states: &[ReviewState],
        branch: Option<&str>,
    ) -> Result<Vec<Review>, StoreError> {
        let mut out = Vec::new();
        for kv in self.apps.iter() {
            let (_, v) = kv?;
            let app: StoredApp = serde_json::from_slice(&v)?;
            if app.void.is_some() || branch.is_some_and(|b| b != app.branch) {
                continue;
            }
            let rec = self.review_of(&app)?;
            if states.contains(&rec.state) {
                out.push(rec);
            }
        }
        out.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
        Ok(out)
    }

    /// Review changes made on the days `from..=to` (the office's local
    /// date of each), per branch.
    pub fn review_tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, crate::wire::ReviewTally>, StoreError> {
        let mut out: BTreeMap<String, crate::wire::ReviewTally> = BTreeMap::new();
        let iter = match branch {
            Some(b) => self.changes.scan_prefix(format!("{b}\0").into_bytes()),
            None => self.changes.iter(),
        };
        for kv in iter {
            let (k, v) = kv?;
            let Some(b) = k.split(|c| *c == 0).next() else {
                continue;
            };
            let c: Change = serde_json::from_slice(&v)?;
            let day = c.at.get(..10).unwrap_or("");
            if day < from || day > to {
                continue;
            }
            let b = String::from_utf8_lossy(b).into_owned();
            let t = out
                .entry(b.clone())
                .or_insert_with(|| crate::wire::ReviewTally {
                    branch: b,
                    ..Default::default()
                });
            t.add(c.state, 1);
        }
        Ok(out)
    }

    /// The changes of `branch` after cursor `since`, at most `limit`, in
    /// order; and whether more follow.
    pub fn changes(
        &self,
        branch: &str,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<Change>, bool), StoreError> {
        let start = change_key(branch, since.saturating_add(1));
        let mut end = format!("{branch}\0").into_bytes();
        end.extend_from_slice(&u64::MAX.to_be_bytes());
        let mut out = Vec::new();
        for kv in self.changes.range(start..=end) {
            let (_, v) = kv?;
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push(serde_json::from_slice(&v)?);
        }
        Ok((out, false))
    }

    fn upload_path(&self, id: &str) -> PathBuf {
        self.upload_dir.join(format!("{id}.part"))
    }

    pub fn get_upload(&self, id: &str) -> Result<Option<Upload>, StoreError> {
        match self.uploads.get(id.as_bytes())? {
            Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
            None => Ok(None),
        }
    }

    fn put_upload(&self, up: &Upload) -> Result<(), StoreError> {
        self.uploads
            .insert(up.id.as_bytes(), serde_json::to_vec(up)?)?;
        self.durable()?;
        Ok(())
    }

    /// Creates an empty upload (file created and synced, record flushed).
    pub fn create_upload(
        &self,
        branch: &str,
        application: &str,
        filename: &str,
        length: u64,
        declared_sha256: Option<String>,
    ) -> Result<Upload, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let file = File::create(self.upload_path(&id))?;
        file.sync_all()?;
        let mut up = Upload {
            id,
            branch: branch.to_string(),
            application: application.to_string(),
            filename: filename.to_string(),
            length,
            offset: 0,
            declared_sha256,
            sha256: None,
            created: now_rfc3339(),
        };
        if length == 0 {
            up.sha256 = Some(hex(&Sha256::digest(b"")));
        }
        self.put_upload(&up)?;
        Ok(up)
    }

    /// Writes one verified chunk at `offset`: data written and fsynced, then
    /// the new offset flushed to sled, before the caller answers 204.
    pub fn patch_upload(
        &self,
        id: &str,
        offset: u64,
        data: &[u8],
    ) -> Result<PatchOutcome, StoreError> {
        let _guard = self.upload_lock.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut up) = self.get_upload(id)? else {
            return Ok(PatchOutcome::NotFound);
        };
        if offset != up.offset {
            return Ok(PatchOutcome::OffsetMismatch(up.offset));
        }
        if offset + data.len() as u64 > up.length {
            return Ok(PatchOutcome::TooLong);
        }
        let path = self.upload_path(id);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        // Bytes past the recorded offset are leftovers of a write whose
        // offset never reached sled: drop them.
        file.set_len(offset)?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(data)?;
        file.sync_data()?;
        up.offset = offset + data.len() as u64;
        if up.offset == up.length {
            let mut f = File::open(&path)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            up.sha256 = Some(hex(&hasher.finalize()));
        }
        self.put_upload(&up)?;
        Ok(PatchOutcome::Written(up.offset))
    }
}

fn change_key(branch: &str, seq: u64) -> Vec<u8> {
    let mut k = format!("{branch}\0").into_bytes();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The record of an application the office has not reviewed yet.
fn arrival(app: &StoredApp) -> Review {
    Review {
        id: app.id.clone(),
        branch: app.branch.clone(),
        number: app.number.clone(),
        service: app.service.clone(),
        date: app.date.clone(),
        state: ReviewState::Received,
        history: vec![ReviewEvent {
            seq: 0,
            review_id: String::new(),
            state: ReviewState::Received,
            at: app.received_at.clone(),
            note: None,
            result: None,
            materials: Vec::new(),
            office: String::new(),
        }],
    }
}

/// The feed entry of `event` on application `rec`.
pub(crate) fn change_of(rec: &Review, event: &ReviewEvent) -> Change {
    Change {
        cursor: event.seq.to_string(),
        id: rec.id.clone(),
        number: rec.number.clone(),
        state: event.state,
        at: event.at.clone(),
        note: event.note.clone(),
        result: event.result.clone(),
        materials: event.materials.clone(),
        review_id: event.review_id.clone(),
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// JSON with object keys sorted at every level (independent of serde_json's
/// `preserve_order`), for fingerprints.
pub fn canonical_json(v: &Value) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    if let Some(x) = m.get(*k) {
                        walk(x, out);
                    }
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    walk(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    walk(v, &mut s);
    s
}

#[cfg(test)]
mod group_commit_tests {
    use super::*;

    fn new_app(id: &str) -> NewApp {
        NewApp {
            id: id.to_string(),
            branch: "3301A".into(),
            number: format!("N-{id}"),
            service: "A01".into(),
            date: "2026-01-05".into(),
            fingerprint: "f".into(),
            body: serde_json::json!({"id": id}),
        }
    }

    #[test]
    fn concurrent_writers_share_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(HubStore::open(dir.path(), 1 << 20).unwrap());
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let out = store
                            .insert_apps(&[Some(new_app(&format!("g-{t}-{i}")))])
                            .unwrap();
                        assert!(matches!(out[0], Some(Outcome::Accepted(_))));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.app_count(), 160);
        let flushes = store.flush_count();
        assert!(
            flushes > 0 && flushes < 160,
            "{flushes} flushes for 160 writes"
        );
    }
}
