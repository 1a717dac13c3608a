//! The small enums inside facts and errors, and every message: the texts
//! themselves are in `locales/<lang>/ident.toml`.

use chrono::NaiveDate;

use super::{Fact, Invalid, Warning};
use crate::i18n::{fmt, tr, Lang};

/// Sex from an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

/// Region of a residence permit for HK, Macau and Taiwan residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    HongKong,
    Macau,
    Taiwan,
}

/// GA 36-2018 plate types this module recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlateType {
    /// 普通号牌: 5 serial characters.
    Ordinary,
    /// 小型新能源汽车号牌: letter (D/A/B/C/E or F/G/H/J/K) + character + 4 digits.
    NewEnergySmall { battery_electric: bool },
    /// 大型新能源汽车号牌: 5 digits + letter.
    NewEnergyLarge { battery_electric: bool },
    /// 挂车号牌
    Trailer,
    /// 教练汽车号牌
    Learner,
    /// 警用号牌
    Police,
    /// 粤Z…港
    HongKong,
    /// 粤Z…澳
    Macau,
}

impl PlateType {
    /// Whether the plate ends in a suffix character (挂 学 警 港 澳).
    pub fn has_suffix(&self) -> bool {
        matches!(
            self,
            PlateType::Trailer
                | PlateType::Learner
                | PlateType::Police
                | PlateType::HongKong
                | PlateType::Macau
        )
    }

    /// Machine name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            PlateType::Ordinary => "ordinary",
            PlateType::NewEnergySmall { .. } => "new-energy-small",
            PlateType::NewEnergyLarge { .. } => "new-energy-large",
            PlateType::Trailer => "trailer",
            PlateType::Learner => "learner",
            PlateType::Police => "police",
            PlateType::HongKong => "hong-kong",
            PlateType::Macau => "macau",
        }
    }
}

/// Region or country of a VIN's maker (ISO 3780 first characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VinRegion {
    China,
    Japan,
    SouthKorea,
    Germany,
    UnitedStates,
    Canada,
    Mexico,
    Africa,
    Asia,
    Europe,
    NorthAmerica,
    Oceania,
    SouthAmerica,
}

impl VinRegion {
    /// Machine name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            VinRegion::China => "china",
            VinRegion::Japan => "japan",
            VinRegion::SouthKorea => "south-korea",
            VinRegion::Germany => "germany",
            VinRegion::UnitedStates => "united-states",
            VinRegion::Canada => "canada",
            VinRegion::Mexico => "mexico",
            VinRegion::Africa => "africa",
            VinRegion::Asia => "asia",
            VinRegion::Europe => "europe",
            VinRegion::NorthAmerica => "north-america",
            VinRegion::Oceania => "oceania",
            VinRegion::SouthAmerica => "south-america",
        }
    }
}

/// The carrier a mobile number segment was allocated to (numbers can be
/// ported since 2019, so this is the segment's owner, not necessarily today's
/// carrier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    ChinaMobile,
    ChinaUnicom,
    ChinaTelecom,
    ChinaBroadnet,
    /// 虚拟运营商 (170/171/162/165/167).
    Virtual,
}

impl Carrier {
    /// Machine name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Carrier::ChinaMobile => "china-mobile",
            Carrier::ChinaUnicom => "china-unicom",
            Carrier::ChinaTelecom => "china-telecom",
            Carrier::ChinaBroadnet => "china-broadnet",
            Carrier::Virtual => "virtual",
        }
    }
}

/// What was expected at a position ([`Invalid::Expected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Want {
    Digit,
    /// A letter A–Z.
    Letter,
    /// One of the 31 province characters of plates.
    ProvinceChar,
    /// A plate serial character: digit or letter other than I and O.
    SerialChar,
    /// A new-energy letter: D/A/B/C/E or F/G/H/J/K.
    NewEnergyLetter,
    /// A digit or X (a check character).
    DigitOrX,
}

/// The two-digit province codes of GB/T 2260 (71 = Taiwan) and the keys of
/// their names in the locale files.
const PROVINCES: [(&str, &str); 32] = [
    ("11", "ident.province.11"),
    ("12", "ident.province.12"),
    ("13", "ident.province.13"),
    ("14", "ident.province.14"),
    ("15", "ident.province.15"),
    ("21", "ident.province.21"),
    ("22", "ident.province.22"),
    ("23", "ident.province.23"),
    ("31", "ident.province.31"),
    ("32", "ident.province.32"),
    ("33", "ident.province.33"),
    ("34", "ident.province.34"),
    ("35", "ident.province.35"),
    ("36", "ident.province.36"),
    ("37", "ident.province.37"),
    ("41", "ident.province.41"),
    ("42", "ident.province.42"),
    ("43", "ident.province.43"),
    ("44", "ident.province.44"),
    ("45", "ident.province.45"),
    ("46", "ident.province.46"),
    ("50", "ident.province.50"),
    ("51", "ident.province.51"),
    ("52", "ident.province.52"),
    ("53", "ident.province.53"),
    ("54", "ident.province.54"),
    ("61", "ident.province.61"),
    ("62", "ident.province.62"),
    ("63", "ident.province.63"),
    ("64", "ident.province.64"),
    ("65", "ident.province.65"),
    ("71", "ident.province.71"),
];

