//! 号牌号码 (GA 36-2018): the shapes a counter meets.
//!
//! * ordinary: province + letter + 5 serial characters `[A-HJ-NP-Z0-9]`;
//! * small new-energy: province + letter + `[DABCE]` (battery-electric) or
//!   `[FGHJK]` (other) + serial character + 4 digits;
//! * large new-energy: province + letter + 5 digits + `[DABCE]`/`[FGHJK]`;
//! * suffix plates: province + letter + 4 serial characters + 挂/学/警, or
//!   粤Z + 4 serial characters + 港/澳.
//!
//! Embassy (使) and consulate (领) plates are refused with their own message:
//! the sources disagree on their shape, so the clerk checks them by hand.
//!
//! After the shape, the rules of `data/plates.toml` apply (data, so that a
//! province's special series can be added): each type's serial pattern and
//! the most letters it may use (an ordinary serial: two, GA 36-2018), the
//! series reserved for some types (粤Z only with 港/澳), and the office
//! letters each province issues, where an unknown letter is a warning.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::text::{PlateType, Want};
use super::{Checked, Fact, Invalid, Kind, Warning};

/// The plate rules, compiled in and parsed on the first plate checked.
const RULES_TOML: &str = include_str!("data/plates.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    serial: Vec<Serial>,
    #[serde(default)]
    reserved: Vec<Reserved>,
    #[serde(default)]
    offices: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Serial {
    #[serde(rename = "type")]
    kind: String,
    pattern: String,
    max_letters: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reserved {
    prefix: String,
    only: Vec<String>,
}

/// The parsed rules; `None` only if the compiled-in file is broken (a test
/// parses it), in which case only the shape checks apply.
fn rules() -> Option<&'static Rules> {
    static RULES: OnceLock<Option<Rules>> = OnceLock::new();
    RULES
        .get_or_init(|| toml::from_str(RULES_TOML).ok())
        .as_ref()
}

/// Applies the data rules to a plate whose shape passed as type `t`.
fn apply_rules(chars: &[char], t: PlateType, warnings: &mut Vec<Warning>) -> Result<(), Invalid> {
    let Some(rules) = rules() else {
        return Ok(());
    };
    let serial_end = if t.has_suffix() {
        chars.len() - 1
    } else {
        chars.len()
    };
    if let Some(rule) = rules.serial.iter().find(|r| r.kind == t.as_str()) {
        let serial = &chars[2..serial_end];
        for (i, (&c, p)) in serial.iter().zip(rule.pattern.chars()).enumerate() {
            let (ok, want) = match p {
                'D' => (c.is_ascii_digit(), Want::Digit),
                'N' => (new_energy_letter(c).is_some(), Want::NewEnergyLetter),
                _ => (serial_char(c), Want::SerialChar),
            };
            if !ok {
                return Err(Invalid::Expected {
                    pos: i + 3,
                    ch: c,
                    want,
                });
            }
        }
        let letters = serial.iter().filter(|c| c.is_ascii_uppercase()).count();
        if letters > rule.max_letters {
            return Err(Invalid::TooManyLetters {
                max: rule.max_letters,
                found: letters,
            });
        }
    }
    let head: String = chars[..2].iter().collect();
    if let Some(r) = rules
        .reserved
        .iter()
        .find(|r| head.starts_with(&r.prefix) && !r.only.iter().any(|o| o == t.as_str()))
    {
        return Err(Invalid::ReservedSeries(r.prefix.clone()));
    }
    let letter = chars[1];
    if letter != 'I' && letter != 'O' {
        if let Some(issued) = rules.offices.get(&chars[0].to_string()) {
            if !issued.contains(letter) {
                warnings.push(Warning::PlateOfficeLetterUnknown {
                    province: chars[0],
                    letter,
                });
            }
        }
    }
    Ok(())
}

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SUFFIXES: &str = "挂学警港澳";
const ELECTRIC: &str = "DABCE";
const NOT_ELECTRIC: &str = "FGHJK";

fn serial_char(c: char) -> bool {
    c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O')
}

fn want_at(chars: &[char], i: usize, want: Want, ok: impl Fn(char) -> bool) -> Result<(), Invalid> {
    match chars.get(i) {
        Some(&c) if !ok(c) => Err(Invalid::Expected {
            pos: i + 1,
            ch: c,
            want,
        }),
        _ => Ok(()),
    }
}

fn new_energy_letter(c: char) -> Option<bool> {
    if ELECTRIC.contains(c) {
        Some(true)
    } else if NOT_ELECTRIC.contains(c) {
        Some(false)
    } else {
        None
    }
}

pub(super) fn check(chars: &[char]) -> Result<Checked, Invalid> {
    if chars.first() == Some(&'使') || chars.last() == Some(&'领') {
        return Err(Invalid::DiplomaticPlate);
    }
    super::first_bad(chars, |c| {
        c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || PROVINCES.contains(c)
            || SUFFIXES.contains(c)
    })?;
    let n = chars.len();
    if n != 7 && n != 8 {
        return Err(Invalid::Length {
            expected: "7|8",
            found: n,
        });
    }
    want_at(chars, 0, Want::ProvinceChar, |c| PROVINCES.contains(c))?;
    want_at(chars, 1, Want::Letter, |c| c.is_ascii_uppercase())?;
    let mut warnings = Vec::new();
    if chars[1] == 'I' || chars[1] == 'O' {
        warnings.push(Warning::PlateSecondLetterIO(chars[1]));
    }
    let last = chars[n - 1];
    let suffix = n == 7 && SUFFIXES.contains(last);
    let serial_end = if suffix { n - 1 } else { n };
    if let Some(i) = (2..serial_end).find(|&i| chars[i] == 'I' || chars[i] == 'O') {
        return Err(Invalid::ForbiddenLetter {
            pos: i + 1,
            ch: chars[i],
        });
    }
    for i in 2..serial_end {
        want_at(chars, i, Want::SerialChar, serial_char)?;
    }

    let mut facts = Vec::new();
    if n == 7 {
        let t = match last {
            '挂' => PlateType::Trailer,
            '学' => PlateType::Learner,
            '警' => PlateType::Police,
            '港' => PlateType::HongKong,
            '澳' => PlateType::Macau,
            _ => PlateType::Ordinary,
        };
        if matches!(t, PlateType::HongKong | PlateType::Macau)
            && !(chars[0] == '粤' && chars[1] == 'Z')
        {
            return Err(Invalid::HkMoPlateNotYueZ);
        }
        facts.push(Fact::PlateType(t));
    } else if chars[2].is_ascii_uppercase() {
        // Small new-energy: letter, serial character, 4 digits.
        let electric = match new_energy_letter(chars[2]) {
            Some(e) => e,
            None => {
                return Err(Invalid::Expected {
                    pos: 3,
                    ch: chars[2],
                    want: Want::NewEnergyLetter,
                })
            }
        };
        for i in 4..8 {
            want_at(chars, i, Want::Digit, |c| c.is_ascii_digit())?;
        }
        facts.push(Fact::PlateType(PlateType::NewEnergySmall {
            battery_electric: electric,
        }));
        facts.push(Fact::NewEnergy {
            battery_electric: electric,
        });
    } else {
        // Large new-energy: 5 digits, letter.
        for i in 2..7 {
            want_at(chars, i, Want::Digit, |c| c.is_ascii_digit())?;
        }
        let electric = match new_energy_letter(chars[7]) {
            Some(e) => e,
            None => {
                return Err(Invalid::Expected {
                    pos: 8,
                    ch: chars[7],
                    want: Want::NewEnergyLetter,
                })
            }
        };
        facts.push(Fact::PlateType(PlateType::NewEnergyLarge {
            battery_electric: electric,
        }));
        facts.push(Fact::NewEnergy {
            battery_electric: electric,
        });
    }
    if let Some(Fact::PlateType(t)) = facts.first() {
        apply_rules(chars, *t, &mut warnings)?;
    }
    Ok(Checked {
        kind: Kind::Plate,
        value: chars.iter().collect(),
        facts,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_file_parses_and_names_every_type() {
        let r = rules().expect("data/plates.toml parses");
        for t in [
            PlateType::Ordinary,
            PlateType::NewEnergySmall {
                battery_electric: true,
            },
            PlateType::NewEnergyLarge {
                battery_electric: true,
            },
            PlateType::Trailer,
            PlateType::Learner,
            PlateType::Police,
            PlateType::HongKong,
            PlateType::Macau,
        ] {
            assert!(r.serial.iter().any(|s| s.kind == t.as_str()), "{t:?}");
        }
        for s in &r.serial {
            assert!(
                s.pattern.chars().all(|c| "DXN".contains(c)),
                "{}",
                s.pattern
            );
        }
        assert_eq!(r.offices.len(), 31);
        for (p, letters) in &r.offices {
            assert!(PROVINCES.contains(p.as_str()), "{p}");
            assert!(
                letters
                    .chars()
                    .all(|c| c.is_ascii_uppercase() && c != 'I' && c != 'O'),
                "{p}"
            );
        }
    }
}
