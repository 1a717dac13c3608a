//! The customer guide (办事指南), printed on a 40-column slip.

use chrono::NaiveDate;

use super::render::{attachment_names, group_name, time_limit};
use super::text::{display_width, pad, wrap, yuan};
use super::{Material, Need, Service, GUIDE_WIDTH, YES_NO_VALUES};
use crate::i18n::{fmt, tr, Lang};

struct Slip {
    lines: Vec<String>,
}

impl Slip {
    fn text(&mut self, text: &str, first: &str, rest: &str) {
        self.lines.extend(wrap(text, GUIDE_WIDTH, first, rest));
    }
    fn para(&mut self, text: &str) {
        self.text(text, "", "");
    }
    fn heading(&mut self, text: &str) {
        self.lines.push(String::new());
        self.para(text);
    }
}

fn material_name(m: &Material, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &m.zh,
        Lang::En => &m.en,
    }
}

/// The condition of a conditional material in words, e.g. 如“所有人类型”为“单位”：
fn condition(s: &Service, m: &Material, lang: Lang) -> String {
    let key = m.when_field.as_deref().unwrap_or("");
    let value = m.when_value.as_deref().unwrap_or("");
    let field = s.field(key);
    let label = field
        .map(|f| match lang {
            Lang::Zh => f.label_zh.as_str(),
            Lang::En => f.label_en.as_str(),
        })
        .unwrap_or(key);
    let shown = field
        .and_then(|f| f.options.iter().find(|o| o.value == value))
        .map(|o| match lang {
            Lang::Zh => o.zh.clone(),
            Lang::En => o.en.clone(),
        })
        .unwrap_or_else(|| {
            if value == YES_NO_VALUES[0] {
                tr(lang, "catalog.guide.yes").to_string()
            } else if value == YES_NO_VALUES[1] {
                tr(lang, "catalog.guide.no").to_string()
            } else {
                value.to_string()
            }
        });
    fmt(
        lang,
        "catalog.guide.when",
        &[("field", &label), ("value", &shown)],
    )
}

pub(crate) fn guide(s: &Service, lang: Lang, on: NaiveDate) -> String {
    let mut slip = Slip { lines: Vec::new() };
    slip.para(tr(lang, "catalog.guide.title"));
    slip.para(&format!("{} {}", s.code, s.name(lang)));
    slip.lines.push("=".repeat(GUIDE_WIDTH));
    slip.para(&fmt(
        lang,
        "catalog.guide.group",
        &[("group", &group_name(lang, s.group))],
    ));
    let basis = match lang {
        Lang::Zh => s.basis.as_deref(),
        Lang::En => s.basis_en.as_deref().or(s.basis.as_deref()),
    };
    if let Some(basis) = basis {
        slip.para(&fmt(lang, "catalog.guide.basis", &[("basis", &basis)]));
    }
    // What the research could not confirm against the article (data).
    for note in &s.uncertain {
        slip.para(&fmt(lang, "catalog.guide.uncertain", &[("note", note)]));
    }

    if !s.offered {
        slip.heading(tr(lang, "catalog.guide.refused"));
        slip.para(s.refusal(lang).unwrap_or(""));
        return finish(slip);
    }

    // Materials: required, then each one-of group, then conditional, optional.
    slip.heading(tr(lang, "catalog.guide.materials"));
    for m in s.materials.iter().filter(|m| m.need == Need::Required) {
        slip.text(material_name(m, lang), "· ", "  ");
    }
    let mut groups: Vec<&str> = Vec::new();
    for m in s.materials.iter().filter(|m| m.need == Need::OneOf) {
        let g = m.one_of.as_deref().unwrap_or("");
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in groups {
        slip.para(tr(lang, "catalog.guide.one_of"));
        for m in s
            .materials
            .iter()
            .filter(|m| m.need == Need::OneOf && m.one_of.as_deref().unwrap_or("") == g)
        {
            slip.text(material_name(m, lang), "  ○ ", "    ");
        }
    }
    let mut last_condition = None;
    for m in s.materials.iter().filter(|m| m.need == Need::Conditional) {
        let when = (m.when_field.as_deref(), m.when_value.as_deref());
        if last_condition != Some(when) {
            slip.para(&condition(s, m, lang));
            last_condition = Some(when);
        }
        slip.text(material_name(m, lang), "  · ", "    ");
    }
    let optional: Vec<&Material> = s
        .materials
        .iter()
        .filter(|m| m.need == Need::Optional)
        .collect();
    if !optional.is_empty() {
        slip.para(tr(lang, "catalog.guide.optional"));
        for m in optional {
            slip.text(material_name(m, lang), "  · ", "    ");
        }
    }
    let attach = attachment_names(lang, &s.attachments);
    if !attach.is_empty() {
        slip.para(&fmt(
            lang,
            "catalog.guide.attachments",
            &[("list", &attach)],
        ));
    }

    let steps = match lang {
        Lang::Zh => &s.steps_zh,
        Lang::En => &s.steps_en,
    };
    if !steps.is_empty() {
        slip.heading(tr(lang, "catalog.guide.steps"));
        for (i, step) in steps.iter().enumerate() {
            let first = format!("{}. ", i + 1);
            let rest = " ".repeat(first.len());
            slip.text(step, &first, &rest);
        }
    }

    slip.heading(&fmt(
        lang,
        "catalog.guide.fees",
        &[("date", &on.format("%Y-%m-%d"))],
    ));
    let fees = s.fees_on(on);
    if fees.is_empty() {
        slip.para(tr(lang, "catalog.guide.no_fee"));
    } else {
        let unit = tr(lang, "catalog.guide.yuan");
        let amount_w = fees
            .iter()
            .map(|f| display_width(&yuan(f.fen)))
            .chain([display_width(&yuan(s.fee_total_on(on)))])
            .max()
            .unwrap_or(6)
            + display_width(unit);
        let label_w = GUIDE_WIDTH.saturating_sub(amount_w + 1);
        let mut row = |label: &str, fen: u64| {
            let amount = format!("{}{}", yuan(fen), unit);
            let mut lines = wrap(label, label_w, "", "  ");
            let last = lines.pop().unwrap_or_default();
            slip.lines.extend(lines);
            slip.lines.push(format!(
                "{}{}{}",
                pad(&last, label_w),
                " ".repeat((1 + amount_w).saturating_sub(display_width(&amount))),
                amount
            ));
        };
        for f in &fees {
            let mut label = match lang {
                Lang::Zh => f.zh.clone(),
                Lang::En => f.en.clone(),
            };
            if f.optional {
                label.push_str(tr(lang, "catalog.guide.optional_mark"));
            }
            row(&label, f.fen);
        }
        row(
            tr(lang, "catalog.guide.total_required"),
            s.fee_required_on(on),
        );
        slip.para(tr(lang, "catalog.guide.fee_disclaimer"));
    }

    slip.heading(&fmt(
        lang,
        "catalog.guide.time_limit",
        &[("time", &time_limit(s, lang))],
    ));
    let delivery = match lang {
        Lang::Zh => s.delivery_zh.as_deref(),
        Lang::En => s.delivery_en.as_deref().or(s.delivery_zh.as_deref()),
    };
    if let Some(d) = delivery {
        slip.para(&fmt(lang, "catalog.guide.delivery", &[("delivery", &d)]));
    }
    finish(slip)
}

fn finish(mut slip: Slip) -> String {
    slip.lines.push("=".repeat(GUIDE_WIDTH));
    let mut out = slip.lines.join("\n");
    out.push('\n');
    out
}
