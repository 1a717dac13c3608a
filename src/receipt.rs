//! Receipts (回执) and "what to bring" slips (材料补正告知) as plain text
//! that fits a 40-column slip printer. ID numbers and phones are masked.

use unicode_width::UnicodeWidthStr;

use crate::catalog::Service;
use crate::i18n::{fmt, tr, Lang};
use crate::mask;
use crate::store::{Application, Branch, Delivery, Payment};
use crate::wizard::field::yuan;
use crate::wizard::Wizard;

/// Slip width in display columns.
pub const WIDTH: usize = 40;

/// The list mark at the start of a line (`[x] `, `1. `, `· `), in bytes.
fn list_mark_len(s: &str) -> usize {
    if s.starts_with("[x] ") || s.starts_with("[ ] ") {
        return 4;
    }
    if let Some(rest) = s.strip_prefix("· ") {
        return s.len() - rest.len();
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(". ") {
        return digits + 2;
    }
    0
}

/// Wraps text to `width` display columns (CJK counts two), each line of
/// `text` on its own: ASCII words and article numbers (`第六十七条`) are not
/// broken, closing punctuation never starts a line, and a line's indent and
/// list mark (`  [x] `, `  1. `) become the hanging indent of its
/// continuation lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let body = para.trim_start_matches(' ');
        let (mark, rest) = body.split_at(list_mark_len(body));
        let first = format!("{}{mark}", &para[..para.len() - body.len()]);
        let hang = " ".repeat(first.width());
        lines.extend(crate::catalog::wrap(rest, width, &first, &hang));
    }
    lines
}

fn rule() -> String {
    "-".repeat(WIDTH)
}

fn center(s: &str) -> String {
    let w = s.width();
    if w >= WIDTH {
        return s.to_string();
    }
    format!("{}{}", " ".repeat((WIDTH - w) / 2), s)
}

/// The centred title of a slip, the training mark, and a rule.
fn heading(key: &str, branch: &Branch, lang: Lang) -> Vec<String> {
    if branch.training {
        // Centred over the columns the training mark leaves (see `finish`).
        let cols = training_cols(lang);
        let centred = |s: &str| {
            let pad = cols.saturating_sub(s.width()) / 2;
            format!("{}{s}", " ".repeat(pad))
        };
        return vec![
            centred(tr(lang, key)),
            centred(tr(lang, "common.training_banner").trim()),
            rule(),
        ];
    }
    vec![center(tr(lang, key)), rule()]
}

/// The columns left for the text of a training slip, beside its mark.
fn training_cols(lang: Lang) -> usize {
    WIDTH
        .saturating_sub(tr(lang, "receipt.training_mark").width() + 1)
        .max(10)
}

/// The slip's text. In training every line carries the mark
/// `培训 样本 无效` at its right edge, the text rewrapped to the columns
/// left, so that no cut-off piece of it can pass for a real receipt.
fn finish(out: Vec<String>, branch: &Branch, lang: Lang) -> String {
    if !branch.training {
        return out.join("\n") + "\n";
    }
    let mark = tr(lang, "receipt.training_mark");
    let cols = training_cols(lang);
    let mut lines = Vec::new();
    for line in &out {
        if !line.is_empty() && line.chars().all(|c| c == '-') {
            lines.push("-".repeat(cols));
            continue;
        }
        lines.extend(wrap(line.trim_end(), cols));
    }
    lines
        .iter()
        .map(|l| format!("{l}{} {mark}", " ".repeat(cols.saturating_sub(l.width()))))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn push(out: &mut Vec<String>, text: String) {
    out.extend(wrap(&text, WIDTH));
}

fn name(service: &Service, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &service.name_zh,
        Lang::En => &service.name_en,
    }
}

pub fn payment_label(p: Payment, lang: Lang) -> &'static str {
    tr(
        lang,
        match p {
            Payment::Cash => "payment.cash",
            Payment::Card => "payment.card",
            Payment::Qr => "payment.qr",
        },
    )
}

pub fn delivery_label(d: &Delivery, lang: Lang) -> String {
    match d {
        Delivery::Pickup => tr(lang, "delivery.pickup").to_string(),
        Delivery::Ems { address } => fmt(
            lang,
            "delivery.ems_to",
            &[("address", &mask::address(address))],
        ),
    }
}

/// The receipt of a finished application.
pub fn receipt(
    app: &Application,
    service: &Service,
    branch: &Branch,
    clerk_name: &str,
    lang: Lang,
) -> String {
    receipt_text(app, service, branch, clerk_name, lang, None)
}

