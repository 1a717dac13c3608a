//! The vectors of research/domain.md §4 and the messages.

use super::*;
use crate::i18n::{keys, Lang};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
}

fn ok(kind: Kind, s: &str) -> Checked {
    match check(kind, s, today()) {
        Ok(c) => c,
        Err(e) => panic!(
            "{kind} {s:?} should be valid: {e:?} / {}",
            e.message(Lang::En)
        ),
    }
}

fn err(kind: Kind, s: &str) -> Invalid {
    match check(kind, s, today()) {
        Ok(c) => panic!("{kind} {s:?} should be invalid: {c:?}"),
        Err(e) => e,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[test]
fn kind_names_round_trip() {
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.as_str()), Some(k));
    }
    assert_eq!(Kind::parse("LICENSE_FILE"), Some(Kind::LicenceFile));
    assert_eq!(Kind::parse("passport"), None);
    let names: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "plate",
            "vin",
            "phone",
            "licence-file",
            "decision",
            "uscc"
        ]
    );
}

#[test]
fn id_valid_vectors() {
    let c = ok(Kind::Id, "11010519491231002X");
    assert!(c.facts.contains(&Fact::BirthDate(date(1949, 12, 31))));
    assert!(c.facts.contains(&Fact::Sex(Sex::Female)));
    assert!(c.warnings.is_empty());
    let c = ok(Kind::Id, "440524188001010014");
    assert!(c.facts.contains(&Fact::BirthDate(date(1880, 1, 1))));
    assert!(c.facts.contains(&Fact::Sex(Sex::Male)));
    for s in [
        "360426199101010071",
        "321083197812162119",
        "150102198807303035",
        "33010219200403064X",
    ] {
        let c = ok(Kind::Id, s);
        assert_eq!(c.value, s);
        assert!(c.warnings.is_empty(), "{s}: {:?}", c.warnings);
    }
    let c = ok(Kind::Id, "44011320141005001x");
    assert_eq!(c.value, "44011320141005001X");
    assert!(c.facts.contains(&Fact::Province {
        code: "44".into(),
        name: "广东".into()
    }));
}

#[test]
fn id_permits_and_foreign_cards() {
    for (s, r) in [
        ("81000019980902013X", Region::HongKong),
        ("820000200009100032", Region::Macau),
        ("830000200209060065", Region::Taiwan),
    ] {
        let c = ok(Kind::Id, s);
        assert!(c.facts.contains(&Fact::PermitHkMoTw(r)), "{s}");
        assert!(c.warnings.is_empty());
    }
    let c = ok(Kind::Id, "932682198501010017");
    assert!(c.facts.contains(&Fact::ForeignPermanentResidence));
    assert!(c.facts.contains(&Fact::Province {
        code: "32".into(),
        name: "江苏".into()
    }));
}

#[test]
fn id_invalid_vectors() {
    assert_eq!(
        err(Kind::Id, "36042619910102009X"),
        Invalid::CheckDigit {
            expected: '3',
            found: 'X'
        }
    );
    assert_eq!(
        err(Kind::Id, "360426199113010079"),
        Invalid::BadDate {
            digits: "19911301".into()
        }
    );
    assert_eq!(
        err(Kind::Id, "T60426199101010078"),
        Invalid::BadChar { pos: 1, ch: 'T' }
    );
    assert_eq!(
        err(Kind::Id, "990426199112010074"),
        Invalid::UnknownProvince("990".into())
    );
    assert_eq!(
        err(Kind::Id, "201511221897205960"),
        Invalid::BadDate {
            digits: "22189720".into()
        }
    );
}

#[test]
fn id_15_digits_are_converted() {
    let c = ok(Kind::Id, "150102880730303");
    assert_eq!(c.value, "150102198807303035");
    assert!(c
        .facts
        .contains(&Fact::ConvertedFrom15("150102880730303".into())));
    assert!(c.facts.contains(&Fact::BirthDate(date(1988, 7, 30))));
    assert!(c.facts.contains(&Fact::Sex(Sex::Male)));
}

