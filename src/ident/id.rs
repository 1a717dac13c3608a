//! 公民身份号码 (GB 11643-1999), including the residence permits for HK,
//! Macau and Taiwan residents (81/82/83) and the 2023 foreign
//! permanent-residence card (9 + province code).
//!
//! Region check: the address code (digits 1–6) must be a GB/T 2260 code that
//! exists or existed (the table `data/gbt2260.txt`, retired codes included,
//! since an ID keeps its code for life) and not a province's own `XX0000`;
//! otherwise [`Warning::UnknownRegionCode`] names it. For the permits
//! (81/82/83) the address code must be `XX0000`, anything else gets the
//! same warning. A warning, not an error: the table may lag a new county.

use chrono::{Datelike, NaiveDate};

use super::text::{province_name, Region, Sex, Want};
use super::{first_bad, Checked, Fact, Invalid, Kind, Warning};
use crate::i18n::Lang;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The MOD 11-2 check character for the first 17 digits of an ID number, or
/// `None` when `body` is not exactly 17 ASCII digits.
pub fn id_check_char(body: &str) -> Option<char> {
    let digits: Vec<u32> = body
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// The GB/T 2260 table, compiled in as compact text (about 24 KB): one
/// line per prefecture, `PPPP CC CC …`. Nothing is parsed at start-up: the
/// first ID checked turns it into a sorted array of codes (28 KB), which
/// later checks search by bisection.
const GBT2260: &str = include_str!("data/gbt2260.txt");

fn county_codes() -> &'static [u32] {
    static CODES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut codes: Vec<u32> = GBT2260
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| {
                let mut parts = l.split(' ');
                let prefecture: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                parts.filter_map(move |c| c.parse::<u32>().ok().map(|c| prefecture * 100 + c))
            })
            .collect();
        codes.sort_unstable();
        codes
    })
}

/// Whether `code` (6 digits) is a GB/T 2260 code that exists or existed.
pub fn county_code_known(code: &str) -> bool {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    code.parse::<u32>()
        .is_ok_and(|c| county_codes().binary_search(&c).is_ok())
}

fn num(chars: &[char]) -> u32 {
    chars
        .iter()
        .fold(0u32, |acc, c| acc * 10 + c.to_digit(10).unwrap_or(0))
}

pub(super) fn check(chars: &[char], today: NaiveDate) -> Result<Checked, Invalid> {
    first_bad(chars, |c| c.is_ascii_digit() || c == 'X')?;
    let mut facts = Vec::new();
    let full: Vec<char> = match chars.len() {
        18 => {
            if let Some(i) = chars[..17].iter().position(|&c| c == 'X') {
                return Err(Invalid::Expected {
                    pos: i + 1,
                    ch: 'X',
                    want: Want::Digit,
                });
            }
            let body: String = chars[..17].iter().collect();
            let expected = id_check_char(&body).unwrap_or('?');
            if expected != chars[17] {
                return Err(Invalid::CheckDigit {
                    expected,
                    found: chars[17],
                });
            }
            chars.to_vec()
        }
        15 => {
            if let Some(i) = chars.iter().position(|&c| c == 'X') {
                return Err(Invalid::Expected {
                    pos: i + 1,
                    ch: 'X',
                    want: Want::Digit,
                });
            }
            let old: String = chars.iter().collect();
            let mut body: String = chars[..6].iter().collect();
            body.push_str("19");
            body.extend(&chars[6..]);
            let c = id_check_char(&body).unwrap_or('?');
            body.push(c);
            facts.push(Fact::ConvertedFrom15(old));
            body.chars().collect()
        }
        n => {
            return Err(Invalid::Length {
                expected: "18|15",
                found: n,
            })
        }
    };

    // Birth date: a real date, from 1850 up to today.
    let (y, m, d) = (num(&full[6..10]), num(&full[10..12]), num(&full[12..14]));
    let birth = match NaiveDate::from_ymd_opt(y as i32, m, d) {
        Some(b) => b,
        None => {
            return Err(Invalid::BadDate {
                digits: full[6..14].iter().collect(),
            })
        }
    };
    if birth > today {
        return Err(Invalid::FutureDate { date: birth });
    }
    if birth.year() < 1850 {
        return Err(Invalid::DateTooEarly { date: birth });
    }

    // Address code: province, permit or foreign card.
    let mut warnings = Vec::new();
    let code2: String = full[..2].iter().collect();
    let address: String = full[..6].iter().collect();
    let mut region_facts = Vec::new();
    if full[0] == '9' {
        let p: String = full[1..3].iter().collect();
        let name = match province_name(&p, Lang::Zh) {
            Some(n) => n,
            None => return Err(Invalid::UnknownProvince(full[..3].iter().collect())),
        };
        region_facts.push(Fact::ForeignPermanentResidence);
        region_facts.push(Fact::Province { code: p, name });
    } else if let Some(region) = match code2.as_str() {
        "81" => Some(Region::HongKong),
        "82" => Some(Region::Macau),
        "83" => Some(Region::Taiwan),
        _ => None,
    } {
        region_facts.push(Fact::PermitHkMoTw(region));
        if &address[2..] != "0000" {
            warnings.push(Warning::UnknownRegionCode(address.clone()));
        }
    } else {
        let name = match province_name(&code2, Lang::Zh) {
            Some(n) => n,
            None => return Err(Invalid::UnknownProvince(code2)),
        };
        region_facts.push(Fact::Province { code: code2, name });
        if &address[2..] == "0000" || !county_code_known(&address) {
            warnings.push(Warning::UnknownRegionCode(address.clone()));
        }
    }

    let sex = if num(&full[16..17]) % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    let mut all = region_facts;
    all.push(Fact::BirthDate(birth));
    all.push(Fact::Sex(sex));
    all.extend(facts);
    Ok(Checked {
        kind: Kind::Id,
        value: full.iter().collect(),
        facts: all,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_codes_exist_or_existed() {
        // In use, retired (崇文区 2010, 宣武区 2010), prefecture level.
        for code in [
            "110105", "110103", "110104", "440524", "330102", "110100", "469033",
        ] {
            assert!(county_code_known(code), "{code}");
        }
        // The codes, and shapes that are no code at all.
        for code in [
            "439952", "379971", "229919", "110199", "11010", "1101055", "11010a", "",
        ] {
            assert!(!county_code_known(code), "{code}");
        }
        // Every line of the table parses: 4 digits, then 2-digit codes, sorted.
        let mut last = 0u32;
        let mut n = 0;
        for l in GBT2260.lines().filter(|l| !l.starts_with('#')) {
            let (p, rest) = l.split_at(4);
            assert!(p.bytes().all(|b| b.is_ascii_digit()), "{l}");
            for c in rest.trim_start().split(' ') {
                assert!(c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()), "{l}");
                let v: u32 = format!("{p}{c}").parse().unwrap_or(0);
                assert!(v > last, "not sorted at {p}{c}");
                last = v;
                n += 1;
            }
        }
        assert!(n > 6000, "{n}");
        assert!(GBT2260.contains(&format!("# {n} codes.")));
    }

    #[test]
    fn check_char_of_the_gb_examples() {
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(id_check_char("44052418800101001"), Some('4'));
        assert_eq!(id_check_char("4405241880010100"), None);
        assert_eq!(id_check_char("4405241880010100A"), None);
    }
}
