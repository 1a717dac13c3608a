//! Identifier normalising and validation (DESIGN.md §6, research/domain.md §4).
//!
//! [`check`] normalises the input ([`normalize`]), then checks the format,
//! then the check digit, then the soft semantic rules (dates, regions).
//! A hard failure is an [`Invalid`]; a doubt that a clerk should look at but
//! that does not make the number wrong is a [`Warning`] on the [`Checked`]
//! result. Every text a person reads comes from `locales/*/ident.toml`.
//!
//! No input makes these functions panic; input longer than [`MAX_LEN`]
//! characters is refused after a single scan.

mod id;
mod normalize;
mod other;
mod plate;
mod text;
mod vin;

use chrono::NaiveDate;

use crate::i18n::Lang;

pub use id::{county_code_known, id_check_char};
pub use normalize::{normalize, MAX_LEN};
pub use other::{uscc_check_char, SegmentUse};
pub use text::{Carrier, PlateType, Region, Sex, VinRegion, Want};
pub use vin::vin_check_char;

/// The kinds of identifier `jingyou check KIND VALUE` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 公民身份号码 (and HK/MO/TW residence permits, foreign permanent-residence cards).
    Id,
    /// 号牌号码.
    Plate,
    /// 车辆识别代号.
    Vin,
    /// Mainland mobile number.
    Phone,
    /// 驾驶证档案编号.
    LicenceFile,
    /// 交通违法处罚决定书编号.
    Decision,
    /// 统一社会信用代码.
    Uscc,
}

impl Kind {
    /// Every kind, in the order of the command-line help.
    pub const ALL: [Kind; 7] = [
        Kind::Id,
        Kind::Plate,
        Kind::Vin,
        Kind::Phone,
        Kind::LicenceFile,
        Kind::Decision,
        Kind::Uscc,
    ];

    /// The command-line name: `id`, `plate`, `vin`, `phone`, `licence-file`,
    /// `decision`, `uscc`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Id => "id",
            Kind::Plate => "plate",
            Kind::Vin => "vin",
            Kind::Phone => "phone",
            Kind::LicenceFile => "licence-file",
            Kind::Decision => "decision",
            Kind::Uscc => "uscc",
        }
    }

    /// Parses a command-line name (case-insensitive; `license-file` and
    /// underscores are accepted too).
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        let s = if s == "license-file" {
            "licence-file".to_string()
        } else {
            s
        };
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind's name for people (e.g. 公民身份号码).
    pub fn name(&self, lang: Lang) -> String {
        let key = match self {
            Kind::Id => "ident.kind.id",
            Kind::Plate => "ident.kind.plate",
            Kind::Vin => "ident.kind.vin",
            Kind::Phone => "ident.kind.phone",
            Kind::LicenceFile => "ident.kind.licence_file",
            Kind::Decision => "ident.kind.decision",
            Kind::Uscc => "ident.kind.uscc",
        };
        crate::i18n::tr(lang, key).to_string()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a valid identifier told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// ID: the birth date (positions 7–14).
    BirthDate(NaiveDate),
    /// ID: position 17 odd = male, even = female.
    Sex(Sex),
    /// ID, USCC: the province of the address code; `name` is the Chinese name.
    Province { code: String, name: String },
    /// ID: the number was a legacy 15-digit one (the original is kept here).
    ConvertedFrom15(String),
    /// ID: a residence permit for residents of Hong Kong, Macau or Taiwan (81/82/83).
    PermitHkMoTw(Region),
    /// ID: a 2023 foreign permanent-residence identity card (leading 9).
    ForeignPermanentResidence,
    /// Plate: its type.
    PlateType(PlateType),
    /// Plate: a new-energy plate, battery-electric (纯电动) or not.
    NewEnergy { battery_electric: bool },
    /// VIN: the world manufacturer identifier (positions 1–3).
    VinMaker(String),
    /// VIN: the region or country of the maker (position 1, 2).
    VinRegion(VinRegion),
    /// VIN: the model year that position 10 most likely means (the code
    /// repeats every 30 years; the latest year not after next year is taken).
    VinModelYear { code: char, year: i32 },
    /// Phone: the carrier the number segment was allocated to.
    Carrier(Carrier),
    /// Phone: the number had a country prefix (+86, 0086 or 86) that was removed.
    CountryPrefixRemoved,
    /// USCC: the registration department code (position 1).
    UsccDepartment(char),
}

/// Something a clerk should look at, but the identifier is still accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// ID: the address code does not look like a county code.
    UnknownRegionCode(String),
    /// VIN of a maker outside China and North America: the check digit does
    /// not match (many makers elsewhere do not use one).
    VinCheckDigitMismatch { expected: char, found: char },
    /// Plate: the issuing-office letter is I or O.
    PlateSecondLetterIO(char),
    /// Plate: the province is not known to issue this office letter (the
    /// office list in `data/plates.toml` is uncertain data).
    PlateOfficeLetterUnknown { province: char, letter: char },
    /// Phone: the first three digits are not in the known segment list.
    PhoneSegmentUnknown(String),
    /// Phone: a data-only or satellite segment: a real number, but the
    /// customer may not be reachable by call or SMS on it.
    PhoneSegmentNotForCalls { prefix: String, usage: SegmentUse },
}

