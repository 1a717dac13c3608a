//! A working store that stays small (docs/journal.md, "Eviction"):
//! acknowledged applications older than `[store] keep_days` leave sled and
//! stay in the journal, found again through the per-month index, so find
//! by number, void, export, `tally --rebuild` and reconcile still see
//! them while opening the store costs the same after years of history.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::apply;
use super::repair::MemKv;
use super::{dec, Application, AuditEntry, BranchReview, DayTally, Found, Result, Store};
use crate::journal::{self, index, Entry, Record};

/// Applications evicted per call at most (the rest go on the next pass).
pub const EVICT_PER_CALL: usize = 20_000;

/// Days of counters archived per call at most.
pub const DAYS_PER_CALL: usize = 2_000;

/// Audit lines moved out per call at most.
pub const AUDIT_EVICT_PER_CALL: usize = 20_000;

/// Rebuilds applications from the records the index names.
fn reconstruct(
    journal_dir: &std::path::Path,
    wanted: &BTreeMap<String, (String, Vec<index::Ref>)>,
) -> Result<BTreeMap<String, Application>> {
    Ok(reconstruct_with_reviews(journal_dir, wanted)?
        .into_iter()
        .map(|(k, (a, _))| (k, a))
        .collect())
}

/// As [`reconstruct`], with each application's office answers as the
/// journal records them (`None`: none).
fn reconstruct_with_reviews(
    journal_dir: &std::path::Path,
    wanted: &BTreeMap<String, (String, Vec<index::Ref>)>,
) -> Result<BTreeMap<String, (Application, Option<BranchReview>)>> {
    let mut by_segment: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    for (_, refs) in wanted.values() {
        for r in refs {
            by_segment.entry(&r.segment).or_default().insert(r.seq);
        }
    }
    let mut records: Vec<Record> = Vec::new();
    for (segment, seqs) in by_segment {
        let scan = match journal::scan_segment_where(journal_dir, segment, &|s| seqs.contains(&s)) {
            Ok(s) => s,
            Err(e) => {
                crate::log::warn(&format!("index: {e}"));
                continue;
            }
        };
        records.extend(
            scan.records
                .into_iter()
                .filter(|r| seqs.contains(&r.seq) && !matches!(r.entry, Entry::Evicted { .. })),
        );
    }
    records.sort_by_key(|r| r.seq);
    records.dedup_by_key(|r| r.seq);
    let mem = MemKv::default();
    for r in &records {
        if let Err(e) = apply::apply(&mem, r, "") {
            crate::log::warn(&format!("index: record {} not applied: {e:?}", r.seq));
        }
    }
    let mut out = BTreeMap::new();
    let trees = mem.0.into_inner();
    for key in wanted.keys() {
        if let Some(raw) = trees[apply::T::Apps as usize].get(key.as_bytes()) {
            let app = dec::<Application>(raw)?;
            let review = trees[apply::T::Meta as usize]
                .get(format!("{}{}", super::review::PREFIX, app.id).as_bytes())
                .map(|raw| dec::<BranchReview>(raw))
                .transpose()?;
            out.insert(key.clone(), (app, review));
        }
    }
    Ok(out)
}

/// `2026-11` for an application number `3301A-261128-0042`.
fn month_of_number(number: &str) -> Option<String> {
    let mut parts = number.rsplitn(3, '-');
    let _seq = parts.next()?;
    let d = parts.next()?;
    let day = NaiveDate::parse_from_str(d, "%y%m%d").ok()?;
    Some(day.format("%Y-%m").to_string())
}

impl Store {
    /// A failed write of the index, as the store reports it.
    fn index_error(&self, e: std::io::Error) -> super::StoreError {
        super::StoreError::Journal(crate::journal::JournalError::Io {
            path: index::dir(&self.journal_dir),
            source: e,
        })
    }

