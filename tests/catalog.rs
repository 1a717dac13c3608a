//! The service catalogue: built-in data invariants, search, override file,
//! renderings.

use std::collections::HashSet;
use std::io::Write;

use chrono::NaiveDate;
use jingyou::catalog::{
    display_width, rule_fields, rule_ids, Catalog, FieldKind, Group, Need, OverrideErrorKind,
    Service, GUIDE_WIDTH, RULE_FIELDS,
};
use jingyou::i18n::Lang;

fn builtin() -> Catalog {
    match Catalog::builtin() {
        Ok(c) => c,
        Err(errors) => {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!("built-in catalogue is broken:\n{}", text.join("\n"))
        }
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn offered(c: &Catalog) -> Vec<&Service> {
    c.services.iter().filter(|s| s.offered).collect()
}

// ───────────── built-in data ─────────────

#[test]
fn builtin_parses_and_has_no_problems() {
    let c = builtin();
    assert_eq!(c.problems(Lang::En), Vec::<String>::new());
    assert_eq!(c.problems(Lang::Zh), Vec::<String>::new());
}

#[test]
fn exactly_25_offered_services_with_the_expected_codes() {
    let c = builtin();
    let codes: Vec<&str> = offered(&c).iter().map(|s| s.code.as_str()).collect();
    let mut expected: Vec<String> = (1..=10).map(|i| format!("V{i}")).collect();
    expected.extend((1..=10).map(|i| format!("D{i}")));
    expected.push("W1".into());
    expected.extend((1..=4).map(|i| format!("U{i}")));
    assert_eq!(codes, expected);
    assert_eq!(codes.len(), 25);
}

#[test]
fn codes_are_unique_case_insensitively() {
    let c = builtin();
    let mut seen = HashSet::new();
    for s in &c.services {
        assert!(
            seen.insert(s.code.to_ascii_uppercase()),
            "duplicate {}",
            s.code
        );
    }
}

#[test]
fn group_counts_match_the_programme() {
    let c = builtin();
    let count = |g| offered(&c).iter().filter(|s| s.group == g).count();
    assert_eq!(count(Group::Vehicle), 10);
    assert_eq!(count(Group::Licence), 10);
    assert_eq!(count(Group::Violation), 1);
    assert_eq!(count(Group::Platform), 4);
}

#[test]
fn every_offered_service_is_complete() {
    let c = builtin();
    for s in offered(&c) {
        assert!(
            s.materials
                .iter()
                .any(|m| matches!(m.need, Need::Required | Need::OneOf)),
            "{} has no required material",
            s.code
        );
        assert!(!s.fields.is_empty(), "{} has no fields", s.code);
        assert!(!s.time_limit.trim().is_empty(), "{} time_limit", s.code);
        assert!(
            !s.time_limit_en.trim().is_empty(),
            "{} time_limit_en",
            s.code
        );
        assert!(!s.name_zh.is_empty() && !s.name_en.is_empty(), "{}", s.code);
        assert!(!s.pinyin.is_empty(), "{} pinyin", s.code);
        assert!(
            s.pinyin
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{}",
            s.code
        );
        assert!(
            s.refusal_reason.is_none() && s.refusal_reason_en.is_none(),
            "{}",
            s.code
        );
        assert!(s.basis.is_some(), "{} basis", s.code);
        assert!(
            matches!(
                s.certainty.as_deref(),
                Some("confirmed" | "partial" | "inferred")
            ),
            "{} certainty",
            s.code
        );
        assert!((3..=6).contains(&s.steps_zh.len()), "{} steps", s.code);
        assert_eq!(s.steps_zh.len(), s.steps_en.len(), "{} steps", s.code);
        assert!(
            s.delivery_zh.is_some() && s.delivery_en.is_some(),
            "{}",
            s.code
        );
        // 0 days: done on the spot, or no statutory limit (D7–D9 are
        // decided by the issuing office, 令162 art. 75).
        if s.time_limit == "当场办结" || s.time_limit == "由驾驶证核发地车管所审核决定"
        {
            assert_eq!(s.time_limit_days, 0, "{}", s.code);
        } else {
            assert!(s.time_limit_days > 0, "{}", s.code);
        }
        // Licence cards need a photo; everything with a person has id_number.
        if matches!(s.code.as_str(), "D1" | "D2" | "D3" | "D4" | "D5") {
            assert!(
                s.attachments.contains(&jingyou::catalog::Attachment::Photo),
                "{}",
                s.code
            );
        }
    }
}

#[test]
fn refused_services_are_listed_with_both_reasons() {
    let c = builtin();
    let refused: Vec<&Service> = c.services.iter().filter(|s| !s.offered).collect();
    let codes: Vec<&str> = refused.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["X1", "X2", "X3"]);
    for s in refused {
        let zh = s.refusal_reason.as_deref().unwrap_or("");
        let en = s.refusal_reason_en.as_deref().unwrap_or("");
        assert!(zh.contains("第八十六条"), "{}: {zh}", s.code);
        assert!(en.contains("art. 86"), "{}: {en}", s.code);
    }
    assert!(c.get("X1").is_some_and(|s| s.name_zh.contains("登记证书")));
}

#[test]
fn every_fee_has_an_effective_date_and_a_note() {
    let c = builtin();
    for s in &c.services {
        for f in &s.fees {
            assert!(f.effective >= d("2004-01-01"), "{} {}", s.code, f.item);
            assert!(
                f.note.as_deref().is_some_and(|n| !n.is_empty()),
                "{} {}",
                s.code,
                f.item
            );
            assert!(!f.zh.is_empty() && !f.en.is_empty());
        }
    }
    let v3 = c.get("V3").expect("V3");
    let card = v3
        .fees
        .iter()
        .find(|f| f.item == "vehicle_licence")
        .expect("fee");
    assert_eq!(card.fen, 1000);
    assert!(
        card.note.as_deref().unwrap_or("").contains("15"),
        "Beijing conflict noted"
    );
    let v1 = c.get("V1").expect("V1");
    assert_eq!(
        v1.fees.iter().find(|f| f.item == "plate").map(|f| f.fen),
        Some(10000)
    );
    let postage = v1
        .fees
        .iter()
        .find(|f| f.item == "postage")
        .expect("postage");
    assert!(postage.optional);
    assert!(postage.note.as_deref().unwrap_or("").contains("覆盖文件"));
}

#[test]
fn rules_are_known_and_their_fields_exist_with_the_right_kind() {
    let c = builtin();
    assert_eq!(rule_ids().count(), 12);
    for s in &c.services {
        for rule in &s.rules {
            let needs =
                rule_fields(rule).unwrap_or_else(|| panic!("{}: unknown rule {rule}", s.code));
            for (key, kind) in needs {
                let field = s
                    .field(key)
                    .unwrap_or_else(|| panic!("{}: {rule} needs {key}", s.code));
                assert_eq!(field.kind, *kind, "{}: {key}", s.code);
            }
        }
    }
}

#[test]
fn rules_are_attached_where_the_research_says() {
    let c = builtin();
    let expect: &[(&str, &[&str])] = &[
        ("licence_renewal_window", &["D3"]),
        ("medical_certificate_recent", &["D3", "D4", "D6"]),
        ("age_band", &["D4"]),
        ("elderly_medical", &["D6"]),
        ("licence_not_detained", &["D1"]),
        ("insurance_valid", &["V5", "V6", "V7"]),
        ("inspection_exemption", &["V7"]),
        ("fine_surcharge", &["W1"]),
        ("report_within_30_days", &["V10", "D2", "D5", "D10"]),
        ("deferral_limit", &["D7"]),
        ("cycle_deferral_limit", &["D8", "D9"]),
        ("platform_registered", &["W1"]),
    ];
    assert_eq!(expect.len(), RULE_FIELDS.len());
    for (rule, codes) in expect {
        let have: Vec<&str> = c
            .services
            .iter()
            .filter(|s| s.rules.iter().any(|r| r == rule))
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(&have, codes, "{rule}");
    }
    let d4 = c.get("D4").expect("D4");
    let classes: Vec<&str> = d4
        .field("licence_class")
        .expect("licence_class")
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(
        classes,
        [
            "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M",
            "N", "P"
        ]
    );
    let v7 = c.get("V7").expect("V7");
    let types: Vec<&str> = v7
        .field("vehicle_type")
        .expect("vehicle_type")
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "small_passenger",
            "seven_to_nine",
            "van",
            "commercial",
            "motorcycle",
            "other"
        ]
    );
}

