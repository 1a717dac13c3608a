//! Late-payment surcharge on a fine (W1; 行政处罚法 2021 art. 67 and 72).

use chrono::NaiveDate;

use super::dates::days_between;

/// Days after receipt during which a fine can be paid without surcharge.
pub const FREE_DAYS: i64 = 15;
/// Surcharge per late day, in percent of the fine.
pub const PERCENT_PER_DAY: u64 = 3;

/// Days of surcharge on `on` for a decision received on `received`.
///
/// Received on day R: days R+1 … R+15 are free; R+16 is the first late day.
pub fn late_days(received: NaiveDate, on: NaiveDate) -> u64 {
    u64::try_from(days_between(received, on) - FREE_DAYS).unwrap_or(0)
}

/// The surcharge (加处罚款) in fen on `on`: 3 % of the fine for each day from
/// the 16th day after receipt, rounded down to the fen, never more than the
/// fine. Integer arithmetic only, with no overflow for any `u64` fine.
pub fn late_surcharge_fen(fine_fen: u64, received: NaiveDate, on: NaiveDate) -> u64 {
    let days = late_days(received, on);
    if days == 0 {
        return 0;
    }
    let raw = u128::from(fine_fen) * u128::from(PERCENT_PER_DAY) * u128::from(days) / 100;
    u64::try_from(raw.min(u128::from(fine_fen))).unwrap_or(fine_fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn fifteen_days_are_free() {
        let r = d(2026, 3, 1);
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 3, 1)), 0);
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 3, 15)), 0);
        // R+15 = 03-16: still free.
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 3, 16)), 0);
        // R+16 = 03-17: one day, 3 % of 200 yuan = 6 yuan = 600 fen.
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 3, 17)), 600);
        // R+17: two days = 1200 fen.
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 3, 18)), 1200);
    }

    #[test]
    fn before_receipt_is_free() {
        assert_eq!(late_surcharge_fen(20000, d(2026, 3, 10), d(2026, 3, 1)), 0);
    }

    #[test]
    fn rounds_down_to_the_fen() {
        // 3 % of 0.33 yuan = 0.99 fen → 0; two days = 1.98 → 1.
        let r = d(2026, 1, 1);
        assert_eq!(late_surcharge_fen(33, r, d(2026, 1, 17)), 0);
        assert_eq!(late_surcharge_fen(33, r, d(2026, 1, 18)), 1);
        // 3 % of 50.01 yuan = 150.03 fen → 150.
        assert_eq!(late_surcharge_fen(5001, r, d(2026, 1, 17)), 150);
    }

    #[test]
    fn capped_at_the_fine() {
        let r = d(2026, 1, 1);
        // 33 days × 3 % = 99 %: 19800 fen of 20000.
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 2, 18)), 19800);
        // 34 days = 102 % → capped at 20000.
        assert_eq!(late_surcharge_fen(20000, r, d(2026, 2, 19)), 20000);
        assert_eq!(late_surcharge_fen(20000, r, d(2036, 1, 1)), 20000);
        assert_eq!(late_surcharge_fen(0, r, d(2036, 1, 1)), 0);
    }

    #[test]
    fn big_fines_do_not_overflow() {
        let r = d(2026, 1, 1);
        assert_eq!(
            late_surcharge_fen(u64::MAX, r, d(2026, 1, 17)),
            553_402_322_211_286_548
        );
        assert_eq!(late_surcharge_fen(u64::MAX, r, d(2100, 1, 1)), u64::MAX);
        assert_eq!(
            late_surcharge_fen(u64::MAX, NaiveDate::MIN, NaiveDate::MAX),
            u64::MAX
        );
    }
}