    /// An evicted application by number, rebuilt from the journal.
    pub fn evicted_app(&self, number: &str) -> Result<Option<(String, Application)>> {
        let number = number.trim().to_ascii_uppercase();
        let Some(month) = month_of_number(&number) else {
            return Ok(None);
        };
        let mut wanted = index::month(&self.journal_dir, &month);
        wanted.retain(|_, (n, _)| *n == number);
        Ok(reconstruct(&self.journal_dir, &wanted)?.into_iter().next())
    }

    /// An evicted application by number with the office's answers (those
    /// still in the working store, else the journal's).
    pub(super) fn evicted_found(&self, number: &str) -> Result<Option<Found>> {
        let number = number.trim().to_ascii_uppercase();
        let Some(month) = month_of_number(&number) else {
            return Ok(None);
        };
        let mut wanted = index::month(&self.journal_dir, &month);
        wanted.retain(|_, (n, _)| *n == number);
        let Some((_, (app, journaled))) = reconstruct_with_reviews(&self.journal_dir, &wanted)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(Some(self.found_with(app, journaled)?))
    }

    /// Evicted applications whose number contains `q`, or (months from
    /// `id_since` on) whose customer's ID number is `q`: newest month
    /// first, until `limit` are found. Only the index is read for numbers;
    /// a month's records are decoded for an ID search, since personal
    /// fields older than the retention period are purged anyway.
    pub(super) fn find_evicted(
        &self,
        q: &str,
        id_since: NaiveDate,
        limit: usize,
    ) -> Result<Vec<Found>> {
        let looks_like_id = q.len() >= 15 && !q.contains('-');
        let since = id_since.format("%Y-%m").to_string();
        // What to read back, gathered first so that each segment is read
        // once: every application of the months an ID search covers, and
        // those whose number matches, newest month first, up to `limit`.
        let mut wanted: BTreeMap<String, (String, Vec<index::Ref>)> = BTreeMap::new();
        let mut by_number = 0usize;
        for month in index::months(&self.journal_dir).into_iter().rev() {
            let by_id = looks_like_id && month >= since;
            if !by_id && by_number >= limit {
                break;
            }
            for (k, (number, refs)) in index::month(&self.journal_dir, &month) {
                if self.apps.contains_key(k.as_bytes())? {
                    continue;
                }
                let matches = number.to_uppercase().contains(q);
                if by_id || (matches && by_number < limit) {
                    by_number += usize::from(matches);
                    wanted.insert(k, (number, refs));
                }
            }
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut hits: Vec<(Application, Option<BranchReview>)> =
            reconstruct_with_reviews(&self.journal_dir, &wanted)?
                .into_values()
                .filter(|(a, _)| a.matches_query(q))
                .collect();
        hits.sort_by(|a, b| (b.0.date, &b.0.number).cmp(&(a.0.date, &a.0.number)));
        hits.truncate(limit);
        hits.into_iter()
            .map(|(app, journaled)| self.found_with(app, journaled))
            .collect()
    }

    /// Evicted applications of the months `from..=to` touch, by key.
    pub fn evicted_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, Application)>> {
        let lo = from.format("%Y-%m").to_string();
        let hi = to.format("%Y-%m").to_string();
        let mut out = Vec::new();
        for month in index::months(&self.journal_dir) {
            if month < lo || month > hi {
                continue;
            }
            let wanted = index::month(&self.journal_dir, &month);
            for (k, a) in reconstruct(&self.journal_dir, &wanted)? {
                if a.date >= from && a.date <= to && !self.apps.contains_key(k.as_bytes())? {
                    out.push((k, a));
                }
            }
        }
        Ok(out)
    }

    /// Calls `f` with every evicted application, a month at a time.
    pub fn for_each_evicted(&self, mut f: impl FnMut(&str, &Application)) -> Result<()> {
        for month in index::months(&self.journal_dir) {
            let wanted = index::month(&self.journal_dir, &month);
            for (k, a) in reconstruct(&self.journal_dir, &wanted)? {
                if !self.apps.contains_key(k.as_bytes())? {
                    f(&k, &a);
                }
            }
        }
        Ok(())
    }

