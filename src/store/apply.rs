//! Applying journal records to the working store: the one place that says
//! what each record means for the sled trees. Used by every journaled
//! write, by the replay of a torn tail at open, and by `store repair`, so
//! the three cannot disagree.

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::outbox::shift;
use super::{add_to_tally, app_key_seq, remove_from_tally, seq_key};
use super::{Application, DayTally, Delivery, OutboxEntry, UploadState, VoidEntry};
use crate::journal::{Entry, Record};

/// The trees, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    Meta,
    Users,
    Drafts,
    Apps,
    Outbox,
    Tally,
    Audit,
    Voids,
    /// Application key → the journal records about it (seq, segment), for
    /// the index when it leaves the working store.
    Refs,
}

pub type Abort = ConflictableTransactionError<String>;

/// Meta key: the latest day of audit lines that left the working store.
pub const AUDIT_EVICTED_THROUGH: &[u8] = b"audit_evicted_through";

/// Reads and writes of one apply, inside a transaction or a batch.
pub trait Kv {
    fn get(&self, t: T, key: &[u8]) -> Result<Option<Vec<u8>>, Abort>;
    fn put(&self, t: T, key: &[u8], value: Vec<u8>) -> Result<(), Abort>;
    fn del(&self, t: T, key: &[u8]) -> Result<(), Abort>;
}

/// The transactional view of the nine trees.
pub struct TxKv<'a>(pub [&'a TransactionalTree; 9]);

impl TxKv<'_> {
    fn tree(&self, t: T) -> &TransactionalTree {
        self.0[t as usize]
    }
}

impl Kv for TxKv<'_> {
    fn get(&self, t: T, key: &[u8]) -> Result<Option<Vec<u8>>, Abort> {
        Ok(self.tree(t).get(key)?.map(|v| v.to_vec()))
    }
    fn put(&self, t: T, key: &[u8], value: Vec<u8>) -> Result<(), Abort> {
        self.tree(t).insert(key, value)?;
        Ok(())
    }
    fn del(&self, t: T, key: &[u8]) -> Result<(), Abort> {
        self.tree(t).remove(key)?;
        Ok(())
    }
}

pub(super) fn abort(e: impl std::fmt::Display) -> Abort {
    ConflictableTransactionError::Abort(e.to_string())
}

pub(super) fn get_json<V: serde::de::DeserializeOwned>(
    kv: &dyn Kv,
    t: T,
    key: &[u8],
) -> Result<Option<V>, Abort> {
    match kv.get(t, key)? {
        Some(b) => Ok(Some(serde_json::from_slice(&b).map_err(abort)?)),
        None => Ok(None),
    }
}

pub(super) fn put_json<V: serde::Serialize>(
    kv: &dyn Kv,
    t: T,
    key: &[u8],
    v: &V,
) -> Result<(), Abort> {
    kv.put(t, key, serde_json::to_vec(v).map_err(abort)?)
}

fn get_u32(kv: &dyn Kv, key: &str) -> Result<u32, Abort> {
    Ok(kv
        .get(T::Meta, key.as_bytes())?
        .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0))
}

fn put_u32(kv: &dyn Kv, key: &str, v: u32) -> Result<(), Abort> {
    kv.put(T::Meta, key.as_bytes(), v.to_be_bytes().to_vec())
}

pub fn get_u64(kv: &dyn Kv, key: &str) -> Result<u64, Abort> {
    Ok(kv
        .get(T::Meta, key.as_bytes())?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0))
}

fn put_u64(kv: &dyn Kv, key: &str, v: u64) -> Result<(), Abort> {
    kv.put(T::Meta, key.as_bytes(), v.to_be_bytes().to_vec())
}

/// Meta keys that tie the store to the journal.
pub const JOURNAL_SEQ: &str = "journal_seq";
pub const APP_COUNT: &str = "count/applications";

fn day_tally(kv: &dyn Kv, day: &str) -> Result<DayTally, Abort> {
    Ok(get_json(kv, T::Tally, day.as_bytes())?.unwrap_or_default())
}

fn set_pending(kv: &dyn Kv, f: impl Fn(u32) -> u32) -> Result<(), Abort> {
    let n = get_u32(kv, "pending")?;
    put_u32(kv, "pending", f(n))
}

