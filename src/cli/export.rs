//! `jingyou export --from D --to D [--format csv|json] [--unmasked]`.

use serde_json::{json, Value};

use super::args::{CsvEncoding, CsvHeaders, ExportFormat};
use super::tally::parse_day;
use super::{csv_field, Ctx, EXIT_FAILURE, EXIT_USAGE};
use crate::catalog::Catalog;
use crate::control::{Output, StdoutEncoding};
use crate::i18n::{fmt, tr, Lang};
use crate::receipt::payment_label;
use crate::store::{Application, Delivery, Role, Store};
use crate::wizard::field::yuan;
use crate::{auth, mask};

/// The supervisor whose PIN this is, if any.
pub fn supervisor_with_pin(store: &Store, pin: &str) -> Option<String> {
    store
        .users()
        .ok()?
        .into_iter()
        .filter(|u| u.role == Role::Supervisor && !u.disabled)
        .find(|u| auth::verify_pin(pin, &u.pin_hash))
        .map(|u| u.id)
}

fn personal(catalog: &Catalog, service: &str, key: &str) -> bool {
    catalog
        .get(service)
        .and_then(|s| s.field(key))
        .map(|f| f.personal)
        // A field the catalogue no longer knows: mask it to be safe.
        .unwrap_or(true)
}

/// One application as exported: personal fields masked unless `unmasked`.
pub fn application_json(a: &Application, catalog: &Catalog, unmasked: bool) -> Value {
    let values: serde_json::Map<String, Value> = a
        .values
        .iter()
        .map(|(k, v)| {
            let shown = if unmasked || !personal(catalog, &a.service, k) {
                v.clone()
            } else {
                mask::by_key(k, v)
            };
            (k.clone(), Value::String(shown))
        })
        .collect();
    let delivery = match &a.delivery {
        Delivery::Pickup => json!({"mode": "pickup"}),
        Delivery::Ems { address } => json!({
            "mode": "ems",
            "address": if unmasked { address.clone() } else { mask::address(address) },
        }),
    };
    json!({
        "id": a.id,
        "number": a.number,
        "date": a.date.to_string(),
        "finished_at": a.finished_at.to_rfc3339(),
        "service": a.service,
        "branch": a.branch,
        "clerk": a.clerk,
        "values": values,
        "materials": a.materials,
        "fee_total_fen": a.fee_total_fen,
        "payment": a.payment.map(|p| p.as_str()),
        "delivery": delivery,
        "voided": a.void.is_some(),
        "void_reason": a.void.as_ref().map(|v| v.reason.clone()),
        "hub_receipt": a.hub_receipt,
        "purged": a.purged,
        "generated": a.generated,
        "masked": !unmasked,
    })
}

/// How a CSV export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// A UTF-8 byte-order mark, CRLF line ends, formula-like cells quoted.
    pub excel: bool,
    pub encoding: CsvEncoding,
    pub headers: CsvHeaders,
}

/// One `jingyou export`.
pub struct Request<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub format: ExportFormat,
    pub unmasked: bool,
    pub csv: CsvOptions,
}

/// The CSV columns: code, and the locale key of its Chinese name.
pub const COLUMNS: &[&str] = &[
    "number",
    "date",
    "service",
    "service_name",
    "clerk",
    "fee_total_fen",
    "fee_yuan",
    "payment",
    "payment_name",
    "delivery",
    "delivery_name",
    "voided",
    "void_reason",
    "hub_receipt",
    "purged",
    "values",
];

