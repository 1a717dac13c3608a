//! What went wrong with an upload, in the words of the person at the
//! counter. The relay's errors carry English detail for the log, `doctor`
//! and `jingyou queue --format json`; the screen shows only the kind, from
//! the locale (`[sync_error]` in `locales/*/ui.toml`).

use crate::i18n::{tr, Lang};
use crate::sync::client::ClientError;

/// The kinds of upload failure a clerk or supervisor can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncErrorKind {
    /// No connection to the hub (refused, no route, name unknown, connect
    /// timeout): the network or the hub is down.
    Unreachable,
    /// The hub was reached but did not finish its reply in time.
    Stalled,
    /// The hub answered with a temporary error (HTTP 408, 429, 5xx).
    HubError,
    /// A secure connection could not be made (often the PC's clock).
    Tls,
    /// Something answered that is not the hub (a captive portal, a proxy).
    NotTheHub,
    /// The hub refused our credentials (401/403): uploads stop.
    Refused,
    /// The hub refused records as such: they are held in the queue.
    Rejected,
    /// An attachment could not be read here.
    Attachment,
    /// Our own store could not be read or written.
    Store,
}

impl SyncErrorKind {
    /// The kind of a client error.
    pub fn of(e: &ClientError) -> SyncErrorKind {
        match e {
            ClientError::Unauthorized { .. } => SyncErrorKind::Refused,
            ClientError::Retryable { stalled: true, .. } => SyncErrorKind::Stalled,
            ClientError::Retryable { reason, .. } => Self::of_reason(reason),
            ClientError::NotAcknowledged { .. } => SyncErrorKind::NotTheHub,
            ClientError::Rejected { .. } | ClientError::Invalid(_) => SyncErrorKind::Rejected,
            ClientError::Local(_) => SyncErrorKind::Attachment,
        }
    }

    fn of_reason(reason: &str) -> SyncErrorKind {
        if reason.starts_with("HTTP ") {
            SyncErrorKind::HubError
        } else if reason.starts_with("TLS") {
            SyncErrorKind::Tls
        } else if reason.starts_with("the hub did not finish") {
            SyncErrorKind::Stalled
        } else {
            SyncErrorKind::Unreachable
        }
    }

    /// The kind of an error as the queue stores it: the English text the
    /// relay wrote for a client error, or `HTTP 4xx code: …` for a request
    /// the hub refused. `None` for anything else (the hub's own reason for
    /// refusing one record, a note by support), which is shown as it is.
    pub fn of_text(text: &str) -> Option<SyncErrorKind> {
        let t = text.strip_prefix("changes: ").unwrap_or(text);
        Some(
            if let Some(reason) = t.strip_prefix("temporary failure: ") {
                Self::of_reason(reason)
            } else if t.starts_with("the hub refused our credentials") {
                SyncErrorKind::Refused
            } else if t.starts_with("not an acknowledgement") {
                SyncErrorKind::NotTheHub
            } else if t.starts_with("the hub refused the request") || t.starts_with("HTTP 4") {
                SyncErrorKind::Rejected
            } else if t.starts_with("reading the attachment")
                || t.starts_with("attachment unreadable")
            {
                SyncErrorKind::Attachment
            } else if t.starts_with("unreadable record")
                || t.starts_with("application record missing")
            {
                SyncErrorKind::Store
            } else {
                return None;
            },
        )
    }

    pub fn key(self) -> &'static str {
        match self {
            SyncErrorKind::Unreachable => "sync_error.unreachable",
            SyncErrorKind::Stalled => "sync_error.stalled",
            SyncErrorKind::HubError => "sync_error.hub_error",
            SyncErrorKind::Tls => "sync_error.tls",
            SyncErrorKind::NotTheHub => "sync_error.not_the_hub",
            SyncErrorKind::Refused => "sync_error.refused",
            SyncErrorKind::Rejected => "sync_error.rejected",
            SyncErrorKind::Attachment => "sync_error.attachment",
            SyncErrorKind::Store => "sync_error.store",
        }
    }

    /// The words for it, in `lang`.
    pub fn words(self, lang: Lang) -> &'static str {
        tr(lang, self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn retry(reason: &str) -> ClientError {
        ClientError::Retryable {
            reason: reason.into(),
            retry_after: None,
            stalled: false,
        }
    }

    #[test]
    fn every_kind_has_words_and_stored_texts_read_back_as_their_kind() {
        let cases = [
            (
                retry("connection failed: Connection refused (os error 111)"),
                SyncErrorKind::Unreachable,
            ),
            (retry("timed out (Connect)"), SyncErrorKind::Unreachable),
            (retry("host not found"), SyncErrorKind::Unreachable),
            (
                ClientError::Retryable {
                    reason: "the hub did not finish its reply in time (Global)".into(),
                    retry_after: Some(Duration::from_secs(1)),
                    stalled: true,
                },
                SyncErrorKind::Stalled,
            ),
            (retry("HTTP 503 busy: later"), SyncErrorKind::HubError),
            (retry("TLS: bad cert"), SyncErrorKind::Tls),
            (
                ClientError::NotAcknowledged {
                    reason: "text/html".into(),
                },
                SyncErrorKind::NotTheHub,
            ),
            (
                ClientError::Unauthorized {
                    status: 401,
                    message: "bad token".into(),
                },
                SyncErrorKind::Refused,
            ),
            (
                ClientError::Rejected {
                    status: 413,
                    code: "too_large".into(),
                    message: "x".into(),
                },
                SyncErrorKind::Rejected,
            ),
            (
                ClientError::Local(std::io::Error::other("gone")),
                SyncErrorKind::Attachment,
            ),
        ];
        for (e, kind) in cases {
            assert_eq!(SyncErrorKind::of(&e), kind, "{e}");
            assert_eq!(SyncErrorKind::of_text(&e.to_string()), Some(kind), "{e}");
            assert_eq!(
                SyncErrorKind::of_text(&format!("changes: {e}")),
                Some(kind),
                "{e}"
            );
            for lang in [Lang::Zh, Lang::En] {
                let w = kind.words(lang);
                assert!(!w.is_empty() && !w.contains("sync_error"), "{kind:?} {w}");
            }
        }
        assert_eq!(
            SyncErrorKind::of_text("HTTP 413 too_large: x"),
            Some(SyncErrorKind::Rejected)
        );
        // The hub's reason for one record, a note by support: as they are.
        assert_eq!(SyncErrorKind::of_text("invalid_plate: 号牌格式错误"), None);
        assert_eq!(SyncErrorKind::of_text("由技术支持隔离"), None);
        assert!(!SyncErrorKind::Unreachable.words(Lang::Zh).is_ascii());
    }
}
