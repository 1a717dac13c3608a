//! The outbox relay: a worker thread that sends what is pending when the
//! link allows, and reports to the UI only through a channel.

/// What the UI (or a `sync` command) asks of the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Send now, ignoring the backoff schedule.
    Now,
    /// Finish the current request and stop.
    Shutdown,
}
