//! Telling the customer: the text of a notice (one SMS: at most
//! [`MAX_CHARS`] characters, from the `notify.*` templates of the Chinese
//! locale, whatever the screen's language) and the send pass that hands
//! due notices to the `[notify] command`, like the printer command.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use crate::i18n::{fmt, Lang};
use crate::mask;
use crate::store::{Notice, NoticeState, Store};
use crate::wire::{Change, ReviewState};

/// One SMS of Chinese text.
pub const MAX_CHARS: usize = 70;

fn template(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Received => "notify.received",
        ReviewState::Accepted => "notify.accepted",
        ReviewState::NeedsCorrection => "notify.needs_correction",
        ReviewState::Rejected => "notify.rejected",
        ReviewState::Completed => "notify.completed",
    }
}

/// `s` cut to `n` characters (the last one `…` when cut).
fn cut_chars(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The notice text of change `c` at branch `branch`: the office's note or
/// result is cut so that the whole fits [`MAX_CHARS`]; control characters
/// never reach the text.
pub fn text(c: &Change, branch: &str) -> String {
    let key = template(c.state);
    let detail = match c.state {
        ReviewState::Completed => c.result.clone(),
        _ => c.note.clone(),
    }
    .map(|s| {
        s.chars()
            .map(|ch| if ch.is_control() { ' ' } else { ch })
            .collect::<String>()
    })
    .unwrap_or_default();
    let branch = cut_chars(branch, 12);
    let render = |detail: &str| {
        fmt(
            Lang::Zh,
            key,
            &[
                ("branch", &branch),
                ("number", &c.number),
                ("detail", &detail),
            ],
        )
    };
    let base = render("").chars().count();
    let room = MAX_CHARS.saturating_sub(base);
    let out = render(&cut_chars(&detail, room));
    cut_chars(&out, MAX_CHARS)
}

/// How the send pass runs.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub command: Option<String>,
    pub timeout: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

/// What a send pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
    /// Left `sending` by a crash: marked uncertain, not sent again.
    pub uncertain: usize,
    pub last_error: Option<String>,
}

/// Hands every due notice to the command, one at a time (oldest first, and
/// an application's next only once its previous one went out): `sending` is
/// journaled first, then the command runs, then `sent` (or `pending` with
/// the error and a later try) is journaled.
pub fn send_due(store: &Store, s: &NotifySettings, now: DateTime<FixedOffset>) -> SendReport {
    let mut report = SendReport::default();
    let notices = match store.notices() {
        Ok(n) => n,
        Err(e) => {
            report.last_error = Some(e.to_string());
            return report;
        }
    };
    for n in notices {
        if n.state == NoticeState::Sending {
            // we are the only sender: one left `sending` was cut by a crash
            match store.set_notice(&n, NoticeState::Uncertain, n.last_error.clone(), None) {
                Ok(()) => report.uncertain += 1,
                Err(e) => report.last_error = Some(e.to_string()),
            }
        }
    }
    let Some(cmd) = s.command.as_deref().filter(|c| !c.trim().is_empty()) else {
        return report;
    };
    let mut notices = match store.notices() {
        Ok(n) => n,
        Err(e) => {
            report.last_error = Some(e.to_string());
            return report;
        }
    };
    // In the hub's order, and per application one at a time: a later
    // notice waits while an earlier one of the same application is unsent,
    // so a customer never reads "accepted" before "needs correction".
    notices.sort_by_key(|n| n.id[1..].parse::<u64>().unwrap_or(u64::MAX));
    let mut held = std::collections::HashSet::new();
    for n in notices {
        if n.state != NoticeState::Pending || n.phone.is_empty() {
            continue;
        }
        if !held.insert(n.number.clone()) || n.next_try.is_some_and(|t| t > now) {
            continue;
        }
        if let Err(e) = store.set_notice(&n, NoticeState::Sending, n.last_error.clone(), None) {
            report.last_error = Some(e.to_string());
            return report;
        }
        let sent = crate::printer::run_with_env(
            cmd,
            n.text.as_bytes(),
            s.timeout,
            &[
                ("JINGYOU_NOTIFY_PHONE", n.phone.as_str()),
                ("JINGYOU_NOTIFY_ID", n.id.as_str()),
                ("JINGYOU_NOTIFY_NUMBER", n.number.as_str()),
            ],
        );
        let attempts = n.attempts.saturating_add(1);
        let n = Notice { attempts, ..n };
        let recorded = match sent {
            Ok(()) => {
                report.sent += 1;
                crate::log::info(&format!(
                    "notify: {} sent to {}",
                    n.id,
                    mask::phone(&n.phone)
                ));
                store.set_notice(&n, NoticeState::Sent, None, None)
            }
            Err(e) => {
                report.failed += 1;
                let why = format!("notify command: {e}");
                crate::log::warn(&format!(
                    "notify: {} to {}: {why}",
                    n.id,
                    mask::phone(&n.phone)
                ));
                let wait = crate::sync::relay::backoff(
                    attempts.min(20),
                    s.backoff_base,
                    s.backoff_cap,
                    u64::from(attempts) * 7919,
                )
                .max(s.backoff_base / 2);
                let next =
                    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
                report.last_error = Some(why.clone());
                store.set_notice(&n, NoticeState::Pending, Some(why), Some(next))
            }
        };
        if let Err(e) = recorded {
            report.last_error = Some(e.to_string());
            return report;
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(state: ReviewState, note: Option<&str>, result: Option<&str>) -> Change {
        Change {
            cursor: "1".into(),
            id: "a".into(),
            number: "3301A-261128-0042".into(),
            state,
            at: "2026-11-28T10:00:00+08:00".into(),
            note: note.map(str::to_string),
            result: result.map(str::to_string),
            materials: vec![],
            review_id: "r".into(),
        }
    }

    #[test]
    fn every_text_fits_one_sms() {
        let long = "身份证复印件不清晰，".repeat(20);
        for s in crate::wire::ReviewState::ALL {
            for detail in [None, Some("缺照片"), Some(long.as_str())] {
                let t = text(&change(s, detail, detail), "城关邮政所城关邮政所城关邮政所");
                assert!(
                    t.chars().count() <= MAX_CHARS,
                    "{} chars: {t}",
                    t.chars().count()
                );
                assert!(t.contains("3301A-261128-0042"), "{t}");
            }
        }
        let t = text(
            &change(ReviewState::Completed, None, Some("EMS 1190000000001")),
            "城关",
        );
        assert!(t.contains("EMS 1190000000001") && t.contains("城关"), "{t}");
        let t = text(
            &change(ReviewState::NeedsCorrection, Some("缺\u{1b}[2J照片"), None),
            "城关",
        );
        assert!(!t.contains('\u{1b}'), "{t}");
    }
}
