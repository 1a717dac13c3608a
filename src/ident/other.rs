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

/// The segment table, compiled in: `data/phone_segments.tsv` (prefix,
/// carrier, use, year, note; its header says the date and source).
const SEGMENTS: &str = include_str!("data/phone_segments.tsv");

/// What a segment is for, from the table's `use` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentUse {
    Mobile,
    Virtual,
    /// 上网卡 / 物联网: no ordinary calls or SMS.
    Data,
    /// 天通 / 海事卫星 satellite phones.
    Satellite,
}

type Segment = (&'static str, &'static str, SegmentUse);

/// The table's rows, parsed on the first phone number checked. Lines that
/// do not parse are skipped (the table is tested).
fn segments() -> &'static [Segment] {
    static ROWS: std::sync::OnceLock<Vec<Segment>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        SEGMENTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let prefix = cols.next()?;
                let carrier = cols.next()?;
                let usage = match cols.next()? {
                    "mobile" => SegmentUse::Mobile,
                    "virtual" => SegmentUse::Virtual,
                    "data" => SegmentUse::Data,
                    "satellite" => SegmentUse::Satellite,
                    _ => return None,
                };
                Some((prefix, carrier, usage))
            })
            .collect()
    })
}

/// The longest prefix of `digits` in the segment table: (prefix, carrier,
/// use).
pub(crate) fn segment(digits: &str) -> Option<Segment> {
    segments()
        .iter()
        .filter(|(p, _, _)| digits.starts_with(p))
        .max_by_key(|(p, _, _)| p.len())
        .copied()
}

fn carrier_of(name: &str, usage: SegmentUse) -> Option<Carrier> {
    if usage == SegmentUse::Virtual {
        return Some(Carrier::Virtual);
    }
    Some(match name {
        "china-mobile" => Carrier::ChinaMobile,
        "china-unicom" => Carrier::ChinaUnicom,
        "china-telecom" => Carrier::ChinaTelecom,
        "china-broadnet" => Carrier::ChinaBroadnet,
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
    let digits: String = number.iter().map(|(_, c)| c).collect();
    match segment(&digits) {
        None => warnings.push(Warning::PhoneSegmentUnknown(digits[..3].to_string())),
        Some((prefix, carrier, usage)) => {
            if let Some(c) = carrier_of(carrier, usage) {
                facts.push(Fact::Carrier(c));
            }
            if matches!(usage, SegmentUse::Data | SegmentUse::Satellite) {
                warnings.push(Warning::PhoneSegmentNotForCalls {
                    prefix: prefix.to_string(),
                    usage,
                });
            }
        }
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

/// A position in a hyphen-free copy mapped back to the input (1-based).
fn remap(e: Invalid, original: &[usize]) -> Invalid {
    let back = |pos: usize| original.get(pos.wrapping_sub(1)).copied().unwrap_or(pos);
    match e {
        Invalid::BadChar { pos, ch } => Invalid::BadChar { pos: back(pos), ch },
        Invalid::Expected { pos, ch, want } => Invalid::Expected {
            pos: back(pos),
            ch,
            want,
        },
        Invalid::ForbiddenLetter { pos, ch } => Invalid::ForbiddenLetter { pos: back(pos), ch },
        other => other,
    }
}

/// 统一社会信用代码, 18 characters. Hyphens are ignored, as in phone
/// numbers: certificates and forms often print the code with one after the
/// registration authority and region part (`59650102-K1LRT4JBC1`). Error
/// positions count in the input as typed.
pub(super) fn check_uscc(chars: &[char]) -> Result<Checked, Invalid> {
    let original: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != '-')
        .map(|(i, _)| i + 1)
        .collect();
    let kept: Vec<char> = chars.iter().copied().filter(|&c| c != '-').collect();
    check_uscc_plain(&kept).map_err(|e| remap(e, &original))
}

fn check_uscc_plain(chars: &[char]) -> Result<Checked, Invalid> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_segment_row_parses() {
        let rows = SEGMENTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(segments().len(), rows);
        assert!(rows > 50, "{rows}");
        for (p, _, _) in segments() {
            assert!(p.starts_with('1') && (3..=4).contains(&p.len()), "{p}");
        }
        assert_eq!(
            segment("16212345678").map(|s| s.2),
            Some(SegmentUse::Virtual)
        );
        assert_eq!(
            segment("17401234567").map(|s| s.2),
            Some(SegmentUse::Satellite)
        );
        assert_eq!(segment("13491234567").map(|s| s.0), Some("1349"));
        assert_eq!(segment("13481234567").map(|s| s.0), Some("134"));
        assert_eq!(segment("19412345678"), None);
    }
}
