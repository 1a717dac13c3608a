//! 车辆识别代号 (GB 16735 / ISO 3779): 17 characters without I, O, Q;
//! position 9 is the check digit. It is enforced for Chinese (L) and North
//! American (1–5) makers; elsewhere a mismatch is only a warning.

use chrono::{Datelike, NaiveDate};

use super::text::{VinRegion, Want};
use super::{first_bad, Checked, Fact, Invalid, Kind, Warning};

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

fn value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

/// The check character (position 9) of a 17-character VIN; position 9 of
/// `vin` itself is ignored. `None` unless `vin` is 17 valid VIN characters
/// (position 9 may be anything).
pub fn vin_check_char(vin: &str) -> Option<char> {
    let chars: Vec<char> = vin.chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in chars.iter().enumerate() {
        if i != 8 {
            sum += value(c)? * WEIGHTS[i];
        }
    }
    let r = sum % 11;
    Some(if r == 10 {
        'X'
    } else {
        char::from_digit(r, 10).unwrap_or('?')
    })
}

fn region(c1: char, c2: char) -> VinRegion {
    match c1 {
        'L' => VinRegion::China,
        'J' => VinRegion::Japan,
        'K' if ('L'..='R').contains(&c2) => VinRegion::SouthKorea,
        'W' => VinRegion::Germany,
        '1' | '4' | '5' => VinRegion::UnitedStates,
        '2' => VinRegion::Canada,
        '3' => VinRegion::Mexico,
        'A'..='H' => VinRegion::Africa,
        'J'..='R' => VinRegion::Asia,
        'S'..='Z' => VinRegion::Europe,
        '6' | '7' => VinRegion::Oceania,
        '8' | '9' => VinRegion::SouthAmerica,
        _ => VinRegion::NorthAmerica,
    }
}

/// Model-year codes (position 10) from 1980/2010 on; the cycle is 30 years.
const YEAR_CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";

fn model_year(code: char, today: NaiveDate) -> Option<i32> {
    let idx = YEAR_CODES.chars().position(|c| c == code)? as i32;
    let next_year = today.year() + 1;
    let mut year = 1980 + idx;
    while year + 30 <= next_year {
        year += 30;
    }
    Some(year)
}

pub(super) fn check(chars: &[char], today: NaiveDate) -> Result<Checked, Invalid> {
    first_bad(chars, |c| c.is_ascii_uppercase() || c.is_ascii_digit())?;
    if let Some(i) = chars.iter().position(|&c| matches!(c, 'I' | 'O' | 'Q')) {
        return Err(Invalid::ForbiddenLetter {
            pos: i + 1,
            ch: chars[i],
        });
    }
    if chars.len() != 17 {
        return Err(Invalid::Length {
            expected: "17",
            found: chars.len(),
        });
    }
    let found = chars[8];
    if !(found.is_ascii_digit() || found == 'X') {
        return Err(Invalid::Expected {
            pos: 9,
            ch: found,
            want: Want::DigitOrX,
        });
    }
    let value_str: String = chars.iter().collect();
    let expected = vin_check_char(&value_str).unwrap_or('?');
    let mut warnings = Vec::new();
    if expected != found {
        if chars[0] == 'L' || ('1'..='5').contains(&chars[0]) {
            return Err(Invalid::CheckDigit { expected, found });
        }
        warnings.push(Warning::VinCheckDigitMismatch { expected, found });
    }
    let mut facts = vec![
        Fact::VinMaker(chars[..3].iter().collect()),
        Fact::VinRegion(region(chars[0], chars[1])),
    ];
    if let Some(year) = model_year(chars[9], today) {
        facts.push(Fact::VinModelYear {
            code: chars[9],
            year,
        });
    }
    Ok(Checked {
        kind: Kind::Vin,
        value: value_str,
        facts,
        warnings,
    })
}