    /// Evicts acknowledged applications dated before `today - keep_days`
    /// (none with `keep_days` 0): their records are indexed first, then one
    /// journal record says they left, and sled forgets them. Days before
    /// the cutoff left without applications give their counters to the
    /// index's archive in the same record (their last application numbers
    /// are the index's from then on), and so do the counts of the office's
    /// answers of days before the cutoff. Returns how many
    /// applications and days of counters left (0: nothing was due).
    pub fn evict_due(&self, today: NaiveDate, keep_days: u32) -> Result<usize> {
        if keep_days == 0 {
            return Ok(0);
        }
        let cutoff = today - chrono::Duration::days(i64::from(keep_days));
        let end = format!("{cutoff}/");
        let mut candidates: BTreeMap<String, String> = BTreeMap::new();
        for row in self.apps.range(..end.as_bytes()) {
            let (k, v) = row?;
            let app: Application = dec(&v)?;
            if app.hub_receipt.is_none()
                || self.outbox.contains_key(&k)?
                || self.voids.contains_key(&k)?
            {
                continue;
            }
            candidates.insert(String::from_utf8_lossy(&k).into_owned(), app.number);
            if candidates.len() >= EVICT_PER_CALL {
                break;
            }
        }
        // Days before the cutoff none of whose applications stays: their
        // counters leave with them, into the index's archive.
        let mut days: BTreeMap<NaiveDate, DayTally> = BTreeMap::new();
        for row in self.tally.range(..cutoff.to_string().as_bytes()) {
            let (k, v) = row?;
            let Ok(day) = String::from_utf8_lossy(&k).parse::<NaiveDate>() else {
                continue;
            };
            let mut stays = false;
            for key in self.apps.scan_prefix(format!("{day}/").as_bytes()).keys() {
                if !candidates.contains_key(String::from_utf8_lossy(&key?).as_ref()) {
                    stays = true;
                    break;
                }
            }
            if !stays {
                days.insert(day, dec(&v)?);
                if days.len() >= DAYS_PER_CALL {
                    break;
                }
            }
        }
        // Counts of the office's answers by day leave for the archive too.
        let review_days = self.review_days_before(cutoff, DAYS_PER_CALL)?;
        if candidates.is_empty() && days.is_empty() && review_days.is_empty() {
            return Ok(0);
        }
        // Every record about them, as the working store kept track of it.
        let mut lines = Vec::new();
        for (key, number) in &candidates {
            let refs: Vec<(u64, String)> = match self.refs.get(key.as_bytes())? {
                Some(raw) => dec(&raw)?,
                None => Vec::new(),
            };
            for (seq, segment) in refs {
                lines.push((number.clone(), key.clone(), index::Ref { seq, segment }));
            }
        }
        index::append(&self.journal_dir, &lines).map_err(|e| self.index_error(e))?;
        index::append_tally(&self.journal_dir, &days).map_err(|e| self.index_error(e))?;
        index::append_review_days(&self.journal_dir, &review_days)
            .map_err(|e| self.index_error(e))?;
        let n = candidates.len();
        let d = days.len() + review_days.len();
        let items: Vec<(String, String)> = candidates.into_iter().collect();
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |_| {
            Ok((
                vec![Entry::Evicted {
                    items,
                    days,
                    review_days,
                    number_counters: true,
                }],
                (),
            ))
        })?;
        crate::log::info(&format!(
            "store: {n} acknowledged applications and {d} days of counters older than {keep_days} days left the working store"
        ));
        Ok(n + d)
    }

    /// Audit lines dated more than `keep_days` before `today` leave the
    /// working store, oldest written first, up to [`AUDIT_EVICT_PER_CALL`]
    /// a call; they stay in the journal, and [`Store::audit_between`]
    /// reads them back. Returns how many left (0: none was due).
    pub fn evict_audit_due(&self, today: NaiveDate, keep_days: u32) -> Result<usize> {
        if keep_days == 0 {
            return Ok(0);
        }
        let cutoff = today - chrono::Duration::days(i64::from(keep_days));
        let mut seqs = Vec::new();
        let mut through: Option<NaiveDate> = None;
        for row in self.audit.iter() {
            let (k, v) = row?;
            let line: AuditEntry = dec(&v)?;
            let day = line.at.date_naive();
            if day >= cutoff {
                break;
            }
            let Ok(seq) = <[u8; 8]>::try_from(k.as_ref()).map(u64::from_be_bytes) else {
                continue;
            };
            seqs.push(seq);
            through = Some(through.map_or(day, |t| t.max(day)));
            if seqs.len() >= AUDIT_EVICT_PER_CALL {
                break;
            }
        }
        let Some(through) = through else {
            return Ok(0);
        };
        let n = seqs.len();
        let at = chrono::Local::now().fixed_offset();
        self.record(at, |_| {
            Ok((vec![Entry::AuditEvicted { seqs, through }], ()))
        })?;
        crate::log::info(&format!(
            "store: {n} audit lines older than {keep_days} days left the working store"
        ));
        Ok(n)
    }

    /// The audit lines dated `from..=to`, in the order written: from the
    /// working store, and, when the range reaches back to lines that left
    /// it, from the journal's segments of `from`'s month on (a record is
    /// never in a segment older than the day it tells of).
    pub fn audit_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<AuditEntry>> {
        let within = |l: &AuditEntry| (from..=to).contains(&l.at.date_naive());
        let mut by_seq: BTreeMap<u64, AuditEntry> = BTreeMap::new();
        let through: Option<NaiveDate> = self
            .meta
            .get(apply::AUDIT_EVICTED_THROUGH)?
            .map(|b| dec(&b))
            .transpose()?;
        if through.is_some_and(|t| from <= t) {
            let first = format!("{}.jnl", from.format("%Y-%m"));
            for name in journal::segments(&self.journal_dir)? {
                if name < first {
                    continue;
                }
                for rec in journal::scan_segment(&self.journal_dir, &name)?.records {
                    let line = match rec.entry {
                        Entry::Audit { audit } => audit,
                        Entry::Finish { app, .. } => apply::finish_audit_line(&app),
                        _ => continue,
                    };
                    if within(&line) {
                        by_seq.insert(rec.seq, line);
                    }
                }
            }
        }
        for row in self.audit.iter() {
            let (k, v) = row?;
            let line: AuditEntry = dec(&v)?;
            if let (true, Ok(seq)) = (
                within(&line),
                <[u8; 8]>::try_from(k.as_ref()).map(u64::from_be_bytes),
            ) {
                by_seq.insert(seq, line);
            }
        }
        Ok(by_seq.into_values().collect())
    }

    /// After a record about evicted applications: index lines for it.
    pub(super) fn index_evicted(&self, rec: &Record, segment: &str) -> Result<()> {
        let mut lines = Vec::new();
        for k in journal::keys_of(&rec.entry) {
            if self.apps.contains_key(k.as_bytes())? {
                continue;
            }
            let Some(month) = index::month_of_key(k) else {
                continue;
            };
            if let Some((number, _)) = index::month(&self.journal_dir, month).get(k) {
                lines.push((
                    number.clone(),
                    k.to_string(),
                    index::Ref {
                        seq: rec.seq,
                        segment: segment.to_string(),
                    },
                ));
            }
        }
        if let Entry::Reviewed { changes, .. } = &rec.entry {
            let mut months: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for c in changes {
                if self.key_of(&c.number)?.is_some() {
                    continue;
                }
                let Some(month) = month_of_number(&c.number) else {
                    continue;
                };
                let known = months.entry(month.clone()).or_insert_with(|| {
                    index::month(&self.journal_dir, &month)
                        .into_iter()
                        .map(|(key, (number, _))| (number, key))
                        .collect()
                });
                if let Some((number, key)) = known.get_key_value(&c.number) {
                    lines.push((
                        number.clone(),
                        key.clone(),
                        index::Ref {
                            seq: rec.seq,
                            segment: segment.to_string(),
                        },
                    ));
                }
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        index::append(&self.journal_dir, &lines).map_err(|e| self.index_error(e))
    }
}