#[test]
fn standard_field_keys_have_the_standard_kinds() {
    let c = builtin();
    let kinds = [
        ("owner_name", FieldKind::Name),
        ("id_number", FieldKind::IdNumber),
        ("phone", FieldKind::Phone),
        ("address", FieldKind::Text),
        ("plate", FieldKind::Plate),
        ("vin", FieldKind::Vin),
        ("uscc", FieldKind::Uscc),
        ("licence_file", FieldKind::LicenceFile),
        ("decision_number", FieldKind::Decision),
        ("mortgagee_name", FieldKind::Name),
        ("mortgagee_uscc", FieldKind::Uscc),
    ];
    for s in &c.services {
        for f in &s.fields {
            if let Some((_, k)) = kinds.iter().find(|(key, _)| *key == f.key) {
                assert_eq!(f.kind, *k, "{} {}", s.code, f.key);
            }
        }
        if let Some(a) = s.field("address") {
            assert!(!a.required && a.personal, "{}", s.code);
        }
        if let Some(u) = s.field("uscc") {
            if s.group == Group::Vehicle {
                assert!(!u.required, "{}", s.code);
            }
        }
        for key in ["owner_name", "id_number", "phone", "address"] {
            if let Some(f) = s.field(key) {
                assert!(f.personal, "{} {key} is personal", s.code);
            }
        }
    }
    for code in ["V8", "V9"] {
        let s = c.get(code).expect("mortgage");
        for key in [
            "owner_name",
            "id_number",
            "mortgagee_name",
            "mortgagee_uscc",
            "plate",
        ] {
            assert!(s.field(key).is_some(), "{code} lacks {key}");
        }
    }
}

