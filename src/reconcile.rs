//! Reconciliation (对账): what this branch counts as acknowledged, day by
//! day, against what the hub holds (`GET /v1/tallies` and
//! `GET /v1/applications`), with every difference named by application.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::i18n::{fmt, Lang};
use crate::store::{Result as StoreResult, Store};
use crate::sync::client::{ClientError, HubApplication, HubClient};

/// One difference between the branch and the hub.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    /// Acknowledged here (we hold its receipt) but the hub does not list it.
    MissingAtHub { number: String, date: NaiveDate },
    /// Not yet uploaded: expected to be missing at the hub.
    NotYetUploaded { number: String, date: NaiveDate },
    /// The hub lists an application this branch does not have.
    ExtraAtHub {
        number: String,
        id: String,
        date: String,
    },
    /// Voided here but not at the hub (the void may still be on its way).
    VoidNotAtHub { number: String },
    /// Voided at the hub but not here.
    VoidOnlyAtHub { number: String },
    /// Different receipt numbers for the same application.
    ReceiptDiffers {
        number: String,
        ours: String,
        hub: String,
    },
    /// The office made a different number of review changes of this state
    /// in the range than this branch has pulled (fewer here: not pulled yet).
    ReviewsDiffer {
        state: crate::wire::ReviewState,
        ours: u64,
        hub: u64,
    },
}

impl Difference {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Difference::MissingAtHub { number, date } => fmt(
                lang,
                "reconcile.missing_at_hub",
                &[("number", number), ("date", date)],
            ),
            Difference::NotYetUploaded { number, date } => fmt(
                lang,
                "reconcile.not_uploaded",
                &[("number", number), ("date", date)],
            ),
            Difference::ExtraAtHub { number, id, date } => fmt(
                lang,
                "reconcile.extra_at_hub",
                &[("number", number), ("id", id), ("date", date)],
            ),
            Difference::VoidNotAtHub { number } => {
                fmt(lang, "reconcile.void_not_at_hub", &[("number", number)])
            }
            Difference::VoidOnlyAtHub { number } => {
                fmt(lang, "reconcile.void_only_at_hub", &[("number", number)])
            }
            Difference::ReceiptDiffers { number, ours, hub } => fmt(
                lang,
                "reconcile.receipt_differs",
                &[("number", number), ("ours", ours), ("hub", hub)],
            ),
            Difference::ReviewsDiffer { state, ours, hub } => fmt(
                lang,
                if ours < hub {
                    "reconcile.reviews_not_pulled"
                } else {
                    "reconcile.reviews_differ"
                },
                &[
                    ("state", &crate::cli::find::state_label(lang, Some(*state))),
                    ("ours", ours),
                    ("hub", hub),
                ],
            ),
        }
    }

    /// Differences a person must look at (a pending upload is not one).
    pub fn is_problem(&self) -> bool {
        match self {
            Difference::NotYetUploaded { .. } | Difference::VoidNotAtHub { .. } => false,
            Difference::ReviewsDiffer { ours, hub, .. } => ours > hub,
            _ => true,
        }
    }
}

/// Per day: (acknowledged here and not voided, counted by the hub).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub days: BTreeMap<NaiveDate, (u64, u64)>,
    /// The hub's total for the range (`GET /v1/tallies`).
    pub hub_total: u64,
    pub differences: Vec<Difference>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Hub(#[from] ClientError),
}

impl ReconcileError {
    /// The failure in the UI's words (the English detail is for the log).
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            ReconcileError::Store(e) => e.message(lang),
            ReconcileError::Hub(e) => crate::sync::error_kind::SyncErrorKind::of(e)
                .words(lang)
                .to_string(),
        }
    }
}