/// The receipt printed again (补打) at `at`: marked as a reprint under the
/// heading and with the time of the reprint at the end.
pub fn reprint(
    app: &Application,
    service: &Service,
    branch: &Branch,
    clerk_name: &str,
    lang: Lang,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> String {
    receipt_text(app, service, branch, clerk_name, lang, Some(at))
}

fn receipt_text(
    app: &Application,
    service: &Service,
    branch: &Branch,
    clerk_name: &str,
    lang: Lang,
    reprint: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> String {
    let mut out = heading("receipt.heading", branch, lang);
    if reprint.is_some() {
        let rule = out.pop().unwrap_or_default();
        out.push(center(tr(lang, "receipt.reprint_mark")));
        out.push(rule);
    }
    push(
        &mut out,
        fmt(lang, "receipt.number", &[("number", &app.number)]),
    );
    push(
        &mut out,
        fmt(
            lang,
            "receipt.service",
            &[("service", &name(service, lang))],
        ),
    );
    for f in &service.fields {
        if let Some(v) = app.values.get(&f.key) {
            let label = match lang {
                Lang::Zh => &f.label_zh,
                Lang::En => &f.label_en,
            };
            let shown = if f.personal {
                mask::by_key(&f.key, v)
            } else {
                crate::wizard::field::display_value(f, v, lang)
            };
            push(
                &mut out,
                fmt(
                    lang,
                    "receipt.field",
                    &[("label", label), ("value", &shown)],
                ),
            );
        }
    }
    out.push(rule());
    push(&mut out, tr(lang, "receipt.materials").to_string());
    for m in &service.materials {
        if app.materials.contains(&m.id) {
            let t = match lang {
                Lang::Zh => &m.zh,
                Lang::En => &m.en,
            };
            // A conditional one says which condition made it needed.
            let triggered = m.need == crate::catalog::Need::Conditional
                && matches!(
                    (&m.when_field, &m.when_value),
                    (Some(f), Some(v)) if app.values.get(f) == Some(v)
                );
            let why = triggered
                .then(|| crate::wizard::condition_text(service, m, lang))
                .flatten()
                .unwrap_or_default();
            push(&mut out, format!("  [x] {t}{why}"));
        }
    }
    out.push(rule());
    for f in &app.fees {
        let t = match lang {
            Lang::Zh => &f.zh,
            Lang::En => &f.en,
        };
        push(
            &mut out,
            fmt(
                lang,
                "receipt.fee",
                &[("item", t), ("amount", &yuan(f.fen))],
            ),
        );
    }
    push(
        &mut out,
        match app.payment {
            Some(p) if app.fee_total_fen > 0 => fmt(
                lang,
                "receipt.total",
                &[
                    ("amount", &yuan(app.fee_total_fen)),
                    ("method", &payment_label(p, lang)),
                ],
            ),
            _ => tr(lang, "receipt.free").to_string(),
        },
    );
    let limit = match lang {
        Lang::Zh => &service.time_limit,
        Lang::En => &service.time_limit_en,
    };
    push(
        &mut out,
        fmt(lang, "receipt.time_limit", &[("limit", limit)]),
    );
    // W1: the surcharge-free deadline the wizard's fine rule computed.
    if service.rules.iter().any(|r| r == "fine_surcharge") {
        if let Some(deadline) = crate::rules::surcharge_free_deadline(&app.values) {
            push(
                &mut out,
                fmt(lang, "receipt.fine_deadline", &[("date", &deadline)]),
            );
        }
    }
    push(
        &mut out,
        fmt(
            lang,
            "receipt.delivery",
            &[(
                "delivery",
                &crate::wizard::delivery_text(service, &app.delivery, app.date, lang),
            )],
        ),
    );
    out.push(rule());
    push(
        &mut out,
        fmt(
            lang,
            "receipt.branch",
            &[("name", &branch.name), ("code", &branch.code)],
        ),
    );
    push(
        &mut out,
        fmt(
            lang,
            "receipt.clerk",
            &[("name", &clerk_name), ("id", &app.clerk)],
        ),
    );
    push(
        &mut out,
        fmt(
            lang,
            "receipt.time",
            &[("time", &app.finished_at.format("%Y-%m-%d %H:%M"))],
        ),
    );
    if let Some(r) = &app.hub_receipt {
        push(&mut out, fmt(lang, "receipt.hub", &[("receipt", r)]));
    }
    if let Some(at) = reprint {
        push(
            &mut out,
            fmt(
                lang,
                "receipt.reprinted",
                &[("time", &at.format("%Y-%m-%d %H:%M"))],
            ),
        );
    }
    finish(out, branch, lang)
}

/// The "what to bring" slip for a parked application.
pub fn slip(
    w: &Wizard,
    branch: &Branch,
    hours: &str,
    today: chrono::NaiveDate,
    lang: Lang,
) -> String {
    let mut out = heading("slip.heading", branch, lang);
    push(
        &mut out,
        fmt(lang, "slip.number", &[("number", &w.draft.number)]),
    );
    push(
        &mut out,
        fmt(
            lang,
            "receipt.service",
            &[("service", &name(&w.service, lang))],
        ),
    );
    if let Some(id) = w.normalised(today).get("id_number") {
        push(
            &mut out,
            fmt(lang, "slip.customer", &[("id", &mask::id_number(id))]),
        );
    }
    out.push(rule());
    push(&mut out, tr(lang, "slip.bring").to_string());
    for (i, (_, m)) in w.missing_materials(today).iter().enumerate() {
        push(&mut out, format!("  {}. {}", i + 1, m.text(lang)));
    }
    out.push(rule());
    push(&mut out, tr(lang, "slip.return").to_string());
    push(
        &mut out,
        fmt(
            lang,
            "receipt.branch",
            &[("name", &branch.name), ("code", &branch.code)],
        ),
    );
    push(&mut out, fmt(lang, "slip.hours", &[("hours", &hours)]));
    push(
        &mut out,
        fmt(
            lang,
            "receipt.time",
            &[("time", &w.draft.updated.format("%Y-%m-%d %H:%M"))],
        ),
    );
    finish(out, branch, lang)
}

/// The "what to bring" slip for an application the vehicle office sent
/// back (需补正): its note, and the catalogue materials it named.
pub fn correction_slip(
    found: &crate::store::Found,
    service: Option<&Service>,
    branch: &Branch,
    hours: &str,
    lang: Lang,
) -> String {
    let mut out = heading("slip.heading", branch, lang);
    push(
        &mut out,
        fmt(lang, "receipt.number", &[("number", &found.app.number)]),
    );
    if let Some(s) = service {
        push(
            &mut out,
            fmt(lang, "receipt.service", &[("service", &name(s, lang))]),
        );
    }
    if let Some(id) = found.app.values.get("id_number") {
        push(
            &mut out,
            fmt(lang, "slip.customer", &[("id", &mask::id_number(id))]),
        );
    }
    out.push(rule());
    let last = found.review.as_ref().and_then(|r| r.last());
    if let Some(note) = last.and_then(|c| c.note.as_deref()) {
        push(
            &mut out,
            fmt(
                lang,
                "slip.office_note",
                &[("note", &crate::mask::escape_controls(note))],
            ),
        );
    }
    let codes = last.map(|c| c.materials.clone()).unwrap_or_default();
    if !codes.is_empty() {
        push(&mut out, tr(lang, "slip.bring").to_string());
        for (i, code) in codes.iter().enumerate() {
            let text = service
                .and_then(|s| s.materials.iter().find(|m| &m.id == code))
                .map(|m| match lang {
                    Lang::Zh => m.zh.clone(),
                    Lang::En => m.en.clone(),
                })
                .unwrap_or_else(|| crate::mask::escape_controls(code));
            push(&mut out, format!("  {}. {text}", i + 1));
        }
    }
    out.push(rule());
    push(&mut out, tr(lang, "slip.return_correction").to_string());
    push(
        &mut out,
        fmt(
            lang,
            "receipt.branch",
            &[("name", &branch.name), ("code", &branch.code)],
        ),
    );
    push(&mut out, fmt(lang, "slip.hours", &[("hours", &hours)]));
    finish(out, branch, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_wraps_between_words() {
        let lines = wrap("Is the licence detained or suspended?: No", 40);
        assert_eq!(lines, vec!["Is the licence detained or suspended?:", "No"]);
        let long = wrap(&"x".repeat(50), 40);
        assert_eq!(long[0].len(), 40, "a word longer than a line is cut");
        for l in wrap(
            "Power of attorney to the branch (signed at the counter) 授权委托书",
            40,
        ) {
            assert!(l.width() <= 40, "{l}");
        }
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let text = "  [x] 《授权委托书》（网点提供，当场签署）";
        let lines = wrap(text, 40);
        assert!(lines.iter().all(|l| !l.starts_with('）')), "{lines:?}");
        assert!(lines.iter().all(|l| l.width() <= 40), "{lines:?}");
    }

    #[test]
    fn wrapped_lines_keep_their_indent() {
        let lines = wrap(
            "  [x] 机动车所有人身份证明（个人：居民身份证；单位：经办人身份证）",
            40,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines[0].starts_with("  [x] "), "{lines:?}");
        for l in &lines[1..] {
            assert!(
                l.starts_with("      ") && !l.starts_with("       "),
                "{lines:?}"
            );
        }
        let lines = wrap(
            "  12. Power of attorney to the branch (signed at the counter)",
            30,
        );
        // the continuation hangs under the text after "  12. ": six columns
        assert!(
            lines[1].starts_with("      ") && !lines[1].starts_with("       "),
            "{lines:?}"
        );
        assert!(
            lines[1..].iter().all(|l| l.starts_with("      ")),
            "{lines:?}"
        );
    }

    #[test]
    fn wrap_respects_display_width() {
        let lines = wrap(&"一".repeat(25), 40);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].width(), 40);
        assert_eq!(lines[1].width(), 10);
        assert_eq!(wrap("", 40), vec![String::new()]);
    }
}
