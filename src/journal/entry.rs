//! What a journal record says. Each entry is a change a person was told
//! is saved; applying the entries in order to an empty store gives the
//! working store back (drafts autosaved since their last park excepted).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::store::{Application, AuditEntry, Branch, DayTally, Draft, User, Void};

/// One framed record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 1, 2, 3… without gaps.
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    /// Finished applications on record once this one is applied (a
    /// cross-check of the working store at open).
    pub apps: u64,
    #[serde(flatten)]
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// The branch (first run, training, seed).
    Branch { branch: Branch },
    /// A user record as saved (new, PIN, lock-out, disable).
    User { user: User },
    /// A finished application; its outbox entry, day counters and the
    /// "finish" audit line follow from it.
    Finish { key: String, app: Application },
    /// A draft parked by the clerk (the number on the slip).
    Park { draft: Draft },
    /// A draft discarded (after a confirm).
    Discard { number: String },
    /// An application voided with a reason. `evicted` carries the
    /// application as it was when it had already left the working store.
    Void {
        key: String,
        void: Void,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evicted: Option<Box<Application>>,
    },
    /// The hub acknowledged these applications: `(key, receipt)`.
    Acknowledged { items: Vec<(String, String)> },
    /// The hub took these voids.
    VoidsAcknowledged { keys: Vec<String> },
    /// Taken out of the upload rotation (rejected, or by support).
    Quarantined { key: String, reason: String },
    /// Put back into the upload rotation.
    Retried { key: String },
    /// One line of the audit log.
    Audit { audit: AuditEntry },
    /// Acknowledged applications older than `[store] keep_days` left the
    /// working store: `(key, number)`; they stay here, found by the index.
    /// `days`: day counters that left the working store with them (days
    /// before `keep_days` none of whose applications is still there), as
    /// they were; the index's archive holds them from then on.
    /// `review_days`: counts of the office's answers by day (the office's
    /// date) for days before `keep_days`, as they were (with what the
    /// archive already held for the day added); the archive holds them
    /// from then on.
    Evicted {
        items: Vec<(String, String)>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        days: BTreeMap<NaiveDate, DayTally>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        review_days: BTreeMap<NaiveDate, crate::store::ReviewDay>,
        /// The last application numbers of `days` leave too (the index
        /// holds every number of those days; records before this field
        /// existed left them in the working store).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        number_counters: bool,
    },
    /// An archived day's counters came back to the working store, as
    /// they were, before a record that changes them (the void of an
    /// application that had left).
    DayRestored { day: NaiveDate, tally: DayTally },
    /// An archived day's counts of the office's answers came back to the
    /// working store, as they were, before a record that adds to them
    /// (answers dated that far back, pulled late).
    ReviewDayRestored {
        day: NaiveDate,
        counts: crate::store::ReviewDay,
    },
    /// Audit lines dated before `[store] keep_days` left the working store
    /// (by their sequence numbers, in the order written); the latest day
    /// among them is `through`. The records that made them stay here.
    AuditEvicted { seqs: Vec<u64>, through: NaiveDate },
    /// Personal fields of these applications were removed (retention):
    /// `(key, field names)`; the EMS address and attachments go too.
    Purged { items: Vec<(String, Vec<String>)> },
    /// Review states pulled from the hub (`GET /v1/changes`), with the
    /// cursor to ask from next: one record, so the changes and the cursor
    /// are stored together or not at all.
    Reviewed {
        changes: Vec<crate::wire::Change>,
        cursor: String,
    },
    /// A customer notice changed state: handed to the `[notify] command`
    /// (`sending`, journaled BEFORE the command runs), `sent`, back to
    /// `pending` after a failure, or `uncertain` (a crash while sending:
    /// never sent again automatically).
    Notice {
        id: String,
        state: crate::store::NoticeState,
        #[serde(default)]
        attempts: u32,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        next_try: Option<DateTime<FixedOffset>>,
    },
}

impl Entry {
    /// A short name for logs and `store verify`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Branch { .. } => "branch",
            Entry::User { .. } => "user",
            Entry::Finish { .. } => "finish",
            Entry::Park { .. } => "park",
            Entry::Discard { .. } => "discard",
            Entry::Void { .. } => "void",
            Entry::Acknowledged { .. } => "acknowledged",
            Entry::VoidsAcknowledged { .. } => "voids_acknowledged",
            Entry::Quarantined { .. } => "quarantined",
            Entry::Retried { .. } => "retried",
            Entry::Audit { .. } => "audit",
            Entry::Purged { .. } => "purged",
            Entry::Evicted { .. } => "evicted",
            Entry::DayRestored { .. } => "day_restored",
            Entry::ReviewDayRestored { .. } => "review_day_restored",
            Entry::AuditEvicted { .. } => "audit_evicted",
            Entry::Reviewed { .. } => "reviewed",
            Entry::Notice { .. } => "notice",
        }
    }
}
