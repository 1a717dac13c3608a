//! `jingyou store verify` and `jingyou store repair` (docs/journal.md).

use std::process::ExitCode;

use super::args::StoreAction;
use super::{Globals, EXIT_FAILURE};
use crate::i18n::fmt;
use crate::mask::escape_controls;
use crate::store::{Store, StoreError};

pub fn main(g: &Globals, action: &StoreAction) -> ExitCode {
    g.print_warnings();
    let lang = g.lang;
    let dir = g.store_dir();
    let fail = |e: StoreError| {
        eprintln!("{}", escape_controls(&e.message(lang)));
        ExitCode::from(EXIT_FAILURE)
    };
    match action {
        StoreAction::Verify => {
            let store = match Store::open(&dir, g.config.store.cache_mib) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let report = match store.verify() {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            for d in &report.damaged_frames {
                println!("{}", fmt(lang, "store.verify_frame", &[("frame", d)]));
            }
            for d in &report.differences {
                println!("{}", fmt(lang, "store.verify_diff", &[("what", d)]));
            }
            if report.whole() {
                println!(
                    "{}",
                    fmt(
                        lang,
                        "store.verify_whole",
                        &[
                            ("records", &report.journal_records),
                            ("apps", &report.applications),
                        ],
                    )
                );
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "{}",
                    fmt(lang, "store.verify_damaged", &[("path", &dir.display())])
                );
                ExitCode::from(EXIT_FAILURE)
            }
        }
        StoreAction::Compact => match crate::store::compact(&dir, g.config.store.cache_mib) {
            Ok((before, after)) => {
                println!(
                    "{}",
                    fmt(
                        lang,
                        "store.compacted",
                        &[
                            ("before", &(before / (1024 * 1024))),
                            ("after", &(after / (1024 * 1024))),
                        ],
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        StoreAction::Repair => {
            let report = match Store::repair(&dir, g.config.store.cache_mib) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            if print_repair(lang, &report) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}

/// Prints what a repair did; true when it is whole.
fn print_repair(lang: crate::i18n::Lang, report: &crate::store::RepairReport) -> bool {
    {
        {
            if let Some(p) = &report.moved_to {
                println!(
                    "{}",
                    fmt(lang, "store.repair_moved", &[("path", &p.display())])
                );
            }
            println!(
                "{}",
                fmt(
                    lang,
                    "store.repair_restored",
                    &[
                        ("records", &report.journal_records),
                        ("apps", &report.applications),
                        ("users", &report.users),
                        ("drafts", &report.drafts),
                        ("voids", &report.voids),
                        ("acks", &report.acknowledged),
                    ],
                )
            );
            for d in &report.damaged_frames {
                println!("{}", fmt(lang, "store.repair_lost_frame", &[("frame", d)]));
            }
            println!("{}", fmt(lang, "store.repair_not_restored", &[]));
            if report.verify.whole() && report.damaged_frames.is_empty() {
                println!("{}", fmt(lang, "store.repair_verified", &[]));
                true
            } else {
                for d in &report.verify.differences {
                    println!("{}", fmt(lang, "store.verify_diff", &[("what", d)]));
                }
                eprintln!("{}", fmt(lang, "store.repair_incomplete", &[]));
                false
            }
        }
    }
}

/// On the clerk's terminal, when the store is damaged: a supervisor may
/// type their number and PIN (checked against the users in the journal)
/// to repair it here. True when the store was repaired and work can go on.
pub fn offer_repair(g: &Globals) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    let lang = g.lang;
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{}", fmt(lang, "store.offer_repair", &[]));
    if std::io::stderr().flush().is_err() {
        return false;
    }
    let mut id = String::new();
    if std::io::stdin().lock().read_line(&mut id).is_err() {
        return false;
    }
    let id = id.trim();
    if id.is_empty() {
        return false;
    }
    let Some(pin) = super::read_secret(crate::i18n::tr(lang, "export.ask_pin")) else {
        return false;
    };
    let journal = crate::store::journal_dir_for(&g.store_dir());
    let supervisor = match crate::store::journal_users(&journal) {
        Ok(users) => users.into_iter().find(|u| {
            u.id == id
                && u.role == crate::store::Role::Supervisor
                && !u.disabled
                && crate::auth::verify_pin(&pin, &u.pin_hash)
        }),
        Err(e) => {
            eprintln!("{}", escape_controls(&e.message(lang)));
            return false;
        }
    };
    if supervisor.is_none() {
        eprintln!("{}", fmt(lang, "store.offer_refused", &[]));
        return false;
    }
    let report = match Store::repair(&g.store_dir(), g.config.store.cache_mib) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", escape_controls(&e.message(lang)));
            return false;
        }
    };
    let whole = print_repair(lang, &report);
    if whole {
        if let Ok(store) = Store::open(&g.store_dir(), g.config.store.cache_mib) {
            let now = g.clock.now();
            if let Err(e) = store.audit(now, id, "store_repair", "") {
                eprintln!("{}", escape_controls(&e.message(lang)));
                return false;
            }
        }
        eprint!("{}", fmt(lang, "store.offer_continue", &[]));
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            return false;
        }
    }
    whole
}
