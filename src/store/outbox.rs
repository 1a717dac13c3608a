//! The upload queue. An outbox entry exists from the finish transaction
//! until the hub acknowledges the application; then it is removed and the
//! application keeps the hub's receipt. Nothing says "sending": after a
//! crash every entry still here is simply pending (or quarantined).

use chrono::{DateTime, FixedOffset};

use super::{dec, enc, Application, DayTally, OutboxEntry, Result, Store, UploadState};
use crate::journal::Entry;

/// Moves one day's upload counters from one state to another.
pub(crate) fn shift(day: &mut DayTally, from: UploadState, to: UploadState) {
    if from == to {
        return;
    }
    match from {
        UploadState::Pending => day.pending = day.pending.saturating_sub(1),
        UploadState::Quarantined => day.quarantined = day.quarantined.saturating_sub(1),
        UploadState::Acknowledged => day.acknowledged = day.acknowledged.saturating_sub(1),
    }
    match to {
        UploadState::Pending => day.pending += 1,
        UploadState::Quarantined => day.quarantined += 1,
        UploadState::Acknowledged => day.acknowledged += 1,
    }
}

impl Store {
    /// Every entry still in the queue (pending and quarantined), oldest
    /// application first. The queue holds only unacknowledged work, so it
    /// stays small however many applications the store has.
    pub fn queue(&self) -> Result<Vec<(String, OutboxEntry)>> {
        self.outbox
            .iter()
            .map(|r| {
                let (k, v) = r?;
                Ok((String::from_utf8_lossy(&k).into_owned(), dec(&v)?))
            })
            .collect()
    }

