//! `jingyou audit [--from D] [--to D] [--format table|csv|json]`: the audit
//! log for the supervisor (PIN required), itself audited.

use chrono::Duration;

use super::args::TallyFormat;
use super::export::supervisor_with_pin;
use super::tally::parse_day;
use super::{csv_field, Ctx, EXIT_FAILURE, EXIT_USAGE};
use crate::control::Output;
use crate::i18n::{fmt, tr};

pub fn run(
    ctx: &Ctx,
    from: Option<&str>,
    to: Option<&str>,
    format: TallyFormat,
    pin: Option<&str>,
) -> Output {
    let lang = ctx.lang;
    let today = ctx.clock.today();
    let from_d = match from {
        None => today - Duration::days(30),
        Some(s) => match parse_day(s, today) {
            Some(d) => d,
            None => return Output::fail(EXIT_USAGE, fmt(lang, "tally.bad_date", &[("date", &s)])),
        },
    };
    let to_d = match to {
        None => today,
        Some(s) => match parse_day(s, today) {
            Some(d) => d,
            None => return Output::fail(EXIT_USAGE, fmt(lang, "tally.bad_date", &[("date", &s)])),
        },
    };
    let Some(who) = pin.and_then(|p| supervisor_with_pin(ctx.store, p)) else {
        let refused = tr(lang, "audit.bad_pin").to_string();
        return Output::fail(
            EXIT_FAILURE,
            match ctx.store.audit(ctx.clock.now(), "-", "audit_refused", "") {
                Ok(()) => refused,
                Err(e) => format!("{refused}\n{}", e.message(lang)),
            },
        );
    };
    let rows = match ctx.store.audit_between(from_d, to_d) {
        Ok(e) => e,
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    if let Err(e) = ctx.store.audit(
        ctx.clock.now(),
        &who,
        "audit_export",
        &format!("{from_d}..{to_d}"),
    ) {
        return Output::fail(EXIT_FAILURE, e.message(lang));
    }
    let reasons = crate::audit_log::void_reasons(ctx.store, &rows);
    let text = match format {
        // The codes, for programs.
        TallyFormat::Json => serde_json::to_string(&rows).unwrap_or_default(),
        // The codes (`what`) and the words (`action`) side by side.
        TallyFormat::Csv => {
            let mut out = String::from("at,who,what,action,detail\n");
            for e in &rows {
                out.push_str(&format!(
                    "{},{},{},{},{}\n",
                    e.at.to_rfc3339(),
                    csv_field(&e.who),
                    csv_field(&e.what),
                    csv_field(&crate::audit_log::action(lang, &e.what)),
                    csv_field(&crate::audit_log::detail(lang, e, &reasons))
                ));
            }
            out.trim_end().to_string()
        }
        TallyFormat::Table => {
            let width = crate::audit_log::WIDTHS[0];
            std::iter::once(crate::audit_log::header(lang, width))
                .chain(rows.iter().map(|e| {
                    let time = e.at.format("%Y-%m-%d %H:%M:%S").to_string();
                    crate::audit_log::row(lang, e, &reasons, &time, width)
                        .trim_end()
                        .to_string()
                }))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    Output::ok(text + "\n")
}
