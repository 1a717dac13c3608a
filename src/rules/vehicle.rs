//! Inspection exemption (V7, 6年内免检车辆申领检验标志; domain.md §2a).
//!
//! Policy dates, each one place to change. Certainty as in domain.md:
//! P = partly confirmed (secondary sources), I = inference.

use chrono::NaiveDate;

use super::dates::{age_on, months_after, months_before};

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

/// Months before an inspection due date from which the sticker (or the
/// inspection) can be applied for (art. 54 practice; I).
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
}

/// The exemption status on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// Inspection year `year` is a sticker-only year and its due date is at
    /// most three months away: the branch can issue the sticker now.
    Sticker { year: u32 },
    /// Year `year` needs an on-line inspection (at an inspection station, not
    /// a branch), and its due date is at most three months away.
    NeedsInspection { year: u32 },
    /// The next due date is more than three months away.
    NotYetDue { due: NaiveDate },
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

/// The exemption status on `on` of a vehicle registered on `registered`,
/// under the rule in force on `on`.
///
/// The due date of inspection year `k` is the `k`-th anniversary of the
/// registration (`months_after(registered, 12 k)`, clamped). The function
/// looks at the next due date on or after `on`; a sticker or inspection is
/// "now" when `on` is within [`APPLY_MONTHS_BEFORE_DUE`] months before it
/// (`months_before(due, 3) <= on <= due`). Whether an earlier cycle was
/// missed is not known here.
///
/// Schedules: 2014 rule: years 2, 4 sticker; 6 and every year after,
/// inspection. 2020 rule (small ≤6 and 7–9 seats): 2, 4 sticker; 6, 8, 10
/// inspection; yearly from 11; motorcycles 2, 4 sticker, yearly from 6.
/// 2022 rule: as 2020 but year 8 is a sticker year (not for motorcycles,
/// which the 2022 rule is not known to change).
///
/// Not checked here (the clerk must ask): 营运转非营运 and 非法改装, which
/// are also always excluded.
pub fn inspection_exemption(
    registered: NaiveDate,
    vehicle: VehicleType,
    accident_injury: bool,
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
    // The next due date is at most age + 1 years away, and every year from
    // the yearly phase has an event, so this search always ends.
    let age = age_on(registered, on);
    for k in 1..=age.saturating_add(2) {
        let Some(ev) = event(regime, vehicle, k) else {
            continue;
        };
        let due = months_after(registered, k.saturating_mul(12));
        if due < on {
            continue;
        }
        if months_before(due, APPLY_MONTHS_BEFORE_DUE) > on {
            return Exemption::NotYetDue { due };
        }
        return match ev {
            Event::Sticker => Exemption::Sticker { year: k },
            Event::Inspection => Exemption::NeedsInspection { year: k },
        };
    }
    // Only reachable at the end of chrono's calendar.
    Exemption::NotYetDue {
        due: NaiveDate::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn small(reg: NaiveDate, on: NaiveDate) -> Exemption {
        inspection_exemption(reg, VehicleType::SmallPassenger, false, on)
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
    fn sticker_window_is_three_months_before_the_anniversary() {
        // Registered 2022-05-31: year-2 due 2024-05-31, window from 2024-02-29.
        let reg = d(2022, 5, 31);
        assert_eq!(
            small(reg, d(2024, 2, 28)),
            Exemption::NotYetDue {
                due: d(2024, 5, 31)
            }
        );
        assert_eq!(small(reg, d(2024, 2, 29)), Exemption::Sticker { year: 2 });
        assert_eq!(small(reg, d(2024, 5, 31)), Exemption::Sticker { year: 2 });
        // The day after the due date: the next event (year 4) is far away.
        assert_eq!(
            small(reg, d(2024, 6, 1)),
            Exemption::NotYetDue {
                due: d(2026, 5, 31)
            }
        );
        assert_eq!(small(reg, d(2026, 3, 1)), Exemption::Sticker { year: 4 });
        assert_eq!(
            small(reg, d(2028, 3, 1)),
            Exemption::NeedsInspection { year: 6 }
        );
    }

    #[test]
    fn year_eight_depends_on_the_rule_in_force() {
        // Registered 2012-12-15; year-8 due 2020-12-15.
        let reg = d(2012, 12, 15);
        // 2014 rule (before 2020-11-20): yearly inspections after year 6.
        assert_eq!(
            small(reg, d(2020, 11, 19)),
            Exemption::NeedsInspection { year: 8 }
        );
        // 2020 rule: year 8 is an inspection year, years 7 and 9 have none.
        assert_eq!(
            small(reg, d(2020, 11, 20)),
            Exemption::NeedsInspection { year: 8 }
        );
        assert_eq!(
            small(reg, d(2020, 12, 16)),
            Exemption::NotYetDue {
                due: d(2022, 12, 15)
            }
        );
        // Registered 2014-12-15: year 8 due 2022-12-15, window from
        // 2022-09-15. An inspection year under the 2020 rule, a sticker year
        // under the 2022 rule.
        let reg = d(2014, 12, 15);
        assert_eq!(
            small(reg, d(2022, 9, 14)),
            Exemption::NotYetDue {
                due: d(2022, 12, 15)
            }
        );
        assert_eq!(
            small(reg, d(2022, 9, 30)),
            Exemption::NeedsInspection { year: 8 }
        );
        assert_eq!(small(reg, d(2022, 10, 1)), Exemption::Sticker { year: 8 });
        // 2020 rule: no event in year 7.
        assert_eq!(
            small(reg, d(2021, 9, 15)),
            Exemption::NotYetDue {
                due: d(2022, 12, 15)
            }
        );
        // 2014 rule: yearly from year 7 (registered 2012-06-01, due 2019-06-01).
        assert_eq!(
            small(d(2012, 6, 1), d(2019, 5, 1)),
            Exemption::NeedsInspection { year: 7 }
        );
    }

    #[test]
    fn after_ten_years_yearly_inspection() {
        let reg = d(2014, 3, 1);
        assert_eq!(
            small(reg, d(2024, 2, 1)),
            Exemption::NeedsInspection { year: 10 }
        );
        assert_eq!(
            small(reg, d(2025, 1, 1)),
            Exemption::NeedsInspection { year: 11 }
        );
    }

    #[test]
    fn seven_to_nine_seats_from_2020_extension() {
        let reg = d(2018, 12, 20);
        let seven = |on| inspection_exemption(reg, VehicleType::SevenToNine, false, on);
        assert_eq!(
            seven(d(2020, 11, 19)),
            Exemption::NotEligible(NotEligible::TypeNotCovered)
        );
        assert_eq!(seven(d(2020, 11, 20)), Exemption::Sticker { year: 2 });
    }

    #[test]
    fn motorcycles_from_2020_extension() {
        let reg = d(2018, 12, 20);
        let moto = |on| inspection_exemption(reg, VehicleType::Motorcycle, false, on);
        assert_eq!(
            moto(d(2020, 11, 19)),
            Exemption::NotEligible(NotEligible::TypeNotCovered)
        );
        assert_eq!(moto(d(2020, 11, 20)), Exemption::Sticker { year: 2 });
        // Year 8 stays an inspection for motorcycles under the 2022 rule.
        assert_eq!(moto(d(2026, 10, 1)), Exemption::NeedsInspection { year: 8 });
    }

    #[test]
    fn no_scheme_before_2014_09_01() {
        let reg = d(2012, 10, 1);
        assert_eq!(
            small(reg, d(2014, 8, 31)),
            Exemption::NotEligible(NotEligible::NoSchemeYet)
        );
        assert_eq!(small(reg, d(2014, 9, 1)), Exemption::Sticker { year: 2 });
    }

    #[test]
    fn exclusions() {
        let reg = d(2024, 1, 10);
        let on = d(2025, 12, 1);
        let t = |v, acc| inspection_exemption(reg, v, acc, on);
        assert_eq!(
            t(VehicleType::SmallPassenger, false),
            Exemption::Sticker { year: 2 }
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
            inspection_exemption(d(2026, 1, 1), VehicleType::SmallPassenger, false, on),
            Exemption::NotEligible(NotEligible::RegisteredInFuture)
        );
    }

    #[test]
    fn feb_29_registration() {
        // Registered 2024-02-29: year-2 due 2026-02-28, window from 2025-11-28.
        let reg = d(2024, 2, 29);
        assert_eq!(
            small(reg, d(2025, 11, 27)),
            Exemption::NotYetDue {
                due: d(2026, 2, 28)
            }
        );
        assert_eq!(small(reg, d(2025, 11, 28)), Exemption::Sticker { year: 2 });
        assert_eq!(
            small(reg, d(2026, 3, 1)),
            Exemption::NotYetDue {
                due: d(2028, 2, 29)
            }
        );
    }
}
