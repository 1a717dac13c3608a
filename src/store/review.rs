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
        put_json(kv, T::Meta, key.as_bytes(), &rec)?;
        if is_final(c.state) {
            unmark_open(kv, &c.id)?;
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
        self.meta
            .scan_prefix(OPEN_PREFIX.as_bytes())
            .map(|r| {
                let (_, v) = r?;
                dec(&v)
            })
            .collect()
    }

    /// Every review the hub sent, by application id.
    pub fn reviews(&self) -> Result<Vec<BranchReview>> {
        self.meta
            .scan_prefix(PREFIX.as_bytes())
            .map(|r| {
                let (_, v) = r?;
                dec(&v)
            })
            .collect()
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
        let review = self.review_of(&app.id)?;
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
    pub fn find_applications(&self, query: &str) -> Result<Vec<Found>> {
        let q = query.trim().to_uppercase();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(app) = self.application(&q)? {
            return Ok(vec![self.found(app)?]);
        }
        let mut hits = Vec::new();
        self.for_each_application(|_, a| {
            let by_number = a.number.to_uppercase().contains(&q);
            let by_id = a
                .values
                .get("id_number")
                .is_some_and(|v| v.trim().to_uppercase() == q);
            if by_number || by_id {
                hits.push(a.clone());
            }
        })?;
        hits.sort_by(|a, b| (b.date, &b.number).cmp(&(a.date, &a.number)));
        hits.truncate(MAX_FOUND);
        hits.into_iter().map(|a| self.found(a)).collect()
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
        let mut c = ReviewCounts::default();
        for r in self.reviews()? {
            if r.state == ReviewState::NeedsCorrection {
                c.needs_correction_now += 1;
            }
            for ch in &r.history {
                let on_day = chrono::DateTime::parse_from_rfc3339(&ch.at)
                    .is_ok_and(|t| t.date_naive() == day);
                if !on_day {
                    continue;
                }
                match ch.state {
                    ReviewState::NeedsCorrection => c.needs_correction_on_day += 1,
                    ReviewState::Completed => c.completed_on_day += 1,
                    ReviewState::Accepted => c.accepted_on_day += 1,
                    ReviewState::Rejected => c.rejected_on_day += 1,
                    ReviewState::Received => {}
                }
            }
        }
        Ok(c)
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