/// A cell Excel would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
/// starts with `'` so that it is shown as text.
fn excel_text(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

pub fn run(ctx: &Ctx, req: Request, pin: Option<&str>) -> Output {
    let Request {
        from,
        to,
        format,
        unmasked,
        csv,
    } = req;
    let lang = ctx.lang;
    let csv_asked = csv != CsvOptions::default();
    if format == ExportFormat::Json && csv_asked {
        return Output::fail(EXIT_USAGE, tr(lang, "export.csv_only").to_string());
    }
    let today = ctx.clock.today();
    let (Some(from_d), Some(to_d)) = (parse_day(from, today), parse_day(to, today)) else {
        return Output::fail(
            EXIT_USAGE,
            fmt(
                lang,
                "tally.bad_date",
                &[("date", &format!("{from} / {to}"))],
            ),
        );
    };
    if from_d > to_d {
        return Output::fail(EXIT_USAGE, tr(lang, "export.range").to_string());
    }
    let who = if unmasked {
        match pin.and_then(|p| supervisor_with_pin(ctx.store, p)) {
            Some(id) => id,
            None => {
                let refused = tr(lang, "export.bad_pin").to_string();
                let audited = ctx.store.audit(
                    ctx.clock.now(),
                    "-",
                    "export_refused",
                    &format!("{from_d}..{to_d}"),
                );
                return Output::fail(
                    EXIT_FAILURE,
                    match audited {
                        Ok(()) => refused,
                        Err(e) => format!("{refused}\n{}", e.message(lang)),
                    },
                );
            }
        }
    } else {
        "-".to_string()
    };
    let apps = match ctx.store.applications_between(from_d, to_d) {
        Ok(a) => a,
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    let what = if unmasked {
        "export_unmasked"
    } else {
        "export"
    };
    // Nothing leaves without its audit line (journaled: durable on return).
    if let Err(e) = ctx.store.audit(
        ctx.clock.now(),
        &who,
        what,
        &format!("{from_d}..{to_d} {} records", apps.len()),
    ) {
        return Output::fail(EXIT_FAILURE, e.message(lang));
    }
    let catalog = Catalog::builtin().unwrap_or(Catalog { services: vec![] });
    let rows: Vec<Value> = apps
        .iter()
        .map(|a| application_json(a, &catalog, unmasked))
        .collect();
    match format {
        ExportFormat::Json => Output::ok(Value::Array(rows).to_string() + "\n"),
        ExportFormat::Csv => {
            let eol = if csv.excel { "\r\n" } else { "\n" };
            let header: Vec<String> = COLUMNS
                .iter()
                .map(|c| match csv.headers {
                    CsvHeaders::Codes => c.to_string(),
                    CsvHeaders::Zh => tr(Lang::Zh, &format!("export.col.{c}")).to_string(),
                })
                .collect();
            let mut out = String::new();
            if csv.excel && csv.encoding == CsvEncoding::Utf8 {
                out.push('\u{feff}');
            }
            out.push_str(&header.join(","));
            out.push_str(eol);
            for (r, a) in rows.iter().zip(&apps) {
                let s = |k: &str| match &r[k] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                let values = r["values"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                            .collect::<Vec<_>>()
                            .join(";")
                    })
                    .unwrap_or_default();
                let delivery = r["delivery"]["mode"].as_str().unwrap_or("").to_string();
                let delivery_name = match &a.delivery {
                    Delivery::Pickup => tr(lang, "delivery.pickup"),
                    Delivery::Ems { .. } => tr(lang, "delivery.ems"),
                };
                let line = [
                    s("number"),
                    s("date"),
                    s("service"),
                    catalog
                        .get(&a.service)
                        .map(|svc| svc.name(lang).to_string())
                        .unwrap_or_default(),
                    s("clerk"),
                    s("fee_total_fen"),
                    yuan(a.fee_total_fen),
                    s("payment"),
                    a.payment
                        .map(|p| payment_label(p, lang).to_string())
                        .unwrap_or_default(),
                    delivery,
                    delivery_name.to_string(),
                    s("voided"),
                    s("void_reason"),
                    s("hub_receipt"),
                    s("purged"),
                    values,
                ]
                .into_iter()
                .map(|f| if csv.excel { excel_text(f) } else { f })
                .map(|f| csv_field(&f))
                .collect::<Vec<_>>()
                .join(",");
                out.push_str(&line);
                out.push_str(eol);
            }
            let mut o = Output::ok(out);
            if csv.encoding == CsvEncoding::Gb18030 {
                o.encoding = StdoutEncoding::Gb18030;
            }
            o
        }
    }
}
