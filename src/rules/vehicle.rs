//! Inspection exemption (V7, 6年内免检车辆申领检验标志; domain.md §2a).
//!
//! Policy dates, each one place to change. Certainty as in domain.md:
//! P = partly confirmed (secondary sources), I = inference.

use chrono::{Datelike, NaiveDate};

use super::dates::{days_between, first_of_month_before, month_end};

/// 2014 reform: 非营运轿车和其他小型、微型载客汽车 (面包车、7座及以上除外)
/// registered within 6 years skip on-line inspection and collect a sticker
/// every 2 years. (P: quoted in several public apps; the notice itself was
/// not seen.)
pub const EXEMPTION_2014: (i32, u32, u32) = (2014, 9, 1);

/// 2020 extension: 7–9 seat non-commercial small/micro passenger cars also
/// exempt; years 6–10 inspected every two years instead of yearly; exempt
/// motorcycles (6 years). UNCERTAIN: domain.md only says "c. 2020 (reported;
/// date not confirmed)" (P); 2020-11-20 is the commonly reported start date.
pub const EXEMPTION_2020_EXTENSION: (i32, u32, u32) = (2020, 11, 20);

/// 2022 reform: non-commercial small/micro passenger cars (vans excluded):
/// on-line inspection only in years 6 and 10; years 2, 4 and 8 sticker only;
/// yearly after 10 years. (P: public code encoding "2022年10月政策"; the
/// MPS/SAMR notice text was not seen.)
pub const EXEMPTION_2022: (i32, u32, u32) = (2022, 10, 1);

/// Months before the end of the 检验有效期 within which the sticker (or the
/// inspection) can be applied for (令164 art. 54: "检验有效期满前三个月内").
pub const APPLY_MONTHS_BEFORE_DUE: u32 = 3;

fn policy_date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MAX)
}

/// The kind of vehicle, as far as the exemption is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VehicleType {
    /// 非营运 small/micro passenger car with at most 6 seats (not a van).
    SmallPassenger,
    /// 非营运 small/micro passenger car with 7–9 seats (not a van).
    SevenToNine,
    /// 面包车: never exempt.
    Van,
    /// 营运 (commercial) vehicle: never exempt.
    Commercial,
    /// 摩托车: exempt for 6 years from the 2020 extension.
    Motorcycle,
    /// Anything else (trucks, buses, trailers, ...): not exempt.
    Other,
}

impl VehicleType {
    /// The wizard's choice value ("small_passenger", ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            VehicleType::SmallPassenger => "small_passenger",
            VehicleType::SevenToNine => "seven_to_nine",
            VehicleType::Van => "van",
            VehicleType::Commercial => "commercial",
            VehicleType::Motorcycle => "motorcycle",
            VehicleType::Other => "other",
        }
    }

    /// Parses a choice value.
    pub fn parse(s: &str) -> Option<VehicleType> {
        [
            VehicleType::SmallPassenger,
            VehicleType::SevenToNine,
            VehicleType::Van,
            VehicleType::Commercial,
            VehicleType::Motorcycle,
            VehicleType::Other,
        ]
        .into_iter()
        .find(|v| v.as_str() == s.trim())
    }
}

/// Why a vehicle cannot get an exemption sticker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEligible {
    /// Before 2014-09-01 there was no exemption.
    NoSchemeYet,
    /// 面包车.
    Van,
    /// 营运.
    Commercial,
    /// An accident causing injury or death.
    AccidentInjury,
    /// The type is not covered by the rule in force (e.g. 7–9 seats or
    /// motorcycles before the 2020 extension, trucks).
    TypeNotCovered,
    /// The registration date is after the application date.
    RegisteredInFuture,
    /// The recorded 检验有效期 ends before the vehicle was registered.
    ValidUntilBeforeRegistration,
}

/// The exemption status on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// Inspection year `year` is a sticker-only year, the 检验有效期 ends on
    /// `due` and the application is in the three months before it: the
    /// branch can issue the sticker now.
    Sticker { year: u32, due: NaiveDate },
    /// Year `year` needs an on-line inspection (at an inspection station, not
    /// a branch); the 检验有效期 ends on `due`, at most three months away.
    NeedsInspection { year: u32, due: NaiveDate },
    /// The 检验有效期 ends on `due`; the window opens on `opens`.
    NotYetDue { due: NaiveDate, opens: NaiveDate },
    /// The 检验有效期 ended on `due`, `days` days ago: the vehicle is overdue
    /// for its periodic inspection (道路交通安全法 art. 13), may not be driven
    /// on the road, and is inspected at a station before a sticker is
    /// issued; the branch cannot issue one. UNCERTAIN (I): that an exempt
    /// vehicle past its validity needs the on-line inspection rather than a
    /// late sticker is the commonly published 12123 answer; the notice
    /// itself was not seen (also marked in the catalogue's V7 entry).
    Overdue { due: NaiveDate, days: i64 },
    /// Not exempt at all.
    NotEligible(NotEligible),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Sticker,
    Inspection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regime {
    R2014,
    R2020,
    R2022,
}

