//! The rule engine the wizard calls: field values in, a plain-language
//! finding out. Every sentence comes from `locales/<lang>/rules.toml`.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::dates::{add_days, age_on, days_between, month_end};
use super::fines::{late_days, late_surcharge_fen, FREE_DAYS};
use super::licence::{
    age_band, annual_medical_required, cycle_deadline, deferral, medical_certificate,
    renewal_window, AgeBand, Deferral, LicenceClass, MedicalCert, Renewal, ELDERLY_AGE,
};
use super::vehicle::{inspection_exemption, Exemption, NotEligible, VehicleType};
use crate::i18n::{fmt, Lang};

/// Days allowed for the 30-day reporting rules (D2, D5, D10, V10).
pub const REPORT_DAYS: i64 = 30;

/// The rules the wizard can attach to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    /// 期满换证 within 90 days before expiry, or up to a year after (令162
    /// art. 63, 79(八)).
    LicenceRenewalWindow,
    /// 身体条件证明 valid six months from issue, counted forward (令162
    /// art. 85; 民法典 art. 202).
    MedicalCertificateRecent,
    /// The class must change, or stop, at its age (令162 art. 65, 79(十);
    /// 令172 from 2025-01-01); no change means D4 does not apply.
    AgeBand,
    /// Only drivers aged 70 or more submit a yearly certificate (art. 74).
    ElderlyMedical,
    /// No replacement while the licence is seized or suspended (art. 69).
    LicenceNotDetained,
    /// 交强险 still valid (令164 art. 54, 57).
    InsuranceValid,
    /// The inspection-exemption sticker (令164 art. 54, 55).
    InspectionExemption,
    /// The surcharge on a late fine (行政处罚法 art. 67, 72).
    FineSurcharge,
    /// Contact or detail changes filed within 30 days (令164 art. 23;
    /// 令162 art. 66, 81).
    ReportWithin30Days,
    /// 延期换证 from the licence expiry, at most three years (令162 art. 75).
    DeferralLimit,
    /// 延期审验 / 延期提交身体条件证明 from 30 days after the scoring cycle
    /// (art. 72, 74, 75).
    CycleDeferralLimit,
    /// W1 needs the driver on 交管12123 and the vehicle filed there (MPS
    /// list of the 25 services, 2018-11-14); a check, not a material.
    PlatformRegistered,
}

impl RuleId {
    /// Every rule.
    pub const ALL: [RuleId; 12] = [
        RuleId::LicenceRenewalWindow,
        RuleId::MedicalCertificateRecent,
        RuleId::AgeBand,
        RuleId::ElderlyMedical,
        RuleId::LicenceNotDetained,
        RuleId::InsuranceValid,
        RuleId::InspectionExemption,
        RuleId::FineSurcharge,
        RuleId::ReportWithin30Days,
        RuleId::DeferralLimit,
        RuleId::CycleDeferralLimit,
        RuleId::PlatformRegistered,
    ];

    /// The snake_case name used in catalogue files.
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleId::LicenceRenewalWindow => "licence_renewal_window",
            RuleId::MedicalCertificateRecent => "medical_certificate_recent",
            RuleId::AgeBand => "age_band",
            RuleId::ElderlyMedical => "elderly_medical",
            RuleId::LicenceNotDetained => "licence_not_detained",
            RuleId::InsuranceValid => "insurance_valid",
            RuleId::InspectionExemption => "inspection_exemption",
            RuleId::FineSurcharge => "fine_surcharge",
            RuleId::ReportWithin30Days => "report_within_30_days",
            RuleId::DeferralLimit => "deferral_limit",
            RuleId::CycleDeferralLimit => "cycle_deferral_limit",
            RuleId::PlatformRegistered => "platform_registered",
        }
    }

    /// Parses the snake_case name (exact match).
    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The field keys the rule reads from the wizard's values.
    pub fn reads(&self) -> &'static [&'static str] {
        match self {
            RuleId::LicenceRenewalWindow => &["licence_expiry"],
            RuleId::MedicalCertificateRecent => &["medical_date"],
            RuleId::AgeBand => &["id_number", "licence_class"],
            RuleId::ElderlyMedical => &["id_number"],
            RuleId::LicenceNotDetained => &["licence_detained"],
            RuleId::InsuranceValid => &["insurance_expiry"],
            RuleId::InspectionExemption => &[
                "registration_date",
                "vehicle_type",
                "accident_injury",
                "inspection_valid_until",
            ],
            RuleId::FineSurcharge => &["fine_fen", "decision_received"],
            RuleId::ReportWithin30Days => &["change_date"],
            RuleId::DeferralLimit => &["licence_expiry", "deferral_until"],
            RuleId::CycleDeferralLimit => &["cycle_end", "deferral_until"],
            RuleId::PlatformRegistered => &["platform_registered", "vehicle_filed"],
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// For the clerk's information.
    Info,
    /// Worth telling the customer; the application can go on.
    Warn,
    /// The application cannot go on at a branch.
    Block,
}

/// One rule's verdict, in the UI language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    /// The locale key of the sentence: which outcome this is.
    pub key: &'static str,
    pub severity: Severity,
    pub message: String,
    /// A service the customer can do first at the branch to remove the
    /// block (W1 without a 12123 account: U1), by catalogue code.
    pub offer: Option<&'static str>,
    /// The field the finding is about, when it is not simply the first
    /// field the rule reads (a future decision date: `decision_received`).
    pub field: Option<&'static str>,
}