/// The name of a province code in `lang`, or `None` for an unknown code.
pub(crate) fn province_name(code: &str, lang: Lang) -> Option<String> {
    PROVINCES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, key)| tr(lang, key).to_string())
}

/// A character as shown in a message: control characters as `U+000A`.
fn show(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() {
        format!("U+{:04X}", ch as u32)
    } else {
        ch.to_string()
    }
}

fn date(d: &NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Sex {
    fn key(&self) -> &'static str {
        match self {
            Sex::Male => "ident.fact.sex_male",
            Sex::Female => "ident.fact.sex_female",
        }
    }
}

impl Region {
    fn key(&self) -> &'static str {
        match self {
            Region::HongKong => "ident.fact.permit_hk",
            Region::Macau => "ident.fact.permit_mo",
            Region::Taiwan => "ident.fact.permit_tw",
        }
    }
    fn as_str(&self) -> &'static str {
        match self {
            Region::HongKong => "hk",
            Region::Macau => "mo",
            Region::Taiwan => "tw",
        }
    }
}

impl PlateType {
    fn key(&self) -> &'static str {
        match self {
            PlateType::Ordinary => "ident.plate_type.ordinary",
            PlateType::NewEnergySmall { .. } => "ident.plate_type.new_energy_small",
            PlateType::NewEnergyLarge { .. } => "ident.plate_type.new_energy_large",
            PlateType::Trailer => "ident.plate_type.trailer",
            PlateType::Learner => "ident.plate_type.learner",
            PlateType::Police => "ident.plate_type.police",
            PlateType::HongKong => "ident.plate_type.hong_kong",
            PlateType::Macau => "ident.plate_type.macau",
        }
    }
}

impl VinRegion {
    fn key(&self) -> &'static str {
        match self {
            VinRegion::China => "ident.vin_region.china",
            VinRegion::Japan => "ident.vin_region.japan",
            VinRegion::SouthKorea => "ident.vin_region.south_korea",
            VinRegion::Germany => "ident.vin_region.germany",
            VinRegion::UnitedStates => "ident.vin_region.united_states",
            VinRegion::Canada => "ident.vin_region.canada",
            VinRegion::Mexico => "ident.vin_region.mexico",
            VinRegion::Africa => "ident.vin_region.africa",
            VinRegion::Asia => "ident.vin_region.asia",
            VinRegion::Europe => "ident.vin_region.europe",
            VinRegion::NorthAmerica => "ident.vin_region.north_america",
            VinRegion::Oceania => "ident.vin_region.oceania",
            VinRegion::SouthAmerica => "ident.vin_region.south_america",
        }
    }
}

impl Carrier {
    fn key(&self) -> &'static str {
        match self {
            Carrier::ChinaMobile => "ident.carrier.china_mobile",
            Carrier::ChinaUnicom => "ident.carrier.china_unicom",
            Carrier::ChinaTelecom => "ident.carrier.china_telecom",
            Carrier::ChinaBroadnet => "ident.carrier.china_broadnet",
            Carrier::Virtual => "ident.carrier.virtual",
        }
    }
}

impl Want {
    fn key(&self) -> &'static str {
        match self {
            Want::Digit => "ident.want.digit",
            Want::Letter => "ident.want.letter",
            Want::ProvinceChar => "ident.want.province_char",
            Want::SerialChar => "ident.want.serial_char",
            Want::NewEnergyLetter => "ident.want.new_energy_letter",
            Want::DigitOrX => "ident.want.digit_or_x",
        }
    }
}

/// The USCC registration departments (GB 32100 position 1) with a name.
const USCC_DEPARTMENTS: [(char, &str); 12] = [
    ('1', "ident.uscc_department.d1"),
    ('2', "ident.uscc_department.d2"),
    ('3', "ident.uscc_department.d3"),
    ('4', "ident.uscc_department.d4"),
    ('5', "ident.uscc_department.d5"),
    ('6', "ident.uscc_department.d6"),
    ('7', "ident.uscc_department.d7"),
    ('8', "ident.uscc_department.d8"),
    ('9', "ident.uscc_department.d9"),
    ('A', "ident.uscc_department.dA"),
    ('N', "ident.uscc_department.dN"),
    ('Y', "ident.uscc_department.dY"),
];

