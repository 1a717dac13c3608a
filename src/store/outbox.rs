//! The upload queue. An outbox entry exists from the finish transaction
//! until the hub acknowledges the application; then it is removed and the
//! application keeps the hub's receipt. Nothing says "sending": after a
//! crash every entry still here is simply pending (or quarantined).

use chrono::{DateTime, FixedOffset};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::{dec, enc, Application, DayTally, OutboxEntry, Result, Store, StoreError, UploadState};

type TxError = ConflictableTransactionError<String>;

fn abort(e: impl std::fmt::Display) -> TxError {
    ConflictableTransactionError::Abort(e.to_string())
}

fn tx_result<T>(r: std::result::Result<T, TransactionError<String>>) -> Result<T> {
    r.map_err(|e| match e {
        TransactionError::Abort(msg) => StoreError::Conflict(msg),
        TransactionError::Storage(e) => StoreError::Sled(e),
    })
}

/// Moves one day's upload counters from one state to another.
fn shift(day: &mut DayTally, from: UploadState, to: UploadState) {
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

fn read_u32(b: Option<sled::IVec>) -> u32 {
    b.and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0)
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

    /// The hub acknowledged the application: it keeps the receipt, leaves
    /// the queue, and the day's counters move from pending (or quarantined)
    /// to acknowledged. Flushed before returning.
    pub fn acknowledge(&self, key: &str, receipt: &str) -> Result<bool> {
        let r = (&self.outbox, &self.apps, &self.tally, &self.meta).transaction(
            |(outbox, apps, tally, meta)| {
                let Some(raw) = outbox.get(key)? else {
                    return Ok(false);
                };
                let entry: OutboxEntry = serde_json::from_slice(&raw).map_err(abort)?;
                if let Some(a) = apps.get(key)? {
                    let mut app: Application = serde_json::from_slice(&a).map_err(abort)?;
                    app.hub_receipt = Some(receipt.to_string());
                    apps.insert(key.as_bytes(), serde_json::to_vec(&app).map_err(abort)?)?;
                }
                let day_key = entry.date.to_string();
                let mut day: DayTally = match tally.get(day_key.as_bytes())? {
                    Some(b) => serde_json::from_slice(&b).map_err(abort)?,
                    None => DayTally::default(),
                };
                shift(&mut day, entry.state, UploadState::Acknowledged);
                tally.insert(day_key.as_bytes(), serde_json::to_vec(&day).map_err(abort)?)?;
                if entry.state == UploadState::Pending {
                    let n = read_u32(meta.get("pending")?).saturating_sub(1);
                    meta.insert("pending", &n.to_be_bytes())?;
                }
                outbox.remove(key.as_bytes())?;
                Ok(true)
            },
        );
        let done = tx_result(r)?;
        self.flush()?;
        Ok(done)
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
            self.flush()?;
        }
        Ok(())
    }

    fn set_state(&self, key: &str, to: UploadState, error: Option<&str>) -> Result<bool> {
        let r = (&self.outbox, &self.tally, &self.meta).transaction(|(outbox, tally, meta)| {
            let Some(raw) = outbox.get(key)? else {
                return Ok(false);
            };
            let mut entry: OutboxEntry = serde_json::from_slice(&raw).map_err(abort)?;
            let from = entry.state;
            if from == to {
                return Ok(false);
            }
            let day_key = entry.date.to_string();
            let mut day: DayTally = match tally.get(day_key.as_bytes())? {
                Some(b) => serde_json::from_slice(&b).map_err(abort)?,
                None => DayTally::default(),
            };
            shift(&mut day, from, to);
            tally.insert(day_key.as_bytes(), serde_json::to_vec(&day).map_err(abort)?)?;
            let pending = read_u32(meta.get("pending")?);
            let pending = match (from, to) {
                (UploadState::Pending, _) => pending.saturating_sub(1),
                (_, UploadState::Pending) => pending + 1,
                _ => pending,
            };
            meta.insert("pending", &pending.to_be_bytes())?;
            entry.state = to;
            if to == UploadState::Pending {
                entry.attempts = 0;
                entry.next_try = None;
            }
            if let Some(e) = error {
                entry.last_error = Some(e.to_string());
            }
            outbox.insert(key.as_bytes(), serde_json::to_vec(&entry).map_err(abort)?)?;
            Ok(true)
        });
        let changed = tx_result(r)?;
        self.flush()?;
        Ok(changed)
    }

    /// Takes an entry out of the upload rotation (the hub rejected it, or
    /// support decided so); the rest of the queue keeps moving.
    pub fn quarantine(&self, key: &str, reason: &str) -> Result<bool> {
        self.set_state(key, UploadState::Quarantined, Some(reason))
    }

    /// Puts a quarantined (or backed-off) entry back to be sent now.
    pub fn retry(&self, key: &str) -> Result<bool> {
        let changed = self.set_state(key, UploadState::Pending, None)?;
        if !changed {
            // Already pending: clear its backoff so it goes on the next pass.
            if let Some(raw) = self.outbox.get(key)? {
                let mut e: OutboxEntry = dec(&raw)?;
                e.next_try = None;
                self.outbox.insert(key.as_bytes(), enc(&e)?)?;
                self.flush()?;
                return Ok(true);
            }
        }
        Ok(changed)
    }
}
