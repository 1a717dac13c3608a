//! The `catalog --json` array and the plain-text table.

use chrono::NaiveDate;

use super::text::{display_width, pad, pad_left, wrap, yuan};
use super::{Attachment, Group, Service};
use crate::i18n::{tr, Lang};

pub(crate) fn to_json(services: &[Service]) -> serde_json::Value {
    serde_json::Value::Array(
        services
            .iter()
            .map(|s| {
                serde_json::to_value(s).unwrap_or_else(|_| serde_json::json!({ "code": s.code }))
            })
            .collect(),
    )
}

pub(crate) fn group_name(lang: Lang, group: Group) -> &'static str {
    match group {
        Group::Vehicle => tr(lang, "catalog.group.vehicle"),
        Group::Licence => tr(lang, "catalog.group.licence"),
        Group::Violation => tr(lang, "catalog.group.violation"),
        Group::Platform => tr(lang, "catalog.group.platform"),
    }
}

pub(crate) fn attachment_names(lang: Lang, list: &[Attachment]) -> String {
    list.iter()
        .map(|a| match a {
            Attachment::Photo => tr(lang, "catalog.table.photo"),
            Attachment::Scan => tr(lang, "catalog.table.scan"),
        })
        .collect::<Vec<_>>()
        .join(tr(lang, "catalog.table.list_sep"))
}

const GROUPS: [Group; 4] = [
    Group::Vehicle,
    Group::Licence,
    Group::Violation,
    Group::Platform,
];

/// Total width of the table; the refusal reasons wrap to it.
const TABLE_WIDTH: usize = 78;

pub(crate) fn table(services: &[Service], lang: Lang, on: NaiveDate) -> String {
    let code_w = services
        .iter()
        .map(|s| display_width(&s.code))
        .chain([display_width(tr(lang, "catalog.table.code"))])
        .max()
        .unwrap_or(4)
        .min(8);
    let name_w = services
        .iter()
        .filter(|s| s.offered)
        .map(|s| display_width(s.name(lang)))
        .chain([display_width(tr(lang, "catalog.table.name"))])
        .max()
        .unwrap_or(10)
        .min(34);
    let time_w = services
        .iter()
        .filter(|s| s.offered)
        .map(|s| display_width(time_limit(s, lang)))
        .chain([display_width(tr(lang, "catalog.table.time_limit"))])
        .max()
        .unwrap_or(8)
        .min(16);
    let fee_w = display_width(tr(lang, "catalog.table.fee")).max(8);

    let mut out = String::new();
    let header = format!(
        "{}  {}  {}  {}  {}",
        pad(tr(lang, "catalog.table.code"), code_w),
        pad(tr(lang, "catalog.table.name"), name_w),
        pad(tr(lang, "catalog.table.time_limit"), time_w),
        pad_left(tr(lang, "catalog.table.fee"), fee_w),
        tr(lang, "catalog.table.attachments"),
    );
    let rule = "-".repeat(display_width(&header).min(TABLE_WIDTH));
    for group in GROUPS {
        let rows: Vec<&Service> = services
            .iter()
            .filter(|s| s.offered && s.group == group)
            .collect();
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{} ({})\n", group_name(lang, group), rows.len()));
        out.push_str(header.trim_end());
        out.push('\n');
        out.push_str(&rule);
        out.push('\n');
        for s in rows {
            let mut name = s.name(lang).to_string();
            if s.local {
                name.push_str(tr(lang, "catalog.table.local_mark"));
            }
            let attach = attachment_names(lang, &s.attachments);
            let line = format!(
                "{}  {}  {}  {}  {}",
                pad(&s.code, code_w),
                pad(&name, name_w),
                pad(time_limit(s, lang), time_w),
                pad_left(&yuan(s.fee_required_on(on)), fee_w),
                if attach.is_empty() {
                    "-".to_string()
                } else {
                    attach
                },
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    let refused: Vec<&Service> = services.iter().filter(|s| !s.offered).collect();
    if !refused.is_empty() {
        out.push('\n');
        out.push_str(&format!(
            "{} ({})\n",
            tr(lang, "catalog.table.refused"),
            refused.len()
        ));
        out.push_str(&rule);
        out.push('\n');
        for s in refused {
            out.push_str(&format!("{}  {}\n", pad(&s.code, code_w), s.name(lang)));
            let indent = " ".repeat(code_w + 2);
            for line in wrap(s.refusal(lang).unwrap_or(""), TABLE_WIDTH, &indent, &indent) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out.push('\n');
    for line in wrap(tr(lang, "catalog.table.fee_note"), TABLE_WIDTH, "", "") {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub(crate) fn time_limit(s: &Service, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &s.time_limit,
        Lang::En if !s.time_limit_en.is_empty() => &s.time_limit_en,
        Lang::En => &s.time_limit,
    }
}
