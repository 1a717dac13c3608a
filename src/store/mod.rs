//! The only module that touches sled (DESIGN.md §4).
//!
//! One owner process per store (sled holds an exclusive file lock, which the
//! kernel drops when a process dies, so a killed app never reads as "already
//! running"). Small page cache. Every change a person is told about is
//! flushed first. Finishing an application is one transaction over the
//! application, its outbox entry, the day's counters and the sequence.

mod outbox;
mod purge;
mod records;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

pub use records::*;

/// The store layout this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("another jingyou holds the store at {0}")]
    AlreadyRunning(PathBuf),
    #[error("the store at {path} cannot be opened: {detail}")]
    Damaged { path: PathBuf, detail: String },
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
    #[error("{0}")]
    Conflict(String),
    #[error("no application {0}")]
    NotFound(String),
}

impl StoreError {
    /// One sentence for the person at the screen.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::fmt;
        match self {
            StoreError::AlreadyRunning(p) => {
                fmt(lang, "store.already_running", &[("path", &p.display())])
            }
            StoreError::Damaged { path, detail } => fmt(
                lang,
                "store.damaged",
                &[("path", &path.display()), ("error", detail)],
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
            StoreError::Conflict(e) => fmt(lang, "store.io", &[("error", e)]),
            StoreError::NotFound(n) => fmt(lang, "store.not_found", &[("number", n)]),
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
    pub payment: Payment,
    pub delivery: Delivery,
    pub draft_number: Option<String>,
    pub generated: bool,
    pub attachments: Vec<AttachedFile>,
}

/// The sled database and its trees.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    users: sled::Tree,
    drafts: sled::Tree,
    apps: sled::Tree,
    outbox: sled::Tree,
    tally: sled::Tree,
    audit: sled::Tree,
    voids: sled::Tree,
}

fn enc<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(v)?)
}

fn dec<T: DeserializeOwned>(b: &[u8]) -> Result<T> {
    Ok(serde_json::from_slice(b)?)
}

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.raw_os_error() == Some(11)
                || io.to_string().contains("lock")
        }
        _ => false,
    }
}

/// The key of an application (and its outbox entry): sorts by day, then sequence.
pub fn app_key(date: NaiveDate, seq: u32) -> String {
    format!("{date}/{seq:06}")
}

fn seq_key(kind: &str, date: NaiveDate) -> String {
    format!("seq/{kind}/{date}")
}

fn bump(bytes: Option<&[u8]>) -> u32 {
    bytes
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0)
        + 1
}

