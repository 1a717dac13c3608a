//! Retention (DESIGN.md §4): after a configured number of days, an
//! acknowledged application keeps its number, service, date, clerk, fees and
//! states but loses its personal fields and attachments. Tallies are not
//! touched. Work is bounded per call (a few days at a time), never a scan
//! of the whole store.

use chrono::NaiveDate;

use super::{dec, enc, Application, Delivery, Result, Store};

/// New days handled per call, so a long-idle PC catches up in small steps.
pub const DAYS_PER_CALL: i64 = 31;

impl Store {
    /// Purges one day's acknowledged applications; true when nothing on
    /// that day is left to purge later (everything was acknowledged).
    fn purge_day(
        &self,
        day: NaiveDate,
        data_dir: &std::path::Path,
        personal: &dyn Fn(&str, &str) -> bool,
        purged: &mut usize,
    ) -> Result<bool> {
        let mut complete = true;
        let rows: Vec<(sled::IVec, sled::IVec)> = self
            .apps
            .scan_prefix(format!("{day}/"))
            .collect::<std::result::Result<_, _>>()?;
        for (key, raw) in rows {
            let mut app: Application = dec(&raw)?;
            if app.purged {
                continue;
            }
            if app.hub_receipt.is_none() {
                // Not acknowledged: keep everything; come back later.
                complete = false;
                continue;
            }
            app.values.retain(|k, _| !personal(&app.service, k));
            if let Delivery::Ems { address } = &mut app.delivery {
                address.clear();
            }
            for a in &app.attachments {
                let _ = std::fs::remove_file(data_dir.join(&a.path));
            }
            app.attachments.clear();
            app.purged = true;
            self.apps.insert(key, enc(&app)?)?;
            *purged += 1;
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
        self.flush()?;
        Ok(purged)
    }
}