impl Finding {
    /// Whether the finding is about the field `key`: its own field when it
    /// names one, else every field the rule reads.
    pub fn concerns(&self, key: &str) -> bool {
        match self.field {
            Some(f) => f == key,
            None => self.rule.reads().contains(&key),
        }
    }
}

/// Every locale key the engine uses (checked by a test in both languages).
pub const KEYS: &[&str] = &[
    "rules.renewal.too_early",
    "rules.renewal.in_window",
    "rules.renewal.overdue",
    "rules.renewal.too_late",
    "rules.medical.valid",
    "rules.medical.too_old",
    "rules.medical.future",
    "rules.age_band.unchanged",
    "rules.age_band.downgrade",
    "rules.age_band.must_stop",
    "rules.elderly.required",
    "rules.elderly.not_required",
    "rules.detained.yes",
    "rules.detained.no",
    "rules.insurance.valid",
    "rules.insurance.expired",
    "rules.inspection.sticker",
    "rules.inspection.needs_inspection",
    "rules.inspection.not_yet_due",
    "rules.inspection.overdue",
    "rules.inspection.no_scheme_yet",
    "rules.inspection.van",
    "rules.inspection.commercial",
    "rules.inspection.accident_injury",
    "rules.inspection.type_not_covered",
    "rules.inspection.registered_in_future",
    "rules.inspection.valid_until_before_registration",
    "rules.fine.no_surcharge",
    "rules.fine.surcharge",
    "rules.fine.capped",
    "rules.fine.future",
    "rules.report.in_time",
    "rules.report.late",
    "rules.report.future",
    "rules.deferral.allowed",
    "rules.deferral.too_long",
    "rules.deferral.too_late",
    "rules.deferral.until_not_later",
    "rules.deferral.cycle_allowed",
    "rules.platform.ready",
    "rules.platform.not_registered",
    "rules.platform.vehicle_not_filed",
];

/// The outcomes that make the service inapplicable at a branch (the law
/// says it cannot be done, or not now, or not here) or that are a date the
/// law needs in the past given in the future. Each must block finishing
/// with its sentence ([`Severity::Block`]); tests check every rule against
/// this list, and the catalogue tests check that the wizard refuses to
/// finish.
pub const INAPPLICABLE: &[&str] = &[
    "rules.renewal.too_early",
    "rules.renewal.too_late",
    "rules.medical.too_old",
    "rules.medical.future",
    "rules.age_band.unchanged",
    "rules.age_band.must_stop",
    "rules.elderly.not_required",
    "rules.detained.yes",
    "rules.insurance.expired",
    "rules.inspection.needs_inspection",
    "rules.inspection.not_yet_due",
    "rules.inspection.overdue",
    "rules.inspection.no_scheme_yet",
    "rules.inspection.van",
    "rules.inspection.commercial",
    "rules.inspection.accident_injury",
    "rules.inspection.type_not_covered",
    "rules.inspection.registered_in_future",
    "rules.inspection.valid_until_before_registration",
    "rules.fine.future",
    "rules.report.future",
    "rules.deferral.too_long",
    "rules.deferral.too_late",
    "rules.deferral.until_not_later",
    "rules.platform.not_registered",
    "rules.platform.vehicle_not_filed",
];

/// True when `key` is an outcome that makes the service inapplicable.
pub fn is_inapplicable(key: &str) -> bool {
    INAPPLICABLE.contains(&key)
}

fn field<'a>(values: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    values.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn date(values: &BTreeMap<String, String>, key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(field(values, key)?, "%Y-%m-%d").ok()
}

