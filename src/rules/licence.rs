//! Driving-licence rules (domain.md §2b; 令162 as amended by 令172).

use chrono::NaiveDate;

use super::dates::{add_days, age_on, days_between, months_after};

/// Days before expiry from which a licence can be renewed (令162 art. 63).
pub const RENEWAL_WINDOW_DAYS: i64 = 90;
/// Months after expiry during which a lapsed licence can still be renewed,
/// or a deferral applied for, before it is cancelled (art. 75, 79(八)).
pub const OVERDUE_GRACE_MONTHS: u32 = 12;
/// Validity of a medical certificate (身体条件证明), in months (art. 85).
pub const MEDICAL_CERT_MONTHS: u32 = 6;
/// Longest deferral (延期), in months (art. 75).
pub const MAX_DEFERRAL_MONTHS: u32 = 36;
/// Age from which drivers submit a medical certificate every year (art. 74)
/// and motorcycle / light-trailer / low-speed classes change (art. 65).
pub const ELDERLY_AGE: u32 = 70;
/// The day 令172 raised the large-vehicle age limit from 60 to 63 (C, S6).
pub const LARGE_VEHICLE_LIMIT_CHANGE: (i32, u32, u32) = (2025, 1, 1);

/// 准驾车型 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LicenceClass {
    /// 大型客车
    A1,
    /// 重型牵引挂车
    A2,
    /// 城市公交车
    A3,
    /// 中型客车
    B1,
    /// 大型货车
    B2,
    /// 小型汽车
    C1,
    /// 小型自动挡汽车
    C2,
    /// 低速载货汽车
    C3,
    /// 三轮汽车
    C4,
    /// 残疾人专用小型自动挡载客汽车
    C5,
    /// 轻型牵引挂车
    C6,
    /// 普通三轮摩托车
    D,
    /// 普通二轮摩托车
    E,
    /// 轻便摩托车
    F,
    /// 轮式专用机械车
    M,
    /// 无轨电车
    N,
    /// 有轨电车
    P,
}

impl LicenceClass {
    /// Every class, in code order.
    pub const ALL: [LicenceClass; 17] = [
        LicenceClass::A1,
        LicenceClass::A2,
        LicenceClass::A3,
        LicenceClass::B1,
        LicenceClass::B2,
        LicenceClass::C1,
        LicenceClass::C2,
        LicenceClass::C3,
        LicenceClass::C4,
        LicenceClass::C5,
        LicenceClass::C6,
        LicenceClass::D,
        LicenceClass::E,
        LicenceClass::F,
        LicenceClass::M,
        LicenceClass::N,
        LicenceClass::P,
    ];

    /// The code as printed on the licence ("A1", "C1", "F", ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            LicenceClass::A1 => "A1",
            LicenceClass::A2 => "A2",
            LicenceClass::A3 => "A3",
            LicenceClass::B1 => "B1",
            LicenceClass::B2 => "B2",
            LicenceClass::C1 => "C1",
            LicenceClass::C2 => "C2",
            LicenceClass::C3 => "C3",
            LicenceClass::C4 => "C4",
            LicenceClass::C5 => "C5",
            LicenceClass::C6 => "C6",
            LicenceClass::D => "D",
            LicenceClass::E => "E",
            LicenceClass::F => "F",
            LicenceClass::M => "M",
            LicenceClass::N => "N",
            LicenceClass::P => "P",
        }
    }

    /// Parses a code, ignoring surrounding spaces and case ("c1" → C1).
    pub fn parse(s: &str) -> Option<LicenceClass> {
        let s = s.trim();
        LicenceClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The classes with the large-vehicle age limit (60, 63 from 2025-01-01).
    pub fn is_large(&self) -> bool {
        matches!(
            self,
            LicenceClass::A1
                | LicenceClass::A2
                | LicenceClass::A3
                | LicenceClass::B1
                | LicenceClass::B2
        )
    }
}

/// Where a licence stands for 期满换证 on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Before the window: it opens on `opens` (expiry − 90 days).
    TooEarly { opens: NaiveDate, days_to_wait: i64 },
    /// From expiry − 90 days up to and including the expiry day.
    InWindow { days_left: i64 },
    /// After expiry, up to and including the same date one year later
    /// (Feb 29 → Feb 28): still renewable at a branch.
    Overdue { days: i64, last_day: NaiveDate },
    /// More than one year after expiry: the licence is cancelled; restoring it
    /// needs the knowledge test at the 车管所, not a branch.
    TooLate { last_day: NaiveDate },
}

