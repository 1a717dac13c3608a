//! The vehicle office's answer to an application: its review state, the
//! changes allowed between states, and the records both backends keep (a
//! history per application, and a feed of changes per branch that
//! `GET /v1/changes` serves in order).
//!
//! | from                  | may go to                                  |
//! |-----------------------|--------------------------------------------|
//! | `received` (arrival)  | `accepted`, `needs_correction`, `rejected` |
//! | `needs_correction`    | `accepted`, `rejected`                     |
//! | `accepted`            | `completed` (with a result)                |
//! | `rejected`, `completed` | nothing: final                           |

use serde::{Deserialize, Serialize};

pub use crate::wire::ReviewState;

/// Longest note (the office's words) and result, in characters.
pub const MAX_NOTE: usize = 500;
pub const MAX_RESULT: usize = 200;
/// Catalogue material codes named in one review, at most.
pub const MAX_MATERIALS: usize = 32;
/// Review ids: 1..=64 of `[A-Za-z0-9_-]`.
pub fn valid_review_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// Why a change of state is refused, in a sentence (`None`: allowed).
pub fn refusal(from: ReviewState, to: ReviewState) -> Option<String> {
    use ReviewState::*;
    let allowed: &[ReviewState] = match from {
        Received => &[Accepted, NeedsCorrection, Rejected],
        NeedsCorrection => &[Accepted, Rejected],
        Accepted => &[Completed],
        Rejected | Completed => &[],
    };
    if allowed.contains(&to) {
        return None;
    }
    Some(if allowed.is_empty() {
        format!(
            "the application is {}, which is final: it cannot become {}",
            from.as_str(),
            to.as_str()
        )
    } else {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        format!(
            "an application that is {} may become {}, not {}",
            from.as_str(),
            names.join(" or "),
            to.as_str()
        )
    })
}

/// A review that passed validation (the state is never `received`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub review_id: String,
    pub app_id: String,
    pub state: ReviewState,
    pub note: Option<String>,
    pub result: Option<String>,
    /// Catalogue material codes the customer must bring (needs_correction).
    pub materials: Vec<String>,
    /// The office that set it (`office:NAME` token, or the CLI's `--office`).
    pub office: String,
}

impl NewReview {
    /// Checks what a state needs: a note for `needs_correction` and
    /// `rejected` (what is missing; the legal reason), a result for
    /// `completed`, and sane text. `Err` is a sentence for the caller.
    pub fn check(&self) -> Result<(), String> {
        if !valid_review_id(&self.review_id) {
            return Err("the review id must be 1-64 characters of A-Z a-z 0-9 - _".into());
        }
        if self.state == ReviewState::Received {
            return Err("received is the state on arrival; it cannot be set".into());
        }
        let text_ok = |s: &str, max: usize| {
            !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
        };
        if let Some(n) = &self.note {
            if !text_ok(n, MAX_NOTE) {
                return Err(format!(
                    "the note must be 1-{MAX_NOTE} characters without control characters"
                ));
            }
        }
        if let Some(r) = &self.result {
            if !text_ok(r, MAX_RESULT) {
                return Err(format!(
                    "the result must be 1-{MAX_RESULT} characters without control characters"
                ));
            }
        }
        if self.materials.len() > MAX_MATERIALS || self.materials.iter().any(|m| !text_ok(m, 32)) {
            return Err(format!(
                "at most {MAX_MATERIALS} material codes of 1-32 characters"
            ));
        }
        match self.state {
            ReviewState::NeedsCorrection if self.note.is_none() => {
                Err("needs_correction needs a note: what is missing or wrong".into())
            }
            ReviewState::Rejected if self.note.is_none() => {
                Err("rejected needs a note: the legal reason".into())
            }
            ReviewState::Completed if self.result.is_none() => Err(
                "completed needs a result (e.g. the EMS tracking number or the new document's number)"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    /// The same review sent again (same id): same application and content.
    pub fn same_as(&self, e: &ReviewEvent, app_id: &str) -> bool {
        self.app_id == app_id
            && self.state == e.state
            && self.note == e.note
            && self.result == e.result
            && self.materials == e.materials
    }
}

/// One entry of an application's history (also one change of the feed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvent {
    /// Position in the hub's feed of changes (0 for the arrival).
    #[serde(default)]
    pub seq: u64,
    /// Empty for the arrival.
    #[serde(default)]
    pub review_id: String,
    pub state: ReviewState,
    /// RFC 3339.
    pub at: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub office: String,
}

/// An application's review record: its state now and how it got there
/// (the arrival first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: String,
    pub branch: String,
    pub number: String,
    pub service: String,
    pub date: String,
    pub state: ReviewState,
    pub history: Vec<ReviewEvent>,
}

impl Review {
    /// The record as the hub answers it (docs/protocol.md §7): states in
    /// their English protocol names.
    pub fn to_json(&self) -> serde_json::Value {
        let history: Vec<serde_json::Value> = self
            .history
            .iter()
            .map(|e| {
                serde_json::json!({
                    "state": e.state, "at": e.at, "note": e.note, "result": e.result,
                    "materials": e.materials, "review_id": e.review_id, "office": e.office,
                })
            })
            .collect();
        serde_json::json!({
            "id": self.id, "branch": self.branch, "number": self.number,
            "service": self.service, "date": self.date, "state": self.state,
            "result": self.result(), "history": history,
        })
    }

    /// The latest entry with a result (e.g. the EMS number).
    pub fn result(&self) -> Option<&str> {
        self.history.iter().rev().find_map(|e| e.result.as_deref())
    }
}

/// What a review did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// Applied: the record after it.
    Done(Review),
    /// This review id was applied before with the same content: the record now.
    Duplicate(Review),
    /// The hub holds no application with this id.
    UnknownApplication,
    /// The branch voided the application.
    Voided,
    /// The change is not allowed (the sentence says why).
    NotAllowed(String),
    /// This review id was used for a different review.
    IdConflict,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewState::*;

    #[test]
    fn the_table_of_changes() {
        let allowed: Vec<(ReviewState, ReviewState)> = ReviewState::ALL
            .into_iter()
            .flat_map(|a| ReviewState::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| refusal(*a, *b).is_none())
            .collect();
        assert_eq!(
            allowed,
            [
                (Received, Accepted),
                (Received, NeedsCorrection),
                (Received, Rejected),
                (Accepted, Completed),
                (NeedsCorrection, Accepted),
                (NeedsCorrection, Rejected),
            ]
        );
        assert!(refusal(Completed, Accepted).is_some_and(|w| w.contains("final")));
    }

    #[test]
    fn what_each_state_needs() {
        let r = |state, note: Option<&str>, result: Option<&str>| NewReview {
            review_id: "r1".into(),
            app_id: "a".into(),
            state,
            note: note.map(str::to_string),
            result: result.map(str::to_string),
            materials: Vec::new(),
            office: "cg".into(),
        };
        assert!(r(Accepted, None, None).check().is_ok());
        assert!(r(NeedsCorrection, None, None).check().is_err());
        assert!(r(NeedsCorrection, Some("缺照片"), None).check().is_ok());
        assert!(r(Rejected, None, None).check().is_err());
        assert!(r(Completed, None, None).check().is_err());
        assert!(r(Completed, None, Some("EMS 1")).check().is_ok());
        assert!(r(Received, None, None).check().is_err());
        assert!(r(Accepted, Some("a\u{1b}[2J"), None).check().is_err());
    }
}
