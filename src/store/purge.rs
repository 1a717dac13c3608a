//! Retention (DESIGN.md §4): after a configured number of days, an
//! acknowledged application keeps its number, service, date, clerk, fees and
//! states but loses its personal fields and attachments. Tallies are not
//! touched. Work is bounded per call (a few days at a time), never a scan
//! of the whole store.

use chrono::NaiveDate;

use super::{dec, Application, Result, Store};
use crate::journal::Entry;

/// New days handled per call, so a long-idle PC catches up in small steps.
pub const DAYS_PER_CALL: i64 = 31;

impl Store {
    /// Purges one day's acknowledged applications (one journal record
    /// naming the fields removed); true when nothing on that day is left
    /// to purge later (everything was acknowledged).
    fn purge_day(
        &self,
        day: NaiveDate,
        data_dir: &std::path::Path,
        personal: &dyn Fn(&str, &str) -> bool,
        purged: &mut usize,
    ) -> Result<bool> {
        let mut complete = true;
        let mut items = Vec::new();
        let mut files = Vec::new();
        for row in self.apps.scan_prefix(format!("{day}/")) {
            let (key, raw) = row?;
            let app: Application = dec(&raw)?;
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
            items.push((String::from_utf8_lossy(&key).into_owned(), fields));
        }
        if !items.is_empty() {
            let n = items.len();
            let at = chrono::Local::now().fixed_offset();
            self.record(at, |_| Ok((vec![Entry::Purged { items }], ())))?;
            *purged += n;
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
        let mut purged = 0;
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
            if day < cutoff && self.purge_day(day, data_dir, personal, &mut purged)? {
                self.meta.remove(key)?;
            }
        }
        // New days, from the cursor on.
        let mut day: NaiveDate = match self.meta.get("purge_cursor")? {
            Some(v) => match String::from_utf8_lossy(&v).parse() {
                Ok(d) => d,
                Err(_) => return Ok(purged),
            },
            None => match self.tally_days()?.into_iter().min() {
                Some(d) => d,
                None => return Ok(purged),
            },
        };
        let mut steps = 0;
        while day < cutoff && steps < DAYS_PER_CALL {
            if !self.purge_day(day, data_dir, personal, &mut purged)? {
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
        Ok(purged)
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