/// What happens at the end of registration year `k` (k ≥ 1) under `regime`.
fn event(regime: Regime, vehicle: VehicleType, k: u32) -> Option<Event> {
    use Event::{Inspection, Sticker};
    let yearly_from = match (regime, vehicle) {
        (Regime::R2014, _) | (_, VehicleType::Motorcycle) => 7,
        _ => 11,
    };
    match k {
        2 | 4 => Some(Sticker),
        6 => Some(Inspection),
        8 if regime == Regime::R2022 && vehicle != VehicleType::Motorcycle => Some(Sticker),
        8 | 10 if yearly_from == 11 => Some(Inspection),
        k if k >= yearly_from => Some(Inspection),
        _ => None,
    }
}

/// The exemption status on `on` of a vehicle registered on `registered`
/// whose 行驶证 records 检验有效期至 `valid_until` (a month: any day of it
/// stands for the month), under the rule in force on `on`.
///
/// The 行驶证 records the validity as a month, so the due date is the last
/// day of that month (`month_end`). 令164 art. 54 opens the application
/// three months before it: the three calendar months that end on the due
/// date, from the first day of the month two months earlier (valid until
/// 2024-05 → due 2024-05-31, window 2024-03-01 ..= 2024-05-31). After the
/// due date the vehicle is overdue ([`Exemption::Overdue`]), not "not yet
/// due" for the next cycle.
///
/// Which inspection year the due date closes is counted in whole years from
/// the registration month (2022-05 → 2024-05 is year 2). Schedules: 2014
/// rule: years 2, 4 sticker; 6 and every year after, inspection. 2020 rule
/// (small ≤6 and 7–9 seats): 2, 4 sticker; 6, 8, 10 inspection; yearly from
/// 11; motorcycles 2, 4 sticker, yearly from 6. 2022 rule: as 2020 but year
/// 8 is a sticker year (not for motorcycles, which the 2022 rule is not
/// known to change). A year with no scheduled event (the validity moved
/// after a late inspection) needs an inspection.
///
/// Not checked here (the clerk must ask): 营运转非营运 and 非法改装, which
/// are also always excluded.
pub fn inspection_exemption(
    registered: NaiveDate,
    vehicle: VehicleType,
    accident_injury: bool,
    valid_until: NaiveDate,
    on: NaiveDate,
) -> Exemption {
    let regime = if on < policy_date(EXEMPTION_2014) {
        return Exemption::NotEligible(NotEligible::NoSchemeYet);
    } else if on < policy_date(EXEMPTION_2020_EXTENSION) {
        Regime::R2014
    } else if on < policy_date(EXEMPTION_2022) {
        Regime::R2020
    } else {
        Regime::R2022
    };
    let covered = match vehicle {
        VehicleType::Van => return Exemption::NotEligible(NotEligible::Van),
        VehicleType::Commercial => return Exemption::NotEligible(NotEligible::Commercial),
        VehicleType::SmallPassenger => true,
        VehicleType::SevenToNine | VehicleType::Motorcycle => regime != Regime::R2014,
        VehicleType::Other => false,
    };
    if !covered {
        return Exemption::NotEligible(NotEligible::TypeNotCovered);
    }
    if accident_injury {
        return Exemption::NotEligible(NotEligible::AccidentInjury);
    }
    if registered > on {
        return Exemption::NotEligible(NotEligible::RegisteredInFuture);
    }
    let due = month_end(valid_until);
    if due < registered {
        return Exemption::NotEligible(NotEligible::ValidUntilBeforeRegistration);
    }
    if on > due {
        return Exemption::Overdue {
            due,
            days: days_between(due, on),
        };
    }
    let opens = first_of_month_before(due, APPLY_MONTHS_BEFORE_DUE - 1);
    if on < opens {
        return Exemption::NotYetDue { due, opens };
    }
    let months = (i64::from(due.year()) * 12 + i64::from(due.month()))
        - (i64::from(registered.year()) * 12 + i64::from(registered.month()));
    // Whole years, rounded to the nearest: 24 months is year 2.
    let year = u32::try_from((months + 6) / 12).unwrap_or(u32::MAX).max(1);
    match event(regime, vehicle, year) {
        Some(Event::Sticker) => Exemption::Sticker { year, due },
        _ => Exemption::NeedsInspection { year, due },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    /// A small passenger car registered on `reg`, 检验有效期至 `until`.
    fn small(reg: NaiveDate, until: NaiveDate, on: NaiveDate) -> Exemption {
        inspection_exemption(reg, VehicleType::SmallPassenger, false, until, on)
    }

    #[test]
    fn vehicle_type_parses() {
        assert_eq!(VehicleType::parse("van"), Some(VehicleType::Van));
        assert_eq!(
            VehicleType::parse("seven_to_nine"),
            Some(VehicleType::SevenToNine)
        );
        assert_eq!(VehicleType::parse("Van"), None);
        assert_eq!(VehicleType::parse(""), None);
    }

    #[test]
    fn due_at_the_end_of_the_recorded_month() {
        // The case: registered 2022-05-10, valid until 2024-05,
        // applying 2024-05-20: due 2024-05-31, the year-2 sticker.
        let reg = d(2022, 5, 10);
        let until = d(2024, 5, 1);
        let due = d(2024, 5, 31);
        assert_eq!(
            small(reg, until, d(2024, 5, 20)),
            Exemption::Sticker { year: 2, due }
        );
        // Window: 2024-03-01 ..= 2024-05-31 (three calendar months).
        assert_eq!(
            small(reg, until, d(2024, 2, 29)),
            Exemption::NotYetDue {
                due,
                opens: d(2024, 3, 1)
            }
        );
        assert_eq!(
            small(reg, until, d(2024, 3, 1)),
            Exemption::Sticker { year: 2, due }
        );
        assert_eq!(small(reg, until, due), Exemption::Sticker { year: 2, due });
        // Any day of the month stands for the month.
        assert_eq!(
            small(reg, d(2024, 5, 31), d(2024, 5, 20)),
            Exemption::Sticker { year: 2, due }
        );
    }

    #[test]
    fn overdue_is_overdue_not_the_next_cycle() {
        let reg = d(2022, 5, 10);
        let until = d(2024, 5, 1);
        assert_eq!(
            small(reg, until, d(2024, 6, 1)),
            Exemption::Overdue {
                due: d(2024, 5, 31),
                days: 1
            }
        );
        assert_eq!(
            small(reg, until, d(2025, 5, 31)),
            Exemption::Overdue {
                due: d(2024, 5, 31),
                days: 365
            }
        );
    }

    #[test]
    fn february_due_dates_and_leap_years() {
        // Registered 2022-02-15, valid until 2024-02: due 2024-02-29.
        let reg = d(2022, 2, 15);
        let until = d(2024, 2, 1);
        let due = d(2024, 2, 29);
        assert_eq!(
            small(reg, until, d(2023, 11, 30)),
            Exemption::NotYetDue {
                due,
                opens: d(2023, 12, 1)
            }
        );
        assert_eq!(
            small(reg, until, d(2023, 12, 1)),
            Exemption::Sticker { year: 2, due }
        );
        assert_eq!(
            small(reg, until, d(2024, 2, 28)),
            Exemption::Sticker { year: 2, due }
        );
        assert_eq!(
            small(reg, until, d(2024, 2, 29)),
            Exemption::Sticker { year: 2, due }
        );
        assert_eq!(
            small(reg, until, d(2024, 3, 1)),
            Exemption::Overdue { due, days: 1 }
        );
        // Non-leap: valid until 2026-02 → due 2026-02-28; 03-01 is overdue.
        let reg = d(2024, 2, 29);
        let until = d(2026, 2, 1);
        let due = d(2026, 2, 28);
        assert_eq!(
            small(reg, until, d(2026, 2, 28)),
            Exemption::Sticker { year: 2, due }
        );
        assert_eq!(
            small(reg, until, d(2026, 3, 1)),
            Exemption::Overdue { due, days: 1 }
        );
        // A January due date opens in November of the year before.
        let reg = d(2023, 1, 20);
        let until = d(2025, 1, 1);
        assert_eq!(
            small(reg, until, d(2024, 10, 31)),
            Exemption::NotYetDue {
                due: d(2025, 1, 31),
                opens: d(2024, 11, 1)
            }
        );
        assert_eq!(
            small(reg, until, d(2024, 11, 1)),
            Exemption::Sticker {
                year: 2,
                due: d(2025, 1, 31)
            }
        );
    }

    #[test]
    fn year_six_needs_an_inspection() {
        let reg = d(2020, 5, 31);
        assert_eq!(
            small(reg, d(2026, 5, 1), d(2026, 3, 1)),
            Exemption::NeedsInspection {
                year: 6,
                due: d(2026, 5, 31)
            }
        );
        assert_eq!(
            small(reg, d(2024, 5, 1), d(2024, 4, 1)),
            Exemption::Sticker {
                year: 4,
                due: d(2024, 5, 31)
            }
        );
    }

    #[test]
    fn year_eight_depends_on_the_rule_in_force() {
        // Registered 2014-12-15; year 8 ends 2022-12-31, window from
        // 2022-10-01, which is also the day the 2022 rule starts.
        let reg = d(2014, 12, 15);
        let until = d(2022, 12, 1);
        let due = d(2022, 12, 31);
        assert_eq!(
            small(reg, until, d(2022, 9, 30)),
            Exemption::NotYetDue {
                due,
                opens: d(2022, 10, 1)
            }
        );
        assert_eq!(
            small(reg, until, d(2022, 10, 1)),
            Exemption::Sticker { year: 8, due }
        );
        // Registered 2012-12-15, year 8 ends 2020-12-31: 2014 rule before
        // 2020-11-20 and 2020 rule after both need an inspection.
        let reg = d(2012, 12, 15);
        let until = d(2020, 12, 1);
        let due = d(2020, 12, 31);
        assert_eq!(
            small(reg, until, d(2020, 11, 19)),
            Exemption::NeedsInspection { year: 8, due }
        );
        assert_eq!(
            small(reg, until, d(2020, 11, 20)),
            Exemption::NeedsInspection { year: 8, due }
        );
    }

    #[test]
    fn after_ten_years_yearly_inspection() {
        let reg = d(2014, 3, 1);
        assert_eq!(
            small(reg, d(2025, 3, 1), d(2025, 1, 1)),
            Exemption::NeedsInspection {
                year: 11,
                due: d(2025, 3, 31)
            }
        );
        // A validity moved by a late inspection (year 7) needs one too.
        assert_eq!(
            small(d(2019, 5, 1), d(2026, 5, 1), d(2026, 4, 1)),
            Exemption::NeedsInspection {
                year: 7,
                due: d(2026, 5, 31)
            }
        );
    }

    #[test]
    fn seven_to_nine_seats_from_2020_extension() {
        let reg = d(2018, 12, 20);
        let until = d(2020, 12, 1);
        let seven = |on| inspection_exemption(reg, VehicleType::SevenToNine, false, until, on);
        assert_eq!(
            seven(d(2020, 11, 19)),
            Exemption::NotEligible(NotEligible::TypeNotCovered)
        );
        assert_eq!(
            seven(d(2020, 11, 20)),
            Exemption::Sticker {
                year: 2,
                due: d(2020, 12, 31)
            }
        );
    }

    #[test]
    fn motorcycles_from_2020_extension() {
        let reg = d(2018, 12, 20);
        let moto = |until, on| inspection_exemption(reg, VehicleType::Motorcycle, false, until, on);
        assert_eq!(
            moto(d(2020, 12, 1), d(2020, 11, 19)),
            Exemption::NotEligible(NotEligible::TypeNotCovered)
        );
        assert_eq!(
            moto(d(2020, 12, 1), d(2020, 11, 20)),
            Exemption::Sticker {
                year: 2,
                due: d(2020, 12, 31)
            }
        );
        // Year 8 stays an inspection for motorcycles under the 2022 rule.
        assert_eq!(
            moto(d(2026, 12, 1), d(2026, 10, 1)),
            Exemption::NeedsInspection {
                year: 8,
                due: d(2026, 12, 31)
            }
        );
    }

    #[test]
    fn no_scheme_before_2014_09_01() {
        let reg = d(2012, 10, 1);
        let until = d(2014, 10, 1);
        assert_eq!(
            small(reg, until, d(2014, 8, 31)),
            Exemption::NotEligible(NotEligible::NoSchemeYet)
        );
        assert_eq!(
            small(reg, until, d(2014, 9, 1)),
            Exemption::Sticker {
                year: 2,
                due: d(2014, 10, 31)
            }
        );
    }

    #[test]
    fn exclusions() {
        let reg = d(2024, 1, 10);
        let until = d(2026, 1, 1);
        let on = d(2025, 12, 1);
        let t = |v, acc| inspection_exemption(reg, v, acc, until, on);
        assert_eq!(
            t(VehicleType::SmallPassenger, false),
            Exemption::Sticker {
                year: 2,
                due: d(2026, 1, 31)
            }
        );
        assert_eq!(
            t(VehicleType::Van, false),
            Exemption::NotEligible(NotEligible::Van)
        );
        assert_eq!(
            t(VehicleType::Commercial, false),
            Exemption::NotEligible(NotEligible::Commercial)
        );
        assert_eq!(
            t(VehicleType::Other, false),
            Exemption::NotEligible(NotEligible::TypeNotCovered)
        );
        assert_eq!(
            t(VehicleType::SmallPassenger, true),
            Exemption::NotEligible(NotEligible::AccidentInjury)
        );
        assert_eq!(
            inspection_exemption(d(2026, 1, 1), VehicleType::SmallPassenger, false, until, on),
            Exemption::NotEligible(NotEligible::RegisteredInFuture)
        );
        assert_eq!(
            small(reg, d(2023, 12, 1), on),
            Exemption::NotEligible(NotEligible::ValidUntilBeforeRegistration)
        );
    }
}