impl Store {
    /// Opens (or creates) the store in `dir`. Never rewrites a store it
    /// cannot read: the error says what is wrong and nothing is changed.
    pub fn open(dir: &Path, cache_mib: u64) -> Result<Store> {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return Err(StoreError::Damaged {
                path: dir.to_path_buf(),
                detail: e.to_string(),
            });
        }
        // sled treats a missing or tiny `conf` as a new database and would
        // overwrite the data beside it: refuse instead.
        let db_len = std::fs::metadata(dir.join("db"))
            .map(|m| m.len())
            .unwrap_or(0);
        let conf_len = std::fs::metadata(dir.join("conf"))
            .map(|m| m.len())
            .unwrap_or(0);
        if db_len > 0 && conf_len <= 8 {
            return Err(StoreError::Damaged {
                path: dir.to_path_buf(),
                detail: "the store's configuration file (conf) is missing or empty".into(),
            });
        }
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_mib.clamp(1, 256) * 1024 * 1024)
            .flush_every_ms(Some(500))
            .open()
            .map_err(|e| {
                if is_lock_error(&e) {
                    StoreError::AlreadyRunning(dir.to_path_buf())
                } else {
                    StoreError::Damaged {
                        path: dir.to_path_buf(),
                        detail: e.to_string(),
                    }
                }
            })?;
        let tree = |name: &str| db.open_tree(name);
        let store = Store {
            path: dir.to_path_buf(),
            meta: tree("meta")?,
            users: tree("users")?,
            drafts: tree("drafts")?,
            apps: tree("applications")?,
            outbox: tree("outbox")?,
            tally: tree("tally")?,
            audit: tree("audit")?,
            voids: tree("voids")?,
            db,
        };
        match store.meta.get("schema")? {
            None => {
                store.meta.insert("schema", &SCHEMA_VERSION.to_be_bytes())?;
                store.db.flush()?;
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Damaged {
                        path: dir.to_path_buf(),
                        detail: "schema version unreadable".into(),
                    })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: dir.to_path_buf(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Bytes on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.meta.get(key)?.map(|b| dec(&b)).transpose()
    }

    fn meta_put<T: Serialize>(&self, key: &str, v: &T) -> Result<()> {
        self.meta.insert(key, enc(v)?)?;
        Ok(())
    }

    // ---- branch and users -------------------------------------------------

    pub fn branch(&self) -> Result<Option<Branch>> {
        self.meta_get("branch")
    }

    pub fn set_branch(&self, b: &Branch) -> Result<()> {
        self.meta_put("branch", b)?;
        self.flush()
    }

    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.users.get(id)?.map(|b| dec(&b)).transpose()
    }

    /// Saves a user record and flushes (PIN changes and lock-outs must stick).
    pub fn put_user(&self, u: &User) -> Result<()> {
        self.users.insert(u.id.as_bytes(), enc(u)?)?;
        self.flush()
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

    /// Writes a draft (not yet flushed: see [`Store::flush`]).
    pub fn save_draft(&self, d: &Draft) -> Result<()> {
        self.drafts.insert(d.number.as_bytes(), enc(d)?)?;
        Ok(())
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

    /// Deletes a draft and flushes.
    pub fn discard_draft(&self, number: &str) -> Result<()> {
        self.drafts.remove(number.as_bytes())?;
        self.flush()
    }

    // ---- applications -----------------------------------------------------

    /// Stores a finished application, its outbox entry and the day's
    /// counters in one transaction, removes the draft it came from, and
    /// flushes before returning: only then may a receipt be shown.
    pub fn finish(&self, branch: &Branch, new: NewApplication) -> Result<Application> {
        let date = new.date;
        let fee_total: u64 = new.fees.iter().map(|f| f.fen).sum();
        let tally_key = date.to_string();
        let draft_key = new.draft_number.clone();
        let result = (
            &self.meta,
            &self.apps,
            &self.outbox,
            &self.tally,
            &self.drafts,
        )
            .transaction(|(meta, apps, outbox, tally, drafts)| {
                let seq = bump(meta.get(seq_key("app", date))?.as_deref());
                meta.insert(seq_key("app", date).as_bytes(), &seq.to_be_bytes())?;
                let key = app_key(date, seq);
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
                let entry = OutboxEntry {
                    id: app.id.clone(),
                    number: app.number.clone(),
                    service: app.service.clone(),
                    date,
                    state: UploadState::Pending,
                    attempts: 0,
                    last_error: None,
                    next_try: None,
                    uploads: BTreeMap::new(),
                };
                let mut day: DayTally = match tally.get(tally_key.as_bytes())? {
                    Some(b) => serde_json::from_slice(&b)
                        .map_err(|e| ConflictableTransactionError::Abort(e.to_string()))?,
                    None => DayTally::default(),
                };
                add_to_tally(&mut day, &app);
                let to_bytes = |v: &dyn erased::Ser| {
                    v.bytes()
                        .map_err(|e| ConflictableTransactionError::Abort(e.to_string()))
                };
                apps.insert(key.as_bytes(), to_bytes(&app)?)?;
                outbox.insert(key.as_bytes(), to_bytes(&entry)?)?;
                tally.insert(tally_key.as_bytes(), to_bytes(&day)?)?;
                if !new.generated {
                    meta.insert("has_real", &[1u8])?;
                }
                let pending = bump(meta.get("pending")?.as_deref());
                meta.insert("pending", &pending.to_be_bytes())?;
                meta.insert(
                    format!("by_number/{}", app.number).as_bytes(),
                    key.as_bytes(),
                )?;
                if let Some(d) = &draft_key {
                    drafts.remove(d.as_bytes())?;
                }
                Ok(app)
            });
        let app = result.map_err(|e| match e {
            TransactionError::Abort(msg) => StoreError::Conflict(msg),
            TransactionError::Storage(e) => StoreError::Sled(e),
        })?;
        self.flush()?;
        Ok(app)
    }

    /// The application with this readable number.
    pub fn application(&self, number: &str) -> Result<Option<Application>> {
        let Some(key) = self
            .meta
            .get(format!("by_number/{}", number.trim().to_ascii_uppercase()))?
        else {
            return Ok(None);
        };
        self.apps.get(key)?.map(|b| dec(&b)).transpose()
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
    /// One transaction, flushed before returning.
    pub fn void(
        &self,
        number: &str,
        reason: &str,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Application> {
        let Some(key) = self
            .meta
            .get(format!("by_number/{}", number.trim().to_ascii_uppercase()))?
        else {
            return Err(StoreError::NotFound(number.to_string()));
        };
        let key = String::from_utf8_lossy(&key).into_owned();
        let r = (&self.apps, &self.tally, &self.voids).transaction(|(apps, tally, voids)| {
            let abort = |e: String| ConflictableTransactionError::Abort(e);
            let Some(raw) = apps.get(key.as_bytes())? else {
                return Err(abort(format!("no application {number}")));
            };
            let mut app: Application =
                serde_json::from_slice(&raw).map_err(|e| abort(e.to_string()))?;
            if app.void.is_some() {
                return Err(abort(format!("{number} is already voided")));
            }
            let day_key = app.date.to_string();
            let mut day: DayTally = match tally.get(day_key.as_bytes())? {
                Some(b) => serde_json::from_slice(&b).map_err(|e| abort(e.to_string()))?,
                None => DayTally::default(),
            };
            remove_from_tally(&mut day, &app);
            day.voided += 1;
            app.void = Some(Void {
                reason: reason.to_string(),
                by: by.to_string(),
                at,
            });
            let entry = VoidEntry {
                id: app.id.clone(),
                number: app.number.clone(),
                reason: reason.to_string(),
                at,
                attempts: 0,
                last_error: None,
                next_try: None,
            };
            let to = |v: &dyn erased::Ser| v.bytes().map_err(|e| abort(e.to_string()));
            apps.insert(key.as_bytes(), to(&app)?)?;
            tally.insert(day_key.as_bytes(), to(&day)?)?;
            voids.insert(key.as_bytes(), to(&entry)?)?;
            Ok(app)
        });
        let app = r.map_err(|e| match e {
            TransactionError::Abort(msg) => StoreError::Conflict(msg),
            TransactionError::Storage(e) => StoreError::Sled(e),
        })?;
        self.flush()?;
        Ok(app)
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

    /// The hub took the void.
    pub fn void_acknowledged(&self, key: &str) -> Result<()> {
        self.voids.remove(key.as_bytes())?;
        self.flush()
    }

    /// A void upload failed.
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

    /// The counters of one day (instant: one read).
    pub fn day_tally(&self, day: NaiveDate) -> Result<DayTally> {
        Ok(self
            .tally
            .get(day.to_string())?
            .map(|b| dec(&b))
            .transpose()?
            .unwrap_or_default())
    }

    /// Calls `f` with every application (a full read, for `tally --rebuild`
    /// and exports; never at start-up or for a day's tally).
    pub fn for_each_application(&self, mut f: impl FnMut(&str, &Application)) -> Result<()> {
        for r in self.apps.iter() {
            let (k, v) = r?;
            let app: Application = dec(&v)?;
            f(&String::from_utf8_lossy(&k), &app);
        }
        Ok(())
    }

    /// The applications of the days `from..=to` (range reads of those days).
    pub fn applications_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Application>> {
        let start = format!("{from}/");
        let end = format!("{to}/~");
        self.apps
            .range(start.as_bytes()..end.as_bytes())
            .values()
            .map(|v| dec(&v?))
            .collect()
    }

    /// Days that have counters.
    pub fn tally_days(&self) -> Result<Vec<NaiveDate>> {
        let mut out = Vec::new();
        for k in self.tally.iter().keys() {
            if let Ok(d) = String::from_utf8_lossy(&k?).parse() {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Replaces one day's counters (for `tally --rebuild`).
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
        let mut n = 0;
        for v in self.tally.iter().values() {
            let t: DayTally = dec(&v?)?;
            n += t.total + t.voided;
        }
        Ok(n)
    }

    // ---- audit ------------------------------------------------------------

    /// Appends to the audit log (flushed with the change it records).
    pub fn audit(
        &self,
        at: DateTime<FixedOffset>,
        who: &str,
        what: &str,
        detail: &str,
    ) -> Result<()> {
        let id = self.db.generate_id()?;
        let e = AuditEntry {
            at,
            who: who.to_string(),
            what: what.to_string(),
            detail: detail.to_string(),
        };
        self.audit.insert(id.to_be_bytes(), enc(&e)?)?;
        Ok(())
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

    /// Batch insert for `seed`: applications already numbered, plus their
    /// day counters. Not for real work (no per-record transaction).
    pub fn seed_batch(
        &self,
        apps: &[(String, Application)],
        tallies: &BTreeMap<NaiveDate, DayTally>,
        seqs: &BTreeMap<NaiveDate, u32>,
    ) -> Result<()> {
        let mut a = sled::Batch::default();
        let mut o = sled::Batch::default();
        let mut m = sled::Batch::default();
        for (key, app) in apps {
            a.insert(key.as_bytes(), enc(app)?);
            let entry = OutboxEntry {
                id: app.id.clone(),
                number: app.number.clone(),
                service: app.service.clone(),
                date: app.date,
                state: UploadState::Pending,
                attempts: 0,
                last_error: None,
                next_try: None,
                uploads: BTreeMap::new(),
            };
            o.insert(key.as_bytes(), enc(&entry)?);
            m.insert(
                format!("by_number/{}", app.number).as_bytes(),
                key.as_bytes(),
            );
        }
        let pending = self.pending_count()? as u32 + apps.len() as u32;
        m.insert("pending", &pending.to_be_bytes());
        for (day, seq) in seqs {
            m.insert(seq_key("app", *day).as_bytes(), &seq.to_be_bytes());
        }
        let mut t = sled::Batch::default();
        for (day, tally) in tallies {
            t.insert(day.to_string().as_bytes(), enc(tally)?);
        }
        self.apps.apply_batch(a)?;
        self.outbox.apply_batch(o)?;
        self.meta.apply_batch(m)?;
        self.tally.apply_batch(t)?;
        Ok(())
    }

    /// The last sequence number used for applications on `day`.
    pub fn app_seq(&self, day: NaiveDate) -> Result<u32> {
        Ok(bump(self.meta.get(seq_key("app", day))?.as_deref()) - 1)
    }
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
        *day.by_payment
            .entry(app.payment.as_str().to_string())
            .or_default() += app.fee_total_fen;
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
    dec_key(&mut day.by_payment, app.payment.as_str(), app.fee_total_fen);
}

/// Serialising inside a transaction closure without naming each type.
mod erased {
    pub trait Ser {
        fn bytes(&self) -> Result<Vec<u8>, serde_json::Error>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
            serde_json::to_vec(self)
        }
    }
}
