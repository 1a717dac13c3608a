//! Fault injection for tests: a layer the server wraps around the /v1
//! handlers when [`super::HubConfig::faults`] is set. The handlers themselves
//! know nothing of it. Production hubs (the binary) never set it.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::handlers::Reply;

/// Test-only fault injection, settable at run time. Each `AtomicU32` is a
/// count of requests to hit: it is decremented by each request it affects.
/// Faults apply to every request but `GET /v1/health` and `OPTIONS`.
#[derive(Debug, Default)]
pub struct Faults {
    /// Handle and commit the request, then write nothing at all: the client
    /// waits for its own timeout (the hub closes the connection after 30 s or
    /// on shutdown).
    pub drop_reply_after_commit: AtomicU32,
    /// Handle and commit, then answer bytes that are not HTTP and close (a
    /// reset or a broken middlebox as the client sees it: fails at once).
    pub garbage_reply_after_commit: AtomicU32,
    /// Handle and commit, then send the status line and headers with a
    /// Content-Length larger than the half body that follows, and close.
    pub truncate_reply: AtomicU32,
    /// Answer 503 with `Retry-After: <retry_after_secs>` before handling.
    pub status_503_with_retry_after: AtomicU32,
    /// Seconds in the injected `Retry-After` (default 0 means 7).
    pub retry_after_secs: AtomicU64,
    /// Answer a captive-portal HTML page with 200 before handling.
    pub html_200: AtomicU32,
    /// Hold the request's place in the work queue this long before handling
    /// it (0 = off): a busy hub as its clients see it.
    pub stall_ms: AtomicU64,
}

/// What to do with a reply the handlers made.
pub(crate) enum Sabotage {
    /// Write nothing; close the connection later.
    Silence,
    /// Write these bytes instead of the reply, then close.
    Garbage(&'static [u8]),
    /// Send the head with a Content-Length beyond the body, half the body,
    /// then close.
    Truncate,
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Faults {
    /// How long to hold the request before handling it.
    pub(crate) fn stall(&self) -> Option<Duration> {
        match self.stall_ms.load(Ordering::SeqCst) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// A reply instead of handling the request at all.
    pub(crate) fn before(&self) -> Option<Reply> {
        if take(&self.status_503_with_retry_after) {
            let secs = match self.retry_after_secs.load(Ordering::SeqCst) {
                0 => 7,
                n => n,
            };
            return Some(
                Reply::error(503, "unavailable", "injected fault: try later")
                    .header("Retry-After", secs.to_string()),
            );
        }
        if take(&self.html_200) {
            return Some(Reply::html(
                200,
                "<!DOCTYPE html><html><head><title>Wi-Fi login</title></head><body><form>Please log in</form></body></html>",
            ));
        }
        None
    }

    /// What to do with the reply after the request was handled (committed).
    pub(crate) fn after(&self) -> Option<Sabotage> {
        if take(&self.drop_reply_after_commit) {
            return Some(Sabotage::Silence);
        }
        if take(&self.garbage_reply_after_commit) {
            return Some(Sabotage::Garbage(b"\x00\x15garbage, not HTTP\r\n\r\n"));
        }
        if take(&self.truncate_reply) {
            return Some(Sabotage::Truncate);
        }
        None
    }
}
