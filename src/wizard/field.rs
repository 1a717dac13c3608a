//! One validator per field kind: raw text in, normalised value (or the
//! reason it is wrong) out.

use chrono::{Datelike, NaiveDate};

use crate::catalog::{Field, FieldKind};
use crate::i18n::{fmt, tr, Lang};
use crate::ident;

/// The longest raw text a field keeps (a 1 MB paste is cut, and the clerk told).
pub const MAX_FIELD_CHARS: usize = 200;

/// A field that passed its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valid {
    /// What is stored and sent (e.g. an ID with an upper-case X, a date as
    /// `YYYY-MM-DD`, money in fen).
    pub value: String,
    /// What the check learned (birth date, new-energy plate) and warnings.
    pub notes: Vec<String>,
}

/// The state of one field as typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Empty,
    Valid(Valid),
    Invalid(String),
}

/// Which identifier check a field kind uses, if any.
pub fn ident_kind(kind: FieldKind) -> Option<ident::Kind> {
    Some(match kind {
        FieldKind::IdNumber => ident::Kind::Id,
        FieldKind::Plate => ident::Kind::Plate,
        FieldKind::Vin => ident::Kind::Vin,
        FieldKind::Phone => ident::Kind::Phone,
        FieldKind::LicenceFile => ident::Kind::LicenceFile,
        FieldKind::Decision => ident::Kind::Decision,
        FieldKind::Uscc => ident::Kind::Uscc,
        _ => return None,
    })
}

/// Removes control characters (a paste may carry them) and cuts overlong
/// text; says whether anything was cut.
pub fn sanitize(raw: &str) -> (String, bool) {
    let mut out = String::new();
    let mut cut = false;
    for (n, c) in raw.chars().filter(|c| !c.is_control()).enumerate() {
        if n >= MAX_FIELD_CHARS {
            cut = true;
            break;
        }
        out.push(c);
    }
    (out, cut)
}

/// Parses `2026-11-28`, `20261128`, `2026/11/28`, `2026.11.28` (full-width too).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = ident::normalize(raw);
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let seps = s.chars().filter(|c| matches!(c, '-' | '/' | '.')).count();
    if digits.len() == 8 && (seps == 0 || seps == 2) && s.len() == 8 + seps {
        let y = digits[0..4].parse().ok()?;
        let m = digits[4..6].parse().ok()?;
        let d = digits[6..8].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() == 3 && parts[0].len() == 4 {
        let y = parts[0].parse().ok()?;
        let m = parts[1].parse().ok()?;
        let d = parts[2].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    None
}

/// Parses a month: `2024-05`, `202405`, `2024/5`, `2024.05`, `2024年5月`
/// (full-width too), or a whole date, whose day is dropped. The value is
/// the first day of the month.
pub fn parse_month(raw: &str) -> Option<NaiveDate> {
    let s = ident::normalize(raw);
    let s = s.trim_end_matches('月').replace('年', "-");
    if let Some(d) = parse_date(&s) {
        return d.with_day(1);
    }
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let seps = s.chars().filter(|c| matches!(c, '-' | '/' | '.')).count();
    if digits.len() == 6 && seps == 0 && s.len() == 6 {
        return NaiveDate::from_ymd_opt(digits[0..4].parse().ok()?, digits[4..6].parse().ok()?, 1);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() == 2 && parts[0].len() == 4 && (1..=2).contains(&parts[1].len()) {
        return NaiveDate::from_ymd_opt(parts[0].parse().ok()?, parts[1].parse().ok()?, 1);
    }
    None
}

/// Parses an amount in yuan (`200`, `200.5`, `200.50`) into fen.
pub fn parse_money(raw: &str) -> Option<u64> {
    let s = ident::normalize(raw);
    let s = s.trim_start_matches('¥').trim_start_matches('￥');
    let (yuan, fen) = s.split_once('.').unwrap_or((s, ""));
    if yuan.is_empty() || yuan.len() > 9 || fen.len() > 2 {
        return None;
    }
    if !yuan.bytes().all(|b| b.is_ascii_digit()) || !fen.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: u64 = yuan.parse().ok()?;
    let f: u64 = if fen.is_empty() {
        0
    } else {
        format!("{fen:0<2}").parse().ok()?
    };
    Some(y * 100 + f)
}

/// Formats fen as yuan with two decimals.
pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Checks one field's raw text.
pub fn validate(field: &Field, raw: &str, today: NaiveDate, lang: Lang) -> Status {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Status::Empty;
    }
    if let Some(kind) = ident_kind(field.kind) {
        return match ident::check(kind, trimmed, today) {
            Ok(c) => Status::Valid(Valid {
                value: c.value.clone(),
                notes: c.describe(lang),
            }),
            Err(e) => Status::Invalid(e.message(lang)),
        };
    }
    let ok = |value: String| {
        Status::Valid(Valid {
            value,
            notes: Vec::new(),
        })
    };
    match field.kind {
        FieldKind::Name => {
            let n = trimmed.chars().count();
            if n > 50 {
                Status::Invalid(fmt(lang, "wizard.too_long", &[("max", &50)]))
            } else if trimmed.chars().any(|c| c.is_ascii_digit()) {
                Status::Invalid(tr(lang, "wizard.name_digits").to_string())
            } else {
                ok(trimmed.to_string())
            }
        }
        FieldKind::Text => ok(trimmed.to_string()),
        FieldKind::Date => match parse_date(trimmed) {
            Some(d) => ok(d.to_string()),
            None => Status::Invalid(tr(lang, "wizard.bad_date").to_string()),
        },
        FieldKind::Month => match parse_month(trimmed) {
            Some(d) => ok(d.format("%Y-%m").to_string()),
            None => Status::Invalid(tr(lang, "wizard.bad_month").to_string()),
        },
        FieldKind::Money => match parse_money(trimmed) {
            Some(f) => Status::Valid(Valid {
                value: f.to_string(),
                notes: vec![fmt(lang, "wizard.yuan", &[("amount", &yuan(f))])],
            }),
            None => Status::Invalid(tr(lang, "wizard.bad_money").to_string()),
        },
        FieldKind::Integer => match ident::normalize(trimmed).parse::<u32>() {
            Ok(n) if n <= 999_999 => ok(n.to_string()),
            _ => Status::Invalid(tr(lang, "wizard.bad_integer").to_string()),
        },
        FieldKind::YesNo => match ident::normalize(trimmed).as_str() {
            "Y" | "YES" | "是" | "1" => ok("yes".into()),
            "N" | "NO" | "否" | "0" => ok("no".into()),
            _ => Status::Invalid(tr(lang, "wizard.bad_yes_no").to_string()),
        },
        FieldKind::Choice => {
            let norm = ident::normalize(trimmed);
            let by_index = norm
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| field.options.get(i));
            let found = by_index.or_else(|| {
                field.options.iter().find(|o| {
                    o.value.eq_ignore_ascii_case(&norm)
                        || o.zh == trimmed
                        || o.en.eq_ignore_ascii_case(trimmed)
                })
            });
            match found {
                Some(o) => ok(o.value.clone()),
                None => Status::Invalid(tr(lang, "wizard.bad_choice").to_string()),
            }
        }
        // Identifier kinds were handled above.
        _ => Status::Invalid(tr(lang, "wizard.bad_choice").to_string()),
    }
}

