//! The vehicle office's answers, as the branch knows them: pulled from the
//! hub's `GET /v1/changes` and journaled as one `reviewed` record per page
//! (the changes and the cursor together), kept in `meta`:
//!
//! - `review/<application id>` → [`BranchReview`] (JSON): the state now and
//!   every change, oldest first;
//! - `review_cursor` → the hub's cursor after the last change stored.
//!
//! A change at or below the stored cursor was applied before and is skipped,
//! so a page pulled twice (a crash after the pull, before the journal write)
//! changes nothing the second time.

use serde::{Deserialize, Serialize};

use super::apply::{abort, get_json, put_json, Abort, Kv, T};
use super::{dec, Result, Store};
use crate::journal::Entry;
use crate::wire::{Change, ReviewState};

pub const CURSOR_KEY: &str = "review_cursor";
pub const PREFIX: &str = "review/";
/// `open/<application id>` → [`OpenEvicted`]: an application that left the
/// working store while the office's answer was not final, so that what is
/// past its time limit is found without reading the journal.
pub const OPEN_PREFIX: &str = "open/";

/// What the working store keeps of an evicted application still waiting
/// for the office's final answer (`completed` or `rejected`): enough to
/// tell whether it is past its time limit. No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenEvicted {
    pub id: String,
    pub number: String,
    pub service: String,
    pub date: chrono::NaiveDate,
}

/// Whether the office's answer `state` is final.
pub fn is_final(state: ReviewState) -> bool {
    matches!(state, ReviewState::Completed | ReviewState::Rejected)
}

/// At eviction (inside the `evicted` record's apply): marks `app` open
/// when it was acknowledged, not voided, and has no final answer yet.
pub fn mark_if_open(kv: &dyn Kv, app: &super::Application) -> std::result::Result<(), Abort> {
    if app.hub_receipt.is_none() || app.void.is_some() {
        return Ok(());
    }
    let review = get_json::<BranchReview>(kv, T::Meta, format!("{PREFIX}{}", app.id).as_bytes())?;
    if review.is_some_and(|r| is_final(r.state)) {
        return Ok(());
    }
    let open = OpenEvicted {
        id: app.id.clone(),
        number: app.number.clone(),
        service: app.service.clone(),
        date: app.date,
    };
    put_json(
        kv,
        T::Meta,
        format!("{OPEN_PREFIX}{}", app.id).as_bytes(),
        &open,
    )
}

/// `review_day/<YYYY-MM-DD>` → [`ReviewDay`]: the changes made on a day
/// (the office's date), counted as they are applied, so a day's counts
/// need no scan of every review.
pub const DAY_PREFIX: &str = "review_day/";
/// Set once the day counters cover every change in the store (stores made
/// before them are counted once at open).
pub const DAYS_COUNTED: &str = "counted/review_days";

/// Changes made on one day, by the state they set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDay {
    pub accepted: u64,
    pub rejected: u64,
    pub needs_correction: u64,
    pub completed: u64,
}

impl ReviewDay {
    /// Counts one change to `state` (`received` is not a change counted).
    fn add(&mut self, state: ReviewState) {
        match state {
            ReviewState::NeedsCorrection => self.needs_correction += 1,
            ReviewState::Completed => self.completed += 1,
            ReviewState::Accepted => self.accepted += 1,
            ReviewState::Rejected => self.rejected += 1,
            ReviewState::Received => {}
        }
    }
}

fn count_day(kv: &dyn Kv, c: &Change) -> std::result::Result<(), Abort> {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(&c.at) else {
        return Ok(());
    };
    if c.state == ReviewState::Received {
        return Ok(());
    }
    let key = format!("{DAY_PREFIX}{}", t.date_naive());
    let mut d: ReviewDay = get_json(kv, T::Meta, key.as_bytes())?.unwrap_or_default();
    d.add(c.state);
    put_json(kv, T::Meta, key.as_bytes(), &d)
}

/// At eviction: a final answer leaves the working store with its
/// application (the journal keeps it; the index names its record).
pub fn drop_if_final(kv: &dyn Kv, app: &super::Application) -> std::result::Result<(), Abort> {
    let key = format!("{PREFIX}{}", app.id);
    if get_json::<BranchReview>(kv, T::Meta, key.as_bytes())?.is_some_and(|r| is_final(r.state)) {
        kv.del(T::Meta, key.as_bytes())?;
    }
    Ok(())
}

