//! The retention purge, with the catalogue deciding what is personal.

use chrono::{Duration, NaiveDate};

use crate::catalog::Catalog;
use crate::store::{Result, Store};

/// Field keys treated as personal even if a (local) service forgets to say so.
pub const ALWAYS_PERSONAL: &[&str] = &["id_number", "phone", "address", "owner_name"];

/// Purges acknowledged applications older than `days` days before `today`.
pub fn purge(
    store: &Store,
    days: u32,
    today: NaiveDate,
    data_dir: &std::path::Path,
) -> Result<usize> {
    let catalog = Catalog::builtin().unwrap_or(Catalog { services: vec![] });
    let personal = |service: &str, key: &str| -> bool {
        if ALWAYS_PERSONAL.contains(&key) || key.ends_with("_name") {
            return true;
        }
        catalog
            .get(service)
            .and_then(|s| s.field(key))
            .map(|f| f.personal)
            // Unknown field: purge it, to be safe.
            .unwrap_or(true)
    };
    let cutoff = today - Duration::days(i64::from(days));
    store.purge_before(cutoff, data_dir, &personal)
}

/// The daily job: [`purge`] at most once per branch day (the day is kept
/// in the store). `None` when it already ran today.
pub fn purge_daily(
    store: &Store,
    days: u32,
    today: NaiveDate,
    data_dir: &std::path::Path,
) -> Result<Option<usize>> {
    if store.retention_day()? == Some(today) {
        return Ok(None);
    }
    let n = purge(store, days, today, data_dir)?;
    store.set_retention_day(today)?;
    Ok(Some(n))
}