/// How a stored value is shown back (choice labels, yuan, 是/否).
pub fn display_value(field: &Field, value: &str, lang: Lang) -> String {
    match field.kind {
        FieldKind::Choice => field
            .options
            .iter()
            .find(|o| o.value == value)
            .map(|o| match lang {
                Lang::Zh => o.zh.clone(),
                Lang::En => o.en.clone(),
            })
            .unwrap_or_else(|| value.to_string()),
        FieldKind::YesNo => match value {
            "yes" => tr(lang, "wizard.yes").to_string(),
            "no" => tr(lang, "wizard.no").to_string(),
            other => other.to_string(),
        },
        FieldKind::Money => value
            .parse::<u64>()
            .map(|f| format!("¥{}", yuan(f)))
            .unwrap_or_else(|_| value.to_string()),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_shapes_clerks_type() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 28);
        assert_eq!(parse_date("2026-11-28"), d);
        assert_eq!(parse_date("20261128"), d);
        assert_eq!(parse_date("2026/11/28"), d);
        assert_eq!(parse_date("２０２６－１１－２８"), d);
        assert_eq!(parse_date("2026-2-3"), NaiveDate::from_ymd_opt(2026, 2, 3));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("11/28/2026"), None);
        assert_eq!(parse_date("2026112"), None);
    }

    #[test]
    fn months_in_the_shapes_clerks_type() {
        let m = NaiveDate::from_ymd_opt(2024, 5, 1);
        assert_eq!(parse_month("2024-05"), m);
        assert_eq!(parse_month("202405"), m);
        assert_eq!(parse_month("2024/5"), m);
        assert_eq!(parse_month("2024.05"), m);
        assert_eq!(parse_month("2024年5月"), m);
        assert_eq!(parse_month("２０２４－０５"), m);
        assert_eq!(parse_month("2024-05-31"), m);
        assert_eq!(parse_month("2024-13"), None);
        assert_eq!(parse_month("2024-00"), None);
        assert_eq!(parse_month("24-05"), None);
        assert_eq!(parse_month("2024"), None);
        assert_eq!(parse_month(""), None);
    }

    #[test]
    fn money_is_integer_fen() {
        assert_eq!(parse_money("200"), Some(20000));
        assert_eq!(parse_money("200.5"), Some(20050));
        assert_eq!(parse_money("0.05"), Some(5));
        assert_eq!(parse_money("¥12.30"), Some(1230));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("-5"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(yuan(20050), "200.50");
    }

    #[test]
    fn sanitize_strips_controls_and_cuts_huge_pastes() {
        let (s, cut) = sanitize("张\u{1b}[31m三\u{7}");
        assert_eq!(s, "张[31m三");
        assert!(!cut);
        let huge = "一".repeat(1_000_000);
        let (s, cut) = sanitize(&huge);
        assert!(cut);
        assert_eq!(s.chars().count(), MAX_FIELD_CHARS);
    }
}