/// The application `id` is no longer open (a final answer, or voided).
pub fn unmark_open(kv: &dyn Kv, id: &str) -> std::result::Result<(), Abort> {
    kv.del(T::Meta, format!("{OPEN_PREFIX}{id}").as_bytes())
}

/// An application's review as the branch knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchReview {
    pub id: String,
    pub number: String,
    pub state: ReviewState,
    /// Every change pulled, in the hub's order.
    pub history: Vec<Change>,
}

impl BranchReview {
    /// The latest result (e.g. the EMS number), if any.
    pub fn result(&self) -> Option<&str> {
        self.history.iter().rev().find_map(|c| c.result.as_deref())
    }

    /// The latest change.
    pub fn last(&self) -> Option<&Change> {
        self.history.last()
    }
}

fn cursor_value(s: &str) -> u64 {
    s.parse().unwrap_or(0)
}

/// Applies a `reviewed` record (see the module comment).
pub fn apply_reviewed(
    kv: &dyn Kv,
    changes: &[Change],
    cursor: &str,
) -> std::result::Result<(), Abort> {
    if cursor.parse::<u64>().is_err() {
        return Err(abort(format!("not a cursor: {cursor:?}")));
    }
    let mut at: u64 =
        get_json::<String>(kv, T::Meta, CURSOR_KEY.as_bytes())?.map_or(0, |c| cursor_value(&c));
    for c in changes {
        let n = cursor_value(&c.cursor);
        if n <= at {
            continue;
        }
        let key = format!("{PREFIX}{}", c.id);
        let mut rec = get_json::<BranchReview>(kv, T::Meta, key.as_bytes())?.unwrap_or_else(|| {
            BranchReview {
                id: c.id.clone(),
                number: c.number.clone(),
                state: c.state,
                history: Vec::new(),
            }
        });
        rec.state = c.state;
        rec.history.push(c.clone());
        count_day(kv, c)?;
        let open_mark = format!("{OPEN_PREFIX}{}", c.id);
        if is_final(c.state) && kv.get(T::Meta, open_mark.as_bytes())?.is_some() {
            // Its application left the working store waiting for this
            // answer: the answer stays in the journal (indexed), not in sled.
            kv.del(T::Meta, key.as_bytes())?;
            kv.del(T::Meta, open_mark.as_bytes())?;
        } else {
            put_json(kv, T::Meta, key.as_bytes(), &rec)?;
        }
        super::notice::notice_for(kv, c)?;
        at = n;
    }
    let new = cursor_value(cursor).max(at);
    put_json(kv, T::Meta, CURSOR_KEY.as_bytes(), &new.to_string())
}

impl Store {
    /// The cursor to pull changes from (`"0"`: from the start).
    pub fn review_cursor(&self) -> Result<String> {
        Ok(self
            .meta_get::<String>(CURSOR_KEY)?
            .unwrap_or_else(|| "0".to_string()))
    }

    /// Stores one page of pulled changes and its cursor as ONE journal
    /// record (durable before it returns). Returns how many were new.
    pub fn record_changes(&self, changes: &[Change], cursor: &str) -> Result<usize> {
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |s| {
            let from = cursor_value(&s.review_cursor()?);
            let new = changes
                .iter()
                .filter(|c| cursor_value(&c.cursor) > from)
                .count();
            if new == 0 && cursor_value(cursor) <= from {
                return Ok((Vec::new(), 0));
            }
            Ok((
                vec![Entry::Reviewed {
                    changes: changes.to_vec(),
                    cursor: cursor.to_string(),
                }],
                new,
            ))
        })
    }

    /// The review of application `id` (its client id), if the hub sent one.
    pub fn review_of(&self, id: &str) -> Result<Option<BranchReview>> {
        self.meta_get(&format!("{PREFIX}{id}"))
    }

    /// Evicted applications still waiting for a final answer.
    pub fn open_evicted(&self) -> Result<Vec<OpenEvicted>> {
        self.meta_under(OPEN_PREFIX)
    }

    /// Every review the hub sent, by application id.
    pub fn reviews(&self) -> Result<Vec<BranchReview>> {
        self.meta_under(PREFIX)
    }
}

/// One application `find` turned up, with what the hub said of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub app: super::Application,
    /// `None` until the hub acknowledged it; `received` once it did and
    /// the office has not answered yet.
    pub state: Option<ReviewState>,
    pub review: Option<BranchReview>,
}

impl Found {
    /// The latest result the office gave (e.g. the EMS number).
    pub fn result(&self) -> Option<&str> {
        self.review.as_ref().and_then(BranchReview::result)
    }
}