#[test]
fn conditional_materials_name_real_fields_and_values() {
    let c = builtin();
    let mut conditionals = 0;
    for s in &c.services {
        for m in &s.materials {
            if m.need == Need::Conditional {
                conditionals += 1;
                let key = m.when_field.as_deref().expect("when_field");
                let value = m.when_value.as_deref().expect("when_value");
                let f = s.field(key).unwrap_or_else(|| panic!("{}: {key}", s.code));
                match f.kind {
                    FieldKind::Choice => {
                        assert!(
                            f.options.iter().any(|o| o.value == value),
                            "{}: {value}",
                            s.code
                        )
                    }
                    FieldKind::YesNo => assert!(["yes", "no"].contains(&value)),
                    k => panic!("{}: condition on a {k:?} field", s.code),
                }
            }
            if m.need == Need::OneOf {
                let g = m.one_of.as_deref().expect("one_of");
                let members = s
                    .materials
                    .iter()
                    .filter(|o| o.one_of.as_deref() == Some(g))
                    .count();
                assert!(members >= 2, "{}: one-of group {g} has one member", s.code);
            }
        }
    }
    assert!(conditionals >= 10);
}

#[test]
fn every_field_kind_is_used_somewhere_except_integer() {
    let c = builtin();
    let used: HashSet<String> = c
        .services
        .iter()
        .flat_map(|s| s.fields.iter())
        .map(|f| format!("{:?}", f.kind))
        .collect();
    for k in [
        FieldKind::Name,
        FieldKind::Text,
        FieldKind::IdNumber,
        FieldKind::Plate,
        FieldKind::Vin,
        FieldKind::Phone,
        FieldKind::LicenceFile,
        FieldKind::Decision,
        FieldKind::Uscc,
        FieldKind::Date,
        FieldKind::Choice,
        FieldKind::YesNo,
        FieldKind::Money,
    ] {
        assert!(used.contains(&format!("{k:?}")), "{k:?} unused");
    }
}

// ───────────── fees in time ─────────────

#[test]
fn fees_on_picks_the_latest_entry_per_item() {
    let c = builtin();
    let v1 = c.get("v1").expect("case-insensitive get");
    assert_eq!(v1.fee_total_on(d("2024-06-01")), 11500);
    assert_eq!(v1.fee_required_on(d("2024-06-01")), 10000);
    // Before the postage item exists only the plate fee applies.
    assert_eq!(v1.fee_total_on(d("2010-01-01")), 10000);
    // Before any fee.
    assert!(v1.fees_on(d("2000-01-01")).is_empty());
    assert_eq!(v1.fee_total_on(d("2000-01-01")), 0);
}

// ───────────── search ─────────────

fn first_code(c: &Catalog, q: &str) -> Option<String> {
    c.search(q).first().map(|s| s.code.clone())
}

#[test]
fn search_finds_by_alias_code_pinyin_and_chinese() {
    let c = builtin();
    assert_eq!(first_code(&c, "bljsz").as_deref(), Some("D1"));
    assert_eq!(first_code(&c, "BLJSZ").as_deref(), Some("D1"));
    assert_eq!(first_code(&c, "ylbljsz").as_deref(), Some("D1"));
    assert_eq!(first_code(&c, "补领驾驶证").as_deref(), Some("D1"));
    assert_eq!(first_code(&c, "D3").as_deref(), Some("D3"));
    assert_eq!(first_code(&c, "d1").as_deref(), Some("D1"));
    assert_eq!(c.search("d1").get(1).map(|s| s.code.as_str()), Some("D10"));
    assert_eq!(
        first_code(&c, "Ｄ３").as_deref(),
        Some("D3"),
        "full-width input"
    );
    let renew = c.search("换领");
    assert!(renew.len() >= 4, "{}", renew.len());
    for code in ["V2", "V4", "V6", "D2", "D3"] {
        assert!(renew.iter().any(|s| s.code == code), "换领 misses {code}");
    }
    let x1 = c.search("补领登记证书");
    assert_eq!(x1.first().map(|s| s.code.as_str()), Some("X1"));
    assert!(!x1[0].offered && x1[0].refusal_reason.is_some());
    assert_eq!(first_code(&c, "dydj").as_deref(), Some("V8"));
    assert!(c.search("zzzzqqq").is_empty());
}

#[test]
fn search_ranks_prefix_before_substring() {
    let c = builtin();
    // "hl" starts V2's pinyin (hljdchp) and is inside D2's (shhljsz).
    let hits = c.search("hl");
    let pos = |code: &str| hits.iter().position(|s| s.code == code);
    assert!(
        pos("V2") < pos("D2"),
        "{:?}",
        hits.iter().map(|s| &s.code).collect::<Vec<_>>()
    );
}