/// Applies one record, written to journal segment `segment`. Records at
/// or below the store's journal position were applied before and change
/// nothing.
pub fn apply(kv: &dyn Kv, rec: &Record, segment: &str) -> Result<(), Abort> {
    if get_u64(kv, JOURNAL_SEQ)? >= rec.seq {
        return Ok(());
    }
    if let Entry::Reviewed { changes, .. } = &rec.entry {
        // An office answer is a record about the application too: the
        // index names it when the application leaves the working store.
        for c in changes {
            if let Some(key) = kv.get(T::Meta, format!("by_number/{}", c.number).as_bytes())? {
                let mut refs: Vec<(u64, String)> = get_json(kv, T::Refs, &key)?.unwrap_or_default();
                if !refs.iter().any(|(s, _)| *s == rec.seq) {
                    refs.push((rec.seq, segment.to_string()));
                    put_json(kv, T::Refs, &key, &refs)?;
                }
            }
        }
    }
    if !matches!(rec.entry, Entry::Evicted { .. }) {
        for key in crate::journal::keys_of(&rec.entry) {
            let mut refs: Vec<(u64, String)> =
                get_json(kv, T::Refs, key.as_bytes())?.unwrap_or_default();
            refs.push((rec.seq, segment.to_string()));
            put_json(kv, T::Refs, key.as_bytes(), &refs)?;
        }
    }
    match &rec.entry {
        Entry::Branch { branch } => put_json(kv, T::Meta, b"branch", branch)?,
        Entry::User { user } => put_json(kv, T::Users, user.id.as_bytes(), user)?,
        Entry::Finish { key, app } => finish(kv, key, app, rec)?,
        Entry::Park { draft } => {
            put_json(kv, T::Drafts, draft.number.as_bytes(), draft)?;
            if let Some((day, seq)) = parse_draft_number(&draft.number) {
                let k = seq_key("draft", day);
                if get_u32(kv, &k)? < seq {
                    put_u32(kv, &k, seq)?;
                }
            }
        }
        Entry::Discard { number } => kv.del(T::Drafts, number.as_bytes())?,
        Entry::Void { key, void, evicted } => {
            let here = get_json::<Application>(kv, T::Apps, key.as_bytes())?;
            let Some(mut app) = here.clone().or_else(|| evicted.as_deref().cloned()) else {
                return Err(abort(format!("void of a missing application {key}")));
            };
            if app.void.is_none() {
                let day_key = app.date.to_string();
                let mut day = day_tally(kv, &day_key)?;
                remove_from_tally(&mut day, &app);
                day.voided += 1;
                app.void = Some(void.clone());
                super::review::unmark_open(kv, &app.id)?;
                let entry = VoidEntry {
                    id: app.id.clone(),
                    number: app.number.clone(),
                    reason: void.reason.clone(),
                    at: void.at,
                    attempts: 0,
                    last_error: None,
                    next_try: None,
                };
                // An evicted application stays out of the working store:
                // the journal (and its index) holds it, void included.
                if here.is_some() {
                    put_json(kv, T::Apps, key.as_bytes(), &app)?;
                }
                put_json(kv, T::Tally, day_key.as_bytes(), &day)?;
                put_json(kv, T::Voids, key.as_bytes(), &entry)?;
            }
        }
        Entry::DayRestored { day, tally } => {
            let k = day.to_string();
            if kv.get(T::Tally, k.as_bytes())?.is_none() {
                put_json(kv, T::Tally, k.as_bytes(), tally)?;
            }
        }
        Entry::ReviewDayRestored { day, counts } => {
            let k = format!("{}{day}", super::review::DAY_PREFIX);
            if kv.get(T::Meta, k.as_bytes())?.is_none() {
                put_json(kv, T::Meta, k.as_bytes(), counts)?;
            }
        }
        Entry::Evicted {
            items,
            days,
            review_days,
            number_counters,
        } => {
            for day in days.keys() {
                kv.del(T::Tally, day.to_string().as_bytes())?;
                if *number_counters {
                    kv.del(T::Meta, seq_key("app", *day).as_bytes())?;
                }
            }
            for day in review_days.keys() {
                kv.del(
                    T::Meta,
                    format!("{}{day}", super::review::DAY_PREFIX).as_bytes(),
                )?;
            }
            for (key, number) in items {
                if let Some(app) = get_json::<Application>(kv, T::Apps, key.as_bytes())? {
                    super::review::mark_if_open(kv, &app)?;
                    super::review::drop_if_final(kv, &app)?;
                }
                kv.del(T::Apps, key.as_bytes())?;
                kv.del(T::Refs, key.as_bytes())?;
                kv.del(T::Meta, format!("by_number/{number}").as_bytes())?;
            }
        }
        Entry::AuditEvicted { seqs, through } => {
            for seq in seqs {
                kv.del(T::Audit, &seq.to_be_bytes())?;
            }
            let was: Option<chrono::NaiveDate> = get_json(kv, T::Meta, AUDIT_EVICTED_THROUGH)?;
            if was.is_none_or(|w| w < *through) {
                put_json(kv, T::Meta, AUDIT_EVICTED_THROUGH, through)?;
            }
        }
        Entry::Acknowledged { items } => {
            for (key, receipt) in items {
                acknowledge(kv, key, receipt)?;
            }
        }
        Entry::VoidsAcknowledged { keys } => {
            for k in keys {
                kv.del(T::Voids, k.as_bytes())?;
            }
        }
        Entry::Quarantined { key, reason } => {
            set_state(kv, key, UploadState::Quarantined, Some(reason))?
        }
        Entry::Retried { key } => set_state(kv, key, UploadState::Pending, None)?,
        Entry::Audit { audit } => put_json(kv, T::Audit, &rec.seq.to_be_bytes(), audit)?,
        Entry::Reviewed { changes, cursor } => super::review::apply_reviewed(kv, changes, cursor)?,
        Entry::Notice {
            id,
            state,
            attempts,
            error,
            next_try,
        } => super::notice::apply_notice(kv, id, *state, *attempts, error, *next_try)?,
        Entry::Purged { items } => {
            for (key, fields) in items {
                if let Some(mut app) = get_json::<Application>(kv, T::Apps, key.as_bytes())? {
                    purge_fields(&mut app, fields);
                    put_json(kv, T::Apps, key.as_bytes(), &app)?;
                    super::notice::purge_notices(kv, &app.id)?;
                }
            }
        }
    }
    put_u64(kv, JOURNAL_SEQ, rec.seq)?;
    put_u64(kv, APP_COUNT, rec.apps)?;
    Ok(())
}

