//! Calendar arithmetic: months, ages, day counts.
//!
//! A period of months is counted **forward from its start**, as 民法典
//! art. 201–202 count it: the day of the start is not counted, and the period
//! ends on the corresponding day of the last month, or on that month's last
//! day when it has no such day. So a certificate issued on 2026-02-28 and
//! valid for six months is valid up to and including 2026-08-28 (not 08-31),
//! one of 2026-04-30 to 2026-10-30, one of 2026-08-31 to 2027-02-28: always
//! [`months_after`] of the start. Counting back from the end ("issued on or
//! after six months before today") is not the same at month ends and is not
//! used for validity. All functions are total: results outside chrono's
//! range saturate at [`NaiveDate::MIN`]/[`NaiveDate::MAX`] instead of
//! panicking.

use chrono::{Datelike, Days, NaiveDate};

/// Number of days in `month` (1–12) of `year`; 0 for an invalid month.
fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year.checked_add(1), 1)
    } else {
        (Some(year), month + 1)
    };
    match (
        ny.and_then(|y| NaiveDate::from_ymd_opt(y, nm, 1)),
        NaiveDate::from_ymd_opt(year, month, 1),
    ) {
        (Some(next), Some(first)) => (next - first).num_days() as u32,
        // December of chrono's last year: December always has 31 days.
        (None, Some(_)) => 31,
        _ => 0,
    }
}

/// Shifts `d` by `delta` months, clamping the day to the target month's end.
fn shift_months(d: NaiveDate, delta: i64) -> NaiveDate {
    let index = i64::from(d.year()) * 12 + i64::from(d.month0()) + delta;
    let year = index.div_euclid(12);
    let month = index.rem_euclid(12) as u32 + 1;
    let Ok(year) = i32::try_from(year) else {
        return if delta < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        };
    };
    let day = d.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if delta < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// The same day `months` months before `d`, clamped to the month's end
/// (2026-08-31 minus 6 months = 2026-02-28; 2024-08-31 minus 6 = 2024-02-29).
pub fn months_before(d: NaiveDate, months: u32) -> NaiveDate {
    shift_months(d, -i64::from(months))
}

/// The same day `months` months after `d`, clamped to the month's end
/// (2024-02-29 plus 12 months = 2025-02-28).
pub fn months_after(d: NaiveDate, months: u32) -> NaiveDate {
    shift_months(d, i64::from(months))
}

/// The last day of `d`'s month (2024-02-10 → 2024-02-29).
pub fn month_end(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), days_in_month(d.year(), d.month())).unwrap_or(d)
}

/// The first day of the month `months` months before `d`'s month
/// (2024-05-31, 2 → 2024-03-01): with `months = 2` and a due date at a month
/// end, the three calendar months that end on the due date start here.
pub fn first_of_month_before(d: NaiveDate, months: u32) -> NaiveDate {
    let m = months_before(d, months);
    NaiveDate::from_ymd_opt(m.year(), m.month(), 1).unwrap_or(m)
}

/// `d` plus `n` days (negative `n` goes back), saturating at chrono's range.
pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let r = if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    r.unwrap_or(if n >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Completed years of age on `on` (0 if `on` is before `birth`).
///
/// A birthday is reached on the same month and day; someone born on Feb 29
/// completes a year on Feb 28 in non-leap years (month-end clamping, the same
/// convention as [`months_after`]).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let years = u32::try_from(on.year() - birth.year()).unwrap_or(0);
    let anniversary = months_after(birth, years.saturating_mul(12));
    if anniversary > on {
        years.saturating_sub(1)
    } else {
        years
    }
}