/// Compares the days `from..=to`.
pub fn reconcile(
    store: &Store,
    client: &HubClient,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, ReconcileError> {
    let tallies = client.tallies(from, to)?;
    let hub_apps = client.applications(from, to)?;
    let mut report = compare(store, from, to, tallies.total, &hub_apps)?;
    let hub = tallies
        .reviews
        .iter()
        .find(|r| r.branch == client.config().branch)
        .cloned()
        .unwrap_or_default();
    report
        .differences
        .extend(compare_reviews(store, from, to, &hub)?);
    Ok(report)
}

/// The office's review changes made on the days `from..=to`: pulled here
/// against counted by the hub, per state.
pub fn compare_reviews(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    hub: &crate::wire::ReviewTally,
) -> StoreResult<Vec<Difference>> {
    use crate::wire::ReviewState;
    let mut ours = crate::wire::ReviewTally::default();
    for d in crate::tally::days(from, to) {
        let c = store.review_counts(d)?;
        ours.add(ReviewState::Accepted, c.accepted_on_day);
        ours.add(ReviewState::NeedsCorrection, c.needs_correction_on_day);
        ours.add(ReviewState::Rejected, c.rejected_on_day);
        ours.add(ReviewState::Completed, c.completed_on_day);
    }
    Ok([
        ReviewState::Accepted,
        ReviewState::NeedsCorrection,
        ReviewState::Rejected,
        ReviewState::Completed,
    ]
    .into_iter()
    .filter(|s| ours.get(*s) != hub.get(*s))
    .map(|state| Difference::ReviewsDiffer {
        state,
        ours: ours.get(state),
        hub: hub.get(state),
    })
    .collect())
}

/// The comparison itself, given what the hub said.
pub fn compare(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    hub_total: u64,
    hub_apps: &[HubApplication],
) -> StoreResult<Report> {
    let local = store.applications_between(from, to)?;
    let hub_by_id: BTreeMap<&str, &HubApplication> =
        hub_apps.iter().map(|a| (a.id.as_str(), a)).collect();
    let local_ids: BTreeSet<&str> = local.iter().map(|a| a.id.as_str()).collect();
    let mut report = Report {
        hub_total,
        ..Report::default()
    };
    for d in crate::tally::days(from, to) {
        report.days.insert(d, (0, 0));
    }
    for h in hub_apps {
        if let Ok(d) = h.date.parse::<NaiveDate>() {
            if !h.voided {
                if let Some(e) = report.days.get_mut(&d) {
                    e.1 += 1;
                }
            }
        }
        if !local_ids.contains(h.id.as_str()) {
            report.differences.push(Difference::ExtraAtHub {
                number: h.number.clone(),
                id: h.id.clone(),
                date: h.date.clone(),
            });
        }
    }
    for a in &local {
        let at_hub = hub_by_id.get(a.id.as_str());
        if a.hub_receipt.is_some() && a.void.is_none() {
            if let Some(e) = report.days.get_mut(&a.date) {
                e.0 += 1;
            }
        }
        match (at_hub, &a.hub_receipt) {
            (None, Some(_)) => report.differences.push(Difference::MissingAtHub {
                number: a.number.clone(),
                date: a.date,
            }),
            (None, None) => report.differences.push(Difference::NotYetUploaded {
                number: a.number.clone(),
                date: a.date,
            }),
            (Some(h), ours) => {
                if let Some(ours) = ours {
                    if *ours != h.receipt {
                        report.differences.push(Difference::ReceiptDiffers {
                            number: a.number.clone(),
                            ours: ours.clone(),
                            hub: h.receipt.clone(),
                        });
                    }
                }
                match (a.void.is_some(), h.voided) {
                    (true, false) => report.differences.push(Difference::VoidNotAtHub {
                        number: a.number.clone(),
                    }),
                    (false, true) => report.differences.push(Difference::VoidOnlyAtHub {
                        number: a.number.clone(),
                    }),
                    _ => {}
                }
            }
        }
    }
    report.differences.sort();
    Ok(report)
}

/// The report as lines for a person.
pub fn lines(r: &Report, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let ours: u64 = r.days.values().map(|d| d.0).sum();
    out.push(fmt(
        lang,
        "reconcile.total",
        &[("ours", &ours), ("hub", &r.hub_total)],
    ));
    for (d, (o, h)) in &r.days {
        if o != h {
            out.push(fmt(
                lang,
                "reconcile.day",
                &[("date", d), ("ours", o), ("hub", h)],
            ));
        }
    }
    if r.differences.is_empty() {
        out.push(fmt(lang, "reconcile.agree", &[]));
    }
    for d in &r.differences {
        out.push(d.message(lang));
    }
    out
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_hub_failure_is_told_in_the_ui_language() {
        let e = ReconcileError::Hub(ClientError::Retryable {
            reason: "connection failed: Connection refused (os error 111)".into(),
            retry_after: None,
            stalled: false,
        });
        let zh = e.message(Lang::Zh);
        assert!(!zh.contains("Connection refused"), "{zh}");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert!(!e.message(Lang::En).contains("os error"));
    }
}
