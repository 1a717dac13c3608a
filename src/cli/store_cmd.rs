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
        StoreAction::Repair => {
            let report = match Store::repair(&dir, g.config.store.cache_mib) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
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
                ExitCode::SUCCESS
            } else {
                for d in &report.verify.differences {
                    println!("{}", fmt(lang, "store.verify_diff", &[("what", d)]));
                }
                eprintln!("{}", fmt(lang, "store.repair_incomplete", &[]));
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}