impl Fact {
    /// One line for people.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Fact::BirthDate(d) => fmt(lang, "ident.fact.birth_date", &[("date", &date(d))]),
            Fact::Sex(s) => tr(lang, s.key()).to_string(),
            Fact::Province { code, name } => {
                let name = province_name(code, lang).unwrap_or_else(|| name.clone());
                fmt(lang, "ident.fact.province", &[("name", &name)])
            }
            Fact::ConvertedFrom15(old) => {
                fmt(lang, "ident.fact.converted_from_15", &[("old", old)])
            }
            Fact::PermitHkMoTw(r) => tr(lang, r.key()).to_string(),
            Fact::ForeignPermanentResidence => tr(lang, "ident.fact.foreign_permanent").to_string(),
            Fact::PlateType(t) => tr(lang, t.key()).to_string(),
            Fact::NewEnergy { battery_electric } => {
                let key = if *battery_electric {
                    "ident.fact.battery_electric"
                } else {
                    "ident.fact.not_battery_electric"
                };
                tr(lang, key).to_string()
            }
            Fact::VinMaker(wmi) => fmt(lang, "ident.fact.vin_maker", &[("wmi", wmi)]),
            Fact::VinRegion(r) => {
                let region = tr(lang, r.key());
                fmt(lang, "ident.fact.vin_region", &[("region", &region)])
            }
            Fact::VinModelYear { code, year } => fmt(
                lang,
                "ident.fact.vin_model_year",
                &[("code", code), ("year", year), ("earlier", &(year - 30))],
            ),
            Fact::Carrier(c) => {
                let carrier = tr(lang, c.key());
                fmt(lang, "ident.fact.carrier", &[("carrier", &carrier)])
            }
            Fact::CountryPrefixRemoved => tr(lang, "ident.fact.country_prefix_removed").to_string(),
            Fact::UsccDepartment(c) => {
                let key = USCC_DEPARTMENTS
                    .iter()
                    .find(|(d, _)| d == c)
                    .map_or("ident.uscc_department.unknown", |(_, k)| k);
                let dept = tr(lang, key);
                fmt(
                    lang,
                    "ident.fact.uscc_department",
                    &[("code", c), ("department", &dept)],
                )
            }
        }
    }

    /// Adds this fact's machine keys to a JSON object.
    pub(crate) fn add_json(&self, m: &mut serde_json::Map<String, serde_json::Value>) {
        use serde_json::Value;
        match self {
            Fact::BirthDate(d) => {
                m.insert("birth_date".into(), Value::String(date(d)));
            }
            Fact::Sex(s) => {
                let v = match s {
                    Sex::Male => "male",
                    Sex::Female => "female",
                };
                m.insert("sex".into(), v.into());
            }
            Fact::Province { code, name } => {
                m.insert("province_code".into(), code.clone().into());
                m.insert("province".into(), name.clone().into());
            }
            Fact::ConvertedFrom15(old) => {
                m.insert("converted_from_15".into(), old.clone().into());
            }
            Fact::PermitHkMoTw(r) => {
                m.insert("residence_permit".into(), r.as_str().into());
            }
            Fact::ForeignPermanentResidence => {
                m.insert("foreign_permanent_residence".into(), true.into());
            }
            Fact::PlateType(t) => {
                m.insert("plate_type".into(), t.as_str().into());
            }
            Fact::NewEnergy { battery_electric } => {
                m.insert("new_energy".into(), true.into());
                m.insert("battery_electric".into(), (*battery_electric).into());
            }
            Fact::VinMaker(wmi) => {
                m.insert("wmi".into(), wmi.clone().into());
            }
            Fact::VinRegion(r) => {
                m.insert("vin_region".into(), r.as_str().into());
            }
            Fact::VinModelYear { code, year } => {
                m.insert("model_year_code".into(), code.to_string().into());
                m.insert("model_year".into(), (*year).into());
            }
            Fact::Carrier(c) => {
                m.insert("carrier".into(), c.as_str().into());
            }
            Fact::CountryPrefixRemoved => {
                m.insert("country_prefix_removed".into(), true.into());
            }
            Fact::UsccDepartment(c) => {
                m.insert("uscc_department".into(), c.to_string().into());
            }
        }
    }
}

