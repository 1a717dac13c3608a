//! The local override file and its errors.
//!
//! The override is a TOML file (default `$XDG_CONFIG_HOME/jingyou/catalog.toml`,
//! or config `[catalog] override = "..."`) with three optional parts:
//!
//! ```toml
//! # Services this branch does not offer: shown as refused, with a reason.
//! disable = ["V9", "D8"]
//!
//! # A fee in force from a date on (earlier dates keep the old amount). The
//! # same item and date as an existing entry replaces that entry. zh/en may be
//! # left out when the service already has this item.
//! [[fee]]
//! service = "V1"
//! item = "plate"
//! fen = 12000
//! effective = "2027-01-01"
//! zh = "号牌工本费"
//! en = "Plate fee"
//! note = "本市收费公示 2026-12"
//! optional = false
//!
//! # A local service: the full shape of a built-in one (see builtin.toml).
//! # Its code must not clash with a built-in; it is marked `local = true`.
//! [[service]]
//! code = "L1"
//! group = "vehicle"
//! name_zh = "..."
//! # ...
//! ```
//!
//! Checked: unknown service codes in `disable` and `[[fee]]`, duplicate
//! codes, bad dates, negative or absurd fees (over [`super::MAX_FEE_FEN`]),
//! unknown field kinds, conditional materials naming a missing field or
//! value, unknown rule ids and rules whose fields are missing. Every error
//! carries the file and line. On any error the whole override is ignored and
//! the built-in catalogue stays in use.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::validate::{check_service, FIELD_KINDS};
use super::{Catalog, Fee, Service, MAX_FEE_FEN};
use crate::i18n::{self, Lang};

/// What is wrong in a catalogue file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverrideErrorKind {
    /// The file exists but cannot be read (permissions, not UTF-8).
    Read,
    /// Not valid TOML, or a value of the wrong type.
    Syntax,
    /// A service code that is in no catalogue.
    UnknownCode,
    /// The same code twice among the added services.
    DuplicateCode,
    /// An added service uses a built-in code.
    ClashesBuiltin,
    /// A date that is not `YYYY-MM-DD`.
    BadDate,
    NegativeFee,
    /// Over [`MAX_FEE_FEN`].
    AbsurdFee,
    UnknownFieldKind,
    /// A conditional material naming a missing field or a value it cannot take.
    BadCondition,
    UnknownRule,
    /// A rule whose fields the service lacks (or has with another kind).
    RuleField,
    /// A required text (name, time limit, refusal reason...) is missing.
    MissingText,
    /// Any other inconsistency (detail in the message).
    Invalid,
}

impl OverrideErrorKind {
    fn key(self) -> &'static str {
        match self {
            OverrideErrorKind::Read => "catalog.error.read",
            OverrideErrorKind::Syntax => "catalog.error.syntax",
            OverrideErrorKind::UnknownCode => "catalog.error.unknown_code",
            OverrideErrorKind::DuplicateCode => "catalog.error.duplicate_code",
            OverrideErrorKind::ClashesBuiltin => "catalog.error.clashes_builtin",
            OverrideErrorKind::BadDate => "catalog.error.bad_date",
            OverrideErrorKind::NegativeFee => "catalog.error.negative_fee",
            OverrideErrorKind::AbsurdFee => "catalog.error.absurd_fee",
            OverrideErrorKind::UnknownFieldKind => "catalog.error.unknown_field_kind",
            OverrideErrorKind::BadCondition => "catalog.error.bad_condition",
            OverrideErrorKind::UnknownRule => "catalog.error.unknown_rule",
            OverrideErrorKind::RuleField => "catalog.error.rule_field",
            OverrideErrorKind::MissingText => "catalog.error.missing_text",
            OverrideErrorKind::Invalid => "catalog.error.invalid",
        }
    }
}

pub(crate) fn render_kind(lang: Lang, kind: OverrideErrorKind, args: &[(&str, String)]) -> String {
    let args: Vec<(&str, &dyn fmt::Display)> = args
        .iter()
        .map(|(k, v)| (*k, v as &dyn fmt::Display))
        .collect();
    i18n::fmt(lang, kind.key(), &args)
}