#[test]
fn empty_search_gives_everything_in_order() {
    let c = builtin();
    let all: Vec<&str> = c.search("  ").iter().map(|s| s.code.as_str()).collect();
    let order: Vec<&str> = c.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(all, order);
    assert_eq!(all.len(), 28);
}

// ───────────── override file ─────────────

fn override_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(text.as_bytes()).expect("write");
    f
}

const LOCAL_SERVICE: &str = r#"
[[service]]
code = "L1"
group = "vehicle"
name_zh = "本地测试业务"
name_en = "Local test service"
pinyin = "bdcsyw"
time_limit = "当场办结"
time_limit_en = "On the spot"
fields = [
  { key = "owner_name", label_zh = "姓名", label_en = "Name", kind = "name", personal = true },
  { key = "change_date", label_zh = "变更日期", label_en = "Date", kind = "date" },
]
materials = [
  { id = "id_proof", zh = "身份证明", en = "ID", need = "required" },
]
rules = ["report_within_30_days"]
fees = [
  { item = "local", zh = "本地费", en = "Local fee", fen = 500, effective = "2020-01-01" },
]
"#;

#[test]
fn missing_override_file_is_no_error() {
    let dir = tempfile::tempdir().expect("dir");
    let (c, errors) = Catalog::load(Some(&dir.path().join("nope.toml")));
    assert!(errors.is_empty());
    assert_eq!(c, builtin());
    let (c, errors) = Catalog::load(None);
    assert!(errors.is_empty());
    assert_eq!(c, builtin());
}

#[test]
fn valid_override_disables_adds_and_changes_fees_from_a_date() {
    let text = format!(
        r#"
disable = ["V9", "d8"]

[[fee]]
service = "V1"
item = "plate"
fen = 12000
effective = "2027-01-01"
note = "本市收费公示"

[[fee]]
service = "V1"
item = "postage"
fen = 2000
effective = "2018-09-01"

[[fee]]
service = "L1"
item = "local"
fen = 800
effective = "2026-01-01"
{LOCAL_SERVICE}"#
    );
    let f = override_file(&text);
    let (c, errors) = Catalog::load(Some(f.path()));
    assert!(errors.is_empty(), "{errors:?}");
    let v9 = c.get("V9").expect("V9 still listed");
    assert!(
        !v9.offered && v9.disabled && v9.refusal_reason.is_some() && v9.refusal_reason_en.is_some()
    );
    assert!(!c.get("D8").expect("D8").offered);
    assert_eq!(c.services.iter().filter(|s| s.offered).count(), 24);

    let v1 = c.get("V1").expect("V1");
    // The plate fee changes from 2027-01-01 on; postage was replaced from its start.
    assert_eq!(
        v1.fees_on(d("2026-12-31"))
            .iter()
            .map(|f| f.fen)
            .collect::<Vec<_>>(),
        [10000, 2000]
    );
    assert_eq!(
        v1.fees_on(d("2027-01-01"))
            .iter()
            .map(|f| f.fen)
            .collect::<Vec<_>>(),
        [12000, 2000]
    );
    assert_eq!(v1.fee_total_on(d("2027-06-01")), 14000);
    let new_plate = v1.fees_on(d("2027-01-01"))[0];
    assert_eq!(
        new_plate.zh, "号牌工本费（汽车反光号牌）",
        "names taken from the existing item"
    );

    let l1 = c.get("l1").expect("local service");
    assert!(l1.local && l1.offered);
    assert_eq!(l1.fee_total_on(d("2025-06-01")), 500);
    assert_eq!(l1.fee_total_on(d("2026-06-01")), 800);
    assert_eq!(first_code(&c, "bdcsyw").as_deref(), Some("L1"));
    assert!(c.problems(Lang::En).is_empty());
    let table = c.render_table_on(Lang::Zh, d("2026-06-01"));
    assert!(table.contains("本地测试业务"));
}

fn expect_errors(text: &str) -> Vec<jingyou::catalog::OverrideError> {
    let f = override_file(text);
    let (c, errors) = Catalog::load(Some(f.path()));
    assert!(!errors.is_empty(), "expected errors for:\n{text}");
    assert_eq!(c, builtin(), "the built-in catalogue stays in use");
    for e in &errors {
        assert_eq!(e.file, f.path());
        assert!(!e.message.is_empty());
        assert!(!e.text(Lang::Zh).is_empty());
    }
    errors
}

fn has(errors: &[jingyou::catalog::OverrideError], kind: OverrideErrorKind, line: usize) -> bool {
    errors
        .iter()
        .any(|e| e.kind == kind && e.line == Some(line))
}

