//! Mobile numbers, 驾驶证档案编号, 处罚决定书编号 and 统一社会信用代码.

use super::text::{province_name, Carrier, Want};
use super::{first_bad, Checked, Fact, Invalid, Kind, Warning};
use crate::i18n::Lang;

/// Digits-only identifiers without a check digit (licence file: 12,
/// decision: 15 or 16). `expected` is the `|`-separated text of `lens`.
pub(super) fn check_digits(
    kind: Kind,
    chars: &[char],
    lens: &[usize],
    expected: &'static str,
) -> Result<Checked, Invalid> {
    first_bad(chars, |c| c.is_ascii_digit())?;
    if !lens.contains(&chars.len()) {
        return Err(Invalid::Length {
            expected,
            found: chars.len(),
        });
    }
    Ok(Checked {
        kind,
        value: chars.iter().collect(),
        facts: Vec::new(),
        warnings: Vec::new(),
    })
}

/// The MIIT segment list (with 190–199 but 194 added beyond the 2019 list).
fn known_segment(d: &[u32]) -> bool {
    matches!(
        (d[1], d[2]),
        (3, _)
            | (4, 5..=7 | 9)
            | (5, 0..=3 | 5..=9)
            | (6, 5..=7)
            | (7, 0..=8)
            | (8, _)
            | (9, 0..=3 | 5..=9)
    )
}

fn carrier(d: &[u32]) -> Option<Carrier> {
    let seg = d[1] * 10 + d[2];
    Some(match seg {
        34..=39 | 47 | 50..=52 | 57..=59 | 72 | 78 | 82..=84 | 87 | 88 | 95 | 97 | 98 => {
            Carrier::ChinaMobile
        }
        30..=32 | 45 | 55 | 56 | 66 | 75 | 76 | 85 | 86 | 96 => Carrier::ChinaUnicom,
        33 | 49 | 53 | 73 | 77 | 80 | 81 | 89 | 90 | 91 | 93 | 99 => Carrier::ChinaTelecom,
        92 => Carrier::ChinaBroadnet,
        62 | 65 | 67 | 70 | 71 => Carrier::Virtual,
        _ => return None,
    })
}

/// Mainland mobile numbers: an optional `+86`, `0086` or `86` prefix (only
/// when 11 digits follow), then `1[3-9]` and 9 more digits. Hyphens are
/// ignored too (138-1234-5678). Positions in errors count from the start of
/// the normalised input, prefix included.
pub(super) fn check_phone(chars: &[char]) -> Result<Checked, Invalid> {
    // Drop hyphens, remembering original positions for error messages.
    let kept: Vec<(usize, char)> = chars
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != '-')
        .map(|(i, &c)| (i + 1, c))
        .collect();
    let mut start = 0;
    let mut facts = Vec::new();
    let text: String = kept.iter().map(|(_, c)| c).collect();
    for prefix in ["+86", "0086", "86"] {
        let rest = kept.len().saturating_sub(prefix.chars().count());
        if text.starts_with(prefix) && rest == 11 {
            start = prefix.chars().count();
            facts.push(Fact::CountryPrefixRemoved);
            break;
        }
    }
    let number = &kept[start..];
    if let Some(&(pos, ch)) = number.iter().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(Invalid::BadChar { pos, ch });
    }
    if number.len() != 11 {
        return Err(Invalid::Length {
            expected: "11",
            found: number.len(),
        });
    }
    let d: Vec<u32> = number.iter().filter_map(|(_, c)| c.to_digit(10)).collect();
    if d.len() != 11 || d[0] != 1 || d[1] < 3 {
        return Err(Invalid::NotMobile {
            prefix: number[..2].iter().map(|(_, c)| c).collect(),
        });
    }
    let mut warnings = Vec::new();
    if !known_segment(&d) {
        warnings.push(Warning::PhoneSegmentUnknown(
            number[..3].iter().map(|(_, c)| c).collect(),
        ));
    } else if let Some(c) = carrier(&d) {
        facts.push(Fact::Carrier(c));
    }
    Ok(Checked {
        kind: Kind::Phone,
        value: number.iter().map(|(_, c)| c).collect(),
        facts,
        warnings,
    })
}

/// The GB 32100 alphabet: digits and letters without I, O, Z, S, V.
const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET.chars().position(|a| a == c).map(|p| p as u32)
}

/// The check character (position 18) for the first 17 characters of a
/// 统一社会信用代码, or `None` when `body` is not 17 characters of the alphabet.
pub fn uscc_check_char(body: &str) -> Option<char> {
    let values: Vec<u32> = body.chars().map(uscc_value).collect::<Option<_>>()?;
    if values.len() != 17 {
        return None;
    }
    let sum: u32 = values.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    USCC_ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

pub(super) fn check_uscc(chars: &[char]) -> Result<Checked, Invalid> {
    first_bad(chars, |c| c.is_ascii_uppercase() || c.is_ascii_digit())?;
    if let Some(i) = chars.iter().position(|&c| uscc_value(c).is_none()) {
        return Err(Invalid::ForbiddenLetter {
            pos: i + 1,
            ch: chars[i],
        });
    }
    if chars.len() != 18 {
        return Err(Invalid::Length {
            expected: "18",
            found: chars.len(),
        });
    }
    if let Some(i) = (2..8).find(|&i| !chars[i].is_ascii_digit()) {
        return Err(Invalid::Expected {
            pos: i + 1,
            ch: chars[i],
            want: Want::Digit,
        });
    }
    let body: String = chars[..17].iter().collect();
    let expected = uscc_check_char(&body).unwrap_or('?');
    if expected != chars[17] {
        return Err(Invalid::CheckDigit {
            expected,
            found: chars[17],
        });
    }
    let mut facts = vec![Fact::UsccDepartment(chars[0])];
    let code: String = chars[2..4].iter().collect();
    if let Some(name) = province_name(&code, Lang::Zh) {
        facts.push(Fact::Province { code, name });
    }
    Ok(Checked {
        kind: Kind::Uscc,
        value: chars.iter().collect(),
        facts,
        warnings: Vec::new(),
    })
}
