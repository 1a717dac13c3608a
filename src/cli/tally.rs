//! `jingyou tally [--date D] [--days N] [--format table|csv|json] [--rebuild]`.

use chrono::{Duration, NaiveDate};

use super::args::TallyFormat;
use super::{Ctx, EXIT_FAILURE, EXIT_USAGE};
use crate::control::Output;
use crate::i18n::fmt;
use crate::tally;

/// `today` or `YYYY-MM-DD`.
pub fn parse_day(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    if s.eq_ignore_ascii_case("today") {
        return Some(today);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub fn run(
    ctx: &Ctx,
    date: Option<&str>,
    days: Option<u32>,
    format: TallyFormat,
    rebuild: bool,
    reconcile: bool,
) -> Output {
    let lang = ctx.lang;
    let today = ctx.clock.today();
    let last = match date {
        None => today,
        Some(s) => match parse_day(s, today) {
            Some(d) => d,
            None => return Output::fail(EXIT_USAGE, fmt(lang, "tally.bad_date", &[("date", &s)])),
        },
    };
    if rebuild {
        return match tally::rebuild(ctx.store) {
            Ok(diffs) if diffs.is_empty() => Output::ok(fmt(lang, "tally.rebuild_ok", &[]) + "\n"),
            Ok(diffs) => {
                let mut out = fmt(lang, "tally.rebuild_diff", &[("n", &diffs.len())]) + "\n";
                for d in &diffs {
                    out.push_str(&format!(
                        "{}: total {} -> {}, voided {} -> {}, fees {} -> {}, pending {} -> {}, acknowledged {} -> {}, quarantined {} -> {}\n",
                        d.date,
                        d.stored.total,
                        d.recounted.total,
                        d.stored.voided,
                        d.recounted.voided,
                        d.stored.fees_total_fen,
                        d.recounted.fees_total_fen,
                        d.stored.pending,
                        d.recounted.pending,
                        d.stored.acknowledged,
                        d.recounted.acknowledged,
                        d.stored.quarantined,
                        d.recounted.quarantined,
                    ));
                }
                Output::ok(out)
            }
            Err(e) => Output::fail(EXIT_FAILURE, e.message(lang)),
        };
    }
    let n = days.unwrap_or(1).clamp(1, 3660);
    let first = last - Duration::days(i64::from(n) - 1);
    if reconcile {
        return reconcile_range(ctx, first, last, format);
    }
    let mut rows = Vec::new();
    for d in tally::days(first, last) {
        match ctx.store.day_tally(d) {
            Ok(t) => rows.push((d, t)),
            Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
        }
    }
    let catalog =
        crate::catalog::Catalog::builtin().unwrap_or(crate::catalog::Catalog { services: vec![] });
    // The office's answers: changes made on each day, and the day's
    // applications past their time limit now.
    let overdue = match crate::overdue::overdue(ctx.store, &catalog, today) {
        Ok(o) => o,
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    let mut reviews = std::collections::BTreeMap::new();
    for (d, _) in &rows {
        let c = match ctx.store.review_counts(*d) {
            Ok(c) => c,
            Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
        };
        let late = overdue.iter().filter(|f| f.date == *d).count();
        reviews.insert(*d, (c, late));
    }
    let day_json = |d: NaiveDate, t: &crate::store::DayTally| {
        let mut v = tally::day_json(d, t);
        if let Some((c, late)) = reviews.get(&d) {
            v["reviews"] = serde_json::json!({
                "accepted": c.accepted_on_day,
                "needs_correction": c.needs_correction_on_day,
                "rejected": c.rejected_on_day,
                "completed": c.completed_on_day,
                "overdue": late,
            });
        }
        v
    };
    let text = match format {
        TallyFormat::Json => {
            if days.is_some() {
                serde_json::Value::Array(rows.iter().map(|(d, t)| day_json(*d, t)).collect())
                    .to_string()
            } else {
                rows.first()
                    .map(|(d, t)| day_json(*d, t).to_string())
                    .unwrap_or_default()
            }
        }
        TallyFormat::Csv => tally::csv(&rows).trim_end().to_string(),
        TallyFormat::Table => rows
            .iter()
            .map(|(d, t)| {
                let mut s = tally::day_table(*d, t, &catalog, lang);
                if let Some((c, late)) = reviews.get(d) {
                    if !s.ends_with('\n') {
                        s.push('\n');
                    }
                    s.push_str(&fmt(
                        lang,
                        "tally.reviews",
                        &[
                            ("corrections", &c.needs_correction_on_day),
                            ("rejected", &c.rejected_on_day),
                            ("completed", &c.completed_on_day),
                            ("overdue", late),
                        ],
                    ));
                    s.push('\n');
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_string(),
    };
    Output::ok(text + "\n")
}

fn reconcile_range(ctx: &Ctx, from: NaiveDate, to: NaiveDate, format: TallyFormat) -> Output {
    use crate::reconcile;
    use crate::sync::client::HubClient;
    let lang = ctx.lang;
    let branch = match ctx.store.branch() {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Output::fail(
                EXIT_FAILURE,
                crate::i18n::tr(lang, "login.no_branch").to_string(),
            )
        }
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    let cfg = match crate::sync::relay::client_config(ctx.config, &branch.code) {
        Ok(Some(c)) if !ctx.training => c,
        Ok(_) => {
            return Output::fail(
                super::sync::EXIT_NO_HUB,
                crate::i18n::tr(lang, "sync.no_hub").to_string(),
            )
        }
        Err(e) => return Output::fail(EXIT_FAILURE, fmt(lang, "sync.token", &[("error", &e)])),
    };
    let result = HubClient::new(cfg)
        .map_err(reconcile::ReconcileError::from)
        .and_then(|c| reconcile::reconcile(ctx.store, &c, from, to));
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            return Output::fail(
                EXIT_FAILURE,
                fmt(lang, "reconcile.need_hub", &[("error", &e)]),
            )
        }
    };
    let text = match format {
        TallyFormat::Json => {
            let days: Vec<_> = report
                .days
                .iter()
                .map(|(d, (o, h))| serde_json::json!({"date": d.to_string(), "acknowledged": o, "hub": h}))
                .collect();
            let diffs: Vec<_> = report
                .differences
                .iter()
                .map(|d| d.message(lang).trim().to_string())
                .collect();
            serde_json::json!({"hub_total": report.hub_total, "days": days, "differences": diffs})
                .to_string()
        }
        _ => reconcile::lines(&report, lang).join("\n"),
    };
    Output::ok(text + "\n")
}
