//! Entry points shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`, run
//! with cargo-fuzz) and the property tests (`tests/fuzz_props.rs`, run by
//! `cargo test`): one function per parser or peer-facing surface, taking
//! arbitrary bytes. Each must return (no panic, no hang, bounded memory)
//! whatever it is given; where a cheap invariant holds it is asserted, so
//! the fuzzer finds wrong answers as well as crashes.
//!
//! Not part of the app: nothing here is called by either binary (the
//! linker drops it from them). See docs/fuzzing.md.
#![doc(hidden)]

use std::path::Path;

use chrono::NaiveDate;

/// The day every target checks against (dates in inputs are relative to it).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
}

/// Identifier checks, every kind: the first byte picks the kind, the rest
/// is the typed text. Also the wizard's date, month and money fields.
pub fn ident(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let kinds = crate::ident::Kind::ALL;
    let kind = kinds[pick as usize % kinds.len()];
    if let Ok(checked) = crate::ident::check(kind, &text, today()) {
        // A value that checked out checks out again, as itself.
        let again = crate::ident::check(kind, &checked.value, today());
        assert!(again.is_ok(), "{kind:?}: {:?} then refused", checked.value);
        for lang in [crate::i18n::Lang::Zh, crate::i18n::Lang::En] {
            let _ = checked.describe(lang);
        }
        let _ = checked.to_json();
    }
    let _ = crate::wizard::field::parse_date(&text);
    let _ = crate::wizard::field::parse_month(&text);
    let _ = crate::wizard::field::parse_money(&text);
    let _ = crate::mask::by_key("id_number", &text);
    let _ = crate::mask::escape_controls(&text);
}

/// The catalogue override file (`catalog.toml`) applied to the built-in
/// catalogue: an error list or a catalogue, never a panic.
pub fn catalog_override(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(base) = crate::catalog::Catalog::builtin() else {
        return;
    };
    match crate::catalog::overrides::apply(&base, text, Path::new("catalog.toml")) {
        Ok(catalog) => {
            // What loaded renders, in both languages.
            for lang in [crate::i18n::Lang::Zh, crate::i18n::Lang::En] {
                let _ = catalog.render_table(lang);
                let _ = catalog.problems(lang);
            }
        }
        Err(errors) => {
            for e in errors {
                let _ = e.to_string();
            }
        }
    }
}

/// The config file (`config.toml`), and the key map and theme it names.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match crate::config::Config::parse(text, Path::new("config.toml")) {
        Ok(cfg) => {
            let (_map, problems) = crate::keymap::KeyMap::with_overrides(&cfg.keys);
            for p in problems {
                let _ = format!("{p:?}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// A theme file (`themes/*.toml`).
pub fn theme(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = crate::ui::theme::Theme::parse(text) {
        let _ = e.to_string();
    }
}

/// The key-map parser: one key per line (`f10`, `ctrl-s`, `esc 0`), and
/// the same lines as an override table for one action.
pub fn keymap(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut keys = Vec::new();
    for line in text.lines().take(64) {
        if let Some(k) = crate::keymap::Key::parse(line) {
            // A key that parsed can be shown in the footer.
            assert!(!k.label().is_empty(), "{line:?} has no label");
        }
        let _ = crate::keymap::Action::parse(line);
        keys.push(line.to_string());
    }
    let mut over = std::collections::BTreeMap::new();
    over.insert("finish".to_string(), keys.clone());
    over.insert(
        text.lines().next().unwrap_or("").to_string(),
        keys.into_iter().rev().collect(),
    );
    let (map, _problems) = crate::keymap::KeyMap::with_overrides(&over);
    let _ = map.all();
}

/// The journal's frame reader on a whole segment's bytes: every frame it
/// returns checked out, and what it skipped plus what it kept never runs
/// past the end.
pub fn journal_frames(data: &[u8]) {
    let scan = crate::journal::scan_bytes("2026-11.jnl", data);
    assert!(scan.good_end <= data.len() as u64, "good_end past the end");
    assert!(
        scan.good_end + scan.torn_tail <= data.len() as u64,
        "torn tail past the end"
    );
    for d in &scan.damage {
        assert!(d.offset + d.skipped <= data.len() as u64, "{d}");
    }
    // Every record read back encodes to a frame that reads back the same.
    for rec in scan.records.iter().take(16) {
        if let Ok(frame) = crate::journal::encode_frame(rec) {
            let mut seg = crate::journal::SEGMENT_MAGIC.to_vec();
            seg.extend_from_slice(&frame);
            let again = crate::journal::scan_bytes("again.jnl", &seg);
            assert_eq!(again.records.len(), 1, "a re-encoded frame did not read");
            assert!(again.damage.is_empty());
        }
    }
}

/// The control socket: one request line as a running app receives it,
/// parsed and then parsed again as the command line it carries (the part
/// that runs before any store is touched).
pub fn control_request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match crate::control::parse_request(&text) {
        Ok(req) => {
            let mut argv = vec!["jingyou".to_string()];
            argv.extend(req.args.into_iter().take(64));
            if let Err(e) = <crate::cli::args::Cli as clap::Parser>::try_parse_from(argv) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// The hub's request handling on a sled store in a temporary directory
/// (made once per process). Input: `METHOD PATH[?QUERY]`, header lines,
/// an empty line, the body (see [`crate::hub::fuzz::Harness::request`]).
pub fn hub_request(data: &[u8]) {
    use std::sync::OnceLock;
    static HARNESS: OnceLock<Option<crate::hub::fuzz::Harness>> = OnceLock::new();
    let harness = HARNESS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("jingyou-fuzz-hub-{}", std::process::id()));
        crate::hub::fuzz::Harness::sled(&dir).ok()
    });
    if let Some(h) = harness {
        h.request(data);
    }
}

/// The client's handling of a hub's reply. Input: `STATUS`, header lines,
/// an empty line, the body.
pub fn client_reply(data: &[u8]) {
    crate::sync::client::fuzz_reply(data);
}

/// A target: takes any bytes, returns only if they were handled well.
pub type Target = fn(&[u8]);

/// Every target, by name (for the property tests).
pub const TARGETS: [(&str, Target); 9] = [
    ("ident", ident),
    ("catalog_override", catalog_override),
    ("config", config),
    ("theme", theme),
    ("keymap", keymap),
    ("journal_frames", journal_frames),
    ("control_request", control_request),
    ("hub_request", hub_request),
    ("client_reply", client_reply),
];