/// The renewal window on `on` for a licence expiring on `expiry`.
///
/// Edges: expiry − 90 days is inside the window (inclusive); the expiry day
/// is inside (`days_left = 0`); the day after expiry is `Overdue { days: 1 }`;
/// `months_after(expiry, 12)` is still `Overdue`; the day after is `TooLate`.
pub fn renewal_window(expiry: NaiveDate, on: NaiveDate) -> Renewal {
    let opens = add_days(expiry, -RENEWAL_WINDOW_DAYS);
    let last_day = months_after(expiry, OVERDUE_GRACE_MONTHS);
    if on < opens {
        Renewal::TooEarly {
            opens,
            days_to_wait: days_between(on, opens),
        }
    } else if on <= expiry {
        Renewal::InWindow {
            days_left: days_between(on, expiry),
        }
    } else if on <= last_day {
        Renewal::Overdue {
            days: days_between(expiry, on),
            last_day,
        }
    } else {
        Renewal::TooLate { last_day }
    }
}

/// Whether a medical certificate (身体条件证明) is acceptable on `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MedicalCert {
    /// Within its six months: valid up to and including `valid_until`.
    Valid { valid_until: NaiveDate },
    /// Its six months ended on `valid_until`, before `on`.
    TooOld { valid_until: NaiveDate },
    /// Dated after `on`: a typing error or a forged date.
    Future,
}

/// A certificate issued on `issued` is valid for six months (令162 art. 85),
/// counted forward from the issue date as 民法典 art. 202 counts a period:
/// up to and including `months_after(issued, 6)`. Issued 2026-02-28 → valid
/// to 2026-08-28; 2026-04-30 → 2026-10-30; 2026-08-31 → 2027-02-28.
pub fn medical_certificate(issued: NaiveDate, on: NaiveDate) -> MedicalCert {
    let valid_until = months_after(issued, MEDICAL_CERT_MONTHS);
    if issued > on {
        MedicalCert::Future
    } else if on > valid_until {
        MedicalCert::TooOld { valid_until }
    } else {
        MedicalCert::Valid { valid_until }
    }
}

/// The upper age for large classes (A1 A2 A3 B1 B2) under the rule in force
/// on `on`: 60 before 2025-01-01, 63 from then (令172).
pub fn large_vehicle_age_limit(on: NaiveDate) -> u32 {
    let (y, m, d) = LARGE_VEHICLE_LIMIT_CHANGE;
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(change) if on < change => 60,
        _ => 63,
    }
}

/// What a licence must become because of the holder's age (art. 65).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBand {
    /// No age-related change for this class at this age.
    Unchanged { age: u32 },
    /// The holder must exchange the licence for class `to`. `limit` is the
    /// age that triggered it.
    Downgrade {
        age: u32,
        limit: u32,
        to: LicenceClass,
    },
    /// The holder may no longer drive this class at all (C3, C4 at 70; M, N,
    /// P at the large-vehicle limit): the licence is cancelled (art. 79(十)),
    /// there is nothing to exchange.
    MustStop { age: u32, limit: u32 },
}

/// The age band of a holder born on `birth` with class `class` on `on`.
///
/// - A1 A2 A3 B1 B2 at [`large_vehicle_age_limit`] or older → C1. The
///   regulation allows 小型汽车 (C1) or 小型自动挡汽车 (C2); C1 is chosen here
///   because it is the usual choice. This should become configurable.
/// - D, E (普通三轮/二轮摩托车) at 70 → F (轻便摩托车).
/// - C6 (轻型牵引挂车) at 70 → C1 (or C2, as above).
/// - C3, C4 (低速载货汽车, 三轮汽车) at 70 → must stop.
/// - M, N, P (轮式专用机械车, 无轨电车, 有轨电车) at the large-vehicle limit
///   (60; 63 for applications from 2025-01-01, 令172) → must stop: art. 65
///   offers no lower class for them and art. 79(十) cancels a licence
///   holding only these classes at that age.
/// - Every other class (C1, C2, C5, F): no age-related change.
pub fn age_band(birth: NaiveDate, class: LicenceClass, on: NaiveDate) -> AgeBand {
    let age = age_on(birth, on);
    let limit = large_vehicle_age_limit(on);
    match class {
        c if c.is_large() && age >= limit => AgeBand::Downgrade {
            age,
            limit,
            to: LicenceClass::C1,
        },
        LicenceClass::D | LicenceClass::E if age >= ELDERLY_AGE => AgeBand::Downgrade {
            age,
            limit: ELDERLY_AGE,
            to: LicenceClass::F,
        },
        LicenceClass::C6 if age >= ELDERLY_AGE => AgeBand::Downgrade {
            age,
            limit: ELDERLY_AGE,
            to: LicenceClass::C1,
        },
        LicenceClass::C3 | LicenceClass::C4 if age >= ELDERLY_AGE => AgeBand::MustStop {
            age,
            limit: ELDERLY_AGE,
        },
        LicenceClass::M | LicenceClass::N | LicenceClass::P if age >= limit => {
            AgeBand::MustStop { age, limit }
        }
        _ => AgeBand::Unchanged { age },
    }
}