/// One error in a catalogue file: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideError {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, in English (see [`OverrideError::text`] for Chinese).
    pub message: String,
    pub kind: OverrideErrorKind,
    args: Vec<(&'static str, String)>,
}

impl OverrideError {
    pub(crate) fn new(
        file: &Path,
        line: Option<usize>,
        kind: OverrideErrorKind,
        args: Vec<(&'static str, String)>,
    ) -> OverrideError {
        OverrideError {
            file: file.to_path_buf(),
            line,
            message: render_kind(Lang::En, kind, &args),
            kind,
            args,
        }
    }

    /// "file, line N: what is wrong" in the UI language.
    pub fn text(&self, lang: Lang) -> String {
        let message = render_kind(lang, self.kind, &self.args);
        let file = self.file.display().to_string();
        match self.line {
            Some(line) => i18n::fmt(
                lang,
                "catalog.error.at_line",
                &[("file", &file), ("line", &line), ("message", &message)],
            ),
            None => i18n::fmt(
                lang,
                "catalog.error.at_file",
                &[("file", &file), ("message", &message)],
            ),
        }
    }
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for OverrideError {}

/// The top level of a catalogue file (built-in or override).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    service: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    fee: Vec<Spanned<RawFee>>,
}

impl RawFile {
    pub(crate) fn services(&self) -> &[Spanned<toml::Table>] {
        &self.service
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFee {
    service: Spanned<String>,
    item: Spanned<String>,
    fen: Spanned<i64>,
    effective: Spanned<String>,
    #[serde(default)]
    zh: Option<String>,
    #[serde(default)]
    en: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    optional: bool,
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The line of the first occurrence of `needle` as a TOML string or key
/// within `span`, else the line where `span` starts.
fn find_line(text: &str, span: &Range<usize>, needle: Option<&str>) -> usize {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    if let (Some(needle), Some(region)) = (needle, text.get(start..end)) {
        for pattern in [
            format!("\"{needle}\""),
            format!("{needle} ="),
            needle.to_string(),
        ] {
            if let Some(pos) = region.find(&pattern) {
                return line_of(text, start + pos);
            }
        }
    }
    line_of(text, start)
}

/// Parses the catalogue text into its parts, or a syntax error.
pub(crate) fn parse_raw(text: &str, file: &Path) -> Result<RawFile, OverrideError> {
    toml::from_str::<RawFile>(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        OverrideError::new(
            file,
            line,
            OverrideErrorKind::Syntax,
            vec![("detail", e.message().trim().to_string())],
        )
    })
}

/// Turns the `[[service]]` tables into services, checking each. Field kinds
/// are checked before deserialising so that every bad kind is reported with
/// its line.
pub(crate) fn parse_services(
    text: &str,
    file: &Path,
    raw: &[Spanned<toml::Table>],
    errors: &mut Vec<OverrideError>,
) -> Vec<(Service, Range<usize>)> {
    let mut out = Vec::new();
    for (i, table) in raw.iter().enumerate() {
        // A table's span may cover only its header; its text runs to the
        // next service (the needle is looked for from the start on).
        let end = raw.get(i + 1).map_or(text.len(), |t| t.span().start);
        let span = table.span().start..end.max(table.span().end);
        let before = errors.len();
        if let Some(toml::Value::Array(fields)) = table.get_ref().get("fields") {
            for field in fields {
                let kind = field.get("kind").and_then(toml::Value::as_str);
                if let Some(kind) = kind {
                    if !FIELD_KINDS.contains(&kind) {
                        errors.push(OverrideError::new(
                            file,
                            Some(find_line(text, &span, Some(kind))),
                            OverrideErrorKind::UnknownFieldKind,
                            vec![
                                ("kind", kind.to_string()),
                                ("known", FIELD_KINDS.join(", ")),
                            ],
                        ));
                    }
                }
            }
        }
        if let Some(toml::Value::Array(fees)) = table.get_ref().get("fees") {
            for fee in fees {
                let value = fee.get("effective");
                let ok = value
                    .and_then(toml::Value::as_str)
                    .is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
                if !ok {
                    let shown = match value {
                        Some(toml::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => String::new(),
                    };
                    errors.push(OverrideError::new(
                        file,
                        Some(find_line(
                            text,
                            &span,
                            Some(shown.as_str()).filter(|s| !s.is_empty()),
                        )),
                        OverrideErrorKind::BadDate,
                        vec![("value", shown)],
                    ));
                }
            }
        }
        if errors.len() > before {
            continue;
        }
        let service: Service = match toml::Value::Table(table.get_ref().clone()).try_into() {
            Ok(s) => s,
            Err(e) => {
                let detail = e.message().trim().to_string();
                let code = table
                    .get_ref()
                    .get("code")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("?");
                let (kind, args) = (
                    OverrideErrorKind::Invalid,
                    vec![("detail", format!("{code}: {detail}"))],
                );
                errors.push(OverrideError::new(
                    file,
                    Some(line_of(text, span.start)),
                    kind,
                    args,
                ));
                continue;
            }
        };
        for p in check_service(&service) {
            errors.push(OverrideError::new(
                file,
                Some(find_line(text, &span, p.needle.as_deref())),
                p.kind,
                p.args,
            ));
        }
        out.push((service, span));
    }
    out
}

/// Applies an override file's text to `base`. On any error, returns the
/// errors and leaves `base` alone.
pub(crate) fn apply(
    base: &Catalog,
    text: &str,
    file: &Path,
) -> Result<Catalog, Vec<OverrideError>> {
    let raw = parse_raw(text, file).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut services = base.services.clone();
    let builtin_codes: HashSet<String> = services
        .iter()
        .map(|s| s.code.to_ascii_uppercase())
        .collect();

    // Added services.
    let mut added_codes = HashSet::new();
    let added = parse_services(text, file, &raw.service, &mut errors);
    for (service, span) in added {
        let code = service.code.to_ascii_uppercase();
        let line = Some(find_line(text, &span, Some("code")));
        if builtin_codes.contains(&code) {
            errors.push(OverrideError::new(
                file,
                line,
                OverrideErrorKind::ClashesBuiltin,
                vec![("code", service.code.clone())],
            ));
        } else if !added_codes.insert(code) {
            errors.push(OverrideError::new(
                file,
                line,
                OverrideErrorKind::DuplicateCode,
                vec![("code", service.code.clone())],
            ));
        } else {
            let mut service = service;
            service.local = true;
            service.disabled = false;
            services.push(service);
        }
    }

    // Disabled services.
    for code in &raw.disable {
        let line = Some(line_of(text, code.span().start));
        match services
            .iter_mut()
            .find(|s| s.code.eq_ignore_ascii_case(code.get_ref().trim()))
        {
            None => errors.push(OverrideError::new(
                file,
                line,
                OverrideErrorKind::UnknownCode,
                vec![("code", code.get_ref().clone())],
            )),
            Some(s) if s.offered => {
                s.offered = false;
                s.disabled = true;
                s.refusal_reason = Some(i18n::tr(Lang::Zh, "catalog.disabled_reason").to_string());
                s.refusal_reason_en =
                    Some(i18n::tr(Lang::En, "catalog.disabled_reason").to_string());
            }
            Some(_) => {}
        }
    }

    // Fees.
    for fee in &raw.fee {
        if let Some(new) = check_fee(text, file, fee.get_ref(), &services, &mut errors) {
            let code = fee.get_ref().service.get_ref().trim();
            if let Some(s) = services
                .iter_mut()
                .find(|s| s.code.eq_ignore_ascii_case(code))
            {
                match s
                    .fees
                    .iter_mut()
                    .find(|f| f.item == new.item && f.effective == new.effective)
                {
                    Some(old) => *old = new,
                    None => s.fees.push(new),
                }
            }
        }
    }

    if errors.is_empty() {
        Ok(Catalog { services })
    } else {
        errors.sort_by_key(|e| e.line.unwrap_or(0));
        Err(errors)
    }
}

fn check_fee(
    text: &str,
    file: &Path,
    fee: &RawFee,
    services: &[Service],
    errors: &mut Vec<OverrideError>,
) -> Option<Fee> {
    let before = errors.len();
    let err = |errors: &mut Vec<OverrideError>, span: Range<usize>, kind, args| {
        errors.push(OverrideError::new(
            file,
            Some(line_of(text, span.start)),
            kind,
            args,
        ));
    };
    let code = fee.service.get_ref().trim();
    let service = services.iter().find(|s| s.code.eq_ignore_ascii_case(code));
    if service.is_none() {
        err(
            errors,
            fee.service.span(),
            OverrideErrorKind::UnknownCode,
            vec![("code", code.to_string())],
        );
    }
    let effective = NaiveDate::parse_from_str(fee.effective.get_ref().trim(), "%Y-%m-%d").ok();
    if effective.is_none() {
        err(
            errors,
            fee.effective.span(),
            OverrideErrorKind::BadDate,
            vec![("value", fee.effective.get_ref().clone())],
        );
    }
    let amount = *fee.fen.get_ref();
    let fen = u64::try_from(amount).ok();
    match fen {
        None => err(
            errors,
            fee.fen.span(),
            OverrideErrorKind::NegativeFee,
            vec![("fen", amount.to_string())],
        ),
        Some(f) if f > MAX_FEE_FEN => err(
            errors,
            fee.fen.span(),
            OverrideErrorKind::AbsurdFee,
            vec![("fen", f.to_string()), ("max", MAX_FEE_FEN.to_string())],
        ),
        Some(_) => {}
    }
    let item = fee.item.get_ref().trim();
    if item.is_empty() {
        err(
            errors,
            fee.item.span(),
            OverrideErrorKind::MissingText,
            vec![("what", "item".to_string())],
        );
    }
    let existing = service.and_then(|s| s.fees.iter().find(|f| f.item == item));
    let pick = |given: &Option<String>, old: Option<&String>| -> Option<String> {
        given
            .as_ref()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .or_else(|| old.cloned())
    };
    let zh = pick(&fee.zh, existing.map(|f| &f.zh));
    let en = pick(&fee.en, existing.map(|f| &f.en));
    if service.is_some() && (zh.is_none() || en.is_none()) {
        err(
            errors,
            fee.item.span(),
            OverrideErrorKind::MissingText,
            vec![("what", format!("zh/en of new fee item {item}"))],
        );
    }
    if errors.len() > before {
        return None;
    }
    Some(Fee {
        item: item.to_string(),
        zh: zh.unwrap_or_default(),
        en: en.unwrap_or_default(),
        fen: fen.unwrap_or(0),
        effective: effective?,
        note: fee.note.clone(),
        optional: fee.optional,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_from_one() {
        let text = "a\nbb\nccc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 3);
        assert_eq!(line_of(text, 999), 3);
    }

    #[test]
    fn needles_are_found_inside_the_span_only() {
        let text = "x = \"moon\"\n[[service]]\ncode = \"L1\"\nkind = \"moon\"\n";
        let start = text.find("[[service]]").unwrap_or(0);
        assert_eq!(find_line(text, &(start..text.len()), Some("moon")), 4);
        assert_eq!(find_line(text, &(start..text.len()), Some("absent")), 2);
        assert_eq!(find_line(text, &(start..text.len()), None), 2);
    }

    #[test]
    fn errors_read_in_both_languages() {
        let e = OverrideError::new(
            Path::new("/etc/c.toml"),
            Some(3),
            OverrideErrorKind::UnknownCode,
            vec![("code", "Q1".to_string())],
        );
        assert_eq!(
            e.to_string(),
            "/etc/c.toml, line 3: no service has the code \"Q1\""
        );
        assert!(e.text(Lang::Zh).contains("第 3 行"));
        assert!(e.text(Lang::Zh).contains("Q1"));
    }
}
