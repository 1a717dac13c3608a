//! Consistency checks of one service, shared by the built-in catalogue and
//! the override file.

use std::collections::HashSet;

use super::overrides::OverrideErrorKind;
use super::{rule_fields, rule_ids, FieldKind, Need, Service, MAX_FEE_FEN, YES_NO_VALUES};
use crate::i18n::Lang;

/// One thing wrong with a service. `needle` is a piece of text to look for in
/// the source file to find the line (e.g. the offending rule id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub kind: OverrideErrorKind,
    pub args: Vec<(&'static str, String)>,
    pub needle: Option<String>,
}

impl Problem {
    fn new(kind: OverrideErrorKind, args: Vec<(&'static str, String)>, needle: &str) -> Problem {
        Problem {
            kind,
            args,
            needle: Some(needle.to_string()),
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        super::overrides::render_kind(lang, self.kind, &self.args)
    }
}

/// Every field kind as written in TOML.
pub(crate) const FIELD_KINDS: &[&str] = &[
    "name",
    "text",
    "id-number",
    "plate",
    "vin",
    "phone",
    "licence-file",
    "decision",
    "uscc",
    "date",
    "month",
    "choice",
    "yes-no",
    "money",
    "integer",
];

fn kind_name(kind: FieldKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}

fn missing(what: &str) -> Problem {
    Problem {
        kind: OverrideErrorKind::MissingText,
        args: vec![("what", what.to_string())],
        needle: None,
    }
}

fn invalid(detail: String, needle: &str) -> Problem {
    Problem::new(OverrideErrorKind::Invalid, vec![("detail", detail)], needle)
}

/// Checks one service; an empty list means it is sound.
pub(crate) fn check_service(s: &Service) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.code.is_empty() || !s.code.chars().all(|c| c.is_ascii_alphanumeric()) {
        out.push(invalid(
            format!("code {:?} must be letters and digits", s.code),
            "code",
        ));
    }
    for (what, value) in [
        ("name_zh", &s.name_zh),
        ("name_en", &s.name_en),
        ("pinyin", &s.pinyin),
    ] {
        if value.trim().is_empty() {
            out.push(missing(what));
        }
    }
    if s.offered {
        for (what, value) in [
            ("time_limit", &s.time_limit),
            ("time_limit_en", &s.time_limit_en),
        ] {
            if value.trim().is_empty() {
                out.push(missing(what));
            }
        }
        if s.fields.is_empty() {
            out.push(missing("fields"));
        }
        if !s
            .materials
            .iter()
            .any(|m| matches!(m.need, Need::Required | Need::OneOf))
        {
            out.push(missing("materials (required or one-of)"));
        }
        if s.refusal_reason.is_some() && !s.disabled {
            out.push(invalid(
                "an offered service has no refusal_reason".to_string(),
                "refusal_reason",
            ));
        }
    } else {
        for (what, value) in [
            ("refusal_reason", &s.refusal_reason),
            ("refusal_reason_en", &s.refusal_reason_en),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                out.push(missing(what));
            }
        }
    }
    if s.steps_zh.len() != s.steps_en.len() {
        out.push(invalid(
            "steps_zh and steps_en differ in length".to_string(),
            "steps_en",
        ));
    }

    let mut keys = HashSet::new();
    for f in &s.fields {
        if !keys.insert(f.key.as_str()) {
            out.push(invalid(format!("field {} appears twice", f.key), &f.key));
        }
        if f.kind == FieldKind::Choice && f.options.is_empty() {
            out.push(invalid(
                format!("choice field {} has no options", f.key),
                &f.key,
            ));
        }
    }

    let mut material_ids = HashSet::new();
    for m in &s.materials {
        if !material_ids.insert(m.id.as_str()) {
            out.push(invalid(format!("material {} appears twice", m.id), &m.id));
        }
        match m.need {
            Need::OneOf if m.one_of.as_deref().is_none_or(str::is_empty) => {
                out.push(invalid(
                    format!("one-of material {} has no one_of group", m.id),
                    &m.id,
                ));
            }
            Need::Conditional => {
                let field = m.when_field.as_deref().unwrap_or("");
                let value = m.when_value.as_deref().unwrap_or("");
                let ok = s.field(field).is_some_and(|f| match f.kind {
                    FieldKind::Choice => f.options.iter().any(|o| o.value == value),
                    FieldKind::YesNo => YES_NO_VALUES.contains(&value),
                    _ => false,
                });
                if !ok {
                    out.push(Problem::new(
                        OverrideErrorKind::BadCondition,
                        vec![
                            ("material", m.id.clone()),
                            ("field", field.to_string()),
                            ("value", value.to_string()),
                        ],
                        if field.is_empty() { &m.id } else { field },
                    ));
                }
            }
            _ => {}
        }
    }

    for rule in &s.rules {
        match rule_fields(rule) {
            None => out.push(Problem::new(
                OverrideErrorKind::UnknownRule,
                vec![
                    ("rule", rule.clone()),
                    ("known", rule_ids().collect::<Vec<_>>().join(", ")),
                ],
                rule,
            )),
            Some(needs) => {
                for (key, kind) in needs {
                    if s.field(key).is_none_or(|f| f.kind != *kind) {
                        out.push(Problem::new(
                            OverrideErrorKind::RuleField,
                            vec![
                                ("rule", rule.clone()),
                                ("field", key.to_string()),
                                ("kind", kind_name(*kind)),
                            ],
                            rule,
                        ));
                    }
                }
            }
        }
    }

    let mut fee_keys = HashSet::new();
    for fee in &s.fees {
        if fee.fen > MAX_FEE_FEN {
            out.push(Problem::new(
                OverrideErrorKind::AbsurdFee,
                vec![
                    ("fen", fee.fen.to_string()),
                    ("max", MAX_FEE_FEN.to_string()),
                ],
                &fee.fen.to_string(),
            ));
        }
        if !fee_keys.insert((fee.item.as_str(), fee.effective)) {
            out.push(invalid(
                format!("fee {} from {} appears twice", fee.item, fee.effective),
                &fee.item,
            ));
        }
        if fee.zh.trim().is_empty() || fee.en.trim().is_empty() {
            out.push(missing("fee zh/en"));
        }
    }
    out
}
