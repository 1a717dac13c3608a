//! The working store (DESIGN.md §4, §8): sled, one owner process.
//!
//! The journal (`crate::journal`) is the record; sled is the working copy
//! that answers queries fast and can be rebuilt from the journal at any
//! time. Every change a person is told is saved goes through
//! [`Store::record`]: appended to the journal and fdatasync'd first, then
//! applied to sled in one transaction that also stores the journal
//! position. Opening checks the two agree (see `open.rs`).

mod apply;
mod evict;
mod notice;
mod open;
mod outbox;
mod purge;
mod records;
mod repair;
mod review;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{TransactionError, Transactional};

use crate::journal::{Entry, Journal, Record};

pub use notice::{Notice, NoticeState};
pub use open::{journal_dir_for, Seal};
pub use outbox::Decision;
pub use records::*;
pub use repair::{compact, journal_users};
pub use repair::{RepairReport, VerifyReport};
pub use review::{BranchReview, Found, OpenEvicted, ReviewCounts, ReviewDay, MAX_FOUND};

/// The store layout this build reads and writes (2: with a journal).
pub const SCHEMA_VERSION: u32 = 2;

/// Why a store is judged damaged (each has a sentence in the locales).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// sled's configuration file is missing or empty beside a database.
    ConfMissing,
    /// The database file is missing while the journal holds records.
    DbMissing { records: u64 },
    /// The store's files changed after it was last closed cleanly.
    ChangedWhileClosed { file: String },
    /// sled could not read it.
    Unreadable { error: String },
    /// sled opened it as a new, empty store beside a journal with records.
    OpenedEmpty { records: u64 },
    /// The store has applied more than the journal holds.
    AheadOfJournal { store: u64, journal: u64 },
    /// The store is further behind the journal than a crash can explain.
    BehindJournal { store: u64, journal: u64 },
    /// The journal records needed to catch up cannot be read.
    JournalGap { from: u64, to: u64 },
    /// The counts disagree.
    CountMismatch { store: u64, journal: u64 },
    /// An old store and a journal side by side.
    SchemaWithoutJournal,
    /// Something could not be read or created.
    Io { error: String },
}

