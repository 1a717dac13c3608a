//! What the store keeps, as serde records (JSON inside sled).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// The branch this store belongs to (set at first run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Short code used in application numbers, e.g. `3301A`.
    pub code: String,
    pub name: String,
    /// A training store: every screen says 培训 and nothing is sent to a real hub.
    #[serde(default)]
    pub training: bool,
    /// Created by `jingyou seed` (demo / benchmark data).
    #[serde(default)]
    pub generated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 网点负责人: tallies, accounts, voids, unmasked exports.
    Supervisor,
    /// 柜员.
    Clerk,
}

/// A person who logs in at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Clerk number typed at log-in, e.g. `001`.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Argon2id PHC string.
    pub pin_hash: String,
    #[serde(default)]
    pub disabled: bool,
    /// Wrong PINs in a row.
    #[serde(default)]
    pub failures: u32,
    #[serde(default)]
    pub locked_until: Option<DateTime<FixedOffset>>,
}

/// How the customer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Payment {
    Cash,
    Card,
    Qr,
}

impl Payment {
    pub const ALL: [Payment; 3] = [Payment::Cash, Payment::Card, Payment::Qr];
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Cash => "cash",
            Payment::Card => "card",
            Payment::Qr => "qr",
        }
    }
}

/// Where the result goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase", tag = "mode")]
pub enum Delivery {
    /// 网点自取.
    #[default]
    Pickup,
    /// EMS to an address.
    Ems { address: String },
}

/// An unfinished application: everything the clerk has typed so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Short readable number printed on the "what to bring" slip.
    pub number: String,
    /// Idempotency key, kept when the draft becomes an application.
    pub id: String,
    pub service: String,
    pub clerk: String,
    pub created: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    /// Raw text of every field as typed (validated on display and finish).
    pub values: BTreeMap<String, String>,
    /// Material ids the clerk ticked.
    pub materials: Vec<String>,
    pub payment: Option<Payment>,
    #[serde(default)]
    pub delivery: Delivery,
    /// Wizard position, so the draft reopens exactly where it was left.
    pub step: u8,
    pub focus: u16,
    #[serde(default)]
    pub generated: bool,
    /// Photos and scans added so far (copied into the data dir).
    #[serde(default)]
    pub attachments: Vec<AttachedFile>,
}

impl Draft {
    /// A fresh, empty draft of `service` for `clerk`, on the first step.
    pub fn new(number: String, service: &str, clerk: &str, now: DateTime<FixedOffset>) -> Draft {
        Draft {
            number,
            id: uuid::Uuid::new_v4().to_string(),
            service: service.to_string(),
            clerk: clerk.to_string(),
            created: now,
            updated: now,
            values: BTreeMap::new(),
            materials: Vec::new(),
            payment: None,
            delivery: Delivery::Pickup,
            step: 0,
            focus: 0,
            generated: false,
            attachments: Vec::new(),
        }
    }
}

/// A void: the application stays, marked, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Void {
    pub reason: String,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

/// One fee line as charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargedFee {
    pub item: String,
    pub zh: String,
    pub en: String,
    pub fen: u64,
}

/// A finished application (immutable but for void, upload state and purge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    /// `3301A-261128-0042`.
    pub number: String,
    pub service: String,
    /// The branch's day it was finished on.
    pub date: NaiveDate,
    pub finished_at: DateTime<FixedOffset>,
    pub clerk: String,
    pub branch: String,
    /// Normalised field values. Emptied by the retention purge.
    pub values: BTreeMap<String, String>,
    pub materials: Vec<String>,
    pub fees: Vec<ChargedFee>,
    pub fee_total_fen: u64,
    /// `None` for a free service: no method was asked or paid.
    #[serde(default)]
    pub payment: Option<Payment>,
    pub delivery: Delivery,
    /// Draft number it came from, if it was parked.
    #[serde(default)]
    pub draft_number: Option<String>,
    #[serde(default)]
    pub void: Option<Void>,
    #[serde(default)]
    pub generated: bool,
    /// Personal fields were purged after the retention period.
    #[serde(default)]
    pub purged: bool,
    /// The hub's receipt number, once acknowledged.
    #[serde(default)]
    pub hub_receipt: Option<String>,
    /// Photos and scans, kept in the data dir until acknowledged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachedFile>,
}

impl Application {
    /// Whether `find` turns it up for `q` (trimmed, upper case): part of
    /// its number, or its customer's whole ID number.
    pub fn matches_query(&self, q: &str) -> bool {
        self.number.to_uppercase().contains(q)
            || self
                .values
                .get("id_number")
                .is_some_and(|v| v.trim().to_uppercase() == q)
    }
}

/// A photo or scan attached to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedFile {
    /// The file name shown to people (e.g. `photo.jpg`).
    pub name: String,
    /// Where the kept copy is, relative to the data dir.
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub mime: String,
}

/// Upload state of one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadState {
    Pending,
    Quarantined,
    Acknowledged,
}

/// The outbox entry of one application (nothing persistent says "sending").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    pub number: String,
    pub service: String,
    pub date: NaiveDate,
    pub state: UploadState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_try: Option<DateTime<FixedOffset>>,
    /// tus upload URLs of attachments already started, by attachment sha256,
    /// so a cut upload resumes where the hub says it stopped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uploads: BTreeMap<String, String>,
}

impl UploadState {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Pending => "pending",
            UploadState::Quarantined => "quarantined",
            UploadState::Acknowledged => "acknowledged",
        }
    }
}

/// The counters of one day, kept in the finish transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DayTally {
    /// Finished and not voided.
    pub total: u64,
    pub voided: u64,
    pub fees_total_fen: u64,
    pub by_service: BTreeMap<String, u64>,
    pub by_clerk: BTreeMap<String, u64>,
    /// Fees taken by each clerk, in fen.
    #[serde(default)]
    pub fees_by_clerk: BTreeMap<String, u64>,
    pub by_payment: BTreeMap<String, u64>,
    pub pending: u64,
    pub acknowledged: u64,
    pub quarantined: u64,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<FixedOffset>,
    pub who: String,
    /// `login`, `login_failed`, `finish`, `void`, `export`, `print`, `config`...
    pub what: String,
    pub detail: String,
}

/// A void waiting to be sent to the hub (`POST /v1/voids`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidEntry {
    pub id: String,
    pub number: String,
    pub reason: String,
    pub at: DateTime<FixedOffset>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub next_try: Option<DateTime<FixedOffset>>,
}