#[test]
fn id_region_warnings_and_date_limits() {
    let body = "11000019800101001";
    let s = format!("{body}{}", id_check_char(body).unwrap_or('?'));
    let c = ok(Kind::Id, &s);
    assert_eq!(
        c.warnings,
        vec![Warning::UnknownRegionCode("110000".into())]
    );
    let body = "81010019800101001";
    let s = format!("{body}{}", id_check_char(body).unwrap_or('?'));
    assert_eq!(
        ok(Kind::Id, &s).warnings,
        vec![Warning::UnknownRegionCode("810100".into())]
    );
    let body = "11010518490101001";
    let s = format!("{body}{}", id_check_char(body).unwrap_or('?'));
    assert_eq!(
        err(Kind::Id, &s),
        Invalid::DateTooEarly {
            date: date(1849, 1, 1)
        }
    );
    let body = "11010520250602001";
    let s = format!("{body}{}", id_check_char(body).unwrap_or('?'));
    assert_eq!(
        err(Kind::Id, &s),
        Invalid::FutureDate {
            date: date(2025, 6, 2)
        }
    );
    let body = "11010520250601001";
    let s = format!("{body}{}", id_check_char(body).unwrap_or('?'));
    ok(Kind::Id, &s);
}

#[test]
fn id_x_only_last_and_lengths() {
    assert_eq!(
        err(Kind::Id, "1101051949123100XX"),
        Invalid::Expected {
            pos: 17,
            ch: 'X',
            want: Want::Digit
        }
    );
    assert_eq!(
        err(Kind::Id, "1101051949123100"),
        Invalid::Length {
            expected: "18|15",
            found: 16
        }
    );
}

#[test]
fn plate_valid_vectors() {
    let ne = |e| {
        vec![
            Fact::PlateType(PlateType::NewEnergySmall {
                battery_electric: e,
            }),
            Fact::NewEnergy {
                battery_electric: e,
            },
        ]
    };
    let nel = |e| {
        vec![
            Fact::PlateType(PlateType::NewEnergyLarge {
                battery_electric: e,
            }),
            Fact::NewEnergy {
                battery_electric: e,
            },
        ]
    };
    assert_eq!(ok(Kind::Plate, "京AD92035").facts, ne(true));
    assert_eq!(ok(Kind::Plate, "京AA92035").facts, ne(true));
    assert_eq!(ok(Kind::Plate, "京AF92035").facts, ne(false));
    assert_eq!(ok(Kind::Plate, "甘G23459F").facts, nel(false));
    assert_eq!(ok(Kind::Plate, "京A12345D").facts, nel(true));
    let ord = vec![Fact::PlateType(PlateType::Ordinary)];
    assert_eq!(ok(Kind::Plate, "京A00599").facts, ord);
    assert_eq!(ok(Kind::Plate, "黑D23908").facts, ord);
    assert_eq!(ok(Kind::Plate, "京a·0059９").value, "京A00599");
    for (s, t) in [
        ("鲁B1234挂", PlateType::Trailer),
        ("川A1234学", PlateType::Learner),
        ("京A0001警", PlateType::Police),
        ("粤Z1234港", PlateType::HongKong),
        ("粤ZA123澳", PlateType::Macau),
    ] {
        assert_eq!(ok(Kind::Plate, s).facts, vec![Fact::PlateType(t)], "{s}");
    }
}

#[test]
fn plate_invalid_vectors() {
    assert_eq!(
        err(Kind::Plate, "宁AD1234555555"),
        Invalid::Length {
            expected: "7|8",
            found: 13
        }
    );
    assert_eq!(
        err(Kind::Plate, "浙苏H6F681"),
        Invalid::Expected {
            pos: 2,
            ch: '苏',
            want: Want::Letter
        }
    );
    assert_eq!(
        err(Kind::Plate, "京AI2345"),
        Invalid::ForbiddenLetter { pos: 3, ch: 'I' }
    );
    assert_eq!(err(Kind::Plate, "粤B1234港"), Invalid::HkMoPlateNotYueZ);
    assert_eq!(err(Kind::Plate, "使123456"), Invalid::DiplomaticPlate);
    assert_eq!(err(Kind::Plate, "沪A1234领"), Invalid::DiplomaticPlate);
    assert_eq!(
        err(Kind::Plate, "京AX12345"),
        Invalid::Expected {
            pos: 3,
            ch: 'X',
            want: Want::NewEnergyLetter
        }
    );
    assert_eq!(
        err(Kind::Plate, "京A123456"),
        Invalid::Expected {
            pos: 8,
            ch: '6',
            want: Want::NewEnergyLetter
        }
    );
    assert_eq!(
        err(Kind::Plate, "京AD9203A"),
        Invalid::Expected {
            pos: 8,
            ch: 'A',
            want: Want::Digit
        }
    );
    assert_eq!(
        err(Kind::Plate, "A京12345"),
        Invalid::Expected {
            pos: 1,
            ch: 'A',
            want: Want::ProvinceChar
        }
    );
    assert_eq!(
        err(Kind::Plate, "京A12-45"),
        Invalid::BadChar { pos: 5, ch: '-' }
    );
}

