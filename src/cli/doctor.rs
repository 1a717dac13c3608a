//! `jingyou doctor [--json] [--bundle FILE]` (DESIGN.md §2): exit 0 however
//! bad things look; 1 only when the bundle cannot be written.
//!
//! The calling process always gathers its own terminal, paths, hub probe,
//! clock and log; only the store part comes from whoever holds the store:
//! the running app over the control socket (then the app answers
//! [`remote`] with JSON), or the store opened here. A store that cannot be
//! opened is one line in the report, and the rest is still printed.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use super::{Ctx, Globals, EXIT_FAILURE};
use crate::control::{self, Output, Request};
use crate::doctor::{self, General, PathInfo, Report, StorePart};
use crate::i18n::{fmt, Lang};
use crate::store::Store;

/// How long the running app may take to gather the store part.
const APP_TIMEOUT: Duration = Duration::from_secs(60);

/// In the running app: the store part as JSON (the caller renders it).
/// With `extras` (a bundle is being made) also the queue, tallies and
/// audit tail. The app never writes the bundle itself.
pub fn remote(ctx: &Ctx, extras: bool) -> Output {
    let part = doctor::gather_store(ctx.store, &ctx.clock, ctx.lang, extras);
    match serde_json::to_string(&part) {
        Ok(s) => Output::ok(s + "\n"),
        Err(e) => Output::fail(EXIT_FAILURE, e.to_string()),
    }
}

fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// The store part: from the running app, else from the store opened here.
/// Returns it and whether the app answered.
fn store_part(g: &Globals, extras: bool) -> (StorePart, bool) {
    let dir = g.store_dir();
    let mut args = vec!["doctor".to_string(), "--json".to_string()];
    if extras {
        // Only a marker: the app sends the extras back, it writes nothing.
        args.extend(["--bundle".to_string(), "-".to_string()]);
    }
    let req = Request {
        args,
        lang: g.lang,
        pin: None,
    };
    if let Some(out) = control::ask(&dir, &req, APP_TIMEOUT) {
        let part = match serde_json::from_str::<StorePart>(&out.stdout) {
            Ok(mut p) if out.code == 0 => {
                p.section.answered_by_app = true;
                p
            }
            Ok(_) | Err(_) => {
                let why = if out.stderr.trim().is_empty() {
                    format!("exit {}", out.code)
                } else {
                    out.stderr.trim().to_string()
                };
                let mut s = doctor::store_unavailable(
                    &dir,
                    Some(fmt(
                        g.lang,
                        "doctor.store.app_unreadable",
                        &[("error", &why)],
                    )),
                );
                s.answered_by_app = true;
                StorePart {
                    section: s,
                    extras: None,
                }
            }
        };
        return (part, true);
    }
    if !dir.exists() {
        // Opening would create a store: doctor changes nothing.
        return (
            StorePart {
                section: doctor::store_unavailable(&dir, None),
                extras: None,
            },
            false,
        );
    }
    let part = match Store::open(&dir, g.config.store.cache_mib) {
        Ok(store) => doctor::gather_store(&store, &g.clock, g.lang, extras),
        Err(e) => StorePart {
            section: doctor::store_unavailable(&dir, Some(e.message(g.lang))),
            extras: None,
        },
    };
    (part, false)
}

fn general(g: &Globals, app_running: bool) -> General {
    let override_path = g
        .config
        .catalog
        .override_file
        .clone()
        .unwrap_or_else(|| crate::paths::config_dir().join("catalog.toml"));
    let (_, catalog_problems) = g.catalog();
    General {
        version: env!("CARGO_PKG_VERSION").to_string(),
        binary: std::env::current_exe()
            .ok()
            .map(|p| p.display().to_string()),
        os: doctor::os_name(),
        arch: std::env::consts::ARCH.to_string(),
        data_dir: PathInfo::of(&g.data_dir),
        store_dir: PathInfo::of(&g.store_dir()),
        log_dir: PathInfo::of(&crate::log::dir(&g.data_dir)),
        config_file: PathInfo::of(&g.config_file),
        config_problem: (!g.warnings.is_empty()).then(|| g.warnings.join(" ")),
        catalog_override: PathInfo::of(&override_path),
        catalog_problems,
        training: g.training,
        app_running,
        lang: lang_name(g.lang).to_string(),
        timezone: g.config.timezone.clone(),
    }
}

/// `jingyou doctor`.
pub fn main(g: &Globals, bundle: Option<&Path>, json: bool) -> ExitCode {
    if let Some(file) = bundle {
        if file.exists() || file.is_symlink() {
            eprintln!(
                "{}",
                fmt(g.lang, "doctor.bundle.exists", &[("file", &file.display())])
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    let (part, app_running) = store_part(g, bundle.is_some());
    let branch = part
        .section
        .branch
        .as_ref()
        .map(|b| b.code.clone())
        .unwrap_or_default();
    let hub = doctor::probe_hub(&g.config, &branch, g.training);
    let clock = doctor::check_clock(g.clock.now(), hub.hub_time.as_deref());
    let report = Report {
        general: general(g, app_running),
        store: part.section,
        hub,
        clock,
        terminal: doctor::terminal(&g.config),
        log_warnings: doctor::log_warnings(&g.data_dir, doctor::LOG_WARNINGS),
    };
    let text = doctor::render(&report, g.lang);
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    } else {
        print!("{text}");
    }
    let Some(file) = bundle else {
        return ExitCode::SUCCESS;
    };
    let files = doctor::bundle_files(
        &report,
        &text,
        part.extras.as_ref(),
        &g.config_file,
        &g.data_dir,
    );
    match doctor::write_bundle(file, &files, g.clock.today()) {
        Ok(size) => {
            let msg = fmt(
                g.lang,
                "doctor.bundle.written",
                &[
                    ("file", &file.display()),
                    ("size", &doctor::human_size(size)),
                ],
            );
            // Keep stdout pure JSON with --json.
            if json {
                eprintln!("{msg}");
            } else {
                println!("\n{msg}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "{}",
                fmt(
                    g.lang,
                    "doctor.bundle.failed",
                    &[("file", &file.display()), ("error", &e)]
                )
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
