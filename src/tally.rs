//! Daily tallies (日结): the day counters kept in the finish transaction,
//! rendered as a table, CSV or the JSON of DESIGN.md §2, and rebuilt from
//! the applications when support asks (`tally --rebuild`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;
use unicode_width::UnicodeWidthStr;

use crate::catalog::Catalog;
use crate::i18n::{fmt, tr, Lang};
use crate::store::{add_to_tally, DayTally, Payment, Result, Store, UploadState};
use crate::wizard::field::yuan;

/// One day's numbers as DESIGN.md §2 fixes them.
pub fn day_json(date: NaiveDate, t: &DayTally) -> serde_json::Value {
    let mut by_payment = serde_json::Map::new();
    for p in Payment::ALL {
        let fen = t.by_payment.get(p.as_str()).copied().unwrap_or(0);
        by_payment.insert(p.as_str().into(), json!(fen));
    }
    json!({
        "date": date.to_string(),
        "total": t.total,
        "voided": t.voided,
        "fees_total_fen": t.fees_total_fen,
        "by_service": t.by_service,
        "by_clerk": t.by_clerk,
        "by_payment": by_payment,
        "upload": {
            "pending": t.pending,
            "acknowledged": t.acknowledged,
            "quarantined": t.quarantined,
        },
    })
}

/// The days `from..=to`.
pub fn days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(d);
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.width())))
}

/// A readable report of one day.
pub fn day_table(date: NaiveDate, t: &DayTally, catalog: &Catalog, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&fmt(lang, "tally.heading", &[("date", &date)]));
    out.push('\n');
    out.push_str(&fmt(
        lang,
        "tally.summary",
        &[
            ("total", &t.total),
            ("voided", &t.voided),
            ("fees", &yuan(t.fees_total_fen)),
        ],
    ));
    out.push('\n');
    out.push_str(&format!("  {}\n", tr(lang, "tally.by_service")));
    // Catalogue order, then codes the catalogue no longer has.
    let mut codes: Vec<&str> = catalog
        .services
        .iter()
        .map(|s| s.code.as_str())
        .filter(|c| t.by_service.contains_key(*c))
        .collect();
    codes.extend(
        t.by_service
            .keys()
            .map(String::as_str)
            .filter(|c| catalog.get(c).is_none()),
    );
    for code in codes {
        let n = t.by_service.get(code).copied().unwrap_or(0);
        let name = catalog
            .get(code)
            .map(|s| s.name(lang).to_string())
            .unwrap_or_default();
        out.push_str(&format!("    {} {} {n}\n", pad(code, 5), pad(&name, 32)));
    }
    out.push_str(&format!("  {}\n", tr(lang, "tally.by_clerk")));
    for (clerk, n) in &t.by_clerk {
        let fen = t.fees_by_clerk.get(clerk).copied().unwrap_or(0);
        out.push_str(&format!("    {} {:>6}  ¥{}\n", pad(clerk, 8), n, yuan(fen)));
    }
    out.push_str(&format!("  {}\n", tr(lang, "tally.by_payment")));
    for p in Payment::ALL {
        let fen = t.by_payment.get(p.as_str()).copied().unwrap_or(0);
        out.push_str(&format!(
            "    {} ¥{}\n",
            pad(crate::receipt::payment_label(p, lang), 10),
            yuan(fen)
        ));
    }
    out.push_str(&fmt(
        lang,
        "tally.upload",
        &[
            ("pending", &t.pending),
            ("acknowledged", &t.acknowledged),
            ("quarantined", &t.quarantined),
        ],
    ));
    out.push('\n');
    out
}

/// CSV in long form (`date,section,key,count,fen`), one header line.
pub fn csv(days: &[(NaiveDate, DayTally)]) -> String {
    let mut out = String::from("date,section,key,count,fen\n");
    for (d, t) in days {
        out.push_str(&format!("{d},total,,{},{}\n", t.total, t.fees_total_fen));
        out.push_str(&format!("{d},voided,,{},\n", t.voided));
        for (k, n) in &t.by_service {
            out.push_str(&format!("{d},service,{k},{n},\n"));
        }
        for (k, n) in &t.by_clerk {
            let fen = t.fees_by_clerk.get(k).copied().unwrap_or(0);
            out.push_str(&format!("{d},clerk,{k},{n},{fen}\n"));
        }
        for p in Payment::ALL {
            let fen = t.by_payment.get(p.as_str()).copied().unwrap_or(0);
            out.push_str(&format!("{d},payment,{},,{fen}\n", p.as_str()));
        }
        out.push_str(&format!("{d},upload,pending,{},\n", t.pending));
        out.push_str(&format!("{d},upload,acknowledged,{},\n", t.acknowledged));
        out.push_str(&format!("{d},upload,quarantined,{},\n", t.quarantined));
    }
    out
}

/// A day whose stored counters differ from the recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub date: NaiveDate,
    pub stored: DayTally,
    pub recounted: DayTally,
}

/// Recounts every day from the applications (a full read: only on request),
/// stores the recount, and returns the days that disagreed.
pub fn rebuild(store: &Store) -> Result<Vec<Disagreement>> {
    let queue: BTreeMap<String, UploadState> = store
        .queue()?
        .into_iter()
        .map(|(k, e)| (k, e.state))
        .collect();
    let mut recount: BTreeMap<NaiveDate, DayTally> = BTreeMap::new();
    store.for_each_application(|key, app| {
        let day = recount.entry(app.date).or_default();
        add_to_tally(day, app);
        if app.void.is_none() {
            // add_to_tally counts a new application as pending; fix its state.
            day.pending -= 1;
        }
        match queue.get(key) {
            Some(UploadState::Pending) => day.pending += 1,
            Some(UploadState::Quarantined) => day.quarantined += 1,
            _ => day.acknowledged += 1,
        }
    })?;
    let mut out = Vec::new();
    let mut all_days: Vec<NaiveDate> = recount.keys().copied().collect();
    for d in store.tally_days()? {
        if !recount.contains_key(&d) {
            all_days.push(d);
        }
    }
    all_days.sort();
    for d in all_days {
        let stored = store.day_tally(d)?;
        let fresh = recount.remove(&d).unwrap_or_default();
        if stored != fresh {
            store.put_day_tally(d, &fresh)?;
            out.push(Disagreement {
                date: d,
                stored,
                recounted: fresh,
            });
        }
    }
    store.flush()?;
    Ok(out)
}