#[test]
fn plate_second_letter_i_or_o_warns() {
    let c = ok(Kind::Plate, "京O12345");
    assert_eq!(c.warnings, vec![Warning::PlateSecondLetterIO('O')]);
}

#[test]
fn vin_vectors() {
    for s in [
        "1M8GDM9AXKP042788",
        "WDBEA30D3HA391172",
        "11111111111111111",
        "LTA1278U35X132040",
        "LSJA24U62JG269225",
        "LDC613P23A1305189",
    ] {
        let c = ok(Kind::Vin, s);
        assert!(c.warnings.is_empty(), "{s}: {:?}", c.warnings);
        assert_eq!(c.facts[0], Fact::VinMaker(s[..3].to_string()));
    }
    assert_eq!(
        err(Kind::Vin, "LFV2A21K057301563"),
        Invalid::CheckDigit {
            expected: '1',
            found: '0'
        }
    );
    // A German VIN with a wrong check digit is accepted with a warning.
    let c = ok(Kind::Vin, "WDBEA30D4HA391172");
    assert_eq!(
        c.warnings,
        vec![Warning::VinCheckDigitMismatch {
            expected: '3',
            found: '4'
        }]
    );
    assert!(c.facts.contains(&Fact::VinRegion(VinRegion::Germany)));
    assert!(ok(Kind::Vin, "LSJA24U62JG269225")
        .facts
        .contains(&Fact::VinModelYear {
            code: 'J',
            year: 2018
        }));
    assert_eq!(
        err(Kind::Vin, "LSJA24U62JG26922O"),
        Invalid::ForbiddenLetter { pos: 17, ch: 'O' }
    );
    assert_eq!(
        err(Kind::Vin, "LSJA24U6ZJG269225"),
        Invalid::Expected {
            pos: 9,
            ch: 'Z',
            want: Want::DigitOrX
        }
    );
}

#[test]
fn phone_rules() {
    let c = ok(Kind::Phone, "+86 138 1234 5678");
    assert_eq!(c.value, "13812345678");
    assert!(c.facts.contains(&Fact::CountryPrefixRemoved));
    assert!(c.facts.contains(&Fact::Carrier(Carrier::ChinaMobile)));
    assert_eq!(ok(Kind::Phone, "008613812345678").value, "13812345678");
    assert_eq!(ok(Kind::Phone, "8613812345678").value, "13812345678");
    assert_eq!(ok(Kind::Phone, "138-1234-5678").value, "13812345678");
    let c = ok(Kind::Phone, "19212345678");
    assert!(c.warnings.is_empty());
    assert!(c.facts.contains(&Fact::Carrier(Carrier::ChinaBroadnet)));
    assert_eq!(
        ok(Kind::Phone, "14012345678").warnings,
        vec![Warning::PhoneSegmentUnknown("140".into())]
    );
    assert_eq!(
        err(Kind::Phone, "12812345678"),
        Invalid::NotMobile {
            prefix: "12".into()
        }
    );
    assert_eq!(
        err(Kind::Phone, "1381234567"),
        Invalid::Length {
            expected: "11",
            found: 10
        }
    );
    assert_eq!(
        err(Kind::Phone, "+8613812345A78"),
        Invalid::BadChar { pos: 12, ch: 'A' }
    );
}

#[test]
fn digits_only_kinds() {
    ok(Kind::LicenceFile, "430101758218");
    assert_eq!(
        err(Kind::LicenceFile, "43010175821"),
        Invalid::Length {
            expected: "12",
            found: 11
        }
    );
    ok(Kind::Decision, "123456789012345");
    ok(Kind::Decision, "1234567890123456");
    assert!(matches!(
        err(Kind::Decision, "12345678901234567"),
        Invalid::Length { found: 17, .. }
    ));
    assert_eq!(
        err(Kind::Decision, "12345678901234X"),
        Invalid::BadChar { pos: 15, ch: 'X' }
    );
}