    /// How many pending entries are due at `now` (counted, not collected).
    pub fn count_due(&self, now: DateTime<FixedOffset>, ignore_backoff: bool) -> Result<usize> {
        let mut n = 0;
        for v in self.outbox.iter().values() {
            let e: OutboxEntry = dec(&v?)?;
            if e.state == UploadState::Pending
                && (ignore_backoff || e.next_try.is_none_or(|t| t <= now))
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The pending entries due at `now` (all pending ones with
    /// `ignore_backoff`) after `after` (an outbox key), at most `limit`: one
    /// pass walks the queue once even when it ignores the backoff.
    pub fn due_after(
        &self,
        after: Option<&str>,
        now: DateTime<FixedOffset>,
        ignore_backoff: bool,
        limit: usize,
    ) -> Result<Vec<(String, OutboxEntry)>> {
        use std::ops::Bound;
        let start = match after {
            Some(k) => Bound::Excluded(k.as_bytes().to_vec()),
            None => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for r in self.outbox.range::<Vec<u8>, _>((start, Bound::Unbounded)) {
            let (k, v) = r?;
            let e: OutboxEntry = dec(&v)?;
            if e.state != UploadState::Pending {
                continue;
            }
            if !ignore_backoff && e.next_try.is_some_and(|t| t > now) {
                continue;
            }
            out.push((String::from_utf8_lossy(&k).into_owned(), e));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The earliest next try among pending entries.
    pub fn next_try(&self) -> Result<Option<DateTime<FixedOffset>>> {
        Ok(self
            .queue()?
            .into_iter()
            .filter(|(_, e)| e.state == UploadState::Pending)
            .map(|(_, e)| e.next_try)
            .min()
            .flatten())
    }

    /// The application stored under an outbox key.
    pub fn application_at(&self, key: &str) -> Result<Option<Application>> {
        self.apps.get(key)?.map(|b| dec(&b)).transpose()
    }

    /// Finds a queue entry by application number or id.
    pub fn queue_find(&self, number_or_id: &str) -> Result<Option<(String, OutboxEntry)>> {
        let q = number_or_id.trim();
        Ok(self
            .queue()?
            .into_iter()
            .find(|(_, e)| e.number.eq_ignore_ascii_case(q) || e.id.eq_ignore_ascii_case(q)))
    }

    /// One application acknowledged (see [`Store::settle`]).
    pub fn acknowledge(&self, key: &str, receipt: &str) -> Result<bool> {
        let d = [(key.to_string(), Decision::Acknowledge(receipt.to_string()))];
        Ok(self.settle(&d)?.0 > 0)
    }

    /// Records a failed attempt: the error a person reads, the next try.
    pub fn record_failure(
        &self,
        key: &str,
        error: &str,
        next_try: Option<DateTime<FixedOffset>>,
    ) -> Result<()> {
        if let Some(raw) = self.outbox.get(key)? {
            let mut e: OutboxEntry = dec(&raw)?;
            e.attempts = e.attempts.saturating_add(1);
            e.last_error = Some(error.to_string());
            e.next_try = next_try;
            self.outbox.insert(key.as_bytes(), enc(&e)?)?;
        }
        Ok(())
    }

    /// Remembers a started attachment upload, so a cut resumes there.
    pub fn remember_upload(&self, key: &str, sha256: &str, url: &str) -> Result<()> {
        if let Some(raw) = self.outbox.get(key)? {
            let mut e: OutboxEntry = dec(&raw)?;
            e.uploads.insert(sha256.to_string(), url.to_string());
            self.outbox.insert(key.as_bytes(), enc(&e)?)?;
            self.db.flush()?;
        }
        Ok(())
    }

    /// Takes an entry out of the upload rotation (the hub rejected it, or
    /// support decided so); the rest of the queue keeps moving.
    pub fn quarantine(&self, key: &str, reason: &str) -> Result<bool> {
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |s| {
            let Some(raw) = s.outbox.get(key)? else {
                return Ok((vec![], false));
            };
            let e: OutboxEntry = dec(&raw)?;
            if e.state == UploadState::Quarantined {
                return Ok((vec![], false));
            }
            Ok((
                vec![Entry::Quarantined {
                    key: key.to_string(),
                    reason: reason.to_string(),
                }],
                true,
            ))
        })
    }

    /// Puts a quarantined (or backed-off) entry back to be sent now.
    pub fn retry(&self, key: &str) -> Result<bool> {
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |s| {
            if !s.outbox.contains_key(key)? {
                return Ok((vec![], false));
            }
            Ok((
                vec![Entry::Retried {
                    key: key.to_string(),
                }],
                true,
            ))
        })
    }
}

/// What becomes of one application after the hub answered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Taken, with the hub's receipt.
    Acknowledge(String),
    /// Not this time: the error a person reads and the next try.
    RetryAt(DateTime<FixedOffset>, String),
    /// Refused for good: out of the rotation, with the reason.
    Quarantine(String),
}

impl Store {
    /// Applies a batch's decisions in one write: acknowledgements and
    /// quarantines as one journal record set (one fdatasync) and one
    /// transaction; retries in the working store only (nobody is told
    /// those are saved). Returns (acknowledged, quarantined, retried).
    pub fn settle(&self, decisions: &[(String, Decision)]) -> Result<(usize, usize, usize)> {
        let mut acks = Vec::new();
        let mut entries = Vec::new();
        let mut retried = 0;
        for (key, d) in decisions {
            match d {
                Decision::Acknowledge(receipt) => acks.push((key.clone(), receipt.clone())),
                Decision::Quarantine(reason) => entries.push(Entry::Quarantined {
                    key: key.clone(),
                    reason: reason.clone(),
                }),
                Decision::RetryAt(at, why) => {
                    self.record_failure(key, why, Some(*at))?;
                    retried += 1;
                }
            }
        }
        let quarantined = entries.len();
        let at = chrono::Local::now().fixed_offset();
        let acknowledged = self.record(at, |s| {
            let mut live = Vec::with_capacity(acks.len());
            for (k, r) in &acks {
                if s.outbox.contains_key(k.as_bytes())? {
                    live.push((k.clone(), r.clone()));
                }
            }
            let n = live.len();
            if !live.is_empty() {
                entries.insert(0, Entry::Acknowledged { items: live });
            }
            Ok((entries, n))
        })?;
        if retried > 0 {
            self.db.flush()?;
        }
        Ok((acknowledged, quarantined, retried))
    }
}
