//! The /v1 wire contract (docs/protocol.md), shared by the client
//! (src/sync/client.rs) and the hub (src/hub), so the two cannot drift:
//! limits, tus constants, per-item results and the rejection reasons with
//! which of them are worth retrying.

use serde::{Deserialize, Serialize};

/// Protocol version, the path prefix.
pub const PROTOCOL: &str = "v1";
/// Most applications (or voids) in one batch.
pub const MAX_BATCH: usize = 500;
/// Largest JSON body, after gzip decoding (and also on the wire).
pub const MAX_JSON_BODY: usize = 4 * 1024 * 1024;
/// Largest PATCH chunk.
pub const MAX_PATCH_BODY: usize = 8 * 1024 * 1024;
/// Largest attachment (`Tus-Max-Size`).
pub const MAX_UPLOAD_LENGTH: u64 = 64 * 1024 * 1024;
/// The tus protocol version (`Tus-Resumable`).
pub const TUS_VERSION: &str = "1.0.0";
/// tus extensions the hub offers (`Tus-Extension`).
pub const TUS_EXTENSIONS: &str = "creation,checksum";
/// tus checksum algorithms (`Tus-Checksum-Algorithm`).
pub const TUS_CHECKSUM_ALGORITHM: &str = "sha1";
/// Status of a PATCH whose chunk failed its checksum (tus checksum extension).
pub const STATUS_CHECKSUM_MISMATCH: u16 = 460;

/// Why the hub rejected one item of a batch (`results[].reason`).
pub mod reason {
    /// The item is malformed (missing or bad fields).
    pub const INVALID: &str = "invalid";
    /// The item's branch is not the batch's (or the token's) branch.
    pub const BRANCH_MISMATCH: &str = "branch_mismatch";
    /// The hub holds this id with different content; the first is kept.
    pub const CONFLICT: &str = "conflict";
    /// A void of an application the hub does not hold (yet).
    pub const UNKNOWN_APPLICATION: &str = "unknown_application";
    /// An attachment is not (completely) uploaded yet.
    pub const ATTACHMENTS_INCOMPLETE: &str = "attachments_incomplete";
    /// An attachment belongs to another application or differs in size/sha256.
    pub const ATTACHMENT_MISMATCH: &str = "attachment_mismatch";
}

/// Rejection reasons that are worth retrying later: they may go away by
/// themselves (an upload finishes, the application arrives).
pub const RETRYABLE_REASONS: &[&str] =
    &[reason::ATTACHMENTS_INCOMPLETE, reason::UNKNOWN_APPLICATION];

/// Whether a rejection with this reason may go away by itself.
pub fn is_retryable(reason: &str) -> bool {
    RETRYABLE_REASONS.contains(&reason)
}

/// Branch codes: 1..=32 of `[A-Za-z0-9_-]` (never a colon, never `*`).
pub fn valid_branch(b: &str) -> bool {
    !b.is_empty()
        && b.len() <= 32
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    Accepted,
    Duplicate,
    Rejected,
}

/// The hub's answer for one application or void.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    pub id: String,
    pub status: ItemStatus,
    pub receipt: Option<String>,
    pub reason: Option<String>,
    /// The hub's hint: a rejection that may go away by itself
    /// ([`RETRYABLE_REASONS`]).
    #[serde(default)]
    pub retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ItemResult {
    /// The hub holds it: accepted now or before.
    pub fn is_acknowledged(&self) -> bool {
        matches!(self.status, ItemStatus::Accepted | ItemStatus::Duplicate)
    }
}

/// The reply to a batch: one result per item, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsReply {
    pub results: Vec<ItemResult>,
}

/// One void to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidItem {
    pub id: String,
    pub reason: String,
    /// RFC 3339.
    pub at: String,
}

/// `GET /v1/tallies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tallies {
    pub from: String,
    pub to: String,
    pub total: u64,
    pub branches: Vec<BranchTally>,
    /// The office's review changes made on the days of the range, per branch.
    #[serde(default)]
    pub reviews: Vec<ReviewTally>,
}

/// Review changes of one branch's applications made in a range of days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTally {
    pub branch: String,
    pub accepted: u64,
    pub needs_correction: u64,
    pub rejected: u64,
    pub completed: u64,
}

impl ReviewTally {
    pub fn add(&mut self, state: ReviewState, n: u64) {
        match state {
            ReviewState::Accepted => self.accepted += n,
            ReviewState::NeedsCorrection => self.needs_correction += n,
            ReviewState::Rejected => self.rejected += n,
            ReviewState::Completed => self.completed += n,
            ReviewState::Received => {}
        }
    }

    pub fn get(&self, state: ReviewState) -> u64 {
        match state {
            ReviewState::Accepted => self.accepted,
            ReviewState::NeedsCorrection => self.needs_correction,
            ReviewState::Rejected => self.rejected,
            ReviewState::Completed => self.completed,
            ReviewState::Received => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchTally {
    pub branch: String,
    pub total: u64,
    pub by_service: std::collections::BTreeMap<String, u64>,
}

/// One line of `GET /v1/applications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubApplication {
    pub id: String,
    pub number: String,
    pub receipt: String,
    pub date: String,
    pub service: String,
    pub voided: bool,
}

/// `GET /v1/applications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationsReply {
    pub branch: String,
    pub from: String,
    pub to: String,
    pub applications: Vec<HubApplication>,
}

/// The vehicle office's review state of an application (docs/protocol.md §7);
/// these English names are the protocol's, whatever the UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Received,
    Accepted,
    NeedsCorrection,
    Rejected,
    Completed,
}

impl ReviewState {
    pub const ALL: [ReviewState; 5] = [
        ReviewState::Received,
        ReviewState::Accepted,
        ReviewState::NeedsCorrection,
        ReviewState::Rejected,
        ReviewState::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Received => "received",
            ReviewState::Accepted => "accepted",
            ReviewState::NeedsCorrection => "needs_correction",
            ReviewState::Rejected => "rejected",
            ReviewState::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// `rejected` and `completed`: nothing follows.
    pub fn is_final(self) -> bool {
        matches!(self, ReviewState::Rejected | ReviewState::Completed)
    }
}

/// One change of `GET /v1/changes`: an application of the branch got a new
/// review state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Where this change is in the branch's feed; `since=` this skips it.
    pub cursor: String,
    /// The application's client id.
    pub id: String,
    pub number: String,
    pub state: ReviewState,
    /// RFC 3339, when the office set it.
    pub at: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    pub review_id: String,
}

/// `GET /v1/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesReply {
    pub branch: String,
    pub changes: Vec<Change>,
    /// The cursor to send next time (the last change's, or `since` when none).
    pub cursor: String,
    /// More changes wait beyond this page.
    pub more: bool,
}

/// Changes per page of `GET /v1/changes`, at most.
pub const MAX_CHANGES: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_reasons() {
        assert!(is_retryable(reason::ATTACHMENTS_INCOMPLETE));
        assert!(is_retryable(reason::UNKNOWN_APPLICATION));
        assert!(!is_retryable(reason::CONFLICT));
        assert!(!is_retryable(reason::INVALID));
    }

    #[test]
    fn item_result_wire_shape() {
        let r = ItemResult {
            id: "a".into(),
            status: ItemStatus::Duplicate,
            receipt: Some("R1".into()),
            reason: None,
            retryable: false,
            message: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"id":"a","status":"duplicate","receipt":"R1","reason":null,"retryable":false}"#
        );
    }
}