/// Results of one `find`, at most.
pub const MAX_FOUND: usize = 50;

impl Store {
    fn found(&self, app: super::Application) -> Result<Found> {
        self.found_with(app, None)
    }

    /// `app` with its review: `journaled` when it was read back with an
    /// application that left the working store, else the working store's.
    pub(super) fn found_with(
        &self,
        app: super::Application,
        journaled: Option<BranchReview>,
    ) -> Result<Found> {
        // For an evicted application the journal's is whole (every answer
        // about it is indexed); sled may hold only the latest.
        let review = match journaled {
            Some(j) => Some(j),
            None => self.review_of(&app.id)?,
        };
        let state = match &review {
            Some(r) => Some(r.state),
            None if app.hub_receipt.is_some() => Some(ReviewState::Received),
            None => None,
        };
        Ok(Found { app, state, review })
    }

    /// Finished applications by number (whole, also those that left the
    /// working store), part of a number, or the customer's ID number;
    /// newest first, at most [`MAX_FOUND`].
    ///
    /// Applications that left the working store are searched in the index
    /// by number; by ID number only in the months from `id_since` on (the
    /// caller passes the retention period: older ones hold no ID).
    pub fn find_applications(
        &self,
        query: &str,
        id_since: chrono::NaiveDate,
    ) -> Result<Vec<Found>> {
        let q = query.trim().to_uppercase();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(key) = self.key_of(&q)? {
            if let Some(raw) = self.apps.get(key)? {
                return Ok(vec![self.found(dec(&raw)?)?]);
            }
        }
        if let Some(f) = self.evicted_found(&q)? {
            return Ok(vec![f]);
        }
        let mut hits = Vec::new();
        self.for_each_working_application(|_, a| {
            if a.matches_query(&q) {
                hits.push(a.clone());
            }
        })?;
        let mut out: Vec<Found> = hits
            .into_iter()
            .map(|a| self.found(a))
            .collect::<Result<_>>()?;
        out.extend(self.find_evicted(&q, id_since, MAX_FOUND)?);
        out.sort_by(|a, b| (b.app.date, &b.app.number).cmp(&(a.app.date, &a.app.number)));
        out.truncate(MAX_FOUND);
        Ok(out)
    }
}

/// The office's answers as the home screen counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewCounts {
    /// Changes to `accepted` made on the day.
    pub accepted_on_day: u64,
    /// Changes to `rejected` made on the day.
    pub rejected_on_day: u64,
    /// Changes to `needs_correction` made on the day.
    pub needs_correction_on_day: u64,
    /// Changes to `completed` made on the day.
    pub completed_on_day: u64,
    /// Applications waiting for the customer now (`needs_correction`).
    pub needs_correction_now: u64,
}

impl Store {
    /// Counts for `day` (the office's time, as its date).
    pub fn review_counts(&self, day: chrono::NaiveDate) -> Result<ReviewCounts> {
        let d = self.review_day(day)?;
        let mut c = ReviewCounts {
            accepted_on_day: d.accepted,
            rejected_on_day: d.rejected,
            needs_correction_on_day: d.needs_correction,
            completed_on_day: d.completed,
            needs_correction_now: 0,
        };
        // Reviews in sled: the working store's and the open evicted ones.
        for r in self.reviews()? {
            if r.state == ReviewState::NeedsCorrection {
                c.needs_correction_now += 1;
            }
        }
        Ok(c)
    }

    /// The office's answers counted on `day`: the working store's count,
    /// else (days before `keep_days` leave for it) the index's archive.
    pub fn review_day(&self, day: chrono::NaiveDate) -> Result<ReviewDay> {
        if let Some(d) = self.meta_get::<ReviewDay>(&format!("{DAY_PREFIX}{day}"))? {
            return Ok(d);
        }
        Ok(self.archived_review_day(day).unwrap_or_default())
    }

    /// A day's answer counts in the index's archive (`None`: not there).
    pub(super) fn archived_review_day(&self, day: chrono::NaiveDate) -> Option<ReviewDay> {
        crate::journal::index::review_month(&self.journal_dir, &day.format("%Y-%m").to_string())
            .remove(&day)
    }

    /// Whether the working store counts answers on `day`.
    pub(super) fn counts_review_day(&self, day: chrono::NaiveDate) -> Result<bool> {
        Ok(self.meta.contains_key(format!("{DAY_PREFIX}{day}"))?)
    }