/// True when `on` is on or after `event` and at most `days` days later: with
/// `days = 30`, an event on 03-01 may be reported up to and including 03-31.
/// A future `event` is never "within".
pub fn within_days(event: NaiveDate, on: NaiveDate, days: i64) -> bool {
    let d = days_between(event, on);
    (0..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn months_before_clamps_to_month_end() {
        assert_eq!(months_before(d(2026, 8, 31), 6), d(2026, 2, 28));
        assert_eq!(months_before(d(2024, 8, 31), 6), d(2024, 2, 29));
        assert_eq!(months_before(d(2026, 8, 30), 6), d(2026, 2, 28));
        assert_eq!(months_before(d(2026, 8, 28), 6), d(2026, 2, 28));
        assert_eq!(months_before(d(2026, 8, 27), 6), d(2026, 2, 27));
        assert_eq!(months_before(d(2026, 5, 31), 1), d(2026, 4, 30));
        assert_eq!(months_before(d(2026, 3, 15), 0), d(2026, 3, 15));
    }

    #[test]
    fn months_cross_year_boundaries() {
        assert_eq!(months_before(d(2026, 1, 15), 1), d(2025, 12, 15));
        assert_eq!(months_before(d(2026, 3, 31), 15), d(2024, 12, 31));
        assert_eq!(months_after(d(2025, 12, 15), 1), d(2026, 1, 15));
        assert_eq!(months_after(d(2025, 11, 30), 3), d(2026, 2, 28));
        assert_eq!(months_after(d(2023, 11, 30), 3), d(2024, 2, 29));
    }

    #[test]
    fn months_after_leap_day() {
        assert_eq!(months_after(d(2024, 2, 29), 12), d(2025, 2, 28));
        assert_eq!(months_after(d(2024, 2, 29), 48), d(2028, 2, 29));
        assert_eq!(months_after(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(months_after(d(2025, 1, 31), 1), d(2025, 2, 28));
        // 1900 is not a leap year, 2000 is.
        assert_eq!(months_after(d(1900, 1, 31), 1), d(1900, 2, 28));
        assert_eq!(months_after(d(2000, 1, 31), 1), d(2000, 2, 29));
    }

    #[test]
    fn huge_shifts_saturate_instead_of_panicking() {
        assert_eq!(months_after(d(2026, 1, 1), u32::MAX), NaiveDate::MAX);
        assert_eq!(months_before(d(2026, 1, 1), u32::MAX), NaiveDate::MIN);
        assert_eq!(add_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_days(NaiveDate::MIN, -1), NaiveDate::MIN);
        assert_eq!(add_days(d(2026, 2, 28), 1), d(2026, 3, 1));
        assert_eq!(add_days(d(2024, 3, 1), -1), d(2024, 2, 29));
    }

    #[test]
    fn age_counts_completed_years() {
        let b = d(1965, 6, 15);
        assert_eq!(age_on(b, d(2025, 6, 14)), 59);
        assert_eq!(age_on(b, d(2025, 6, 15)), 60);
        assert_eq!(age_on(b, d(2025, 6, 16)), 60);
        assert_eq!(age_on(b, d(1965, 6, 15)), 0);
        assert_eq!(age_on(b, d(1960, 1, 1)), 0);
    }

    #[test]
    fn age_with_feb_29_birthday() {
        let b = d(2004, 2, 29);
        assert_eq!(age_on(b, d(2025, 2, 27)), 20);
        assert_eq!(age_on(b, d(2025, 2, 28)), 21);
        assert_eq!(age_on(b, d(2025, 3, 1)), 21);
        assert_eq!(age_on(b, d(2028, 2, 28)), 23);
        assert_eq!(age_on(b, d(2028, 2, 29)), 24);
    }

    #[test]
    fn civil_code_art_202_counts_forward_from_the_start() {
        // Six months from the issue date, the corresponding day.
        assert_eq!(months_after(d(2026, 2, 28), 6), d(2026, 8, 28));
        assert_eq!(months_after(d(2026, 4, 30), 6), d(2026, 10, 30));
        // No corresponding day: the last day of the month.
        assert_eq!(months_after(d(2026, 8, 31), 6), d(2027, 2, 28));
        assert_eq!(months_after(d(2027, 8, 31), 6), d(2028, 2, 29));
        assert_eq!(months_after(d(2026, 3, 31), 6), d(2026, 9, 30));
        assert_eq!(months_after(d(2024, 2, 29), 6), d(2024, 8, 29));
    }

    #[test]
    fn month_ends_and_month_starts() {
        assert_eq!(month_end(d(2024, 2, 10)), d(2024, 2, 29));
        assert_eq!(month_end(d(2025, 2, 28)), d(2025, 2, 28));
        assert_eq!(month_end(d(2100, 2, 1)), d(2100, 2, 28));
        assert_eq!(month_end(d(2026, 12, 31)), d(2026, 12, 31));
        assert_eq!(month_end(d(2026, 4, 1)), d(2026, 4, 30));
        assert_eq!(first_of_month_before(d(2024, 5, 31), 2), d(2024, 3, 1));
        assert_eq!(first_of_month_before(d(2026, 2, 28), 2), d(2025, 12, 1));
        assert_eq!(first_of_month_before(d(2026, 1, 31), 2), d(2025, 11, 1));
    }

    #[test]
    fn within_days_includes_both_ends() {
        let e = d(2026, 3, 1);
        assert!(within_days(e, d(2026, 3, 1), 30));
        assert!(within_days(e, d(2026, 3, 31), 30));
        assert!(!within_days(e, d(2026, 4, 1), 30));
        assert!(!within_days(e, d(2026, 2, 28), 30));
    }
}
