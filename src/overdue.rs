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
use crate::store::{Application, Found, Store};
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

/// Whether `f` is past its limit on `today`.
pub fn is_overdue(catalog: &Catalog, f: &Found, today: NaiveDate) -> bool {
    let open = matches!(f.state, Some(ReviewState::Received | ReviewState::Accepted));
    if !open || f.app.void.is_some() {
        return false;
    }
    let Some(svc) = catalog.get(&f.app.service) else {
        return false;
    };
    if svc.time_limit_days == 0 {
        return false;
    }
    today > deadline(f.app.date, svc.time_limit_days, svc.limit_in_working_days())
}

/// The applications in the working store past their limit, oldest first.
pub fn overdue(
    store: &Store,
    catalog: &Catalog,
    today: NaiveDate,
) -> crate::store::Result<Vec<Found>> {
    let mut apps: Vec<Application> = Vec::new();
    store.for_each_application(|_, a| {
        if a.hub_receipt.is_some() && a.void.is_none() {
            apps.push(a.clone());
        }
    })?;
    let mut out = Vec::new();
    for app in apps {
        let review = store.review_of(&app.id)?;
        let state = Some(review.as_ref().map_or(ReviewState::Received, |r| r.state));
        let f = Found { app, state, review };
        if is_overdue(catalog, &f, today) {
            out.push(f);
        }
    }
    out.sort_by(|a, b| (a.app.date, &a.app.number).cmp(&(b.app.date, &b.app.number)));
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
