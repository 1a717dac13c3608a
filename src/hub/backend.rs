//! The hub's two backends behind one set of calls: sled (`--data DIR`, one
//! process, a county office, tests) and PostgreSQL (`--db URL`, any number of
//! hub nodes). The handlers call these and never know which it is.

use std::collections::BTreeMap;

use super::pg::PgStore;
use super::review::{NewReview, Review, ReviewOutcome, ReviewState};
use super::store::{
    BranchDay, HubStore, NewApp, NewVoid, Outcome, PatchOutcome, StoreError, StoredApp, Upload,
};

// One per hub process, never moved after start: the size difference is moot.
#[allow(clippy::large_enum_variant)]
pub enum Backend {
    Sled(HubStore),
    Postgres(PgStore),
}

macro_rules! both {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Backend::Sled($s) => $e,
            Backend::Postgres($s) => $e,
        }
    };
}

impl Backend {
    /// Makes acknowledged writes durable (sled; PostgreSQL commits are).
    pub fn flush(&self) -> Result<(), StoreError> {
        match self {
            Backend::Sled(s) => s.flush(),
            Backend::Postgres(_) => Ok(()),
        }
    }

    pub fn get_app(&self, id: &str) -> Result<Option<StoredApp>, StoreError> {
        both!(self, s => s.get_app(id))
    }

    pub fn app_count(&self) -> usize {
        both!(self, s => s.app_count())
    }

    pub fn insert_apps(
        &self,
        batch: &[Option<NewApp>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        both!(self, s => s.insert_apps(batch))
    }

    pub fn void_apps(
        &self,
        branch: &str,
        batch: &[Option<NewVoid>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        both!(self, s => s.void_apps(branch, batch))
    }

    pub fn tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, BranchDay>, StoreError> {
        both!(self, s => s.tallies(from, to, branch))
    }

    pub fn list_apps(
        &self,
        branch: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<StoredApp>, StoreError> {
        both!(self, s => s.list_apps(branch, from, to))
    }

    pub fn get_upload(&self, id: &str) -> Result<Option<Upload>, StoreError> {
        both!(self, s => s.get_upload(id))
    }

    pub fn create_upload(
        &self,
        branch: &str,
        application: &str,
        filename: &str,
        length: u64,
        declared_sha256: Option<String>,
    ) -> Result<Upload, StoreError> {
        both!(self, s => s.create_upload(branch, application, filename, length, declared_sha256.clone()))
    }

    pub fn patch_upload(
        &self,
        id: &str,
        offset: u64,
        data: &[u8],
    ) -> Result<PatchOutcome, StoreError> {
        both!(self, s => s.patch_upload(id, offset, data))
    }

    /// Sets a review state (the office's answer), idempotent by review id.
    pub fn review(&self, r: &NewReview) -> Result<ReviewOutcome, StoreError> {
        both!(self, s => s.review(r))
    }

    /// An application's review record (`None`: not held).
    pub fn get_review(&self, id: &str) -> Result<Option<Review>, StoreError> {
        both!(self, s => s.get_review(id))
    }

    /// Applications (not voided) in one of `states`, by date then id.
    pub fn list_reviews(
        &self,
        states: &[ReviewState],
        branch: Option<&str>,
    ) -> Result<Vec<Review>, StoreError> {
        both!(self, s => s.list_reviews(states, branch))
    }

    /// Review changes made on the days `from..=to`, per branch.
    pub fn review_tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, crate::wire::ReviewTally>, StoreError> {
        both!(self, s => s.review_tallies(from, to, branch))
    }

    /// `branch`'s changes after cursor `since`, at most `limit`; more follow?
    pub fn changes(
        &self,
        branch: &str,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<crate::wire::Change>, bool), StoreError> {
        both!(self, s => s.changes(branch, since, limit))
    }
}
