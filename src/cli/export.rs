//! `jingyou export --from D --to D [--format csv|json] [--unmasked]`.

use serde_json::{json, Value};

use super::args::ExportFormat;
use super::tally::parse_day;
use super::{csv_field, Ctx, EXIT_FAILURE, EXIT_USAGE};
use crate::catalog::Catalog;
use crate::control::Output;
use crate::i18n::{fmt, tr};
use crate::store::{Application, Delivery, Role, Store};
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

pub fn run(
    ctx: &Ctx,
    from: &str,
    to: &str,
    format: ExportFormat,
    unmasked: bool,
    pin: Option<&str>,
) -> Output {
    let lang = ctx.lang;
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
            let mut out = String::from(
                "number,date,service,clerk,fee_total_fen,payment,delivery,voided,void_reason,hub_receipt,purged,values\n",
            );
            for r in &rows {
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
                let line = [
                    s("number"),
                    s("date"),
                    s("service"),
                    s("clerk"),
                    s("fee_total_fen"),
                    s("payment"),
                    delivery,
                    s("voided"),
                    s("void_reason"),
                    s("hub_receipt"),
                    s("purged"),
                    values,
                ]
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(",");
                out.push_str(&line);
                out.push('\n');
            }
            Output::ok(out)
        }
    }
}