#[test]
fn uscc_rules() {
    let c = ok(Kind::Uscc, "91110000600037341L");
    assert!(c.facts.contains(&Fact::UsccDepartment('9')));
    assert!(c.facts.contains(&Fact::Province {
        code: "11".into(),
        name: "北京".into()
    }));
    assert_eq!(uscc_check_char("91110000600037341"), Some('L'));
    assert_eq!(
        err(Kind::Uscc, "91110000600037341M"),
        Invalid::CheckDigit {
            expected: 'L',
            found: 'M'
        }
    );
    assert_eq!(
        err(Kind::Uscc, "9111000060003734IL"),
        Invalid::ForbiddenLetter { pos: 17, ch: 'I' }
    );
    assert_eq!(
        err(Kind::Uscc, "911A0000600037341L"),
        Invalid::Expected {
            pos: 4,
            ch: 'A',
            want: Want::Digit
        }
    );
}

#[test]
fn generic_limits() {
    assert_eq!(err(Kind::Id, " \t·"), Invalid::Empty);
    assert_eq!(
        err(Kind::Vin, &"A".repeat(65)),
        Invalid::TooLong { len: 65, max: 64 }
    );
    assert_eq!(
        err(Kind::Plate, "京A1\u{7}345"),
        Invalid::BadChar {
            pos: 4,
            ch: '\u{7}'
        }
    );
}

/// Every error and fact message is a real sentence in both languages: no
/// key shown instead of text, no unfilled placeholder.
#[test]
fn messages_are_complete_in_both_languages() {
    let errors = [
        Invalid::Empty,
        Invalid::TooLong { len: 70, max: 64 },
        Invalid::Length {
            expected: "18|15",
            found: 3,
        },
        Invalid::BadChar { pos: 2, ch: '\n' },
        Invalid::Expected {
            pos: 3,
            ch: 'Q',
            want: Want::NewEnergyLetter,
        },
        Invalid::ForbiddenLetter { pos: 3, ch: 'I' },
        Invalid::CheckDigit {
            expected: 'X',
            found: '1',
        },
        Invalid::BadDate {
            digits: "19990230".into(),
        },
        Invalid::FutureDate {
            date: date(2030, 1, 1),
        },
        Invalid::DateTooEarly {
            date: date(1800, 1, 1),
        },
        Invalid::UnknownProvince("99".into()),
        Invalid::HkMoPlateNotYueZ,
        Invalid::DiplomaticPlate,
        Invalid::NotMobile {
            prefix: "12".into(),
        },
    ];
    let samples = [
        ("id", "150102880730303"),
        ("id", "81000019980902013X"),
        ("id", "932682198501010017"),
        ("plate", "京AD92035"),
        ("plate", "甘G23459F"),
        ("plate", "粤Z1234港"),
        ("vin", "WDBEA30D4HA391172"),
        ("phone", "+8619212345678"),
        ("phone", "14012345678"),
        ("uscc", "91110000600037341L"),
        ("id", "110000198001010019"),
        ("plate", "京I12345"),
    ];
    for lang in [Lang::Zh, Lang::En] {
        let mut lines: Vec<String> = errors.iter().map(|e| e.message(lang)).collect();
        for (k, s) in samples {
            let kind = Kind::parse(k).unwrap_or(Kind::Id);
            lines.extend(ok(kind, s).describe(lang));
        }
        for k in Kind::ALL {
            lines.push(k.name(lang));
        }
        for l in &lines {
            assert!(!l.contains("ident."), "{lang:?}: key shown: {l}");
            assert!(!l.contains('{'), "{lang:?}: placeholder left: {l}");
            assert!(!l.is_empty());
        }
    }
    assert_eq!(
        Invalid::Length {
            expected: "18|15",
            found: 3
        }
        .message(Lang::En),
        "Wrong length: it must have 18 or 15 characters, but has 3."
    );
    assert!(Invalid::BadChar { pos: 2, ch: '\n' }
        .message(Lang::Zh)
        .contains("U+000A"));
    assert!(keys(Lang::En).contains(&"ident.province.71"));
}

#[test]
fn json_shape() {
    let v = ok(Kind::Id, "11010519491231002X").to_json();
    assert_eq!(v["kind"], "id");
    assert_eq!(v["value"], "11010519491231002X");
    assert_eq!(v["valid"], true);
    assert_eq!(v["facts"]["birth_date"], "1949-12-31");
    assert_eq!(v["facts"]["sex"], "female");
    assert_eq!(v["facts"]["province"], "北京");
    assert_eq!(v["warnings"], serde_json::json!([]));
    let v = ok(Kind::Plate, "京AD92035").to_json_in(Lang::En);
    assert_eq!(v["facts"]["plate_type"], "new-energy-small");
    assert_eq!(v["facts"]["battery_electric"], true);
    let v = ok(Kind::Vin, "WDBEA30D4HA391172").to_json_in(Lang::En);
    let w = v["warnings"][0].as_str().unwrap_or("");
    assert!(w.contains("should be 3"), "{w}");
}

