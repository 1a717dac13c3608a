//! Retention (DESIGN.md §4): after a configured number of days, an
//! acknowledged application keeps its number, service, date, clerk, fees and
//! states but loses its personal fields and attachments. Tallies are not
//! touched. Work is bounded per call (a few days at a time), never a scan
//! of the whole store.

use chrono::NaiveDate;

use std::collections::BTreeMap;

use chrono::Datelike;

use super::{dec, Application, Result, Store};
use crate::journal::Entry;

/// One application purged in this call, for rewriting the journal.
struct Scrub {
    key: String,
    fields: Vec<String>,
    draft: Option<String>,
}

/// New days handled per call, so a long-idle PC catches up in small steps.
pub const DAYS_PER_CALL: i64 = 31;

impl Store {
    /// Purges one day's acknowledged applications, in the working store
    /// and those already evicted to the journal (one journal record naming
    /// the fields removed); true when nothing on that day is left to purge
    /// later (everything was acknowledged).
    fn purge_day(
        &self,
        day: NaiveDate,
        data_dir: &std::path::Path,
        personal: &dyn Fn(&str, &str) -> bool,
        done: &mut Vec<Scrub>,
        months: &mut BTreeMap<String, Vec<(String, Application)>>,
    ) -> Result<bool> {
        let mut complete = true;
        let mut rows: Vec<(String, Application)> = Vec::new();
        for row in self.apps.scan_prefix(format!("{day}/")) {
            let (key, raw) = row?;
            rows.push((String::from_utf8_lossy(&key).into_owned(), dec(&raw)?));
        }
        let month = day.format("%Y-%m").to_string();
        if !months.contains_key(&month) {
            let first = day.with_day(1).unwrap_or(day);
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(day);
            months.insert(month.clone(), self.evicted_between(first, last)?);
        }
        if let Some(evicted) = months.get(&month) {
            rows.extend(evicted.iter().filter(|(_, a)| a.date == day).cloned());
        }
        let mut items = Vec::new();
        let mut files = Vec::new();
        for (key, app) in rows {
            if app.purged {
                continue;
            }
            if app.hub_receipt.is_none() {
                // Not acknowledged: keep everything; come back later.
                complete = false;
                continue;
            }
            let fields: Vec<String> = app
                .values
                .keys()
                .filter(|k| personal(&app.service, k))
                .cloned()
                .collect();
            files.extend(app.attachments.iter().map(|a| data_dir.join(&a.path)));
            done.push(Scrub {
                key: key.clone(),
                fields: fields.clone(),
                draft: app.draft_number.clone(),
            });
            items.push((key, fields));
        }
        if !items.is_empty() {
            let at = chrono::Local::now().fixed_offset();
            self.record(at, |_| Ok((vec![Entry::Purged { items }], ())))?;
            for f in files {
                if let Err(e) = std::fs::remove_file(&f) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        crate::log::warn(&format!("retention: cannot remove an attachment: {e}"));
                    }
                }
            }
        }
        Ok(complete)
    }

    /// Rewrites the journal segments that still hold the purged fields in
    /// clear (Finish records, the parked draft, a void of an evicted
    /// application), renewing each frame's checksum; sequence numbers and
    /// everything else stay. A segment with a damaged frame is left as it
    /// is (and logged), so no evidence is lost.
    fn scrub_journal(&self, done: &[Scrub]) -> Result<usize> {
        if done.is_empty() {
            return Ok(0);
        }
        let by_key: BTreeMap<&str, &Scrub> = done.iter().map(|s| (s.key.as_str(), s)).collect();
        let by_draft: BTreeMap<&str, &Scrub> = done
            .iter()
            .filter_map(|s| s.draft.as_deref().map(|d| (d, s)))
            .collect();
        let first_month = done
            .iter()
            .filter_map(|s| crate::journal::index::month_of_key(&s.key))
            .min()
            .unwrap_or("0000-00")
            .to_string();
        // Drafts are parked before they finish: start a month earlier.
        let first = chrono::NaiveDate::parse_from_str(&format!("{first_month}-01"), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_sub_months(chrono::Months::new(1)))
            .map(|d| d.format("%Y-%m.jnl").to_string())
            .unwrap_or_default();
        let mut journal = self
            .journal
            .lock()
            .map_err(|_| super::StoreError::Conflict("journal lock poisoned".into()))?;
        journal.close_segment();
        let dir = self.journal_dir.clone();
        let mut rewritten = 0;
        for name in crate::journal::segments(&dir)? {
            if name < first {
                continue;
            }
            let scan = crate::journal::scan_segment(&dir, &name)?;
            let mut changed = false;
            let mut records = scan.records;
            for r in &mut records {
                match &mut r.entry {
                    Entry::Finish { key, app } => {
                        if let Some(s) = by_key.get(key.as_str()) {
                            if !app.purged {
                                super::apply::purge_fields(app, &s.fields);
                                changed = true;
                            }
                        }
                    }
                    Entry::Void {
                        key,
                        evicted: Some(app),
                        ..
                    } => {
                        if let Some(s) = by_key.get(key.as_str()) {
                            if !app.purged {
                                super::apply::purge_fields(app, &s.fields);
                                changed = true;
                            }
                        }
                    }
                    Entry::Park { draft } => {
                        if let Some(s) = by_draft.get(draft.number.as_str()) {
                            let before = draft.values.len();
                            draft.values.retain(|k, _| !s.fields.contains(k));
                            if let super::Delivery::Ems { address } = &mut draft.delivery {
                                if !address.is_empty() {
                                    address.clear();
                                    changed = true;
                                }
                            }
                            if !draft.attachments.is_empty() {
                                draft.attachments.clear();
                                changed = true;
                            }
                            changed |= draft.values.len() != before;
                        }
                    }
                    _ => {}
                }
            }
            if !changed {
                continue;
            }
            if !scan.damage.is_empty() || scan.torn_tail > 0 {
                crate::log::warn(&format!(
                    "retention: {name} has damaged frames; not rewritten (run jingyou store verify)"
                ));
                continue;
            }
            let mut bytes = crate::journal::SEGMENT_MAGIC.to_vec();
            for r in &records {
                bytes.extend_from_slice(&crate::journal::encode_frame(r)?);
            }
            let io = |e: std::io::Error| {
                super::StoreError::Journal(crate::journal::JournalError::Io {
                    path: dir.join(&name),
                    source: e,
                })
            };
            let tmp = dir.join(format!(".{name}.rewrite"));
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&tmp)
                    .map_err(io)?;
                f.write_all(&bytes).map_err(io)?;
                f.sync_all().map_err(io)?;
            }
            std::fs::rename(&tmp, dir.join(&name)).map_err(io)?;
            crate::journal::sync_dir(&dir).map_err(io)?;
            rewritten += 1;
        }
        if rewritten > 0 {
            crate::log::info(&format!(
                "retention: {rewritten} journal segments rewritten without purged personal data"
            ));
        }
        Ok(rewritten)
    }

    /// Purges personal data of acknowledged applications finished before
    /// `cutoff`. `personal(service, field)` says which fields are personal.
    /// Attachment files under `data_dir` are deleted. Days that still hold
    /// unacknowledged applications are remembered and looked at again on
    /// later calls. Returns how many applications were purged.
    pub fn purge_before(
        &self,
        cutoff: NaiveDate,
        data_dir: &std::path::Path,
        personal: &dyn Fn(&str, &str) -> bool,
    ) -> Result<usize> {
        let mut done: Vec<Scrub> = Vec::new();
        let mut months = BTreeMap::new();
        // Days left over from earlier calls.
        let leftovers: Vec<(sled::IVec, NaiveDate)> = self
            .meta
            .scan_prefix("purge_leftover/")
            .keys()
            .filter_map(|k| {
                let k = k.ok()?;
                let d = String::from_utf8_lossy(&k["purge_leftover/".len()..])
                    .parse()
                    .ok()?;
                Some((k, d))
            })
            .collect();
        for (key, day) in leftovers {
            if day < cutoff && self.purge_day(day, data_dir, personal, &mut done, &mut months)? {
                self.meta.remove(key)?;
            }
        }
        // New days, from the cursor on.
        let mut day: NaiveDate = match self.meta.get("purge_cursor")? {
            Some(v) => match String::from_utf8_lossy(&v).parse() {
                Ok(d) => d,
                Err(_) => return Ok(done.len()),
            },
            None => match self.tally_days()?.into_iter().min() {
                Some(d) => d,
                None => return Ok(done.len()),
            },
        };
        let mut steps = 0;
        while day < cutoff && steps < DAYS_PER_CALL {
            if !self.purge_day(day, data_dir, personal, &mut done, &mut months)? {
                self.meta.insert(format!("purge_leftover/{day}"), &[])?;
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
            self.meta
                .insert("purge_cursor", day.to_string().as_bytes())?;
            steps += 1;
        }
        self.db.flush()?;
        self.scrub_journal(&done)?;
        Ok(done.len())
    }

    /// The branch day the daily retention job last ran.
    pub fn retention_day(&self) -> Result<Option<NaiveDate>> {
        Ok(self
            .meta
            .get("retention_day")?
            .and_then(|v| String::from_utf8_lossy(&v).parse().ok()))
    }

    pub fn set_retention_day(&self, day: NaiveDate) -> Result<()> {
        self.meta
            .insert("retention_day", day.to_string().as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// When the last `backup --to` finished (for the supervisor and doctor).
    pub fn last_backup(&self) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>> {
        Ok(self
            .meta
            .get("last_backup")?
            .and_then(|v| chrono::DateTime::parse_from_rfc3339(&String::from_utf8_lossy(&v)).ok()))
    }

    pub fn set_last_backup(&self, at: chrono::DateTime<chrono::FixedOffset>) -> Result<()> {
        self.meta
            .insert("last_backup", at.to_rfc3339().as_bytes())?;
        self.flush()
    }
}
