//! `jingyou sync [--once]`: upload what is pending, with progress on stderr.
//! Exit 0 nothing pending (quarantined ones are reported, not pending),
//! 3 some left pending, 4 refused by the hub (401/403), 5 no hub configured.
//! Every pass also pulls the office's review changes (`GET /v1/changes`),
//! even with nothing to upload.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::{Ctx, EXIT_FAILURE};
use crate::control::Output;
use crate::i18n::{fmt, tr};
use crate::sync::client::HubClient;
use crate::sync::relay::{client_config, PassReport, Relay, RelayEvent, Settings};

pub const EXIT_LEFT: u8 = 3;
pub const EXIT_REFUSED: u8 = 4;
pub const EXIT_NO_HUB: u8 = 5;

/// The summary line and exit code of a finished sync.
fn finish(ctx: &Ctx, r: &PassReport, acknowledged: usize, quarantined: usize) -> Output {
    let lang = ctx.lang;
    let quarantined_now = ctx
        .store
        .queue()
        .map(|q| {
            q.iter()
                .filter(|(_, e)| e.state == crate::store::UploadState::Quarantined)
                .count()
        })
        .unwrap_or(0);
    let mut text = fmt(
        lang,
        "sync.summary",
        &[
            ("ack", &acknowledged),
            ("quarantined", &quarantined),
            ("pending", &r.pending),
            ("held", &quarantined_now),
        ],
    );
    if r.changes_pulled > 0 {
        text.push_str(&fmt(lang, "sync.reviews", &[("n", &r.changes_pulled)]));
    }
    if let Some(t) = r.next_try.filter(|_| r.pending > 0) {
        text.push_str(&fmt(lang, "sync.next", &[("time", &t.format("%H:%M"))]));
    }
    if let Some(e) = &r.last_error {
        // The kind in the UI's words; the detail is in the log.
        crate::log::warn(&format!("sync: {e}"));
        let words = r
            .error_kind
            .or_else(|| crate::sync::relay::SyncErrorKind::of_text(e))
            .map_or_else(|| e.clone(), |k| k.words(lang).to_string());
        text.push('\n');
        text.push_str(&fmt(lang, "sync.last_error", &[("error", &words)]));
    }
    if let Some(why) = &r.refused {
        return Output::fail(
            EXIT_REFUSED,
            fmt(lang, "sync.refused", &[("why", why)]) + "\n" + &text,
        );
    }
    let code = if r.pending == 0 { 0 } else { EXIT_LEFT };
    Output {
        stdout: String::new(),
        stderr: text + "\n",
        code,
        ..Output::default()
    }
}

pub fn run(ctx: &Ctx, once: bool, max_wait: u64) -> Output {
    let lang = ctx.lang;
    if ctx.training {
        return Output::fail(EXIT_NO_HUB, tr(lang, "sync.training").to_string());
    }
    // The running app's relay does the work; we wait for its pass.
    if let Some(relay) = ctx.relay {
        return match relay.send_now_and_wait(Duration::from_secs(max_wait.max(30))) {
            Some(r) => finish(ctx, &r, r.acknowledged, r.quarantined),
            None => Output::fail(EXIT_LEFT, tr(lang, "sync.no_answer").to_string()),
        };
    }
    let branch = match ctx.store.branch() {
        Ok(Some(b)) => b,
        Ok(None) => return Output::fail(EXIT_FAILURE, tr(lang, "login.no_branch").to_string()),
        Err(e) => return Output::fail(EXIT_FAILURE, e.message(lang)),
    };
    let config = match client_config(ctx.config, &branch.code) {
        Ok(Some(c)) => c,
        Ok(None) => return Output::fail(EXIT_NO_HUB, tr(lang, "sync.no_hub").to_string()),
        Err(e) => return Output::fail(EXIT_FAILURE, fmt(lang, "sync.token", &[("error", &e)])),
    };
    let client = match HubClient::new(config) {
        Ok(c) => c,
        Err(e) => return Output::fail(EXIT_FAILURE, e.to_string()),
    };
    // --max-wait bounds the whole command, --once included: no request
    // (however slowly a hub answers) runs past it.
    let started = Instant::now();
    client.set_deadline(Some(started + Duration::from_secs(max_wait)));
    let mut relay = Relay {
        store: ctx.store,
        client: &client,
        settings: Settings::from_config(ctx.config),
        clock: ctx.clock,
        data_dir: ctx.data_dir.to_path_buf(),
        batch: 20,
    };
    let tty = std::io::stderr().is_terminal();
    let mut progress = |ev: RelayEvent| {
        if !tty {
            return;
        }
        let line = match ev {
            RelayEvent::Progress { done, due } => {
                let width = 30;
                let filled = (done * width).checked_div(due).unwrap_or(width).min(width);
                fmt(
                    lang,
                    "sync.progress",
                    &[
                        (
                            "bar",
                            &format!("{}{}", "#".repeat(filled), ".".repeat(width - filled)),
                        ),
                        ("done", &done),
                        ("due", &due),
                    ],
                )
            }
            RelayEvent::Attachment { name, sent, total } => fmt(
                lang,
                "sync.attachment",
                &[
                    ("name", &name),
                    ("pct", &(sent * 100).checked_div(total).unwrap_or(100)),
                ],
            ),
            _ => return,
        };
        let mut err = std::io::stderr();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    };
    let mut acknowledged = 0;
    let mut quarantined = 0;
    let mut first = true;
    let mut pulled = 0;
    loop {
        let mut r = relay.pass(first || once, &mut progress);
        first = false;
        pulled += r.changes_pulled;
        r.changes_pulled = pulled;
        acknowledged += r.acknowledged;
        quarantined += r.quarantined;
        crate::log::info(&format!(
            "sync pass: {} acknowledged, {} quarantined, {} pending, error {:?}",
            r.acknowledged, r.quarantined, r.pending, r.last_error
        ));
        if tty {
            eprintln!();
        }
        let give_up = started.elapsed() >= Duration::from_secs(max_wait);
        if once || r.pending == 0 || r.refused.is_some() || give_up {
            return finish(ctx, &r, acknowledged, quarantined);
        }
        // Wait for the earliest next try, within the time left.
        let left = Duration::from_secs(max_wait).saturating_sub(started.elapsed());
        let wait = r
            .next_try
            .and_then(|t| (t - ctx.clock.now()).to_std().ok())
            .unwrap_or(Duration::from_secs(1))
            .clamp(
                Duration::from_millis(100),
                left.max(Duration::from_millis(100)),
            );
        std::thread::sleep(wait);
    }
}