/// Why an identifier is not valid. `Display` is for logs; people read
/// [`Invalid::message`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("empty")]
    Empty,
    #[error("too long: {len} > {max}")]
    TooLong { len: usize, max: usize },
    /// `expected` lists the allowed lengths separated by `|`, e.g. `"15|18"`.
    #[error("length {found}, expected {expected}")]
    Length {
        expected: &'static str,
        found: usize,
    },
    /// A character that this kind of identifier never contains at this
    /// position (1-based, counted in the normalised input).
    #[error("bad character {ch:?} at {pos}")]
    BadChar { pos: usize, ch: char },
    /// A character that belongs to this kind of identifier, but not here.
    #[error("at {pos} expected {want:?}, found {ch:?}")]
    Expected { pos: usize, ch: char, want: Want },
    /// A letter the identifier does not use because it looks like a digit
    /// (I and O in plates, I/O/Q in VINs, I/O/Z/S/V in USCCs).
    #[error("forbidden letter {ch:?} at {pos}")]
    ForbiddenLetter { pos: usize, ch: char },
    #[error("check digit {found}, expected {expected}")]
    CheckDigit { expected: char, found: char },
    /// The 8 date digits are not a real date.
    #[error("bad date {digits}")]
    BadDate { digits: String },
    #[error("future date {date}")]
    FutureDate { date: NaiveDate },
    /// Before 1850: not a living person's birth date.
    #[error("date too early {date}")]
    DateTooEarly { date: NaiveDate },
    /// ID: the leading digits are no province, permit or card code.
    #[error("unknown province code {0}")]
    UnknownProvince(String),
    /// Plate: 港/澳 plates are issued only as 粤Z.
    #[error("HK/MO plate not 粤Z")]
    HkMoPlateNotYueZ,
    /// Plate: embassy (使) and consulate (领) plates are not checked here.
    #[error("diplomatic plate")]
    DiplomaticPlate,
    /// Plate: more letters in the serial than its type allows (an ordinary
    /// serial has at most two, GA 36-2018).
    #[error("{found} letters in the serial, at most {max}")]
    TooManyLetters { max: usize, found: usize },
    /// Plate: a series reserved for other plate types (粤Z is only 港/澳).
    #[error("reserved series {0}")]
    ReservedSeries(String),
    /// Phone: the first two digits are not a mobile range (13–19).
    #[error("not a mobile number: {prefix}")]
    NotMobile { prefix: String },
}

/// A valid identifier, normalised, with what it told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: Kind,
    /// The normalised value (an ID converted to 18 digits, a phone without
    /// country prefix).
    pub value: String,
    pub facts: Vec<Fact>,
    pub warnings: Vec<Warning>,
}

impl Checked {
    /// One line of text per fact, then one per warning.
    pub fn describe(&self, lang: Lang) -> Vec<String> {
        self.facts
            .iter()
            .map(|f| f.message(lang))
            .chain(self.warnings.iter().map(|w| w.message(lang)))
            .collect()
    }

    /// `{"kind","value","valid":true,"facts":{...},"warnings":[text]}` with
    /// warnings in Chinese (the default language); see [`Checked::to_json_in`].
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_in(Lang::default())
    }

    /// As [`Checked::to_json`], with the warning texts in `lang`. The fact
    /// keys and values are machine values (dates `YYYY-MM-DD`, enums as
    /// kebab-case words), the same in every language.
    pub fn to_json_in(&self, lang: Lang) -> serde_json::Value {
        let mut facts = serde_json::Map::new();
        for f in &self.facts {
            f.add_json(&mut facts);
        }
        let warnings: Vec<serde_json::Value> = self
            .warnings
            .iter()
            .map(|w| serde_json::Value::String(w.message(lang)))
            .collect();
        serde_json::json!({
            "kind": self.kind.as_str(),
            "value": self.value,
            "valid": true,
            "facts": facts,
            "warnings": warnings,
        })
    }
}

/// Checks one identifier of `kind`; `today` bounds birth dates and picks a
/// VIN's model year.
pub fn check(kind: Kind, input: &str, today: NaiveDate) -> Result<Checked, Invalid> {
    let chars = match normalize::normalize_bounded(input, MAX_LEN) {
        Ok(c) => c,
        Err(len) => return Err(Invalid::TooLong { len, max: MAX_LEN }),
    };
    if chars.is_empty() {
        return Err(Invalid::Empty);
    }
    if let Some((i, &ch)) = chars.iter().enumerate().find(|(_, c)| c.is_control()) {
        return Err(Invalid::BadChar { pos: i + 1, ch });
    }
    match kind {
        Kind::Id => id::check(&chars, today),
        Kind::Plate => plate::check(&chars),
        Kind::Vin => vin::check(&chars, today),
        Kind::Phone => other::check_phone(&chars),
        Kind::LicenceFile => other::check_digits(Kind::LicenceFile, &chars, &[12], "12"),
        Kind::Decision => other::check_digits(Kind::Decision, &chars, &[15, 16], "15|16"),
        Kind::Uscc => other::check_uscc(&chars),
    }
}

/// The first character (1-based position) for which `ok` fails, as `BadChar`.
pub(crate) fn first_bad(chars: &[char], ok: impl Fn(char) -> bool) -> Result<(), Invalid> {
    match chars.iter().enumerate().find(|(_, &c)| !ok(c)) {
        Some((i, &ch)) => Err(Invalid::BadChar { pos: i + 1, ch }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