#[test]
fn syntax_error_is_reported_with_its_line() {
    let errors = expect_errors("disable = [\"V9\"]\n\n[[fee]\nservice = \"V1\"\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, OverrideErrorKind::Syntax);
    assert_eq!(errors[0].line, Some(3), "{}", errors[0]);
    let shown = errors[0].to_string();
    assert!(shown.contains("line 3"), "{shown}");
    assert!(errors[0].text(Lang::Zh).contains("第 3 行"));
}

#[test]
fn wrong_types_and_unknown_keys_are_syntax_errors() {
    let errors = expect_errors("disable = \"V9\"\n");
    assert_eq!(errors[0].kind, OverrideErrorKind::Syntax);
    let errors = expect_errors("\ndisabled = [\"V9\"]\n");
    assert!(has(&errors, OverrideErrorKind::Syntax, 2), "{errors:?}");
}

#[test]
fn unknown_codes_are_reported() {
    let errors = expect_errors(
        "disable = [\"V9\",\n  \"Q7\"]\n[[fee]]\nservice = \"Z9\"\nitem = \"plate\"\nfen = 100\neffective = \"2027-01-01\"\nzh = \"x\"\nen = \"x\"\n",
    );
    assert!(
        has(&errors, OverrideErrorKind::UnknownCode, 2),
        "{errors:?}"
    );
    assert!(
        has(&errors, OverrideErrorKind::UnknownCode, 4),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 2);
}

#[test]
fn duplicate_and_clashing_codes_are_reported() {
    let twice = format!("{LOCAL_SERVICE}\n{LOCAL_SERVICE}");
    let errors = expect_errors(&twice);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind, OverrideErrorKind::DuplicateCode);
    assert_eq!(errors[0].line, Some(24), "the second code = line");
    let clash = LOCAL_SERVICE.replace("code = \"L1\"", "code = \"v1\"");
    let errors = expect_errors(&clash);
    assert!(
        has(&errors, OverrideErrorKind::ClashesBuiltin, 3),
        "{errors:?}"
    );
}

#[test]
fn bad_dates_and_fees_are_reported() {
    let errors = expect_errors(
        "[[fee]]\nservice = \"V1\"\nitem = \"plate\"\nfen = -5\neffective = \"2027-13-01\"\n\n[[fee]]\nservice = \"V3\"\nitem = \"vehicle_licence\"\nfen = 99999999\neffective = \"2027-01-01\"\n",
    );
    assert!(
        has(&errors, OverrideErrorKind::NegativeFee, 4),
        "{errors:?}"
    );
    assert!(has(&errors, OverrideErrorKind::BadDate, 5), "{errors:?}");
    assert!(has(&errors, OverrideErrorKind::AbsurdFee, 10), "{errors:?}");
    assert_eq!(errors.len(), 3);
    let bad = LOCAL_SERVICE.replace("\"2020-01-01\"", "\"2020-02-30\"");
    let errors = expect_errors(&bad);
    assert!(has(&errors, OverrideErrorKind::BadDate, 19), "{errors:?}");
}

#[test]
fn a_new_fee_item_needs_its_names() {
    let errors = expect_errors(
        "[[fee]]\nservice = \"V1\"\nitem = \"seal\"\nfen = 100\neffective = \"2027-01-01\"\n",
    );
    assert!(
        has(&errors, OverrideErrorKind::MissingText, 3),
        "{errors:?}"
    );
}

#[test]
fn unknown_rules_and_rule_fields_are_reported() {
    let bad = LOCAL_SERVICE.replace(
        "rules = [\"report_within_30_days\"]",
        "rules = [\"age_band\", \"moon_phase\"]",
    );
    let errors = expect_errors(&bad);
    assert!(
        has(&errors, OverrideErrorKind::UnknownRule, 17),
        "{errors:?}"
    );
    // age_band reads id_number and licence_class, which L1 lacks.
    assert!(has(&errors, OverrideErrorKind::RuleField, 17), "{errors:?}");
}

#[test]
fn unknown_field_kinds_are_reported() {
    let bad = LOCAL_SERVICE.replace("kind = \"date\"", "kind = \"moon\"");
    let errors = expect_errors(&bad);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        has(&errors, OverrideErrorKind::UnknownFieldKind, 12),
        "{errors:?}"
    );
    assert!(errors[0].message.contains("moon"));
}

#[test]
fn bad_conditional_materials_are_reported() {
    let bad = LOCAL_SERVICE.replace(
        "  { id = \"id_proof\", zh = \"身份证明\", en = \"ID\", need = \"required\" },",
        "  { id = \"id_proof\", zh = \"身份证明\", en = \"ID\", need = \"required\" },\n  { id = \"x\", zh = \"x\", en = \"x\", need = \"conditional\", when_field = \"colour\", when_value = \"red\" },",
    );
    let errors = expect_errors(&bad);
    assert!(
        errors
            .iter()
            .any(|e| e.kind == OverrideErrorKind::BadCondition),
        "{errors:?}"
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let text = format!(
        "disable = [\"Q1\"]\n[[fee]]\nservice = \"V1\"\nitem = \"plate\"\nfen = -1\neffective = \"2027-01-01\"\n{}",
        LOCAL_SERVICE.replace("report_within_30_days", "nope")
    );
    let errors = expect_errors(&text);
    let kinds: HashSet<OverrideErrorKind> = errors.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&OverrideErrorKind::UnknownCode));
    assert!(kinds.contains(&OverrideErrorKind::NegativeFee));
    assert!(kinds.contains(&OverrideErrorKind::UnknownRule));
}

