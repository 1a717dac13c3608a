//! `jingyou queue [--format table|json]`, `queue retry ID`, `queue quarantine ID`.

use unicode_width::UnicodeWidthStr;

use super::args::{QueueAction, TableOrJson};
use super::{Ctx, EXIT_FAILURE};
use crate::control::Output;
use crate::i18n::{fmt, tr};
use crate::store::OutboxEntry;

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.width())))
}

/// One queue entry as DESIGN.md §2's JSON.
pub fn entry_json(e: &OutboxEntry) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "number": e.number,
        "service": e.service,
        "state": e.state.as_str(),
        "attempts": e.attempts,
        "last_error": e.last_error,
        "next_try": e.next_try.map(|t| t.to_rfc3339()),
    })
}

pub fn run(ctx: &Ctx, action: Option<&QueueAction>, format: TableOrJson) -> Output {
    let lang = ctx.lang;
    let store_err = |e: crate::store::StoreError| Output::fail(EXIT_FAILURE, e.message(lang));
    match action {
        Some(QueueAction::Retry { id }) => {
            let found = match ctx.store.queue_find(id) {
                Ok(f) => f,
                Err(e) => return store_err(e),
            };
            let Some((key, entry)) = found else {
                return Output::fail(EXIT_FAILURE, fmt(lang, "queue.not_found", &[("id", id)]));
            };
            if let Err(e) = ctx.store.retry(&key) {
                return store_err(e);
            }
            if let Err(e) =
                ctx.store
                    .audit(ctx.clock.now(), "support", "queue_retry", &entry.number)
            {
                return store_err(e);
            }
            Output::ok(fmt(lang, "queue.retried", &[("number", &entry.number)]) + "\n")
        }
        Some(QueueAction::Quarantine { id, reason }) => {
            let found = match ctx.store.queue_find(id) {
                Ok(f) => f,
                Err(e) => return store_err(e),
            };
            let Some((key, entry)) = found else {
                return Output::fail(EXIT_FAILURE, fmt(lang, "queue.not_found", &[("id", id)]));
            };
            let why = if reason.trim().is_empty() {
                tr(lang, "queue.by_support").to_string()
            } else {
                reason.clone()
            };
            if let Err(e) = ctx.store.quarantine(&key, &why) {
                return store_err(e);
            }
            if let Err(e) = ctx.store.audit(
                ctx.clock.now(),
                "support",
                "queue_quarantine",
                &entry.number,
            ) {
                return store_err(e);
            }
            Output::ok(fmt(lang, "queue.quarantined", &[("number", &entry.number)]) + "\n")
        }
        None => {
            let entries = match ctx.store.queue() {
                Ok(q) => q,
                Err(e) => return store_err(e),
            };
            match format {
                TableOrJson::Json => {
                    let arr: Vec<_> = entries.iter().map(|(_, e)| entry_json(e)).collect();
                    Output::ok(serde_json::Value::Array(arr).to_string() + "\n")
                }
                TableOrJson::Table => {
                    if entries.is_empty() {
                        return Output::ok(tr(lang, "queue.empty").to_string() + "\n");
                    }
                    let mut out = String::new();
                    out.push_str(&format!(
                        "{}{}{}{}{}{}\n",
                        pad(tr(lang, "queue.col.number"), 20),
                        pad(tr(lang, "queue.col.service"), 8),
                        pad(tr(lang, "queue.col.state"), 12),
                        pad(tr(lang, "queue.col.attempts"), 8),
                        pad(tr(lang, "queue.col.next"), 8),
                        tr(lang, "queue.col.error"),
                    ));
                    for (_, e) in &entries {
                        let state =
                            tr(lang, &format!("queue.state.{}", e.state.as_str())).to_string();
                        let next = e
                            .next_try
                            .map(|t| t.format("%H:%M").to_string())
                            .unwrap_or_else(|| "-".into());
                        out.push_str(&format!(
                            "{}{}{}{}{}{}\n",
                            pad(&e.number, 20),
                            pad(&e.service, 8),
                            pad(&state, 12),
                            pad(&e.attempts.to_string(), 8),
                            pad(&next, 8),
                            e.last_error.as_deref().unwrap_or("-"),
                        ));
                    }
                    Output::ok(out)
                }
            }
        }
    }
}