    /// Answer counts of days before `cutoff` in the working store, up to
    /// `limit` days, oldest first (what an eviction moves to the archive).
    pub(super) fn review_days_before(
        &self,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<std::collections::BTreeMap<chrono::NaiveDate, ReviewDay>> {
        let mut out = std::collections::BTreeMap::new();
        let end = format!("{DAY_PREFIX}{cutoff}");
        for row in self
            .meta
            .range(DAY_PREFIX.as_bytes()..end.as_bytes())
            .take(limit)
        {
            let (k, v) = row?;
            let Some(day) = String::from_utf8_lossy(&k)
                .strip_prefix(DAY_PREFIX)
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            else {
                continue;
            };
            out.insert(day, super::dec(&v)?);
        }
        Ok(out)
    }

    /// Day counters for a store made before they existed: counted once
    /// from the reviews it holds (none of which had left it then).
    pub(super) fn count_review_days_once(&self) -> Result<()> {
        if self.meta.contains_key(DAYS_COUNTED)? {
            return Ok(());
        }
        let mut days: std::collections::BTreeMap<String, ReviewDay> = Default::default();
        for r in self.reviews()? {
            for ch in &r.history {
                let Ok(t) = chrono::DateTime::parse_from_rfc3339(&ch.at) else {
                    continue;
                };
                days.entry(format!("{DAY_PREFIX}{}", t.date_naive()))
                    .or_default()
                    .add(ch.state);
            }
        }
        let mut batch = sled::Batch::default();
        for (k, d) in days {
            batch.insert(k.as_bytes(), serde_json::to_vec(&d)?);
        }
        batch.insert(DAYS_COUNTED, b"1".to_vec());
        self.meta.apply_batch(batch)?;
        Ok(())
    }

    /// Applications waiting for the customer (`needs_correction`), with the
    /// application when the working store still holds it, newest change first.
    pub fn corrections(&self) -> Result<Vec<Found>> {
        let mut out = Vec::new();
        for r in self.reviews()? {
            if r.state != ReviewState::NeedsCorrection {
                continue;
            }
            if let Some(app) = self.application(&r.number)? {
                out.push(Found {
                    app,
                    state: Some(r.state),
                    review: Some(r),
                });
            }
        }
        out.sort_by(|a, b| {
            let at = |f: &Found| {
                f.review
                    .as_ref()
                    .and_then(|r| r.last())
                    .map(|c| c.at.clone())
            };
            at(b).cmp(&at(a))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(cursor: u64, state: ReviewState, at: &str) -> Change {
        Change {
            cursor: cursor.to_string(),
            id: format!("app-{cursor}"),
            number: format!("3301A-261128-{cursor:04}"),
            state,
            at: at.into(),
            note: None,
            result: None,
            materials: vec![],
            review_id: format!("r{cursor}"),
        }
    }

    #[test]
    fn a_store_from_before_the_day_counters_is_counted_once_at_open() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("store");
        let day: chrono::NaiveDate = "2026-11-28".parse().expect("d");
        let want = {
            let store = Store::open(&dir, 8).expect("open");
            store
                .record_changes(
                    &[
                        change(1, ReviewState::Accepted, "2026-11-28T09:00:00+08:00"),
                        change(2, ReviewState::NeedsCorrection, "2026-11-28T10:00:00+08:00"),
                        change(3, ReviewState::Completed, "2026-11-27T10:00:00+08:00"),
                    ],
                    "3",
                )
                .expect("record");
            let c = store.review_counts(day).expect("counts");
            assert_eq!(
                (
                    c.accepted_on_day,
                    c.needs_correction_on_day,
                    c.completed_on_day
                ),
                (1, 1, 0)
            );
            assert_eq!(c.needs_correction_now, 1);
            // As a store written before the counters looks.
            for k in store.meta.scan_prefix(DAY_PREFIX).keys() {
                store.meta.remove(k.expect("key")).expect("remove");
            }
            store.meta.remove(DAYS_COUNTED).expect("remove");
            assert_eq!(store.review_counts(day).expect("c").accepted_on_day, 0);
            store.db.flush().expect("flush");
            c
        };
        for _ in 0..2 {
            let store = Store::open(&dir, 8).expect("reopen");
            assert_eq!(store.review_counts(day).expect("counts"), want);
            let before = "2026-11-27".parse().expect("d");
            assert_eq!(store.review_counts(before).expect("c").completed_on_day, 1);
        }
        let store = Store::open(&dir, 8).expect("reopen");
        assert!(store.verify().expect("verify").whole());
    }
}
