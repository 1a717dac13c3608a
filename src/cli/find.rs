//! `jingyou find QUERY [--format table|json]`: finished applications by
//! number, part of a number or the customer's ID number, with the vehicle
//! office's review state, history and result. Exit 0 found, 1 none.
//! Answered by the running app when the clerk's screen holds the store.

use unicode_width::UnicodeWidthStr;

use super::args::TableOrJson;
use super::{Ctx, EXIT_FAILURE};
use crate::catalog::text::truncate;
use crate::control::Output;
use crate::i18n::{fmt, tr, Lang};
use crate::mask::escape_controls;
use crate::store::{Found, MAX_FOUND};
use crate::wire::ReviewState;

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.width())))
}

/// The screen's name of a state (`None`: not uploaded yet).
pub fn state_label(lang: Lang, state: Option<ReviewState>) -> &'static str {
    tr(
        lang,
        match state {
            Some(ReviewState::Received) => "review.received",
            Some(ReviewState::Accepted) => "review.accepted",
            Some(ReviewState::NeedsCorrection) => "review.needs_correction",
            Some(ReviewState::Rejected) => "review.rejected",
            Some(ReviewState::Completed) => "review.completed",
            None => "review.not_uploaded",
        },
    )
}

/// DESIGN §8's JSON of one application: states in the protocol's English
/// names whatever the language; no personal field.
pub fn found_json(f: &Found) -> serde_json::Value {
    let history: Vec<serde_json::Value> = f
        .review
        .iter()
        .flat_map(|r| r.history.iter())
        .map(|c| serde_json::json!({"state": c.state, "at": c.at, "note": c.note, "result": c.result}))
        .collect();
    serde_json::json!({
        "id": f.app.id,
        "number": f.app.number,
        "service": f.app.service,
        "date": f.app.date.to_string(),
        "state": f.state,
        "result": f.result(),
        "history": history,
    })
}

/// The table: one line per application, its history indented below.
pub fn table(lang: Lang, found: &[Found]) -> String {
    let mut out = format!(
        "{}{}{}{}{}{}\n",
        pad(tr(lang, "lookup.col.number"), 20),
        pad(tr(lang, "lookup.col.service"), 8),
        pad(tr(lang, "lookup.col.date"), 12),
        pad(tr(lang, "lookup.col.state"), 12),
        pad(tr(lang, "lookup.col.result"), 22),
        tr(lang, "lookup.col.note"),
    );
    for f in found {
        let note = f
            .review
            .as_ref()
            .and_then(|r| r.last())
            .and_then(|c| c.note.as_deref())
            .map(|n| truncate(&escape_controls(n), 40))
            .unwrap_or_default();
        let result = f
            .result()
            .map(|r| truncate(&escape_controls(r), 20))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{}{}{}{}{}{note}\n",
            pad(&truncate(&f.app.number, 19), 20),
            pad(&truncate(&f.app.service, 7), 8),
            pad(&f.app.date.to_string(), 12),
            pad(state_label(lang, f.state), 12),
            pad(&result, 22),
        ));
        for c in f.review.iter().flat_map(|r| r.history.iter()) {
            let at = chrono::DateTime::parse_from_rfc3339(&c.at)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|_| escape_controls(&c.at));
            let text = c.note.as_deref().or(c.result.as_deref()).unwrap_or("");
            out.push_str(&format!(
                "    {at}  {}  {}\n",
                pad(state_label(lang, Some(c.state)), 10),
                truncate(&escape_controls(text), 60)
            ));
        }
    }
    out
}

pub fn run(ctx: &Ctx, query: &str, format: TableOrJson) -> Output {
    let lang = ctx.lang;
    if query.trim().is_empty() {
        return Output::fail(EXIT_FAILURE, tr(lang, "lookup.empty_query").to_string());
    }
    let found = match ctx
        .store
        .find_applications(query, ctx.config.retention.id_since(ctx.clock.today()))
    {
        Ok(f) => f,
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    if found.is_empty() {
        return match format {
            TableOrJson::Json => Output {
                stdout: "[]\n".into(),
                stderr: String::new(),
                code: EXIT_FAILURE,
                ..Output::default()
            },
            TableOrJson::Table => Output::fail(
                EXIT_FAILURE,
                fmt(lang, "lookup.none", &[("query", &escape_controls(query))]),
            ),
        };
    }
    match format {
        TableOrJson::Json => {
            let arr: Vec<_> = found.iter().map(found_json).collect();
            Output::ok(serde_json::Value::Array(arr).to_string() + "\n")
        }
        TableOrJson::Table => {
            let mut out = table(lang, &found);
            if found.len() >= MAX_FOUND {
                out.push_str(&fmt(lang, "lookup.more", &[("n", &MAX_FOUND)]));
                out.push('\n');
            }
            Output::ok(out)
        }
    }
}