/// A month field (`YYYY-MM`) as its first day; a full date is accepted too.
fn month(values: &BTreeMap<String, String>, key: &str) -> Option<NaiveDate> {
    let s = field(values, key)?;
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn yes_no(values: &BTreeMap<String, String>, key: &str) -> Option<bool> {
    match field(values, key)? {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn fen(values: &BTreeMap<String, String>, key: &str) -> Option<u64> {
    let s = field(values, key)?;
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// The birth date in an 18-character ID number (characters 7–14, YYYYMMDD).
/// Only the shape is checked here; the ident module validates the rest.
pub fn birth_from_id(id: &str) -> Option<NaiveDate> {
    let id = id.trim();
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return None;
    }
    NaiveDate::parse_from_str(id.get(6..14)?, "%Y%m%d").ok()
}

/// Fen as yuan with two decimals ("12345" → "123.45"). A number format, not
/// a sentence.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

type Args<'a> = [(&'a str, &'a dyn std::fmt::Display)];

/// An outcome: its key, severity and sentence in `lang`.
struct Outcome {
    key: &'static str,
    severity: Severity,
    message: String,
}

fn out(lang: Lang, severity: Severity, key: &'static str, args: &Args) -> Outcome {
    Outcome {
        key,
        severity,
        message: fmt(lang, key, args),
    }
}

/// Evaluates `rule` on the wizard's `values` for an application dated `on`.
///
/// `None` while a field the rule needs is empty or cannot be parsed (the
/// wizard shows the field's own error); otherwise a finding whose message is
/// in `lang`. Never panics, whatever the values.
pub fn evaluate(
    rule: RuleId,
    values: &BTreeMap<String, String>,
    on: NaiveDate,
    lang: Lang,
) -> Option<Finding> {
    use Severity::{Block, Info};
    let mut offer = None;
    let mut about = None;
    let o = match rule {
        RuleId::LicenceRenewalWindow => renewal(date(values, "licence_expiry")?, on, lang),
        RuleId::MedicalCertificateRecent => medical(date(values, "medical_date")?, on, lang),
        RuleId::AgeBand => {
            let birth = birth_from_id(field(values, "id_number")?)?;
            let class = LicenceClass::parse(field(values, "licence_class")?)?;
            if birth > on {
                return None;
            }
            band(birth, class, on, lang)
        }
        RuleId::ElderlyMedical => {
            let birth = birth_from_id(field(values, "id_number")?)?;
            if birth > on {
                return None;
            }
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("age", &age_on(birth, on)), ("limit", &ELDERLY_AGE)];
            // 令162 art. 74: only drivers aged 70 or more submit a yearly
            // certificate; for anyone younger the service does not apply.
            if annual_medical_required(birth, on) {
                out(lang, Info, "rules.elderly.required", &args)
            } else {
                out(lang, Block, "rules.elderly.not_required", &args)
            }
        }
        RuleId::LicenceNotDetained => {
            if yes_no(values, "licence_detained")? {
                out(lang, Block, "rules.detained.yes", &[])
            } else {
                out(lang, Info, "rules.detained.no", &[])
            }
        }
        RuleId::InsuranceValid => {
            let expiry = date(values, "insurance_expiry")?;
            let args: [(&str, &dyn std::fmt::Display); 1] = [("date", &expiry)];
            if expiry < on {
                out(lang, Block, "rules.insurance.expired", &args)
            } else {
                out(lang, Info, "rules.insurance.valid", &args)
            }
        }
        RuleId::InspectionExemption => {
            let registered = date(values, "registration_date")?;
            let vehicle = VehicleType::parse(field(values, "vehicle_type")?)?;
            let accident = yes_no(values, "accident_injury")?;
            let until = month(values, "inspection_valid_until")?;
            inspection(
                inspection_exemption(registered, vehicle, accident, until, on),
                lang,
            )
        }
        RuleId::FineSurcharge => {
            let fine = fen(values, "fine_fen")?;
            let received = date(values, "decision_received")?;
            about = Some("decision_received");
            fine_finding(fine, received, on, lang)
        }
        RuleId::ReportWithin30Days => {
            let change = date(values, "change_date")?;
            let days = days_between(change, on);
            let args: [(&str, &dyn std::fmt::Display); 3] =
                [("days", &days), ("limit", &REPORT_DAYS), ("date", &change)];
            if days < 0 {
                out(lang, Block, "rules.report.future", &args)
            } else if days > REPORT_DAYS {
                out(lang, Severity::Warn, "rules.report.late", &args)
            } else {
                out(lang, Info, "rules.report.in_time", &args)
            }
        }
        RuleId::DeferralLimit => {
            let expiry = date(values, "licence_expiry")?;
            let until = date(values, "deferral_until")?;
            deferral_finding(expiry, Some(expiry), until, on, None, lang)
        }
        RuleId::CycleDeferralLimit => {
            let cycle_end = date(values, "cycle_end")?;
            let until = date(values, "deferral_until")?;
            // Optional: a 长期 licence has no expiry.
            let expiry = date(values, "licence_expiry");
            let deadline = cycle_deadline(cycle_end);
            deferral_finding(deadline, expiry, until, on, Some(cycle_end), lang)
        }
        RuleId::PlatformRegistered => {
            if !yes_no(values, "platform_registered")? {
                offer = Some("U1");
                out(lang, Block, "rules.platform.not_registered", &[])
            } else if !yes_no(values, "vehicle_filed")? {
                out(lang, Block, "rules.platform.vehicle_not_filed", &[])
            } else {
                out(lang, Info, "rules.platform.ready", &[])
            }
        }
    };
    Some(Finding {
        rule,
        key: o.key,
        severity: o.severity,
        message: o.message,
        offer,
        field: about,
    })
}

fn renewal(expiry: NaiveDate, on: NaiveDate, lang: Lang) -> Outcome {
    use Severity::{Block, Info};
    match renewal_window(expiry, on) {
        Renewal::TooEarly {
            opens,
            days_to_wait,
        } => out(
            lang,
            Block,
            "rules.renewal.too_early",
            &[("days", &days_to_wait), ("opens", &opens)],
        ),
        Renewal::InWindow { days_left } => out(
            lang,
            Info,
            "rules.renewal.in_window",
            &[("days", &days_left), ("expiry", &expiry)],
        ),
        Renewal::Overdue { days, last_day } => out(
            lang,
            Info,
            "rules.renewal.overdue",
            &[("days", &days), ("last", &last_day)],
        ),
        Renewal::TooLate { last_day } => out(
            lang,
            Block,
            "rules.renewal.too_late",
            &[("expiry", &expiry), ("last", &last_day)],
        ),
    }
}

fn medical(issued: NaiveDate, on: NaiveDate, lang: Lang) -> Outcome {
    use Severity::{Block, Info};
    match medical_certificate(issued, on) {
        MedicalCert::Valid { valid_until } => out(
            lang,
            Info,
            "rules.medical.valid",
            &[("issued", &issued), ("until", &valid_until)],
        ),
        MedicalCert::TooOld { valid_until } => out(
            lang,
            Block,
            "rules.medical.too_old",
            &[("issued", &issued), ("until", &valid_until)],
        ),
        MedicalCert::Future => out(lang, Block, "rules.medical.future", &[("issued", &issued)]),
    }
}

fn band(birth: NaiveDate, class: LicenceClass, on: NaiveDate, lang: Lang) -> Outcome {
    let c = class.as_str();
    match age_band(birth, class, on) {
        // 令162 art. 65: the exchange on reaching an age applies only to the
        // classes and ages it names; otherwise there is nothing to do (D4
        // does not apply) and the clerk must not finish it.
        AgeBand::Unchanged { age } => out(
            lang,
            Severity::Block,
            "rules.age_band.unchanged",
            &[("age", &age), ("class", &c)],
        ),
        AgeBand::Downgrade { age, limit, to } => out(
            lang,
            Severity::Warn,
            "rules.age_band.downgrade",
            &[
                ("age", &age),
                ("class", &c),
                ("limit", &limit),
                ("to", &to.as_str()),
            ],
        ),
        AgeBand::MustStop { age, limit } => out(
            lang,
            Severity::Block,
            "rules.age_band.must_stop",
            &[("age", &age), ("class", &c), ("limit", &limit)],
        ),
    }
}

fn inspection(result: Exemption, lang: Lang) -> Outcome {
    use Severity::{Block, Info};
    let key = match result {
        Exemption::Sticker { year, due } => {
            return out(
                lang,
                Info,
                "rules.inspection.sticker",
                &[("year", &year), ("due", &due)],
            )
        }
        Exemption::NeedsInspection { year, due } => {
            return out(
                lang,
                Block,
                "rules.inspection.needs_inspection",
                &[("year", &year), ("due", &due)],
            )
        }
        Exemption::NotYetDue { due, opens } => {
            return out(
                lang,
                Block,
                "rules.inspection.not_yet_due",
                &[("due", &due), ("opens", &opens)],
            )
        }
        Exemption::Overdue { due, days } => {
            return out(
                lang,
                Block,
                "rules.inspection.overdue",
                &[("due", &due), ("days", &days)],
            )
        }
        Exemption::NotEligible(NotEligible::NoSchemeYet) => "rules.inspection.no_scheme_yet",
        Exemption::NotEligible(NotEligible::Van) => "rules.inspection.van",
        Exemption::NotEligible(NotEligible::Commercial) => "rules.inspection.commercial",
        Exemption::NotEligible(NotEligible::AccidentInjury) => "rules.inspection.accident_injury",
        Exemption::NotEligible(NotEligible::TypeNotCovered) => "rules.inspection.type_not_covered",
        Exemption::NotEligible(NotEligible::RegisteredInFuture) => {
            "rules.inspection.registered_in_future"
        }
        Exemption::NotEligible(NotEligible::ValidUntilBeforeRegistration) => {
            "rules.inspection.valid_until_before_registration"
        }
    };
    out(lang, Block, key, &[])
}

/// The last day a fine received on `received` can be paid without the
/// surcharge (行政处罚法 art. 67: within 15 days of receipt), or `None` when
/// the wizard's values do not give it.
pub fn surcharge_free_deadline(values: &BTreeMap<String, String>) -> Option<NaiveDate> {
    Some(add_days(date(values, "decision_received")?, FREE_DAYS))
}

fn fine_finding(fine: u64, received: NaiveDate, on: NaiveDate, lang: Lang) -> Outcome {
    if received > on {
        // A decision cannot have been received after today.
        return out(
            lang,
            Severity::Block,
            "rules.fine.future",
            &[("date", &received)],
        );
    }
    let surcharge = late_surcharge_fen(fine, received, on);
    let days = late_days(received, on);
    let deadline = add_days(received, FREE_DAYS);
    let total = fine.saturating_add(surcharge);
    let (fine_s, surcharge_s, total_s) = (yuan(fine), yuan(surcharge), yuan(total));
    let args: [(&str, &dyn std::fmt::Display); 5] = [
        ("fine", &fine_s),
        ("surcharge", &surcharge_s),
        ("total", &total_s),
        ("days", &days),
        ("deadline", &deadline),
    ];
    if surcharge == 0 && days == 0 {
        out(lang, Severity::Info, "rules.fine.no_surcharge", &args)
    } else if surcharge >= fine && fine > 0 {
        out(lang, Severity::Warn, "rules.fine.capped", &args)
    } else {
        out(lang, Severity::Warn, "rules.fine.surcharge", &args)
    }
}

fn deferral_finding(
    deadline: NaiveDate,
    expiry: Option<NaiveDate>,
    until: NaiveDate,
    on: NaiveDate,
    cycle_end: Option<NaiveDate>,
    lang: Lang,
) -> Outcome {
    use Severity::{Block, Info};
    match deferral(deadline, expiry, until, on) {
        Deferral::Allowed { max_until } => match cycle_end {
            Some(end) => out(
                lang,
                Info,
                "rules.deferral.cycle_allowed",
                &[
                    ("until", &until),
                    ("max", &max_until),
                    ("end", &end),
                    ("deadline", &deadline),
                ],
            ),
            None => out(
                lang,
                Info,
                "rules.deferral.allowed",
                &[("until", &until), ("max", &max_until)],
            ),
        },
        Deferral::TooLong { max_until } => out(
            lang,
            Block,
            "rules.deferral.too_long",
            &[("until", &until), ("max", &max_until)],
        ),
        Deferral::TooLate { last_day } => {
            let expiry = expiry.unwrap_or(deadline);
            out(
                lang,
                Block,
                "rules.deferral.too_late",
                &[("expiry", &expiry), ("last", &last_day)],
            )
        }
        Deferral::UntilNotLater => out(
            lang,
            Block,
            "rules.deferral.until_not_later",
            &[("until", &until), ("expiry", &deadline)],
        ),
    }
}

/// The due date of a recorded 检验有效期至 month (its last day).
pub fn inspection_due(values: &BTreeMap<String, String>) -> Option<NaiveDate> {
    month(values, "inspection_valid_until").map(month_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tr;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Evaluates and insists on a finding with no unfilled placeholder.
    fn eval(rule: RuleId, pairs: &[(&str, &str)], on: NaiveDate, lang: Lang) -> Finding {
        let f = evaluate(rule, &vals(pairs), on, lang).expect("a finding");
        assert!(!f.message.contains('{'), "unfilled: {}", f.message);
        assert!(
            !f.message.starts_with("rules."),
            "missing key: {}",
            f.message
        );
        assert_eq!(f.rule, rule);
        f
    }

    #[test]
    fn rule_names_round_trip() {
        let names = [
            "licence_renewal_window",
            "medical_certificate_recent",
            "age_band",
            "elderly_medical",
            "licence_not_detained",
            "insurance_valid",
            "inspection_exemption",
            "fine_surcharge",
            "report_within_30_days",
            "deferral_limit",
            "cycle_deferral_limit",
            "platform_registered",
        ];
        for (rule, name) in RuleId::ALL.into_iter().zip(names) {
            assert_eq!(rule.as_str(), name);
            assert_eq!(RuleId::parse(name), Some(rule));
            assert!(!rule.reads().is_empty());
        }
        assert_eq!(RuleId::parse("Age_Band"), None);
        assert_eq!(RuleId::parse(""), None);
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for key in KEYS {
                assert_ne!(tr(lang, key), *key, "{lang:?} lacks {key}");
            }
        }
        // Every "rules.…" literal in this file is listed in KEYS.
        let src = include_str!("engine.rs");
        for (i, _) in src.match_indices("\"rules.") {
            let rest = &src[i + 1..];
            let end = rest.find('"').unwrap_or(rest.len());
            let key = &rest[..end];
            let is_key = key.matches('.').count() == 2 && !key.ends_with('.');
            if is_key
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            {
                assert!(KEYS.contains(&key), "{key} not in KEYS");
            }
        }
    }

    #[test]
    fn missing_or_garbage_fields_give_none() {
        let on = d(2026, 3, 1);
        let garbage = [
            "",
            "   ",
            "abc",
            "2026-02-30",
            "2026/03/01",
            "18446744073709551616",
            "-1",
            "２０２６-０３-０１",
            "是",
            "\u{0}",
            "1101011956031000",
            "11010119561310001X",
            "11010119560310001é",
        ];
        for rule in RuleId::ALL {
            assert_eq!(evaluate(rule, &BTreeMap::new(), on, Lang::Zh), None);
            for g in garbage {
                let v: BTreeMap<String, String> = rule
                    .reads()
                    .iter()
                    .map(|k| (k.to_string(), g.to_string()))
                    .collect();
                assert_eq!(evaluate(rule, &v, on, Lang::En), None, "{rule:?} {g:?}");
            }
        }
    }

    #[test]
    fn renewal_messages_say_the_days() {
        let on = d(2026, 3, 20);
        let v = [("licence_expiry", "2026-06-30")];
        let zh = eval(RuleId::LicenceRenewalWindow, &v, on, Lang::Zh);
        assert_eq!(zh.severity, Severity::Block);
        assert!(zh.message.contains("12 天"), "{}", zh.message);
        assert!(zh.message.contains("2026-04-01"), "{}", zh.message);
        let en = eval(RuleId::LicenceRenewalWindow, &v, on, Lang::En);
        assert!(en.message.contains("wait 12 more days"), "{}", en.message);

        let f = eval(RuleId::LicenceRenewalWindow, &v, d(2026, 4, 1), Lang::En);
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("90 days"), "{}", f.message);
        let f = eval(RuleId::LicenceRenewalWindow, &v, d(2027, 6, 30), Lang::En);
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("365 days"), "{}", f.message);
        let f = eval(RuleId::LicenceRenewalWindow, &v, d(2027, 7, 1), Lang::Zh);
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("2027-06-30"), "{}", f.message);
    }

    #[test]
    fn birth_date_from_id() {
        assert_eq!(birth_from_id("11010119560310001X"), Some(d(1956, 3, 10)));
        assert_eq!(birth_from_id(" 110101195603100012 "), Some(d(1956, 3, 10)));
        assert_eq!(birth_from_id("110101195602300012"), None);
        assert_eq!(birth_from_id("11010119560310001"), None);
        assert_eq!(birth_from_id("1101011956031000１"), None);
        assert_eq!(birth_from_id("X10101195603100012"), None);
    }

    #[test]
    fn detained_and_insurance() {
        let on = d(2026, 3, 1);
        let f = eval(
            RuleId::LicenceNotDetained,
            &[("licence_detained", "yes")],
            on,
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        let f = eval(
            RuleId::LicenceNotDetained,
            &[("licence_detained", "no")],
            on,
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Info);
        let f = eval(
            RuleId::InsuranceValid,
            &[("insurance_expiry", "2026-03-01")],
            on,
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Info);
        let f = eval(
            RuleId::InsuranceValid,
            &[("insurance_expiry", "2026-02-28")],
            on,
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("2026-02-28"), "{}", f.message);
    }

    #[test]
    fn fine_surcharge_through_the_engine() {
        let v = [("fine_fen", "20000"), ("decision_received", "2026-03-01")];
        let f = eval(RuleId::FineSurcharge, &v, d(2026, 3, 16), Lang::Zh);
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.message.contains("200.00") && f.message.contains("2026-03-16"),
            "{}",
            f.message
        );
        let f = eval(RuleId::FineSurcharge, &v, d(2026, 3, 17), Lang::En);
        assert_eq!(f.severity, Severity::Warn);
        assert!(
            f.message.contains("1 days")
                && f.message.contains("6.00")
                && f.message.contains("206.00"),
            "{}",
            f.message
        );
        let f = eval(RuleId::FineSurcharge, &v, d(2026, 12, 1), Lang::En);
        assert_eq!(f.severity, Severity::Warn);
        assert!(f.message.contains("400.00"), "{}", f.message);
        for bad in ["200.5", "-5", "+5", "20000元"] {
            let v = vals(&[("fine_fen", bad), ("decision_received", "2026-03-01")]);
            assert_eq!(
                evaluate(RuleId::FineSurcharge, &v, d(2026, 4, 1), Lang::En),
                None
            );
        }
        let v = [
            ("fine_fen", "18446744073709551615"),
            ("decision_received", "2026-03-01"),
        ];
        let f = eval(RuleId::FineSurcharge, &v, d(2030, 1, 1), Lang::En);
        assert_eq!(f.severity, Severity::Warn);
    }

    #[test]
    fn report_within_30_days() {
        let v = [("change_date", "2026-03-01")];
        let f = eval(RuleId::ReportWithin30Days, &v, d(2026, 3, 31), Lang::En);
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("Day 30"), "{}", f.message);
        let f = eval(RuleId::ReportWithin30Days, &v, d(2026, 4, 1), Lang::Zh);
        assert_eq!(f.severity, Severity::Warn);
        assert!(f.message.contains("31 天"), "{}", f.message);
        let f = eval(RuleId::ReportWithin30Days, &v, d(2026, 2, 28), Lang::Zh);
        assert_eq!(f.severity, Severity::Block);
    }

    #[test]
    fn deferral_through_the_engine() {
        let on = d(2026, 5, 1);
        let f = eval(
            RuleId::DeferralLimit,
            &[
                ("licence_expiry", "2026-06-30"),
                ("deferral_until", "2029-06-30"),
            ],
            on,
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Info);
        let f = eval(
            RuleId::DeferralLimit,
            &[
                ("licence_expiry", "2026-06-30"),
                ("deferral_until", "2029-07-01"),
            ],
            on,
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("2029-06-30"), "{}", f.message);
        let f = eval(
            RuleId::DeferralLimit,
            &[
                ("licence_expiry", "2026-06-30"),
                ("deferral_until", "2028-01-01"),
            ],
            d(2027, 7, 1),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("2027-06-30"), "{}", f.message);
    }

    #[test]
    fn one_missing_field_is_enough_for_none() {
        let on = d(2026, 3, 1);
        let full = vals(&[
            ("registration_date", "2024-05-01"),
            ("vehicle_type", "small_passenger"),
            ("accident_injury", "no"),
            ("inspection_valid_until", "2026-05"),
        ]);
        assert!(evaluate(RuleId::InspectionExemption, &full, on, Lang::Zh).is_some());
        for key in RuleId::InspectionExemption.reads() {
            let mut v = full.clone();
            v.remove(*key);
            assert_eq!(
                evaluate(RuleId::InspectionExemption, &v, on, Lang::Zh),
                None
            );
        }
    }

    #[test]
    fn medical_certificate_finding() {
        // 民法典 art. 202: issued 2026-02-28, valid to 08-28 inclusive.
        let v = [("medical_date", "2026-02-28")];
        let f = eval(
            RuleId::MedicalCertificateRecent,
            &v,
            d(2026, 8, 28),
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("2026-08-28"), "{}", f.message);
        let f = eval(
            RuleId::MedicalCertificateRecent,
            &v,
            d(2026, 8, 29),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.medical.too_old");
        assert!(f.message.contains("2026-08-28"), "{}", f.message);
        let f = eval(
            RuleId::MedicalCertificateRecent,
            &[("medical_date", "2026-09-01")],
            d(2026, 8, 31),
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.medical.future");
    }

    #[test]
    fn age_band_through_the_engine() {
        // Born 1956-03-10: 70 on 2026-03-10.
        let id = ("id_number", "110101195603100012");
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "C3")],
            d(2026, 3, 10),
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("70"), "{}", f.message);
        // Not yet 70: nothing to exchange, D4 does not apply.
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "C3")],
            d(2026, 3, 9),
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.age_band.unchanged");
        assert!(f.message.contains("69"), "{}", f.message);
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "E")],
            d(2026, 3, 10),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Warn);
        assert!(f.message.contains("class F"), "{}", f.message);
        // Born 1964-06-01, A1: 60 is the limit on 2024-12-31, 63 the day after.
        let id = ("id_number", "110101196406010012");
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "A1")],
            d(2024, 12, 31),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Warn);
        assert!(
            f.message.contains("is 60") && f.message.contains("C1"),
            "{}",
            f.message
        );
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "A1")],
            d(2025, 1, 1),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.age_band.unchanged");
        // M at 60 before 2025-01-01 must stop; at 70 too (not "unchanged").
        let f = eval(
            RuleId::AgeBand,
            &[id, ("licence_class", "M")],
            d(2024, 12, 31),
            Lang::Zh,
        );
        assert_eq!(f.key, "rules.age_band.must_stop");
        let f = eval(
            RuleId::AgeBand,
            &[("id_number", "110101195603100012"), ("licence_class", "M")],
            d(2026, 3, 10),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.age_band.must_stop");
        // A birth date after the application date is not a real ID.
        assert_eq!(
            evaluate(
                RuleId::AgeBand,
                &vals(&[id, ("licence_class", "A1")]),
                d(1960, 1, 1),
                Lang::En
            ),
            None
        );
    }

    #[test]
    fn elderly_medical_blocks_under_seventy() {
        let v = [("id_number", "110101195603100012")];
        let before = eval(RuleId::ElderlyMedical, &v, d(2026, 3, 9), Lang::En);
        let at = eval(RuleId::ElderlyMedical, &v, d(2026, 3, 10), Lang::En);
        let after = eval(RuleId::ElderlyMedical, &v, d(2026, 3, 11), Lang::En);
        assert_eq!(before.severity, Severity::Block);
        assert_eq!(at.severity, Severity::Info);
        assert_eq!(after.severity, Severity::Info);
        assert!(before.message.contains("69"), "{}", before.message);
        assert!(at.message.contains("70"), "{}", at.message);
        // The 34-year-old.
        let young = eval(
            RuleId::ElderlyMedical,
            &[("id_number", "110101199201010018")],
            d(2026, 3, 10),
            Lang::Zh,
        );
        assert_eq!(young.severity, Severity::Block);
        assert!(young.message.contains("34"), "{}", young.message);
    }

    #[test]
    fn inspection_through_the_engine() {
        let on = d(2026, 3, 1);
        let v = |t: &'static str, acc: &'static str| {
            [
                ("registration_date", "2024-05-01"),
                ("vehicle_type", t),
                ("accident_injury", acc),
                ("inspection_valid_until", "2026-05"),
            ]
        };
        // Valid until 2026-05: due 05-31, window from 2026-03-01.
        let f = eval(
            RuleId::InspectionExemption,
            &v("small_passenger", "no"),
            on,
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.message,
            tr(Lang::Zh, "rules.inspection.sticker")
                .replace("{year}", "2")
                .replace("{due}", "2026-05-31")
        );
        for (t, acc) in [
            ("van", "no"),
            ("commercial", "no"),
            ("other", "no"),
            ("small_passenger", "yes"),
        ] {
            let f = eval(RuleId::InspectionExemption, &v(t, acc), on, Lang::En);
            assert_eq!(f.severity, Severity::Block, "{t} {acc}");
        }
        let f = eval(
            RuleId::InspectionExemption,
            &v("small_passenger", "no"),
            d(2026, 2, 28),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert!(
            f.message.contains("2026-05-31") && f.message.contains("2026-03-01"),
            "{}",
            f.message
        );
        // Overdue: said as overdue, with what the branch must refuse.
        let f = eval(
            RuleId::InspectionExemption,
            &v("small_passenger", "no"),
            d(2026, 6, 1),
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.inspection.overdue");
        assert!(
            f.message.contains("2026-05-31") && f.message.contains("1 天"),
            "{}",
            f.message
        );
        // The case: registered 2022-05-10, applying 2024-05-20.
        let f = eval(
            RuleId::InspectionExemption,
            &[
                ("registration_date", "2022-05-10"),
                ("vehicle_type", "small_passenger"),
                ("accident_injury", "no"),
                ("inspection_valid_until", "2024-05"),
            ],
            d(2024, 5, 20),
            Lang::En,
        );
        assert_eq!(f.key, "rules.inspection.sticker");
    }

    #[test]
    fn future_decision_date_is_an_error() {
        let v = [("fine_fen", "20000"), ("decision_received", "2026-03-02")];
        let f = eval(RuleId::FineSurcharge, &v, d(2026, 3, 1), Lang::Zh);
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.fine.future");
        let f = eval(RuleId::FineSurcharge, &v, d(2026, 3, 2), Lang::Zh);
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("2026-03-17"), "{}", f.message);
        assert_eq!(surcharge_free_deadline(&vals(&v)), Some(d(2026, 3, 17)));
        assert_eq!(surcharge_free_deadline(&vals(&[])), None);
    }

    #[test]
    fn platform_prerequisite_is_a_check_that_offers_u1() {
        let on = d(2026, 3, 1);
        let f = eval(
            RuleId::PlatformRegistered,
            &[("platform_registered", "no")],
            on,
            Lang::Zh,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.offer, Some("U1"));
        let f = eval(
            RuleId::PlatformRegistered,
            &[("platform_registered", "yes"), ("vehicle_filed", "no")],
            on,
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.platform.vehicle_not_filed");
        assert_eq!(f.offer, None);
        let f = eval(
            RuleId::PlatformRegistered,
            &[("platform_registered", "yes"), ("vehicle_filed", "yes")],
            on,
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            evaluate(
                RuleId::PlatformRegistered,
                &vals(&[("platform_registered", "yes")]),
                on,
                Lang::En
            ),
            None
        );
    }

    #[test]
    fn cycle_deferral_through_the_engine() {
        // Cycle ends 2026-03-09: deadline 2026-04-08, at most to 2029-04-08.
        let base = [
            ("cycle_end", "2026-03-09"),
            ("deferral_until", "2029-04-08"),
        ];
        let f = eval(RuleId::CycleDeferralLimit, &base, d(2026, 3, 20), Lang::Zh);
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.message.contains("2026-04-08") && f.message.contains("2029-04-08"),
            "{}",
            f.message
        );
        let f = eval(
            RuleId::CycleDeferralLimit,
            &[
                ("cycle_end", "2026-03-09"),
                ("deferral_until", "2029-04-09"),
            ],
            d(2026, 3, 20),
            Lang::En,
        );
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.key, "rules.deferral.too_long");
        // With an expiry long past: too late, whatever the cycle.
        let f = eval(
            RuleId::CycleDeferralLimit,
            &[
                ("cycle_end", "2026-03-09"),
                ("deferral_until", "2027-01-01"),
                ("licence_expiry", "2025-03-01"),
            ],
            d(2026, 3, 20),
            Lang::En,
        );
        assert_eq!(f.key, "rules.deferral.too_late");
    }

    /// Values for `rule` that sweep its edges around `on`: dates from two
    /// years back to two years ahead, every choice, both answers.
    fn sweep(rule: RuleId, on: NaiveDate) -> Vec<BTreeMap<String, String>> {
        let offsets = [
            -800i64, -400, -366, -365, -200, -184, -183, -182, -91, -90, -31, -30, -16, -15, -1, 0,
            1, 30, 60, 89, 90, 91, 200, 400, 1100, 1200,
        ];
        let dates: Vec<String> = offsets
            .iter()
            .map(|o| add_days(on, *o).to_string())
            .collect();
        let months: Vec<String> = offsets
            .iter()
            .map(|o| add_days(on, *o).format("%Y-%m").to_string())
            .collect();
        let ids = [
            "110101195603100012",
            "110101196406010012",
            "110101199201010018",
            "110101193001010013",
        ];
        let classes = ["A1", "B2", "C1", "C3", "C6", "E", "F", "M", "N", "P"];
        let vehicles = [
            "small_passenger",
            "seven_to_nine",
            "van",
            "commercial",
            "motorcycle",
            "other",
        ];
        let choices = |key: &str| -> Vec<String> {
            match key {
                "id_number" => ids.iter().map(|s| s.to_string()).collect(),
                "licence_class" => classes.iter().map(|s| s.to_string()).collect(),
                "vehicle_type" => vehicles.iter().map(|s| s.to_string()).collect(),
                "accident_injury"
                | "licence_detained"
                | "platform_registered"
                | "vehicle_filed" => {
                    vec!["yes".into(), "no".into()]
                }
                "fine_fen" => vec!["0".into(), "20000".into()],
                "inspection_valid_until" => months.clone(),
                _ => dates.clone(),
            }
        };
        let mut out = vec![BTreeMap::new()];
        for key in rule.reads() {
            let mut next = Vec::new();
            for v in &out {
                for c in choices(key) {
                    let mut v = v.clone();
                    v.insert(key.to_string(), c);
                    next.push(v);
                }
            }
            // Keep the product small: every 7th combination past a limit.
            if next.len() > 4000 {
                next = next.into_iter().step_by(7).collect();
            }
            out = next;
        }
        out
    }

    #[test]
    fn every_inapplicable_outcome_blocks_and_every_outcome_is_reached() {
        let mut seen = std::collections::BTreeSet::new();
        for on in [
            d(2024, 12, 31),
            d(2025, 1, 1),
            d(2026, 2, 28),
            d(2024, 2, 29),
        ] {
            for rule in RuleId::ALL {
                for v in sweep(rule, on) {
                    let Some(f) = evaluate(rule, &v, on, Lang::Zh) else {
                        continue;
                    };
                    assert!(KEYS.contains(&f.key), "{} not in KEYS", f.key);
                    if is_inapplicable(f.key) {
                        assert_eq!(f.severity, Severity::Block, "{rule:?} {v:?}: {}", f.message);
                    } else {
                        assert_ne!(
                            f.severity,
                            Severity::Block,
                            "{rule:?} {v:?}: {} blocks but is not listed",
                            f.message
                        );
                    }
                    seen.insert(f.key);
                }
            }
        }
        for key in INAPPLICABLE {
            assert!(KEYS.contains(key), "{key}");
        }
        // Outcomes the sweep cannot reach on those days (the scheme's start,
        // 7–9 seats before 2020, dates before the registration).
        let unreachable = [
            "rules.inspection.no_scheme_yet",
            "rules.inspection.registered_in_future",
            "rules.inspection.valid_until_before_registration",
        ];
        for key in KEYS {
            assert!(
                seen.contains(key) || unreachable.contains(key),
                "the sweep never reached {key}"
            );
        }
    }
}