#[test]
fn unreadable_override_is_reported() {
    let f = override_file("");
    std::fs::write(f.path(), [0xff, 0xfe, 0x00]).expect("write");
    let (c, errors) = Catalog::load(Some(f.path()));
    assert_eq!(c, builtin());
    assert_eq!(errors.len(), 1);
    assert!(matches!(errors[0].kind, OverrideErrorKind::Read));
}

// ───────────── renderings ─────────────

#[test]
fn json_has_the_contract_keys() {
    let c = builtin();
    let json = c.to_json();
    let arr = json.as_array().expect("array");
    assert_eq!(arr.len(), c.services.len());
    for v in arr {
        for key in [
            "code",
            "group",
            "name_zh",
            "name_en",
            "offered",
            "refusal_reason",
            "fields",
            "materials",
            "fees",
            "time_limit",
            "time_limit_days",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {}", v["code"]);
        }
        let offered = v["offered"].as_bool().expect("bool");
        assert_eq!(v["refusal_reason"].is_null(), offered, "{}", v["code"]);
        assert!(["vehicle", "licence", "violation", "platform"]
            .contains(&v["group"].as_str().unwrap_or("")));
        assert!(v["time_limit_days"].is_u64());
    }
    let d3 = arr.iter().find(|v| v["code"] == "D3").expect("D3");
    assert_eq!(d3["time_limit"], "1个工作日");
    assert_eq!(d3["fees"][0]["effective"], "2004-12-01");
    assert_eq!(d3["fields"][0]["kind"], "name");
}

#[test]
fn guide_lines_fit_a_40_column_slip() {
    let c = builtin();
    for s in &c.services {
        for lang in [Lang::Zh, Lang::En] {
            let g = c.guide(&s.code, lang, d("2026-05-01")).expect("guide");
            for line in g.lines() {
                assert!(
                    display_width(line) <= GUIDE_WIDTH,
                    "{} {lang:?}: {line:?} ({})",
                    s.code,
                    display_width(line)
                );
            }
        }
    }
    assert!(c.guide("NOPE", Lang::Zh, d("2026-05-01")).is_none());
}

#[test]
fn guide_shows_materials_steps_fees_and_time() {
    let c = builtin();
    let g = c.guide("V1", Lang::Zh, d("2026-05-01")).expect("V1");
    for part in [
        "补领机动车号牌",
        "所需材料",
        "办理流程",
        "100.00元",
        "15.00元",
        "15个工作日",
        "单位",
        "领取方式",
    ] {
        assert!(g.contains(part), "missing {part} in\n{g}");
    }
    let g = c.guide("V5", Lang::En, d("2026-05-01")).expect("V5");
    assert!(
        g.contains("One of:") && g.contains("Vehicle licence"),
        "{g}"
    );
    let g = c.guide("d6", Lang::Zh, d("2026-05-01")).expect("D6");
    assert!(g.contains("不收费"), "{g}");
    let g = c.guide("X1", Lang::Zh, d("2026-05-01")).expect("X1");
    assert!(g.contains("本网点不能办理") && g.contains("八十六"), "{g}");
    assert!(!g.contains("所需材料"));
}

#[test]
fn table_groups_services_and_lists_refused_last() {
    let c = builtin();
    for lang in [Lang::Zh, Lang::En] {
        let t = c.render_table_on(lang, d("2026-05-01"));
        assert!(!t.is_empty());
        for s in &c.services {
            assert!(t.contains(&s.code), "{lang:?} lacks {}", s.code);
        }
        let refused_at = t.find("X1").expect("X1");
        assert!(t.find("U4").expect("U4") < refused_at);
        for line in t.lines() {
            assert!(display_width(line) <= 100, "{line}");
        }
    }
    let t = c.render_table_on(Lang::Zh, d("2026-05-01"));
    assert!(t.contains("机动车业务") && t.contains("本网点不能办理的业务"));
    assert!(t.contains("100.00"));
    // Columns line up by display width: every V-row has the fee at the same column.
    let cols: HashSet<usize> = t
        .lines()
        .filter(|l| l.starts_with('V') || l.starts_with('D'))
        .filter_map(|l| {
            l.find(" - ")
                .or_else(|| l.rfind("00  "))
                .map(|i| display_width(&l[..i]))
        })
        .collect();
    assert!(!cols.is_empty());
}

#[test]
#[ignore = "prints renderings for a human to look at"]
fn show_renderings() {
    let c = builtin();
    println!("{}", c.render_table_on(Lang::Zh, d("2026-05-01")));
    println!("{}", c.render_table_on(Lang::En, d("2026-05-01")));
    for code in ["V1", "V5", "D4", "W1", "X1"] {
        println!(
            "{}",
            c.guide(code, Lang::Zh, d("2026-05-01")).unwrap_or_default()
        );
    }
    println!(
        "{}",
        c.guide("V9", Lang::En, d("2026-05-01")).unwrap_or_default()
    );
}