/// True when a holder born on `birth` must submit a medical certificate every
/// year on `on` (age 70 or more, art. 74).
pub fn annual_medical_required(birth: NaiveDate, on: NaiveDate) -> bool {
    age_on(birth, on) >= ELDERLY_AGE
}

/// Whether a deferral (延期, D7–D9) can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferral {
    /// Allowed; `max_until` is the latest date a deferral may run to.
    Allowed { max_until: NaiveDate },
    /// The requested date is later than three years after the deadline.
    TooLong { max_until: NaiveDate },
    /// Applied more than one year after the licence expired; `last_day` was
    /// the last day.
    TooLate { last_day: NaiveDate },
    /// The requested date is not after both the deadline and today.
    UntilNotLater,
}

/// The deadline that a 审验 or a 身体条件证明 deferral (D8, D9) defers: 30
/// days after the end of the scoring cycle (记分周期), art. 72 and art. 74.
/// A cycle ending on 2026-03-09 gives 2026-04-08.
pub fn cycle_deadline(cycle_end: NaiveDate) -> NaiveDate {
    add_days(cycle_end, CYCLE_SUBMIT_DAYS)
}

/// Days after the end of a scoring cycle within which the 审验 (art. 72) or
/// the yearly 身体条件证明 (art. 74) is due.
pub const CYCLE_SUBMIT_DAYS: i64 = 30;

