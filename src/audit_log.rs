//! The audit log in words: an action code (`login_failed`) as the screen's
//! language says it (`登录失败`), a void's reason beside its number, and the
//! table the supervisor's screen and `jingyou audit` show. The stored
//! entries keep their codes; `--format json` and CSV's `what` column keep
//! them too.

use std::collections::BTreeMap;

use crate::catalog::text::pad;
use crate::i18n::{fmt, tr, Lang};
use crate::log::scrub;
use crate::mask::escape_controls;
use crate::store::{AuditEntry, Store};

/// Every action the app writes, in the order the docs list them.
pub const ACTIONS: &[&str] = &[
    "setup",
    "login",
    "login_failed",
    "logout",
    "finish",
    "void",
    "discard_draft",
    "print",
    "reprint",
    "user_add",
    "user_disable",
    "user_enable",
    "pin_reset",
    "audit_view",
    "audit_export",
    "audit_refused",
    "export",
    "export_unmasked",
    "export_refused",
    "backup",
    "store_repair",
    "queue_retry",
    "queue_quarantine",
];

/// The action in words; an unknown code is shown as it is (escaped).
pub fn action(lang: Lang, code: &str) -> String {
    let key = format!("audit.what.{code}");
    match tr(lang, &key) {
        t if t == key => escape_controls(code),
        t => t.to_string(),
    }
}

/// The reasons of the voids among `entries`, by application number (a
/// void's audit line names the number; the reason is on the application).
pub fn void_reasons(store: &Store, entries: &[AuditEntry]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in entries.iter().filter(|e| e.what == "void") {
        if out.contains_key(&e.detail) {
            continue;
        }
        // An application that cannot be read just shows without its reason.
        if let Ok(Some(app)) = store.application(&e.detail) {
            if let Some(v) = app.void {
                out.insert(e.detail.clone(), v.reason);
            }
        }
    }
    out
}

/// The entry's detail as shown: personal data scrubbed, controls escaped,
/// a void's reason added.
pub fn detail(lang: Lang, e: &AuditEntry, reasons: &BTreeMap<String, String>) -> String {
    let d = escape_controls(&scrub(&e.detail));
    match reasons.get(&e.detail).filter(|_| e.what == "void") {
        Some(r) => fmt(
            lang,
            "audit.void_detail",
            &[("number", &d), ("reason", &escape_controls(&scrub(r)))],
        ),
        None => d,
    }
}

/// Who did it (`-` when nobody was logged in).
pub fn who(e: &AuditEntry) -> String {
    if e.who.is_empty() {
        "-".to_string()
    } else {
        escape_controls(&e.who)
    }
}

/// Column widths (display columns) of the table: time, who, action.
pub const WIDTHS: [usize; 3] = [19, 8, 18];

/// The header line of the table.
pub fn header(lang: Lang, time_width: usize) -> String {
    format!(
        "{} {} {} {}",
        pad(tr(lang, "audit.col.at"), time_width),
        pad(tr(lang, "audit.col.who"), WIDTHS[1]),
        pad(tr(lang, "audit.col.what"), WIDTHS[2]),
        tr(lang, "audit.col.detail")
    )
}

/// One line of the table; `time` is the entry's time as the caller formats
/// it, `time_width` its column.
pub fn row(
    lang: Lang,
    e: &AuditEntry,
    reasons: &BTreeMap<String, String>,
    time: &str,
    time_width: usize,
) -> String {
    format!(
        "{} {} {} {}",
        pad(time, time_width),
        pad(&who(e), WIDTHS[1]),
        pad(&action(lang, &e.what), WIDTHS[2]),
        detail(lang, e, reasons)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_words_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for code in ACTIONS {
                let words = action(lang, code);
                assert_ne!(&words, code, "{code} has no words in {lang:?}");
                assert!(!words.contains('_'), "{code}: {words}");
            }
        }
        assert_eq!(action(Lang::Zh, "login_failed"), "登录失败");
        assert_eq!(action(Lang::Zh, "new\u{1b}"), "new\\u{1b}");
    }
}