#[test]
fn vin_model_year_takes_the_latest_year_up_to_next_year() {
    // today() is 2025-06-01: T means 2026 (next year), V means 1997, not 2027.
    let year = |code: char| {
        let body = format!("LSJA24U60{code}G269225");
        let v = format!(
            "{}{}{}",
            &body[..8],
            vin_check_char(&body).unwrap_or('?'),
            &body[9..]
        );
        ok(Kind::Vin, &v).facts.iter().find_map(|f| match f {
            Fact::VinModelYear { year, .. } => Some(*year),
            _ => None,
        })
    };
    assert_eq!(year('T'), Some(2026));
    assert_eq!(year('V'), Some(1997));
    assert_eq!(year('A'), Some(2010));
    assert_eq!(year('9'), Some(2009));
    assert_eq!(year('0'), None);
}

/// Every `"ident.…"` key written in this module's source exists in both
/// languages, and every key of the ident locale files is used.
#[test]
fn every_key_in_the_source_exists_and_every_key_is_used() {
    let sources = [
        include_str!("mod.rs"),
        include_str!("text.rs"),
        include_str!("id.rs"),
        include_str!("plate.rs"),
        include_str!("vin.rs"),
        include_str!("other.rs"),
        include_str!("normalize.rs"),
    ];
    let mut used = Vec::new();
    for src in sources {
        for (i, _) in src.match_indices("\"ident.") {
            let rest = &src[i + 1..];
            let end = rest.find('"').unwrap_or(rest.len());
            used.push(rest[..end].to_string());
        }
    }
    assert!(used.len() > 100, "{}", used.len());
    for lang in [Lang::Zh, Lang::En] {
        let all = keys(lang);
        for k in &used {
            assert!(all.contains(&k.as_str()), "{lang:?}: missing key {k}");
        }
        for k in all.iter().filter(|k| k.starts_with("ident.")) {
            assert!(used.iter().any(|u| u == k), "{lang:?}: unused key {k}");
        }
    }
}

#[test]
fn uscc_hyphens_are_ignored_and_positions_count_as_typed() {
    let c = ok(Kind::Uscc, "59650102-K1LRT4JBC1");
    assert_eq!(c.value, "59650102K1LRT4JBC1");
    assert_eq!(ok(Kind::Uscc, "5965-0102-K1LR-T4JB-C1").value, c.value);
    // The I at typed position 19 (18 without the hyphen) is reported at 19.
    assert_eq!(
        err(Kind::Uscc, "59650102-K1LRT4JBCI"),
        Invalid::ForbiddenLetter { pos: 19, ch: 'I' }
    );
    assert_eq!(
        err(Kind::Uscc, "59-6A0102K1LRT4JBC1"),
        Invalid::Expected {
            pos: 5,
            ch: 'A',
            want: Want::Digit
        }
    );
    assert_eq!(
        err(Kind::Uscc, "59650102-K1LRT4JBC2"),
        Invalid::CheckDigit {
            expected: '1',
            found: '2'
        }
    );
    assert_eq!(
        err(Kind::Uscc, "59650102-K1LRT4JBC"),
        Invalid::Length {
            expected: "18",
            found: 17
        }
    );
}

#[test]
fn phone_segments_from_the_table() {
    for (n, usage) in [
        ("14612345678", SegmentUse::Data),
        ("14812345678", SegmentUse::Data),
        ("14912345678", SegmentUse::Data),
        ("17401234567", SegmentUse::Satellite),
        ("17491234567", SegmentUse::Satellite),
    ] {
        let c = ok(Kind::Phone, n);
        assert!(
            matches!(&c.warnings[..], [Warning::PhoneSegmentNotForCalls { usage: u, .. }] if *u == usage),
            "{n}: {:?}",
            c.warnings
        );
        assert!(!c.describe(Lang::En).join(" ").is_empty());
    }
    let c = ok(Kind::Phone, "16212345678");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(c.facts.contains(&Fact::Carrier(Carrier::Virtual)));
}