/// A deferral to `until`, applied for on `on`, of `deadline` (令162 art. 75).
///
/// `deadline` is the date being deferred: the licence expiry for 延期换证
/// (D7), [`cycle_deadline`] for 延期审验 and 延期提交身体条件证明 (D8, D9).
/// The deferral runs at most three years from that deadline
/// (`months_after(deadline, 36)`, 民法典 art. 202) and must end after both
/// the deadline and today. Art. 75 lets it be applied for while the licence
/// is valid or within one year after it expired: `licence_expiry` is `None`
/// for a 长期 licence, which never expires.
pub fn deferral(
    deadline: NaiveDate,
    licence_expiry: Option<NaiveDate>,
    until: NaiveDate,
    on: NaiveDate,
) -> Deferral {
    let max_until = months_after(deadline, MAX_DEFERRAL_MONTHS);
    if let Some(expiry) = licence_expiry {
        let last_day = months_after(expiry, OVERDUE_GRACE_MONTHS);
        if on > last_day {
            return Deferral::TooLate { last_day };
        }
    }
    if until <= deadline || until <= on {
        Deferral::UntilNotLater
    } else if until > max_until {
        Deferral::TooLong { max_until }
    } else {
        Deferral::Allowed { max_until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn licence_class_parses() {
        assert_eq!(LicenceClass::parse("A1"), Some(LicenceClass::A1));
        assert_eq!(LicenceClass::parse(" c1 "), Some(LicenceClass::C1));
        assert_eq!(LicenceClass::parse("P"), Some(LicenceClass::P));
        assert_eq!(LicenceClass::parse("C7"), None);
        assert_eq!(LicenceClass::parse(""), None);
        assert_eq!(LicenceClass::parse("驾驶证"), None);
        for c in LicenceClass::ALL {
            assert_eq!(LicenceClass::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn renewal_window_edges() {
        // Expiry 2026-06-30; 90 days earlier is 2026-04-01.
        let e = d(2026, 6, 30);
        assert_eq!(
            renewal_window(e, d(2026, 3, 31)),
            Renewal::TooEarly {
                opens: d(2026, 4, 1),
                days_to_wait: 1
            }
        );
        assert_eq!(
            renewal_window(e, d(2026, 3, 20)),
            Renewal::TooEarly {
                opens: d(2026, 4, 1),
                days_to_wait: 12
            }
        );
        assert_eq!(
            renewal_window(e, d(2026, 4, 1)),
            Renewal::InWindow { days_left: 90 }
        );
        assert_eq!(
            renewal_window(e, d(2026, 6, 30)),
            Renewal::InWindow { days_left: 0 }
        );
        assert_eq!(
            renewal_window(e, d(2026, 7, 1)),
            Renewal::Overdue {
                days: 1,
                last_day: d(2027, 6, 30)
            }
        );
        assert_eq!(
            renewal_window(e, d(2027, 6, 30)),
            Renewal::Overdue {
                days: 365,
                last_day: d(2027, 6, 30)
            }
        );
        assert_eq!(
            renewal_window(e, d(2027, 7, 1)),
            Renewal::TooLate {
                last_day: d(2027, 6, 30)
            }
        );
    }

    #[test]
    fn renewal_grace_from_feb_29() {
        let e = d(2024, 2, 29);
        assert!(matches!(
            renewal_window(e, d(2025, 2, 28)),
            Renewal::Overdue { days: 365, .. }
        ));
        assert!(matches!(
            renewal_window(e, d(2025, 3, 1)),
            Renewal::TooLate { .. }
        ));
        // Window across a leap day: 2024-05-29 − 90 days = 2024-02-29.
        assert!(matches!(
            renewal_window(d(2024, 5, 29), d(2024, 2, 29)),
            Renewal::InWindow { days_left: 90 }
        ));
        assert!(matches!(
            renewal_window(d(2024, 5, 29), d(2024, 2, 28)),
            Renewal::TooEarly {
                days_to_wait: 1,
                ..
            }
        ));
    }

    #[test]
    fn medical_certificate_six_months_counted_forward() {
        let valid = |until| MedicalCert::Valid { valid_until: until };
        let old = |until| MedicalCert::TooOld { valid_until: until };
        // 民法典 art. 202: 02-28 + 6 months = 08-28, not 08-31.
        let issued = d(2026, 2, 28);
        assert_eq!(
            medical_certificate(issued, d(2026, 8, 27)),
            valid(d(2026, 8, 28))
        );
        assert_eq!(
            medical_certificate(issued, d(2026, 8, 28)),
            valid(d(2026, 8, 28))
        );
        assert_eq!(
            medical_certificate(issued, d(2026, 8, 29)),
            old(d(2026, 8, 28))
        );
        assert_eq!(
            medical_certificate(issued, d(2026, 8, 31)),
            old(d(2026, 8, 28))
        );
        // 04-30 → 10-30.
        let issued = d(2026, 4, 30);
        assert_eq!(
            medical_certificate(issued, d(2026, 10, 30)),
            valid(d(2026, 10, 30))
        );
        assert_eq!(
            medical_certificate(issued, d(2026, 10, 31)),
            old(d(2026, 10, 30))
        );
        // No corresponding day: month end; leap years.
        let issued = d(2026, 8, 31);
        assert_eq!(
            medical_certificate(issued, d(2027, 2, 28)),
            valid(d(2027, 2, 28))
        );
        assert_eq!(
            medical_certificate(issued, d(2027, 3, 1)),
            old(d(2027, 2, 28))
        );
        let issued = d(2023, 8, 31);
        assert_eq!(
            medical_certificate(issued, d(2024, 2, 29)),
            valid(d(2024, 2, 29))
        );
        assert_eq!(
            medical_certificate(issued, d(2024, 3, 1)),
            old(d(2024, 2, 29))
        );
        let issued = d(2024, 2, 29);
        assert_eq!(
            medical_certificate(issued, d(2024, 8, 29)),
            valid(d(2024, 8, 29))
        );
        assert_eq!(
            medical_certificate(issued, d(2024, 8, 30)),
            old(d(2024, 8, 29))
        );
        // Issue day itself; the day before it is the future.
        let on = d(2026, 8, 31);
        assert_eq!(medical_certificate(on, on), valid(d(2027, 2, 28)));
        assert_eq!(medical_certificate(d(2026, 9, 1), on), MedicalCert::Future);
    }

    #[test]
    fn age_limit_changes_on_2025_01_01() {
        assert_eq!(large_vehicle_age_limit(d(2024, 12, 31)), 60);
        assert_eq!(large_vehicle_age_limit(d(2025, 1, 1)), 63);
        assert_eq!(large_vehicle_age_limit(d(2025, 1, 2)), 63);
        assert_eq!(large_vehicle_age_limit(d(2010, 1, 1)), 60);
    }

    #[test]
    fn large_vehicle_bands() {
        // Born 1964-06-01: 60 on 2024-06-01, 63 on 2027-06-01.
        let b = d(1964, 6, 1);
        assert_eq!(
            age_band(b, LicenceClass::A1, d(2024, 12, 31)),
            AgeBand::Downgrade {
                age: 60,
                limit: 60,
                to: LicenceClass::C1
            }
        );
        assert_eq!(
            age_band(b, LicenceClass::A1, d(2025, 1, 1)),
            AgeBand::Unchanged { age: 60 }
        );
        assert_eq!(
            age_band(b, LicenceClass::B2, d(2024, 5, 31)),
            AgeBand::Unchanged { age: 59 }
        );
        assert_eq!(
            age_band(b, LicenceClass::A2, d(2027, 5, 31)),
            AgeBand::Unchanged { age: 62 }
        );
        assert_eq!(
            age_band(b, LicenceClass::A3, d(2027, 6, 1)),
            AgeBand::Downgrade {
                age: 63,
                limit: 63,
                to: LicenceClass::C1
            }
        );
        assert_eq!(
            age_band(b, LicenceClass::C1, d(2040, 1, 1)),
            AgeBand::Unchanged { age: 75 }
        );
    }

    #[test]
    fn seventy_bands() {
        // Born 1956-03-10: 70 on 2026-03-10.
        let b = d(1956, 3, 10);
        let before = d(2026, 3, 9);
        let at = d(2026, 3, 10);
        for c in [LicenceClass::D, LicenceClass::E] {
            assert_eq!(age_band(b, c, before), AgeBand::Unchanged { age: 69 });
            assert_eq!(
                age_band(b, c, at),
                AgeBand::Downgrade {
                    age: 70,
                    limit: 70,
                    to: LicenceClass::F
                }
            );
        }
        assert_eq!(
            age_band(b, LicenceClass::C6, at),
            AgeBand::Downgrade {
                age: 70,
                limit: 70,
                to: LicenceClass::C1
            }
        );
        assert_eq!(
            age_band(b, LicenceClass::C6, before),
            AgeBand::Unchanged { age: 69 }
        );
        for c in [LicenceClass::C3, LicenceClass::C4] {
            assert_eq!(age_band(b, c, before), AgeBand::Unchanged { age: 69 });
            assert_eq!(age_band(b, c, at), AgeBand::MustStop { age: 70, limit: 70 });
        }
        for c in [LicenceClass::F, LicenceClass::C2, LicenceClass::C5] {
            assert_eq!(age_band(b, c, at), AgeBand::Unchanged { age: 70 });
        }
        for c in [LicenceClass::M, LicenceClass::N, LicenceClass::P] {
            assert_eq!(age_band(b, c, at), AgeBand::MustStop { age: 70, limit: 63 });
        }
        assert!(!annual_medical_required(b, before));
        assert!(annual_medical_required(b, at));
    }

    #[test]
    fn wheeled_machinery_and_trams_stop_at_the_large_vehicle_limit() {
        // Born 1964-06-01: 60 on 2024-06-01, 63 on 2027-06-01.
        let b = d(1964, 6, 1);
        for c in [LicenceClass::M, LicenceClass::N, LicenceClass::P] {
            // Before 2025-01-01 the limit is 60 (令162 art. 79(十)).
            assert_eq!(
                age_band(b, c, d(2024, 5, 31)),
                AgeBand::Unchanged { age: 59 }
            );
            assert_eq!(
                age_band(b, c, d(2024, 6, 1)),
                AgeBand::MustStop { age: 60, limit: 60 }
            );
            assert_eq!(
                age_band(b, c, d(2024, 12, 31)),
                AgeBand::MustStop { age: 60, limit: 60 }
            );
            // From 2025-01-01 (令172) it is 63.
            assert_eq!(
                age_band(b, c, d(2025, 1, 1)),
                AgeBand::Unchanged { age: 60 }
            );
            assert_eq!(
                age_band(b, c, d(2027, 5, 31)),
                AgeBand::Unchanged { age: 62 }
            );
            assert_eq!(
                age_band(b, c, d(2027, 6, 1)),
                AgeBand::MustStop { age: 63, limit: 63 }
            );
            assert_eq!(
                age_band(b, c, d(2027, 6, 2)),
                AgeBand::MustStop { age: 63, limit: 63 }
            );
        }
        // Born on a leap day: 63 on 2027-02-28 (no 02-29 that year).
        let b = d(1964, 2, 29);
        assert_eq!(
            age_band(b, LicenceClass::M, d(2027, 2, 27)),
            AgeBand::Unchanged { age: 62 }
        );
        assert_eq!(
            age_band(b, LicenceClass::M, d(2027, 2, 28)),
            AgeBand::MustStop { age: 63, limit: 63 }
        );
    }

    #[test]
    fn cycle_deadline_is_thirty_days_after_the_cycle() {
        assert_eq!(cycle_deadline(d(2026, 3, 9)), d(2026, 4, 8));
        assert_eq!(cycle_deadline(d(2024, 1, 31)), d(2024, 3, 1));
        assert_eq!(cycle_deadline(d(2025, 1, 31)), d(2025, 3, 2));
    }

    #[test]
    fn deferral_edges() {
        let e = d(2026, 6, 30);
        let ex = Some(e);
        // Max until 2029-06-30; last application day 2027-06-30.
        assert_eq!(
            deferral(e, ex, d(2029, 6, 30), d(2026, 5, 1)),
            Deferral::Allowed {
                max_until: d(2029, 6, 30)
            }
        );
        assert_eq!(
            deferral(e, ex, d(2029, 7, 1), d(2026, 5, 1)),
            Deferral::TooLong {
                max_until: d(2029, 6, 30)
            }
        );
        assert_eq!(
            deferral(e, ex, d(2028, 1, 1), d(2027, 6, 30)),
            Deferral::Allowed {
                max_until: d(2029, 6, 30)
            }
        );
        assert_eq!(
            deferral(e, ex, d(2028, 1, 1), d(2027, 7, 1)),
            Deferral::TooLate {
                last_day: d(2027, 6, 30)
            }
        );
        assert_eq!(
            deferral(e, ex, d(2026, 6, 30), d(2026, 5, 1)),
            Deferral::UntilNotLater
        );
        assert_eq!(
            deferral(e, ex, d(2026, 7, 1), d(2026, 5, 1)),
            Deferral::Allowed {
                max_until: d(2029, 6, 30)
            }
        );
        assert_eq!(
            deferral(e, ex, d(2027, 1, 1), d(2027, 1, 1)),
            Deferral::UntilNotLater
        );
        // Feb 29 deadline: three years later clamps to Feb 28.
        let f = d(2024, 2, 29);
        assert_eq!(
            deferral(f, Some(f), d(2027, 3, 1), d(2024, 1, 1)),
            Deferral::TooLong {
                max_until: d(2027, 2, 28)
            }
        );
        assert_eq!(
            deferral(f, Some(f), d(2027, 2, 28), d(2024, 1, 1)),
            Deferral::Allowed {
                max_until: d(2027, 2, 28)
            }
        );
    }

    #[test]
    fn review_deferral_counts_from_the_cycle_deadline_not_the_expiry() {
        // A 长期 licence (no expiry); cycle ended 2026-03-09, deadline 04-08.
        let deadline = cycle_deadline(d(2026, 3, 9));
        assert_eq!(
            deferral(deadline, None, d(2029, 4, 8), d(2026, 3, 20)),
            Deferral::Allowed {
                max_until: d(2029, 4, 8)
            }
        );
        assert_eq!(
            deferral(deadline, None, d(2029, 4, 9), d(2026, 3, 20)),
            Deferral::TooLong {
                max_until: d(2029, 4, 8)
            }
        );
        assert_eq!(
            deferral(deadline, None, d(2026, 4, 8), d(2026, 3, 20)),
            Deferral::UntilNotLater
        );
        // Without an expiry there is no "too late": the licence never lapses.
        assert_eq!(
            deferral(deadline, None, d(2040, 4, 8), d(2038, 1, 1)),
            Deferral::TooLong {
                max_until: d(2029, 4, 8)
            }
        );
        // A licence that expired more than a year ago is too late, whatever
        // the cycle.
        assert_eq!(
            deferral(deadline, Some(d(2025, 3, 1)), d(2027, 1, 1), d(2026, 3, 2)),
            Deferral::TooLate {
                last_day: d(2026, 3, 1)
            }
        );
    }
}