impl Damage {
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::fmt;
        match self {
            Damage::ConfMissing => fmt(lang, "store.why.conf_missing", &[]),
            Damage::DbMissing { records } => {
                fmt(lang, "store.why.db_missing", &[("records", records)])
            }
            Damage::ChangedWhileClosed { file } => {
                fmt(lang, "store.why.changed", &[("file", file)])
            }
            Damage::Unreadable { error } => fmt(
                lang,
                "store.why.unreadable",
                &[("error", &crate::mask::escape_controls(error))],
            ),
            Damage::OpenedEmpty { records } => {
                fmt(lang, "store.why.opened_empty", &[("records", records)])
            }
            Damage::AheadOfJournal { store, journal } => fmt(
                lang,
                "store.why.ahead",
                &[("store", store), ("journal", journal)],
            ),
            Damage::BehindJournal { store, journal } => fmt(
                lang,
                "store.why.behind",
                &[("store", store), ("journal", journal)],
            ),
            Damage::JournalGap { from, to } => {
                fmt(lang, "store.why.gap", &[("from", from), ("to", to)])
            }
            Damage::CountMismatch { store, journal } => fmt(
                lang,
                "store.why.counts",
                &[("store", store), ("journal", journal)],
            ),
            Damage::SchemaWithoutJournal => fmt(lang, "store.why.no_journal", &[]),
            Damage::Io { error } => fmt(
                lang,
                "store.why.io",
                &[("error", &crate::mask::escape_controls(error))],
            ),
        }
    }
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("another jingyou holds the store at {0}")]
    AlreadyRunning(PathBuf),
    #[error("the store at {path} is damaged: {why:?}")]
    Damaged { path: PathBuf, why: Damage },
    #[error("the store at {path} has schema {found}; this build knows {supported}")]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("store I/O: {0}")]
    Sled(#[from] sled::Error),
    #[error("a record in the store is unreadable: {0}")]
    Codec(#[from] serde_json::Error),
    #[error("journal: {0}")]
    Journal(#[from] crate::journal::JournalError),
    #[error("{0}")]
    Conflict(String),
    #[error("no application {0}")]
    NotFound(String),
    #[error("application {0} is already voided")]
    AlreadyVoided(String),
    #[error("disk nearly full: {free_mib} MiB free, {reserve_mib} MiB kept in reserve")]
    DiskFull {
        path: PathBuf,
        free_mib: u64,
        reserve_mib: u64,
    },
}

impl StoreError {
    /// A refusal of what was asked (it names something that is not there,
    /// is already done, or is another program's), as opposed to a store
    /// that failed. Each has its own sentence; none says "读写失败".
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::NotFound(_)
                | StoreError::AlreadyVoided(_)
                | StoreError::AlreadyRunning(_)
                | StoreError::NewerSchema { .. }
        )
    }

    /// One sentence for the person at the screen.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::fmt;
        match self {
            StoreError::AlreadyRunning(p) => {
                fmt(lang, "store.already_running", &[("path", &p.display())])
            }
            StoreError::Damaged { path, why } => fmt(
                lang,
                "store.damaged",
                &[("path", &path.display()), ("error", &why.message(lang))],
            ),
            StoreError::NewerSchema {
                path,
                found,
                supported,
            } => fmt(
                lang,
                "store.newer_schema",
                &[
                    ("path", &path.display()),
                    ("found", found),
                    ("supported", supported),
                ],
            ),
            StoreError::Sled(e) => fmt(lang, "store.io", &[("error", e)]),
            StoreError::Codec(e) => fmt(lang, "store.codec", &[("error", e)]),
            StoreError::Journal(e) => fmt(lang, "store.journal", &[("error", e)]),
            StoreError::Conflict(e) => fmt(lang, "store.io", &[("error", e)]),
            StoreError::NotFound(n) => fmt(lang, "store.not_found", &[("number", n)]),
            StoreError::AlreadyVoided(n) => fmt(lang, "store.already_voided", &[("number", n)]),
            StoreError::DiskFull {
                path,
                free_mib,
                reserve_mib,
            } => fmt(
                lang,
                "store.disk_full",
                &[
                    ("path", &path.display()),
                    ("free", free_mib),
                    ("reserve", reserve_mib),
                ],
            ),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A finished application about to be stored (the store assigns its number).
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub id: String,
    pub service: String,
    pub date: NaiveDate,
    pub finished_at: DateTime<FixedOffset>,
    pub clerk: String,
    pub values: BTreeMap<String, String>,
    pub materials: Vec<String>,
    pub fees: Vec<ChargedFee>,
    /// `None`: nothing to pay (a free service), so no method was asked.
    pub payment: Option<Payment>,
    pub delivery: Delivery,
    pub draft_number: Option<String>,
    pub generated: bool,
    pub attachments: Vec<AttachedFile>,
}

/// The sled database and its trees, and the journal beside it.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    journal_dir: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    users: sled::Tree,
    drafts: sled::Tree,
    apps: sled::Tree,
    outbox: sled::Tree,
    tally: sled::Tree,
    audit: sled::Tree,
    voids: sled::Tree,
    refs: sled::Tree,
    journal: Arc<Mutex<Journal>>,
    /// Free bytes a finish or a park leaves on the disk at least.
    reserve_bytes: u64,
    /// Last: dropped after every tree, so the seal sees sled's final files.
    _seal: Arc<Seal>,
}

fn enc<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(v)?)
}

fn dec<T: DeserializeOwned>(b: &[u8]) -> Result<T> {
    Ok(serde_json::from_slice(b)?)
}

/// The fields of an [`Application`] that counting needs, read from its
/// stored record without the rest.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AppHead {
    pub id: String,
    pub number: String,
    pub service: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub hub_receipt: Option<String>,
    /// Whether it was voided (the void itself is not decoded).
    #[serde(default)]
    void: Option<serde::de::IgnoredAny>,
}

impl AppHead {
    /// Whether the application was voided.
    pub fn voided(&self) -> bool {
        self.void.is_some()
    }
}