#[test]
fn the_documented_example_is_a_valid_override() {
    let doc = include_str!("../docs/catalog-override.md");
    let mut text = String::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("```toml") {
            inside = true;
        } else if line.starts_with("```") {
            inside = false;
        } else if inside {
            text.push_str(line);
            text.push('\n');
        }
    }
    let f = override_file(&text);
    let (c, errors) = Catalog::load(Some(f.path()));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(c.get("L1").is_some_and(|s| s.local));
    assert!(!c.get("V9").expect("V9").offered);
    assert_eq!(
        c.get("V1").expect("V1").fee_total_on(d("2027-01-01")),
        14000
    );
}

#[test]
fn no_panic_on_truncated_or_garbled_overrides() {
    let full = format!(
        "disable = [\"V9\"]\n[[fee]]\nservice = \"V1\"\nitem = \"plate\"\nfen = 12000\neffective = \"2027-01-01\"\n{LOCAL_SERVICE}"
    );
    let cuts: Vec<usize> = full.char_indices().map(|(i, _)| i).step_by(7).collect();
    for cut in cuts {
        let f = override_file(&full[..cut]);
        let (c, errors) = Catalog::load(Some(f.path()));
        if !errors.is_empty() {
            assert_eq!(c, builtin());
            for e in &errors {
                let _ = e.text(Lang::Zh);
                assert!(e.line.is_some(), "cut {cut}: {e}");
            }
        }
    }
    for garbage in [
        "\u{0}\u{1}",
        "[[service]]\ncode = 5",
        "[[service]]\nfields = 3",
        "fee = 7",
        "[[fee]]\nfen = 1e99",
    ] {
        let f = override_file(garbage);
        let (c, errors) = Catalog::load(Some(f.path()));
        assert!(!errors.is_empty(), "{garbage:?}");
        assert_eq!(c, builtin());
    }
}

#[test]
fn search_and_guide_survive_odd_input() {
    let c = builtin();
    for q in [
        "\u{0}",
        "％",
        "𝔘",
        "a b c",
        "'\"",
        "补领\t驾驶证",
        &"x".repeat(10_000),
    ] {
        let _ = c.search(q);
        let _ = c.get(q);
        let _ = c.guide(q, Lang::Zh, d("2026-01-01"));
    }
    assert_eq!(
        c.search("补领 驾驶证").first().map(|s| s.code.as_str()),
        Some("D1")
    );
}

#[test]
#[ignore = "prints JSON for a human to look at"]
fn show_json() {
    let c = builtin();
    let j = c.to_json();
    println!(
        "{}",
        serde_json::to_string_pretty(&j[20]).unwrap_or_default()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&j[25]).unwrap_or_default()
    );
}

// ───────────── rules that make a service inapplicable ─────────────

/// A valid raw value for a field of `kind` (the first option of a choice).
fn sample(f: &jingyou::catalog::Field, today: NaiveDate) -> String {
    match f.kind {
        FieldKind::Name => "张三".into(),
        FieldKind::Text => "浙江省杭州市西湖区文三路1号".into(),
        FieldKind::IdNumber => "11010519491231002X".into(),
        FieldKind::Plate => "浙A12345".into(),
        FieldKind::Vin => "LSJA24U62JG269225".into(),
        FieldKind::Phone => "13812345678".into(),
        FieldKind::LicenceFile => "430101758218".into(),
        FieldKind::Decision => "3301000000000012".into(),
        FieldKind::Uscc => {
            let body = "91330100MA27XXXXX".replace('X', "1");
            let c = jingyou::ident::uscc_check_char(&body).expect("uscc body");
            format!("{body}{c}")
        }
        FieldKind::Date => today.to_string(),
        FieldKind::Month => today.format("%Y-%m").to_string(),
        FieldKind::Choice => f
            .options
            .first()
            .map(|o| o.value.clone())
            .unwrap_or_default(),
        FieldKind::YesNo => "no".into(),
        FieldKind::Money => "200".into(),
        FieldKind::Integer => "1".into(),
    }
}

/// Raw values to try in a field a rule reads: dates around today, every
/// option, both answers, IDs of several ages.
fn sweep_values(f: &jingyou::catalog::Field, today: NaiveDate) -> Vec<String> {
    let offsets = [
        -1200i64, -400, -366, -200, -183, -90, -31, -16, -1, 0, 1, 60, 91, 400, 1200,
    ];
    let day = |o: i64| today + chrono::Duration::days(o);
    match f.kind {
        FieldKind::Date => offsets.iter().map(|o| day(*o).to_string()).collect(),
        FieldKind::Month => offsets
            .iter()
            .map(|o| day(*o).format("%Y-%m").to_string())
            .collect(),
        FieldKind::Choice => f.options.iter().map(|o| o.value.clone()).collect(),
        FieldKind::YesNo => vec!["yes".into(), "no".into()],
        // Valid IDs (the check digit matters: an invalid ID gives no
        // finding at all): 70 on the test day, 69 (70 tomorrow), 61, 34, 96.
        FieldKind::IdNumber => [
            "11010119560310001X",
            "110101195603110015",
            "11010119640601001X",
            "11010119920101001X",
            "110101193001010018",
        ]
        .map(String::from)
        .to_vec(),
        _ => vec![sample(f, today)],
    }
}