impl Warning {
    /// One sentence for people.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Warning::UnknownRegionCode(code) => {
                fmt(lang, "ident.warning.unknown_region_code", &[("code", code)])
            }
            Warning::VinCheckDigitMismatch { expected, found } => fmt(
                lang,
                "ident.warning.vin_check_digit_mismatch",
                &[("expected", expected), ("found", found)],
            ),
            Warning::PlateSecondLetterIO(ch) => {
                fmt(lang, "ident.warning.plate_second_letter_io", &[("ch", ch)])
            }
            Warning::PlateOfficeLetterUnknown { province, letter } => fmt(
                lang,
                "ident.warning.plate_office_letter_unknown",
                &[("province", province), ("letter", letter)],
            ),
            Warning::PhoneSegmentUnknown(prefix) => fmt(
                lang,
                "ident.warning.phone_segment_unknown",
                &[("prefix", prefix)],
            ),
            Warning::PhoneSegmentNotForCalls { prefix, usage } => fmt(
                lang,
                match usage {
                    super::SegmentUse::Satellite => "ident.warning.phone_segment_satellite",
                    _ => "ident.warning.phone_segment_data",
                },
                &[("prefix", prefix)],
            ),
        }
    }
}

impl Invalid {
    /// One sentence that says exactly what is wrong.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Invalid::Empty => tr(lang, "ident.invalid.empty").to_string(),
            Invalid::TooLong { len, max } => fmt(
                lang,
                "ident.invalid.too_long",
                &[("len", len), ("max", max)],
            ),
            Invalid::Length { expected, found } => {
                let or = tr(lang, "ident.or");
                let expected = expected.split('|').collect::<Vec<_>>().join(or);
                fmt(
                    lang,
                    "ident.invalid.length",
                    &[("expected", &expected), ("found", found)],
                )
            }
            Invalid::BadChar { pos, ch } => fmt(
                lang,
                "ident.invalid.bad_char",
                &[("pos", pos), ("ch", &show(*ch))],
            ),
            Invalid::Expected { pos, ch, want } => {
                let want = tr(lang, want.key());
                fmt(
                    lang,
                    "ident.invalid.expected",
                    &[("pos", pos), ("ch", &show(*ch)), ("want", &want)],
                )
            }
            Invalid::ForbiddenLetter { pos, ch } => fmt(
                lang,
                "ident.invalid.forbidden_letter",
                &[("pos", pos), ("ch", ch)],
            ),
            Invalid::CheckDigit { expected, found } => fmt(
                lang,
                "ident.invalid.check_digit",
                &[("expected", expected), ("found", found)],
            ),
            Invalid::BadDate { digits } => {
                fmt(lang, "ident.invalid.bad_date", &[("digits", digits)])
            }
            Invalid::FutureDate { date: d } => {
                fmt(lang, "ident.invalid.future_date", &[("date", &date(d))])
            }
            Invalid::DateTooEarly { date: d } => {
                fmt(lang, "ident.invalid.date_too_early", &[("date", &date(d))])
            }
            Invalid::UnknownProvince(code) => {
                fmt(lang, "ident.invalid.unknown_province", &[("code", code)])
            }
            Invalid::HkMoPlateNotYueZ => {
                tr(lang, "ident.invalid.hk_mo_plate_not_yue_z").to_string()
            }
            Invalid::DiplomaticPlate => tr(lang, "ident.invalid.diplomatic_plate").to_string(),
            Invalid::TooManyLetters { max, found } => fmt(
                lang,
                "ident.invalid.too_many_letters",
                &[("max", max), ("found", found)],
            ),
            Invalid::ReservedSeries(prefix) => {
                fmt(lang, "ident.invalid.reserved_series", &[("prefix", prefix)])
            }
            Invalid::NotMobile { prefix } => {
                fmt(lang, "ident.invalid.not_mobile", &[("prefix", prefix)])
            }
        }
    }

    /// A short machine code for JSON output and logs (`length`, `check-digit`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Empty => "empty",
            Invalid::TooLong { .. } => "too-long",
            Invalid::Length { .. } => "length",
            Invalid::BadChar { .. } => "bad-char",
            Invalid::Expected { .. } => "expected",
            Invalid::ForbiddenLetter { .. } => "forbidden-letter",
            Invalid::CheckDigit { .. } => "check-digit",
            Invalid::BadDate { .. } => "bad-date",
            Invalid::FutureDate { .. } => "future-date",
            Invalid::DateTooEarly { .. } => "date-too-early",
            Invalid::UnknownProvince(_) => "unknown-province",
            Invalid::HkMoPlateNotYueZ => "hk-mo-plate-not-yue-z",
            Invalid::DiplomaticPlate => "diplomatic-plate",
            Invalid::TooManyLetters { .. } => "too-many-letters",
            Invalid::ReservedSeries(_) => "reserved-series",
            Invalid::NotMobile { .. } => "not-mobile",
        }
    }
}