/// Removes the named personal fields (and the EMS address, attachments).
pub fn purge_fields(app: &mut Application, fields: &[String]) {
    app.values.retain(|k, _| !fields.contains(k));
    if let Delivery::Ems { address } = &mut app.delivery {
        address.clear();
    }
    app.attachments.clear();
    app.purged = true;
}

fn finish(kv: &dyn Kv, key: &str, app: &Application, rec: &Record) -> Result<(), Abort> {
    if let Some(old) = get_json::<Application>(kv, T::Apps, key.as_bytes())? {
        if old.id == app.id {
            return Ok(());
        }
        return Err(abort(format!("application key {key} already used")));
    }
    let date = app.date;
    if let Some(seq) = app_key_seq(key) {
        let k = seq_key("app", date);
        if get_u32(kv, &k)? < seq {
            put_u32(kv, &k, seq)?;
        }
    }
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
    let day_key = date.to_string();
    let mut day = day_tally(kv, &day_key)?;
    add_to_tally(&mut day, app);
    put_json(kv, T::Apps, key.as_bytes(), app)?;
    put_json(kv, T::Outbox, key.as_bytes(), &entry)?;
    put_json(kv, T::Tally, day_key.as_bytes(), &day)?;
    if !app.generated {
        kv.put(T::Meta, b"has_real", vec![1u8])?;
    }
    set_pending(kv, |n| n + 1)?;
    kv.put(
        T::Meta,
        format!("by_number/{}", app.number).as_bytes(),
        key.as_bytes().to_vec(),
    )?;
    if let Some(d) = &app.draft_number {
        kv.del(T::Drafts, d.as_bytes())?;
    }
    put_json(
        kv,
        T::Audit,
        &rec.seq.to_be_bytes(),
        &finish_audit_line(app),
    )?;
    Ok(())
}

/// The audit line a finish writes (also read back from the journal for
/// lines that left the working store).
pub(super) fn finish_audit_line(app: &Application) -> super::AuditEntry {
    super::AuditEntry {
        at: app.finished_at,
        who: app.clerk.clone(),
        what: "finish".into(),
        detail: app.number.clone(),
    }
}

fn acknowledge(kv: &dyn Kv, key: &str, receipt: &str) -> Result<(), Abort> {
    let Some(entry) = get_json::<OutboxEntry>(kv, T::Outbox, key.as_bytes())? else {
        return Ok(());
    };
    if let Some(mut app) = get_json::<Application>(kv, T::Apps, key.as_bytes())? {
        app.hub_receipt = Some(receipt.to_string());
        put_json(kv, T::Apps, key.as_bytes(), &app)?;
    }
    let day_key = entry.date.to_string();
    let mut day = day_tally(kv, &day_key)?;
    shift(&mut day, entry.state, UploadState::Acknowledged);
    put_json(kv, T::Tally, day_key.as_bytes(), &day)?;
    if entry.state == UploadState::Pending {
        set_pending(kv, |n| n.saturating_sub(1))?;
    }
    kv.del(T::Outbox, key.as_bytes())
}

fn set_state(kv: &dyn Kv, key: &str, to: UploadState, error: Option<&str>) -> Result<(), Abort> {
    let Some(mut entry) = get_json::<OutboxEntry>(kv, T::Outbox, key.as_bytes())? else {
        return Ok(());
    };
    let from = entry.state;
    if from != to {
        let day_key = entry.date.to_string();
        let mut day = day_tally(kv, &day_key)?;
        shift(&mut day, from, to);
        put_json(kv, T::Tally, day_key.as_bytes(), &day)?;
        match (from, to) {
            (UploadState::Pending, _) => set_pending(kv, |n| n.saturating_sub(1))?,
            (_, UploadState::Pending) => set_pending(kv, |n| n + 1)?,
            _ => {}
        }
        entry.state = to;
    }
    if to == UploadState::Pending {
        entry.attempts = 0;
        entry.next_try = None;
    }
    if let Some(e) = error {
        entry.last_error = Some(e.to_string());
    }
    put_json(kv, T::Outbox, key.as_bytes(), &entry)
}

/// `Z261128-003` → (2026-11-28, 3).
pub fn parse_draft_number(n: &str) -> Option<(chrono::NaiveDate, u32)> {
    let rest = n.strip_prefix('Z')?;
    let (d, s) = rest.split_once('-')?;
    let day = chrono::NaiveDate::parse_from_str(d, "%y%m%d").ok()?;
    Some((day, s.parse().ok()?))
}