/// The key of an application (and its outbox entry): sorts by day, then sequence.
pub fn app_key(date: NaiveDate, seq: u32) -> String {
    format!("{date}/{seq:06}")
}

pub(crate) fn seq_key(kind: &str, date: NaiveDate) -> String {
    format!("seq/{kind}/{date}")
}

fn bump(bytes: Option<&[u8]>) -> u32 {
    bytes
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0)
        + 1
}

/// The seq part of an application key (`2026-11-28/000042` → 42).
pub fn app_key_seq(key: &str) -> Option<u32> {
    key.rsplit_once('/').and_then(|(_, s)| s.parse().ok())
}

fn tx_error(e: TransactionError<String>) -> StoreError {
    match e {
        TransactionError::Abort(msg) => StoreError::Conflict(msg),
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal beside this store (`<data>/journal`).
    pub fn journal_dir(&self) -> &Path {
        &self.journal_dir
    }

    /// Keeps at least `mib` MiB free: a finish or park on a fuller disk is
    /// refused before anything is written.
    pub fn with_reserve_mib(mut self, mib: u64) -> Store {
        self.reserve_bytes = mib.saturating_mul(1024 * 1024);
        self
    }

    /// Refuses when the disk holding the journal has less free space than
    /// the reserve.
    pub fn check_space(&self) -> Result<()> {
        if self.reserve_bytes == 0 {
            return Ok(());
        }
        let free = free_bytes(&self.journal_dir).unwrap_or(u64::MAX);
        if free < self.reserve_bytes {
            return Err(StoreError::DiskFull {
                path: self.journal_dir.clone(),
                free_mib: free / (1024 * 1024),
                reserve_mib: self.reserve_bytes / (1024 * 1024),
            });
        }
        Ok(())
    }

    /// Makes the working store durable too (drafts autosaved between
    /// parks): sled's flush, then a real fdatasync of its file. Journaled
    /// changes do not need this; the journal is durable first.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        let db = self.path.join("db");
        std::fs::File::open(&db)
            .and_then(|f| f.sync_data())
            .map_err(|e| {
                StoreError::Sled(sled::Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", db.display()),
                )))
            })?;
        Ok(())
    }

    /// Bytes on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    /// The journal position the store has applied.
    pub fn journal_seq(&self) -> Result<u64> {
        Ok(self
            .meta
            .get(apply::JOURNAL_SEQ)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    fn trees(&self) -> [&sled::Tree; 9] {
        [
            &self.meta,
            &self.users,
            &self.drafts,
            &self.apps,
            &self.outbox,
            &self.tally,
            &self.audit,
            &self.voids,
            &self.refs,
        ]
    }

    /// Applies records (each with the segment it is in) in one transaction.
    fn apply_records(&self, recs: &[(String, Record)]) -> Result<()> {
        let [m, u, d, a, o, t, au, v, rf] = self.trees();
        (m, u, d, a, o, t, au, v, rf)
            .transaction(|(m, u, d, a, o, t, au, v, rf)| {
                let kv = apply::TxKv([m, u, d, a, o, t, au, v, rf]);
                for (segment, r) in recs {
                    apply::apply(&kv, r, segment)?;
                }
                Ok(())
            })
            .map_err(tx_error)
    }

    /// The one way a change a person is told about is saved: `build`
    /// (called with the journal locked, so numbers it hands out are
    /// final) says what to record; the records are appended to the journal
    /// and fdatasync'd, then applied to sled in one transaction, then sled
    /// is flushed. On return the change is durable.
    fn record<R>(
        &self,
        at: DateTime<FixedOffset>,
        build: impl FnOnce(&Store) -> Result<(Vec<Entry>, R)>,
    ) -> Result<R> {
        let mut journal = self
            .journal
            .lock()
            .map_err(|_| StoreError::Conflict("journal lock poisoned".into()))?;
        let (entries, out) = build(self)?;
        if entries.is_empty() {
            return Ok(out);
        }
        let entries = self.restore_archived_days(entries)?;
        let numbered = crate::journal::with_app_counts(self.app_count()?, entries);
        let (records, segment) = journal.append(at, numbered)?;
        let with_segment: Vec<(String, Record)> = records
            .iter()
            .map(|r| (segment.clone(), r.clone()))
            .collect();
        self.apply_records(&with_segment)?;
        self.db.flush()?;
        for r in &records {
            if !matches!(r.entry, Entry::Finish { .. } | Entry::Evicted { .. }) {
                self.index_evicted(r, &segment)?;
            }
        }
        Ok(out)
    }

    /// Finished applications on record (a counter kept with the journal).
    pub fn app_count(&self) -> Result<u64> {
        Ok(self
            .meta
            .get(apply::APP_COUNT)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.meta.get(key)?.map(|b| dec(&b)).transpose()
    }

    /// Every `meta` value under `prefix`, in key order.
    fn meta_under<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>> {
        self.meta
            .scan_prefix(prefix.as_bytes())
            .map(|r| dec(&r?.1))
            .collect()
    }

    // ---- branch and users -------------------------------------------------

    pub fn branch(&self) -> Result<Option<Branch>> {
        self.meta_get("branch")
    }

    pub fn set_branch(&self, b: &Branch) -> Result<()> {
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |_| Ok((vec![Entry::Branch { branch: b.clone() }], ())))
    }

    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.users.get(id)?.map(|b| dec(&b)).transpose()
    }

    /// Saves a user record, journaled (PIN changes and lock-outs must stick).
    pub fn put_user(&self, u: &User) -> Result<()> {
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |_| Ok((vec![Entry::User { user: u.clone() }], ())))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        self.users.iter().values().map(|v| dec(&v?)).collect()
    }

    // ---- drafts -----------------------------------------------------------

    /// A new draft number for `day`, e.g. `Z261128-003`.
    pub fn next_draft_number(&self, day: NaiveDate) -> Result<String> {
        let n = self.meta.update_and_fetch(seq_key("draft", day), |old| {
            Some(bump(old).to_be_bytes().to_vec())
        })?;
        let seq = bump(n.as_deref()) - 1;
        Ok(format!("Z{}-{seq:03}", day.format("%y%m%d")))
    }

    /// Autosaves a draft in the working store (made durable by
    /// [`Store::flush`] within a second; not journaled: a park is).
    pub fn save_draft(&self, d: &Draft) -> Result<()> {
        self.drafts.insert(d.number.as_bytes(), enc(d)?)?;
        Ok(())
    }

    /// Parks a draft: journaled and durable before the slip is printed.
    /// Refused on a nearly full disk.
    pub fn park_draft(&self, d: &Draft) -> Result<()> {
        self.check_space()?;
        self.record(d.updated, |_| {
            Ok((vec![Entry::Park { draft: d.clone() }], ()))
        })
    }

    pub fn draft(&self, number: &str) -> Result<Option<Draft>> {
        self.drafts
            .get(number.trim().to_ascii_uppercase())?
            .map(|b| dec(&b))
            .transpose()
    }

    /// Every draft, newest change first. Drafts are few (parked work), so
    /// reading them all is cheap, unlike applications.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let mut all: Vec<Draft> = self
            .drafts
            .iter()
            .values()
            .map(|v| dec(&v?))
            .collect::<Result<_>>()?;
        all.sort_by_key(|d| std::cmp::Reverse(d.updated));
        Ok(all)
    }

    /// Drafts whose number, or whose customer's ID number, matches `query`.
    pub fn find_drafts(&self, query: &str) -> Result<Vec<Draft>> {
        let q = crate::ident::normalize(query);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .drafts()?
            .into_iter()
            .filter(|d| {
                d.number == q
                    || d.values
                        .get("id_number")
                        .map(|v| crate::ident::normalize(v) == q)
                        .unwrap_or(false)
            })
            .collect())
    }

    /// Discards a draft (journaled, with its audit line).
    pub fn discard_draft(&self, number: &str, who: &str, at: DateTime<FixedOffset>) -> Result<()> {
        self.record(at, |_| {
            Ok((
                vec![
                    Entry::Audit {
                        audit: AuditEntry {
                            at,
                            who: who.to_string(),
                            what: "discard_draft".into(),
                            detail: number.to_string(),
                        },
                    },
                    Entry::Discard {
                        number: number.to_string(),
                    },
                ],
                (),
            ))
        })
    }

    // ---- applications -----------------------------------------------------

    /// Stores a finished application: one journal record (fdatasync'd),
    /// then one transaction over the application, its outbox entry, the
    /// day's counters, the sequence, the audit line and the draft it came
    /// from. Only then may a receipt be shown. Refused on a nearly full disk.
    pub fn finish(&self, branch: &Branch, new: NewApplication) -> Result<Application> {
        self.check_space()?;
        let at = new.finished_at;
        self.record(at, |s| {
            let date = new.date;
            let seq = s.app_seq(date)? + 1;
            let key = app_key(date, seq);
            let fee_total: u64 = new.fees.iter().map(|f| f.fen).sum();
            let app = Application {
                id: new.id.clone(),
                number: format!("{}-{}-{seq:04}", branch.code, date.format("%y%m%d")),
                service: new.service.clone(),
                date,
                finished_at: new.finished_at,
                clerk: new.clerk.clone(),
                branch: branch.code.clone(),
                values: new.values.clone(),
                materials: new.materials.clone(),
                fees: new.fees.clone(),
                fee_total_fen: fee_total,
                payment: new.payment,
                delivery: new.delivery.clone(),
                draft_number: new.draft_number.clone(),
                void: None,
                generated: new.generated,
                purged: false,
                hub_receipt: None,
                attachments: new.attachments.clone(),
            };
            Ok((
                vec![Entry::Finish {
                    key,
                    app: app.clone(),
                }],
                app,
            ))
        })
    }

    fn key_of(&self, number: &str) -> Result<Option<String>> {
        Ok(self
            .meta
            .get(format!("by_number/{}", number.trim().to_ascii_uppercase()))?
            .map(|k| String::from_utf8_lossy(&k).into_owned()))
    }

    /// The application with this readable number.
    /// Applications that left the working store are read from the journal.
    pub fn application(&self, number: &str) -> Result<Option<Application>> {
        if let Some(key) = self.key_of(number)? {
            if let Some(b) = self.apps.get(key)? {
                return Ok(Some(dec(&b)?));
            }
        }
        Ok(self.evicted_app(number)?.map(|(_, a)| a))
    }

    /// The applications finished on `day` (a range read of that day only).
    pub fn applications_on(&self, day: NaiveDate) -> Result<Vec<Application>> {
        self.apps
            .scan_prefix(format!("{day}/"))
            .values()
            .map(|v| dec(&v?))
            .collect()
    }

    /// Voids an application: it stays, marked with the reason; the day's
    /// counters move it from total to voided; the void waits for upload.
    /// Journaled with its audit line before returning.
    pub fn void(
        &self,
        number: &str,
        reason: &str,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Application> {
        self.record(at, |s| {
            let (key, mut app, evicted) = match s.key_of(number)? {
                Some(key) => match s.application_at(&key)? {
                    Some(app) => (key, app, None),
                    None => return Err(StoreError::NotFound(number.to_string())),
                },
                None => match s.evicted_app(number)? {
                    Some((key, app)) => (key, app.clone(), Some(Box::new(app))),
                    None => return Err(StoreError::NotFound(number.to_string())),
                },
            };
            if app.void.is_some() {
                return Err(StoreError::AlreadyVoided(app.number));
            }
            let void = Void {
                reason: reason.to_string(),
                by: by.to_string(),
                at,
            };
            app.void = Some(void.clone());
            Ok((
                vec![
                    Entry::Void { key, void, evicted },
                    Entry::Audit {
                        audit: AuditEntry {
                            at,
                            who: by.to_string(),
                            what: "void".into(),
                            detail: app.number.clone(),
                        },
                    },
                ],
                app,
            ))
        })
    }

    /// Voids waiting for upload.
    pub fn void_queue(&self) -> Result<Vec<(String, VoidEntry)>> {
        self.voids
            .iter()
            .map(|r| {
                let (k, v) = r?;
                Ok((String::from_utf8_lossy(&k).into_owned(), dec(&v)?))
            })
            .collect()
    }

    /// The hub took these voids (one journal record for the batch).
    pub fn voids_acknowledged(&self, keys: &[String]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |_| {
            Ok((
                vec![Entry::VoidsAcknowledged {
                    keys: keys.to_vec(),
                }],
                (),
            ))
        })
    }

    /// A void upload failed (working store only: nobody was told "saved").
    pub fn void_failed(
        &self,
        key: &str,
        error: &str,
        next_try: Option<DateTime<FixedOffset>>,
    ) -> Result<()> {
        if let Some(raw) = self.voids.get(key.as_bytes())? {
            let mut e: VoidEntry = dec(&raw)?;
            e.attempts = e.attempts.saturating_add(1);
            e.last_error = Some(error.to_string());
            e.next_try = next_try;
            self.voids.insert(key.as_bytes(), enc(&e)?)?;
        }
        Ok(())
    }

    /// The counters of one day: one read of the working store, or, for a
    /// day whose counters left it, of its month's archive.
    pub fn day_tally(&self, day: NaiveDate) -> Result<DayTally> {
        match self.tally.get(day.to_string())? {
            Some(b) => dec(&b),
            None => Ok(self.archived_day(day).unwrap_or_default()),
        }
    }

    /// A day's counters in the index's archive (`None`: not archived).
    fn archived_day(&self, day: NaiveDate) -> Option<DayTally> {
        crate::journal::index::tally_month(&self.journal_dir, &day.format("%Y-%m").to_string())
            .remove(&day)
    }

    /// Before records that change the counters of a day that left the
    /// working store (a void of an evicted application; a finish dated
    /// that far back; answers dated that far back): a record that brings
    /// the day's counters back.
    fn restore_archived_days(&self, entries: Vec<Entry>) -> Result<Vec<Entry>> {
        let mut out = Vec::with_capacity(entries.len());
        // Days looked at once each (most are today's, not archived: a page
        // of answers must not read the archive once per answer).
        let mut checked: std::collections::BTreeSet<NaiveDate> = Default::default();
        let mut checked_reviews: std::collections::BTreeSet<NaiveDate> = Default::default();
        for e in entries {
            let key = match &e {
                Entry::Finish { key, .. } | Entry::Void { key, .. } => Some(key.as_str()),
                _ => None,
            };
            let day = key
                .and_then(|k| k.get(..10))
                .and_then(|d| d.parse::<NaiveDate>().ok());
            if let Some(day) = day {
                if checked.insert(day) && !self.tally.contains_key(day.to_string())? {
                    if let Some(tally) = self.archived_day(day) {
                        out.push(Entry::DayRestored { day, tally });
                    }
                }
            }
            // Answers dated on a day whose counts were archived.
            if let Entry::Reviewed { changes, .. } = &e {
                for c in changes {
                    if c.state == crate::wire::ReviewState::Received {
                        continue;
                    }
                    let Ok(t) = chrono::DateTime::parse_from_rfc3339(&c.at) else {
                        continue;
                    };
                    let day = t.date_naive();
                    if !checked_reviews.insert(day) || self.counts_review_day(day)? {
                        continue;
                    }
                    if let Some(counts) = self.archived_review_day(day) {
                        out.push(Entry::ReviewDayRestored { day, counts });
                    }
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Calls `f` with every application still in the working store (the
    /// last `keep_days` days, and what is not acknowledged yet).
    pub fn for_each_working_application(
        &self,
        mut f: impl FnMut(&str, &Application),
    ) -> Result<()> {
        for r in self.apps.iter() {
            let (k, v) = r?;
            let app: Application = dec(&v)?;
            f(&String::from_utf8_lossy(&k), &app);
        }
        Ok(())
    }

    /// Calls `f` with the few fields counting needs of every application
    /// still in the working store (the rest of each record is skipped, not
    /// decoded: past-the-limit counts read them on every `tally`).
    pub fn for_each_working_head(&self, mut f: impl FnMut(AppHead)) -> Result<()> {
        for r in self.apps.iter() {
            let (_, v) = r?;
            f(dec(&v)?);
        }
        Ok(())
    }

    /// Calls `f` with every application (a full read, for `tally --rebuild`
    /// and exports; never at start-up or for a day's tally).
    /// Applications that left the working store come from the journal.
    pub fn for_each_application(&self, mut f: impl FnMut(&str, &Application)) -> Result<()> {
        self.for_each_evicted(&mut f)?;
        self.for_each_working_application(f)
    }

    /// The applications of the days `from..=to` (range reads of those days).
    /// Evicted ones included (read from the journal), in key order.
    pub fn applications_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Application>> {
        let start = format!("{from}/");
        let end = format!("{to}/~");
        let mut all: Vec<(String, Application)> = self.evicted_between(from, to)?;
        for row in self.apps.range(start.as_bytes()..end.as_bytes()) {
            let (k, v) = row?;
            all.push((String::from_utf8_lossy(&k).into_owned(), dec(&v)?));
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(all.into_iter().map(|(_, a)| a).collect())
    }

    /// Days that have counters, in the working store or archived, in order.
    pub fn tally_days(&self) -> Result<Vec<NaiveDate>> {
        let mut out = std::collections::BTreeSet::new();
        for month in crate::journal::index::tally_months(&self.journal_dir) {
            out.extend(crate::journal::index::tally_month(&self.journal_dir, &month).into_keys());
        }
        for k in self.tally.iter().keys() {
            if let Ok(d) = String::from_utf8_lossy(&k?).parse() {
                out.insert(d);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Replaces one day's counters (for `tally --rebuild`; derived data,
    /// so the journal is not involved).
    pub fn put_day_tally(&self, day: NaiveDate, t: &DayTally) -> Result<()> {
        self.tally.insert(day.to_string().as_bytes(), enc(t)?)?;
        Ok(())
    }

    /// Whether any application not made by `seed` was ever finished here.
    pub fn has_real_applications(&self) -> Result<bool> {
        Ok(self.meta.get("has_real")?.is_some())
    }

    /// Applications waiting for upload (a counter, no scan).
    pub fn pending_count(&self) -> Result<u64> {
        Ok(u64::from(bump(self.meta.get("pending")?.as_deref()) - 1))
    }

    /// Finished applications on record (from the counters, no scan).
    pub fn count_applications(&self) -> Result<u64> {
        self.app_count()
    }

    // ---- audit ------------------------------------------------------------

    /// Appends to the audit log (journaled: durable on return).
    pub fn audit(
        &self,
        at: DateTime<FixedOffset>,
        who: &str,
        what: &str,
        detail: &str,
    ) -> Result<()> {
        let e = AuditEntry {
            at,
            who: who.to_string(),
            what: what.to_string(),
            detail: detail.to_string(),
        };
        self.record(at, |_| Ok((vec![Entry::Audit { audit: e }], ())))
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit_tail(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.audit
            .iter()
            .rev()
            .take(limit)
            .map(|r| dec(&r?.1))
            .collect()
    }

    /// For `seed`: applications already numbered, journaled with one
    /// fdatasync and applied in one transaction. Not for real work.
    pub fn seed_batch(&self, apps: &[(String, Application)]) -> Result<()> {
        let Some(at) = apps.last().map(|(_, a)| a.finished_at) else {
            return Ok(());
        };
        self.record(at, |_| {
            Ok((
                apps.iter()
                    .map(|(key, app)| Entry::Finish {
                        key: key.clone(),
                        app: app.clone(),
                    })
                    .collect(),
                (),
            ))
        })
    }

    /// The last sequence number used for applications on `day`: the
    /// working store's counter, else (a day whose applications all left
    /// it, the counter with them) the highest the index holds for the day,
    /// so that a number is never given twice, even with the clock set back.
    pub fn app_seq(&self, day: NaiveDate) -> Result<u32> {
        if let Some(b) = self.meta.get(seq_key("app", day))? {
            return Ok(bump(Some(&b)) - 1);
        }
        let prefix = format!("{day}/");
        Ok(
            crate::journal::index::month(&self.journal_dir, &day.format("%Y-%m").to_string())
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .filter_map(|k| app_key_seq(k))
                .max()
                .unwrap_or(0),
        )
    }
}

/// Free bytes for an unprivileged writer on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a valid out-pointer.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// Adds one finished application to its day's counters.
pub fn add_to_tally(day: &mut DayTally, app: &Application) {
    if app.void.is_some() {
        day.voided += 1;
        return;
    }
    day.total += 1;
    day.fees_total_fen += app.fee_total_fen;
    *day.by_service.entry(app.service.clone()).or_default() += 1;
    *day.by_clerk.entry(app.clerk.clone()).or_default() += 1;
    // Money maps hold no zero entries, so a recount compares equal.
    if app.fee_total_fen > 0 {
        *day.fees_by_clerk.entry(app.clerk.clone()).or_default() += app.fee_total_fen;
        if let Some(p) = app.payment {
            *day.by_payment.entry(p.as_str().to_string()).or_default() += app.fee_total_fen;
        }
    }
    day.pending += 1;
}

/// Takes a finished application back out of its day's counters (a void).
pub fn remove_from_tally(day: &mut DayTally, app: &Application) {
    fn dec_key(m: &mut BTreeMap<String, u64>, k: &str, by: u64) {
        if let Some(v) = m.get_mut(k) {
            *v = v.saturating_sub(by);
            if *v == 0 {
                m.remove(k);
            }
        }
    }
    day.total = day.total.saturating_sub(1);
    day.fees_total_fen = day.fees_total_fen.saturating_sub(app.fee_total_fen);
    dec_key(&mut day.by_service, &app.service, 1);
    dec_key(&mut day.by_clerk, &app.clerk, 1);
    dec_key(&mut day.fees_by_clerk, &app.clerk, app.fee_total_fen);
    if let Some(p) = app.payment {
        dec_key(&mut day.by_payment, p.as_str(), app.fee_total_fen);
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn refusals_have_their_own_words_in_each_language() {
        let refusals = [
            StoreError::NotFound("3301A-261128-0009".into()),
            StoreError::AlreadyVoided("3301A-261128-0001".into()),
            StoreError::AlreadyRunning(PathBuf::from("/data/store")),
            StoreError::NewerSchema {
                path: PathBuf::from("/data/store"),
                found: 9,
                supported: 3,
            },
        ];
        for e in &refusals {
            assert!(e.is_refusal(), "{e:?}");
            let zh = e.message(Lang::Zh);
            let en = e.message(Lang::En);
            assert!(
                !zh.contains("读写失败") && !zh.contains(&e.to_string()),
                "{zh}"
            );
            assert!(!en.contains("read/write failed"), "{en}");
            assert!(!zh.is_ascii() && en.is_ascii(), "{zh} / {en}");
        }
        assert!(!StoreError::Conflict("journal lock poisoned".into()).is_refusal());
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn an_application_head_reads_its_fields_and_whether_it_was_voided() {
        let mut rec = serde_json::json!({
            "id": "a1", "number": "3301A-261128-0001", "service": "D1",
            "date": "2026-11-28", "values": {"owner_name": "张三"},
            "hub_receipt": "R1", "void": null, "fees": [{"x": 1}],
        });
        let head: AppHead = dec(&serde_json::to_vec(&rec).expect("json")).expect("head");
        assert_eq!(
            (
                head.id.as_str(),
                head.number.as_str(),
                head.service.as_str()
            ),
            ("a1", "3301A-261128-0001", "D1")
        );
        assert_eq!(head.hub_receipt.as_deref(), Some("R1"));
        assert!(!head.voided());
        rec["void"] = serde_json::json!({"reason": "录错", "by": "001"});
        let head: AppHead = dec(&serde_json::to_vec(&rec).expect("json")).expect("head");
        assert!(head.voided());
        rec.as_object_mut().expect("object").remove("void");
        rec.as_object_mut().expect("object").remove("hub_receipt");
        let head: AppHead = dec(&serde_json::to_vec(&rec).expect("json")).expect("head");
        assert!(!head.voided() && head.hub_receipt.is_none());
    }
}