/// The catalogue invariant: for every offered service and every rule it
/// lists, whatever values make the rule say the service does not apply (or
/// give a date in the future where the law needs a past one) stop the
/// wizard finishing, with the rule's own sentence as a blocker.
#[test]
fn every_rule_that_makes_a_service_inapplicable_blocks_finishing() {
    use jingyou::rules::{is_inapplicable, Severity};
    use jingyou::store::Draft;
    use jingyou::wizard::Wizard;
    let c = builtin();
    let today = d("2026-03-10");
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-10T10:00:00+08:00").expect("now");
    let mut checked = 0;
    let mut blocked_rules = std::collections::BTreeSet::new();
    for s in offered(&c).into_iter().filter(|s| !s.rules.is_empty()) {
        let mut base = Wizard::new(s.clone(), Draft::new("T-1".into(), &s.code, "001", now));
        for f in &s.fields {
            base.set_raw(&f.key, &sample(f, today));
        }
        for rule in &s.rules {
            let reads: Vec<&jingyou::catalog::Field> = s
                .fields
                .iter()
                .filter(|f| {
                    jingyou::rules::RuleId::parse(rule)
                        .is_some_and(|r| r.reads().contains(&f.key.as_str()))
                })
                .collect();
            // Every combination of the swept values of the fields it reads.
            let mut combos: Vec<Vec<(String, String)>> = vec![vec![]];
            for f in &reads {
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        sweep_values(f, today).into_iter().map(move |v| {
                            let mut c = c.clone();
                            c.push((f.key.clone(), v));
                            c
                        })
                    })
                    .collect();
            }
            for combo in combos {
                let mut w = base.clone();
                for (k, v) in &combo {
                    w.set_raw(k, v);
                }
                for finding in w.findings(today, Lang::Zh) {
                    if is_inapplicable(finding.key) {
                        assert_eq!(finding.severity, Severity::Block, "{} {combo:?}", s.code);
                    }
                    if finding.severity != Severity::Block {
                        continue;
                    }
                    checked += 1;
                    blocked_rules.insert(finding.rule);
                    let blockers = w
                        .finish(now, today, Lang::Zh, false)
                        .expect_err("a blocking rule must stop finishing");
                    assert!(
                        blockers.iter().any(|b| b.message == finding.message),
                        "{} {combo:?}: {} is not among the blockers",
                        s.code,
                        finding.message
                    );
                    // The field the rule reads does not count as valid.
                    let i = s
                        .fields
                        .iter()
                        .position(|f| finding.concerns(&f.key))
                        .expect("a field the rule reads");
                    assert!(w.field_blocked(i, today, Lang::Zh).is_some(), "{}", s.code);
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} blocking findings were tried");
    // Every rule that some service lists was seen blocking at least once.
    for rule in jingyou::rules::RuleId::ALL {
        if c.services
            .iter()
            .any(|s| s.rules.iter().any(|r| r == rule.as_str()))
        {
            assert!(
                blocked_rules.contains(&rule),
                "{rule:?} never blocked in the sweep"
            );
        }
    }
}

#[test]
fn w1_platform_check_is_no_material_and_carries_over_to_u1() {
    use jingyou::store::Draft;
    use jingyou::wizard::Wizard;
    let c = builtin();
    let w1 = c.get("W1").expect("W1");
    assert!(
        w1.materials
            .iter()
            .all(|m| !m.zh.contains("12123") && !m.en.contains("12123")),
        "the 12123 prerequisite is a check, not a material"
    );
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-10T10:00:00+08:00").expect("now");
    let mut w = Wizard::new(w1.clone(), Draft::new("T-2".into(), "W1", "001", now));
    w.set_raw("owner_name", "张三");
    w.set_raw("id_number", "11010519491231002X");
    w.set_raw("phone", "13812345678");
    w.set_raw("plate", "浙A12345");
    w.set_raw("platform_registered", "no");
    let today = d("2026-03-10");
    let blockers = w.blockers(jingyou::wizard::Step::Review, today, Lang::Zh);
    assert!(
        blockers.iter().any(|b| b.offer == Some("U1")),
        "{blockers:?}"
    );
    // No missing material mentions the platform.
    assert!(w
        .missing_materials(today)
        .iter()
        .all(|(_, m)| !m.zh.contains("12123")));
    let u1 = c.get("U1").expect("U1");
    let carried = w.carry_over(u1);
    assert_eq!(carried.get("owner_name").map(String::as_str), Some("张三"));
    assert_eq!(
        carried.get("id_number").map(String::as_str),
        Some("11010519491231002X")
    );
    assert_eq!(
        carried.get("phone").map(String::as_str),
        Some("13812345678")
    );
    assert!(!carried.contains_key("plate"));
}
