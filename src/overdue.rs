//! Past the statutory time limit (超期): an application the hub
//! acknowledged whose office answer is not final (not `completed`, not
//! `rejected`) and whose service's `time_limit_days` have run out since the
//! application date, counted in working days where the catalogue says so.
//!
//! Working days are Monday to Friday. Public holidays and the weekend days
//! China makes working days around them are not known to the app: near a
//! holiday an application may show 超期 a few days before the law's count
//! says so (never later). An application waiting for the customer
//! (`needs_correction`) is not counted: the clock is the customer's then.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::catalog::Catalog;
use crate::store::{Found, Store};
use crate::wire::ReviewState;

/// The last day within the limit: `days` after `from` (working days when
/// `working`).
pub fn deadline(from: NaiveDate, days: u32, working: bool) -> NaiveDate {
    if !working {
        return from + chrono::Duration::days(days as i64);
    }
    let mut d = from;
    let mut left = days;
    while left > 0 {
        d += chrono::Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// One application past its time limit, as the supervisor's screens list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Late {
    pub number: String,
    pub date: NaiveDate,
    pub service: String,
    pub state: ReviewState,
}

/// Whether an application of `service` dated `date`, not voided, whose
/// office answer is `state`, is past its limit on `today`.
pub fn is_late(
    catalog: &Catalog,
    service: &str,
    date: NaiveDate,
    state: ReviewState,
    today: NaiveDate,
) -> bool {
    if !matches!(state, ReviewState::Received | ReviewState::Accepted) {
        return false;
    }
    let Some(svc) = catalog.get(service) else {
        return false;
    };
    if svc.time_limit_days == 0 {
        return false;
    }
    today > deadline(date, svc.time_limit_days, svc.limit_in_working_days())
}

/// Whether `f` is past its limit on `today`.
pub fn is_overdue(catalog: &Catalog, f: &Found, today: NaiveDate) -> bool {
    let Some(state) = f.state else {
        return false;
    };
    f.app.void.is_none() && is_late(catalog, &f.app.service, f.app.date, state, today)
}

/// The applications past their limit, oldest first: the acknowledged ones
/// in the working store, and those that left it still waiting for a final
/// answer (kept as `open/` marks, so the journal is not read).
pub fn overdue(
    store: &Store,
    catalog: &Catalog,
    today: NaiveDate,
) -> crate::store::Result<Vec<Late>> {
    let mut open: Vec<(String, String, String, NaiveDate)> = Vec::new();
    store.for_each_working_head(|a| {
        if a.hub_receipt.is_some() && !a.voided() {
            open.push((a.id, a.number, a.service, a.date));
        }
    })?;
    for o in store.open_evicted()? {
        open.push((o.id, o.number, o.service, o.date));
    }
    let mut out = Vec::new();
    for (id, number, service, date) in open {
        let state = store
            .review_of(&id)?
            .map_or(ReviewState::Received, |r| r.state);
        if is_late(catalog, &service, date, state, today) {
            out.push(Late {
                number,
                date,
                service,
                state,
            });
        }
    }
    out.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday + 1 working day = Monday
        assert_eq!(deadline(day("2026-11-27"), 1, true), day("2026-11-30"));
        // Monday + 15 working days = three weeks on, Monday
        assert_eq!(deadline(day("2026-11-30"), 15, true), day("2026-12-21"));
        // calendar days do not
        assert_eq!(deadline(day("2026-11-27"), 1, false), day("2026-11-28"));
        assert_eq!(deadline(day("2026-11-27"), 0, true), day("2026-11-27"));
    }
}
