//! The command-line contract of DESIGN.md §2, through the real binaries.
//!
//! Every run gets a temporary `--data-dir` and temporary `HOME`,
//! `XDG_CONFIG_HOME` and `XDG_DATA_HOME`, so the developer's own config,
//! catalogue override, themes and stores never leak in. The clock is pinned
//! with `JINGYOU_NOW` so dates in the output are stable. Every run also
//! checks that nothing on stderr looks like a Rust panic.

#[path = "support/tmux.rs"]
mod tmux;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use tmux::{have_tmux, Tmux};

use serde_json::Value;
use tempfile::TempDir;
use unicode_width::UnicodeWidthStr;

const JINGYOU: &str = env!("CARGO_BIN_EXE_jingyou");
const NOW: &str = "2026-11-28T10:00:00+08:00";

/// A sandbox: its own home, config dir, data dir.
struct Sandbox {
    root: TempDir,
}

/// What a run left behind.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["home", "config", "xdg-data", "data"] {
            std::fs::create_dir_all(root.path().join(d)).expect("mkdir");
        }
        Sandbox { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// `$XDG_CONFIG_HOME/jingyou`.
    fn config_dir(&self) -> PathBuf {
        let d = self.path("config/jingyou");
        std::fs::create_dir_all(&d).expect("mkdir config");
        d
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }

    /// A command with a clean environment pointing into the sandbox, but
    /// without `--data-dir` (for the tests of the data-dir resolution).
    fn bare(&self, bin: &str) -> Command {
        let mut c = Command::new(bin);
        c.env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("JINGYOU_NOW", NOW)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm-256color")
            .env_remove("JINGYOU_DATA")
            .env_remove("JINGYOU_HUB_URL")
            .env_remove("JINGYOU_HUB_TOKEN")
            .env_remove("JINGYOU_SUPERVISOR_PIN")
            .env_remove("NO_COLOR")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    /// `jingyou --data-dir <sandbox>/data ARGS`.
    fn run(&self, args: &[&str]) -> Out {
        let mut c = self.bare(JINGYOU);
        c.arg("--data-dir").arg(self.data()).args(args);
        output(c)
    }
}

fn output(mut c: Command) -> Out {
    let o = c.output().expect("the binary runs");
    let out = Out {
        // A signal (no exit code) shows up as -1 and fails every assertion.
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
        "panic text on stderr of {c:?}:\n{}",
        out.stderr
    );
    out
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// Non-empty lines of a text.
fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

// ───────────── help, version, usage errors ─────────────

#[test]
fn help_and_version_exit_0_for_the_app_and_every_subcommand() {
    let s = Sandbox::new();
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["catalog", "--help"],
        &["check", "--help"],
        &["seed", "--help"],
        &["help", "catalog"],
        &["help", "check"],
        &["help", "seed"],
    ] {
        let o = s.run(args);
        assert_eq!(o.code, 0, "{args:?}: {o:?}");
        assert!(o.stdout.contains("Usage:"), "{args:?}: {o:?}");
    }
    let top = s.run(&["--help"]);
    for sub in ["catalog", "check", "seed"] {
        assert!(
            top.stdout.contains(sub),
            "--help lists {sub}: {}",
            top.stdout
        );
    }
    for args in [&["--version"][..], &["-V"]] {
        let o = s.run(args);
        assert_eq!(o.code, 0, "{args:?}: {o:?}");
        assert!(
            o.stdout.contains(env!("CARGO_PKG_VERSION")),
            "{args:?} prints the version: {o:?}"
        );
    }
}

#[test]
fn hub_version_exits_0() {
    let hub = env!("CARGO_BIN_EXE_jingyou-hub");
    let s = Sandbox::new();
    let o = output({
        let mut c = s.bare(hub);
        c.arg("--version");
        c
    });
    assert_eq!(o.code, 0, "jingyou-hub --version: {o:?}");
}

#[test]
fn usage_errors_exit_2_with_a_message_on_stderr() {
    let s = Sandbox::new();
    for args in [
        &["nope"][..],
        &["--no-such-flag"],
        &["check"],
        &["check", "id"],
        &["check", "foo", "x"],
        &["check", "id", "1", "2"],
        &["--lang", "fr", "catalog"],
        &["catalog", "--lang", "fr"],
        &["--lang", "fr", "check", "id", "11010519491231002X"],
        &["seed"],
        &["seed", "--count", "many"],
        &["catalog", "--guide"],
    ] {
        let o = s.run(args);
        assert_eq!(o.code, 2, "{args:?}: {o:?}");
        assert!(!o.stderr.trim().is_empty(), "{args:?} says why: {o:?}");
        assert!(
            o.stdout.is_empty(),
            "{args:?} prints nothing on stdout: {o:?}"
        );
    }
}

#[test]
fn unknown_kind_and_language_are_explained_in_the_chosen_language() {
    let s = Sandbox::new();
    let o = s.run(&["check", "foo", "x"]);
    assert!(
        o.stderr.contains("foo") && o.stderr.contains("licence-file"),
        "{o:?}"
    );
    let o = s.run(&["--lang", "en", "check", "foo", "x"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("Unknown kind foo"), "{o:?}");
    assert_eq!(lines(&o.stderr).len(), 1, "one sentence: {o:?}");
    let o = s.run(&["--lang", "fr", "catalog"]);
    assert!(o.stderr.contains("fr"), "{o:?}");
    assert_eq!(lines(&o.stderr).len(), 1, "one sentence: {o:?}");
}

// ───────────── check ─────────────

struct Vector {
    kind: &'static str,
    value: &'static str,
    valid: bool,
    /// Substrings of stdout with `--lang zh` and `--lang en`.
    zh: &'static [&'static str],
    en: &'static [&'static str],
}

const VECTORS: &[Vector] = &[
    Vector {
        kind: "id",
        value: "11010519491231002X",
        valid: true,
        zh: &["有效", "11010519491231002X", "1949-12-31", "北京"],
        en: &["Valid", "11010519491231002X", "1949-12-31", "Beijing"],
    },
    Vector {
        kind: "id",
        value: "36042619910102009X",
        valid: false,
        zh: &["无效", "校验位", "3"],
        en: &["Invalid", "check character", "should be 3"],
    },
    Vector {
        kind: "plate",
        value: "京AD92035",
        valid: true,
        zh: &["有效", "京AD92035", "新能源"],
        en: &["Valid", "京AD92035", "new-energy"],
    },
    Vector {
        kind: "vin",
        value: "LFV2A21K057301563",
        valid: false,
        zh: &["无效", "校验位"],
        en: &["Invalid", "check character"],
    },
    Vector {
        kind: "phone",
        value: "+8613812345678",
        valid: true,
        zh: &["有效", "13812345678", "+86"],
        en: &["Valid", "13812345678", "+86"],
    },
    Vector {
        kind: "licence-file",
        value: "430101758218",
        valid: true,
        zh: &["有效", "430101758218"],
        en: &["Valid", "430101758218"],
    },
    Vector {
        kind: "decision",
        value: "123456789012345",
        valid: true,
        zh: &["有效", "123456789012345"],
        en: &["Valid", "123456789012345"],
    },
    Vector {
        kind: "decision",
        value: "1234567890123456",
        valid: true,
        zh: &["有效", "1234567890123456"],
        en: &["Valid", "1234567890123456"],
    },
    Vector {
        kind: "decision",
        value: "12345678901234",
        valid: false,
        zh: &["无效", "15", "16", "14"],
        en: &["Invalid", "15", "16", "14"],
    },
    Vector {
        kind: "decision",
        value: "12345678901234567",
        valid: false,
        zh: &["无效", "17"],
        en: &["Invalid", "17"],
    },
    Vector {
        kind: "uscc",
        value: "91110000600037341L",
        valid: true,
        zh: &["有效", "91110000600037341L"],
        en: &["Valid", "91110000600037341L"],
    },
];

#[test]
fn check_exit_codes_and_text_in_both_languages() {
    let s = Sandbox::new();
    for v in VECTORS {
        for (lang, want) in [("zh", v.zh), ("en", v.en)] {
            let o = s.run(&["--lang", lang, "check", v.kind, v.value]);
            let label = format!("check {} {} --lang {lang}", v.kind, v.value);
            assert_eq!(o.code, if v.valid { 0 } else { 1 }, "{label}: {o:?}");
            for w in want {
                assert!(o.stdout.contains(w), "{label}: stdout lacks {w:?}: {o:?}");
            }
        }
    }
}

#[test]
fn check_default_language_is_chinese_and_lang_works_after_the_subcommand() {
    let s = Sandbox::new();
    let zh = s.run(&["check", "id", "11010519491231002X"]);
    assert!(zh.stdout.contains("有效"), "{zh:?}");
    let en = s.run(&["check", "id", "11010519491231002X", "--lang", "en"]);
    assert_eq!(en.code, 0);
    assert!(en.stdout.contains("Valid"), "{en:?}");
}

#[test]
fn check_json_warnings_follow_the_language_and_keep_exit_0() {
    let s = Sandbox::new();
    // Data-only and satellite phone segments, an unknown county code, an
    // unknown office letter: valid with a warning.
    for (kind, value, en_word, zh_word) in [
        ("phone", "14912345678", "data-only", "数据专用"),
        ("phone", "17401234567", "satellite", "卫星"),
        ("id", "439952198001010017", "GB/T 2260", "行政区划代码"),
        ("plate", "湘V12345", "office letter", "发牌机关代号"),
    ] {
        for (lang, word) in [("en", en_word), ("zh", zh_word)] {
            let o = s.run(&["--lang", lang, "check", kind, value, "--json"]);
            assert_eq!(o.code, 0, "{kind} {value} {lang}: {o:?}");
            let j = json(&o.stdout);
            let w = j["warnings"][0].as_str().unwrap_or_default();
            assert!(w.contains(word), "{kind} {value} {lang}: {j}");
            if lang == "en" {
                assert!(
                    !w.chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !value.contains(c)),
                    "{j}"
                );
            }
        }
    }
    // 162 is a virtual operator, not an unknown segment; USCC with a hyphen.
    let j = json(&s.run(&["check", "phone", "16212345678", "--json"]).stdout);
    assert_eq!(j["facts"]["carrier"], "virtual", "{j}");
    assert_eq!(j["warnings"].as_array().map(Vec::len), Some(0), "{j}");
    let o = s.run(&["check", "uscc", "59650102-K1LRT4JBC1", "--json"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(json(&o.stdout)["value"], "59650102K1LRT4JBC1");
    // The plates are refused.
    for p in ["京AABCDE", "湘CEZJCV", "粤Z12345"] {
        assert_eq!(s.run(&["check", "plate", p]).code, 1, "{p}");
    }
}

#[test]
fn check_json_shape() {
    let s = Sandbox::new();
    for v in VECTORS {
        for lang in ["zh", "en"] {
            let o = s.run(&["--lang", lang, "check", v.kind, v.value, "--json"]);
            let label = format!("check {} {} --json --lang {lang}", v.kind, v.value);
            assert_eq!(o.code, if v.valid { 0 } else { 1 }, "{label}: {o:?}");
            assert_eq!(lines(&o.stdout).len(), 1, "{label}: one JSON line: {o:?}");
            let j = json(&o.stdout);
            assert_eq!(j["kind"], v.kind, "{label}: {j}");
            assert_eq!(j["valid"], v.valid, "{label}: {j}");
            if v.valid {
                assert!(j["value"].is_string(), "{label}: {j}");
                assert!(j["facts"].is_object(), "{label}: {j}");
                assert!(j["warnings"].is_array(), "{label}: {j}");
            } else {
                let reason = j["reason"].as_str().unwrap_or_default();
                assert!(!reason.is_empty(), "{label}: a reason: {j}");
            }
        }
    }
    let o = s.run(&["check", "id", "11010519491231002X", "--json"]);
    let j = json(&o.stdout);
    assert_eq!(j["value"], "11010519491231002X");
    assert_eq!(j["facts"]["birth_date"], "1949-12-31");
    let o = s.run(&["check", "phone", "+8613812345678", "--json"]);
    assert_eq!(json(&o.stdout)["value"], "13812345678", "normalised: {o:?}");
    let o = s.run(&["check", "plate", "京AD92035", "--json"]);
    assert_eq!(json(&o.stdout)["facts"]["new_energy"], true, "{o:?}");
}

// ───────────── catalog ─────────────

const KEYS: [&str; 11] = [
    "code",
    "group",
    "name_zh",
    "name_en",
    "offered",
    "refusal_reason",
    "fields",
    "materials",
    "fees",
    "time_limit",
    "time_limit_days",
];

fn catalog_json(s: &Sandbox, extra: &[&str]) -> (Vec<Value>, Out) {
    let mut args = vec!["catalog", "--json"];
    args.extend_from_slice(extra);
    let o = s.run(&args);
    assert_eq!(o.code, 0, "{o:?}");
    let list = match json(&o.stdout) {
        Value::Array(a) => a,
        other => panic!("catalog --json is not an array: {other}"),
    };
    (list, o)
}

fn offered_by_group(list: &[Value]) -> [usize; 4] {
    let mut n = [0; 4];
    for s in list.iter().filter(|s| s["offered"] == true) {
        let i = match s["group"].as_str() {
            Some("vehicle") => 0,
            Some("licence") => 1,
            Some("violation") => 2,
            Some("platform") => 3,
            other => panic!("unknown group {other:?} in {s}"),
        };
        n[i] += 1;
    }
    n
}

#[test]
fn catalog_json_has_the_25_services_and_the_contract_keys() {
    let s = Sandbox::new();
    let (list, o) = catalog_json(&s, &[]);
    assert!(o.stderr.is_empty(), "no warnings on a clean sandbox: {o:?}");
    assert_eq!(offered_by_group(&list), [10, 10, 1, 4]);
    let mut codes = std::collections::HashSet::new();
    let mut refused = 0;
    for svc in &list {
        for k in KEYS {
            assert!(svc.get(k).is_some(), "key {k} missing in {svc}");
        }
        let code = svc["code"].as_str().expect("code is a string");
        assert!(codes.insert(code.to_string()), "duplicate code {code}");
        assert!(svc["time_limit"].is_string(), "{code}: time_limit");
        for k in ["name_zh", "name_en"] {
            let t = svc[k].as_str().unwrap_or_default();
            assert!(!t.trim().is_empty(), "{code}: {k} is a non-empty string");
        }
        assert!(
            svc["time_limit_days"].is_u64(),
            "{code}: time_limit_days is a non-negative integer: {}",
            svc["time_limit_days"]
        );
        for k in ["fields", "materials", "fees"] {
            assert!(svc[k].is_array() || svc[k].is_object(), "{code}: {k}");
        }
        match svc["offered"].as_bool() {
            Some(true) => {
                assert!(svc["refusal_reason"].is_null(), "{code}: {svc}");
                let limit = svc["time_limit"].as_str().unwrap_or_default();
                assert!(!limit.trim().is_empty(), "{code}: a time limit");
                // 0 days: on the spot, or no statutory limit because the
                // issuing office decides (D7–D9, 令162 art. 75).
                if svc["time_limit_days"] == 0 {
                    assert!(
                        limit == "当场办结" || limit == "由驾驶证核发地车管所审核决定",
                        "{code}: 0 days is on the spot: {limit}"
                    );
                }
            }
            Some(false) => {
                refused += 1;
                let r = svc["refusal_reason"].as_str().unwrap_or_default();
                assert!(!r.trim().is_empty(), "{code}: refused without a reason");
            }
            None => panic!("{code}: offered is not a boolean"),
        }
    }
    // 补领登记证书, 共同所有人变更, 灭失注销 (DESIGN.md §3).
    assert!(refused >= 3, "the three refused services are listed");
}

#[test]
fn catalog_table_lists_every_offered_code_in_both_languages() {
    let s = Sandbox::new();
    let (list, _) = catalog_json(&s, &[]);
    for lang in ["zh", "en"] {
        let o = s.run(&["--lang", lang, "catalog"]);
        assert_eq!(o.code, 0, "{o:?}");
        for svc in list.iter().filter(|v| v["offered"] == true) {
            let code = svc["code"].as_str().unwrap_or_default();
            assert!(o.stdout.contains(code), "{lang}: table lacks {code}");
        }
    }
}

#[test]
fn guide_fits_40_columns_and_an_unknown_code_is_one_line_exit_1() {
    let s = Sandbox::new();
    for lang in ["zh", "en"] {
        let o = s.run(&["--lang", lang, "catalog", "--guide", "D3"]);
        assert_eq!(o.code, 0, "{o:?}");
        assert!(o.stdout.contains("D3"), "{o:?}");
        assert!(lines(&o.stdout).len() > 5, "a real guide: {o:?}");
        for line in o.stdout.lines() {
            assert!(
                line.width() <= 40,
                "{lang}: {} columns: {line:?}",
                line.width()
            );
        }
        let o = s.run(&["--lang", lang, "catalog", "--guide", "NOPE"]);
        assert_eq!(o.code, 1, "{o:?}");
        assert!(o.stdout.is_empty(), "{o:?}");
        assert_eq!(o.stderr.lines().count(), 1, "one line: {o:?}");
        assert!(o.stderr.contains("NOPE"), "{o:?}");
    }
}

// ───────────── configuration problems ─────────────

#[test]
fn a_corrupt_config_is_reported_with_file_and_line_and_the_command_still_works() {
    let s = Sandbox::new();
    let bad = s.write("bad-config.toml", "# fine\nlang = \"en\"\n[ui\ntheme = 3\n");
    let bad_s = bad.to_str().expect("utf-8 path");
    for lang in ["zh", "en"] {
        let (list, o) = catalog_json(&s, &["--config", bad_s, "--lang", lang]);
        assert_eq!(offered_by_group(&list), [10, 10, 1, 4]);
        assert!(o.stderr.contains(bad_s), "{lang}: names the file: {o:?}");
        let line = if lang == "zh" { "第 3 行" } else { "line 3" };
        assert!(o.stderr.contains(line), "{lang}: names the line: {o:?}");
    }
    // Garbage bytes, not even UTF-8.
    let junk = s.path("junk.toml");
    std::fs::write(&junk, [0xff_u8, 0xfe, 0x00, 0x9c, b'\n', b'=']).expect("write");
    let o = s.run(&["--config", junk.to_str().expect("utf-8"), "catalog"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stderr.contains("junk.toml"), "{o:?}");
    // `check` still answers.
    let o = s.run(&["--config", bad_s, "check", "plate", "京AD92035"]);
    assert_eq!(o.code, 0, "{o:?}");
}

#[test]
fn the_default_config_file_is_read_from_xdg_config_home() {
    let s = Sandbox::new();
    let file = s.config_dir().join("config.toml");
    std::fs::write(&file, "lang = \"en\"\n").expect("write");
    let o = s.run(&["check", "id", "11010519491231002X"]);
    assert!(o.stdout.contains("Valid"), "lang from the config: {o:?}");
    std::fs::write(&file, "lang = \"en\"\nno_such_key = 1\n").expect("write");
    let o = s.run(&["catalog"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stderr.contains("config.toml"),
        "unknown key reported: {o:?}"
    );
    assert!(o.stderr.contains("第 2 行"), "with its line: {o:?}");
}

#[test]
fn a_malformed_catalog_override_is_reported_and_the_builtin_catalogue_used() {
    let s = Sandbox::new();
    let ov = s.write(
        "local/catalog.toml",
        "disable = [\"V1\"]\n\n[[fee]]\nservice = \n",
    );
    let cfg = s.write(
        "cfg.toml",
        &format!("[catalog]\noverride = {:?}\n", ov.to_str().expect("utf-8")),
    );
    let (list, o) = catalog_json(&s, &["--config", cfg.to_str().expect("utf-8")]);
    assert_eq!(offered_by_group(&list), [10, 10, 1, 4], "V1 not disabled");
    assert!(
        o.stderr.contains("local/catalog.toml"),
        "names the file: {o:?}"
    );
    assert!(o.stderr.contains("第 4 行"), "names the line: {o:?}");
    // The table and the guide work too.
    let o = s.run(&["--config", cfg.to_str().expect("utf-8"), "catalog"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("V1"), "{o:?}");
}

#[test]
fn the_default_catalog_override_is_read_from_xdg_config_home() {
    let s = Sandbox::new();
    std::fs::write(s.config_dir().join("catalog.toml"), "disable = [\"v9\"]\n").expect("write");
    let (list, o) = catalog_json(&s, &[]);
    assert!(o.stderr.is_empty(), "{o:?}");
    let v9 = list.iter().find(|v| v["code"] == "V9").expect("V9 listed");
    assert_eq!(v9["offered"], false, "{v9}");
    assert!(v9["refusal_reason"].is_string(), "{v9}");
    assert_eq!(offered_by_group(&list), [9, 10, 1, 4]);
}

// ───────────── seed, data dir ─────────────

#[test]
fn seed_twice_on_a_fresh_data_dir() {
    let s = Sandbox::new();
    let o = s.run(&["seed", "--count", "50", "--days", "5"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("50"), "a report: {o:?}");
    assert!(s.data().join("store").is_dir(), "store in <data>/store");
    assert!(
        !s.data().join("training").exists(),
        "training store untouched"
    );
    let o = s.run(&["--lang", "en", "seed", "--count", "50", "--days", "5"]);
    assert_eq!(o.code, 0, "a second seed on generated data: {o:?}");
    assert!(!o.stdout.trim().is_empty(), "{o:?}");
}

#[test]
fn seed_with_training_uses_the_training_store() {
    let s = Sandbox::new();
    let o = s.run(&["--training", "seed", "--count", "5", "--days", "2"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(s.data().join("training/store").is_dir());
    assert!(!s.data().join("store").exists(), "real store untouched");
}

#[test]
fn data_dir_comes_from_jingyou_data_then_xdg_data_home() {
    let s = Sandbox::new();
    let via_env = s.path("env-data");
    let mut c = s.bare(JINGYOU);
    c.env("JINGYOU_DATA", &via_env)
        .args(["seed", "--count", "2", "--days", "1"]);
    let o = output(c);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(via_env.join("store").is_dir(), "$JINGYOU_DATA/store");

    let mut c = s.bare(JINGYOU);
    c.args(["seed", "--count", "2", "--days", "1"]);
    let o = output(c);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        s.path("xdg-data/jingyou/store").is_dir(),
        "$XDG_DATA_HOME/jingyou/store"
    );
    assert!(!s.path("home/.local").exists(), "HOME not used");
}

// ───────────── the TUI without a terminal ─────────────

fn assert_one_sentence(o: &Out) {
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(lines(&o.stderr).len(), 1, "one sentence on stderr: {o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
}

#[test]
fn tui_without_a_terminal_exits_1_with_one_sentence() {
    let s = Sandbox::new();
    let o = s.run(&[]);
    assert_one_sentence(&o);
    assert!(o.stderr.contains("终端"), "{o:?}");
    let o = s.run(&["--lang", "en"]);
    assert_one_sentence(&o);
    assert!(o.stderr.contains("terminal"), "{o:?}");
    let o = s.run(&["--training"]);
    assert_one_sentence(&o);
}

// ───────────── a running TUI owns the store (needs tmux) ─────────────

#[test]
#[ignore = "needs tmux; .ci/run runs the ignored tests"]
fn a_running_tui_owns_the_store_and_a_killed_one_leaves_no_lock() {
    assert!(have_tmux(), "this test needs tmux (apt-get install tmux)");
    let s = Sandbox::new();
    let tmux = Tmux::new("cli");
    // The pane's command gets the sandbox environment through `env`.
    let line = format!(
        "exec env HOME={home} XDG_CONFIG_HOME={cfg} XDG_DATA_HOME={xdg} JINGYOU_NOW={NOW} \
         TERM=xterm-256color {JINGYOU} --data-dir {data}",
        home = s.path("home").display(),
        cfg = s.path("config").display(),
        xdg = s.path("xdg-data").display(),
        data = s.data().display(),
    );
    let started = tmux
        .cmd()
        .args([
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            &line,
        ])
        .status()
        .is_ok_and(|st| st.success());
    assert!(started, "tmux new-session");
    assert!(tmux.wait_for("警邮"), "the TUI comes up");

    let o = s.run(&["seed", "--count", "3", "--days", "1"]);
    assert_one_sentence(&o);

    let pid = tmux.out(&["list-panes", "-t", "t", "-F", "#{pane_pid}"]);
    let pid = pid.trim();
    assert!(!pid.is_empty(), "pane pid");
    let killed = Command::new("kill")
        .args(["-9", pid])
        .status()
        .is_ok_and(|st| st.success());
    assert!(killed, "kill -9 {pid}");
    let mut o = s.run(&["seed", "--count", "3", "--days", "1"]);
    for _ in 0..50 {
        if o.code == 0 {
            break;
        }
        // The kernel may take a moment to release the dead process's lock.
        std::thread::sleep(std::time::Duration::from_millis(100));
        o = s.run(&["seed", "--count", "3", "--days", "1"]);
    }
    assert_eq!(
        o.code, 0,
        "a lock left by kill -9 is not 'already running': {o:?}"
    );
}

#[test]
fn a_non_utf8_data_dir_works_and_never_panics() {
    use std::os::unix::ffi::OsStrExt;
    let s = Sandbox::new();
    let dir = s
        .path("data")
        .join(std::ffi::OsStr::from_bytes(b"\xff\xfe"));
    let mut c = s.bare(JINGYOU);
    c.arg("--data-dir")
        .arg(&dir)
        .args(["seed", "--count", "3", "--days", "1"]);
    assert_eq!(output(c).code, 0);
    let mut c = s.bare(JINGYOU);
    c.arg("--data-dir")
        .arg(&dir)
        .args(["tally", "--format", "json"]);
    let o = output(c);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(json(&o.stdout)["total"], 3);
}

#[test]
fn an_argument_echoed_in_an_error_has_its_escapes_escaped() {
    let s = Sandbox::new();
    assert_eq!(s.run(&["seed", "--count", "1", "--days", "1"]).code, 0);
    let o = s.run(&["queue", "retry", "\u{1b}]0;x\u{7}"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        !o.stderr.contains('\u{1b}') && !o.stderr.contains('\u{7}'),
        "{:?}",
        o.stderr
    );
    assert!(o.stderr.contains("\\u{1b}]0;x\\u{7}"), "{:?}", o.stderr);
    // Every place an argument comes back in an error sentence.
    let bad = "\u{1b}]0;x\u{7}";
    for args in [
        &["--lang", bad, "tally"][..],
        &["check", bad, "1"],
        &["catalog", "--guide", bad],
        &["tally", "--date", bad],
        &["find", bad],
        &["export", "--from", bad, "--to", "today"],
        &["queue", "quarantine", bad],
    ] {
        let o = s.run(args);
        assert_ne!(o.code, 0, "{args:?}: {o:?}");
        assert!(
            !o.stderr.contains('\u{1b}') && !o.stderr.contains('\u{7}'),
            "{args:?}: raw escape in {:?}",
            o.stderr
        );
    }
}

#[test]
fn a_non_utf8_config_path_is_named_in_a_clear_error() {
    use std::os::unix::ffi::OsStrExt;
    let s = Sandbox::new();
    let bad = s
        .path("config")
        .join(std::ffi::OsStr::from_bytes(b"\xff\xfe.toml"));
    std::fs::write(&bad, "lang = \n").expect("write");
    let mut c = s.bare(JINGYOU);
    c.arg("--data-dir")
        .arg(s.data())
        .arg("--config")
        .arg(&bad)
        .args(["catalog", "--json"]);
    let o = output(c);
    assert_eq!(o.code, 0, "the command still works: {o:?}");
    assert!(
        o.stderr.contains("配置文件") && o.stderr.contains(".toml") && o.stderr.contains("第 1 行"),
        "{:?}",
        o.stderr
    );
    // Named but not there: said, not silently the defaults.
    let missing = s
        .path("config")
        .join(std::ffi::OsStr::from_bytes(b"\xffnone.toml"));
    let mut c = s.bare(JINGYOU);
    c.arg("--data-dir")
        .arg(s.data())
        .arg("--config")
        .arg(&missing)
        .args(["catalog", "--json"]);
    let o = output(c);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stderr.contains("不存在"), "{:?}", o.stderr);
}

/// Output into a reader that went away (`jingyou catalog | head -1` with
/// a long listing) ends the command quietly: killed by SIGPIPE like other
/// tools, never a panic message.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let s = Sandbox::new();
    for args in [
        &["catalog"][..],
        &["catalog", "--json"],
        &["catalog", "--guide", "D1"],
    ] {
        let mut child = Command::new(JINGYOU)
            .args(args)
            .env("HOME", s.path("home"))
            .env("XDG_CONFIG_HOME", s.config_dir())
            .env("JINGYOU_DATA", s.data())
            .env("JINGYOU_NOW", NOW)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader goes away before anything was written.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
}

/// `seed --count` has an upper bound, said plainly, before any store is made.
#[test]
fn seed_count_has_a_plain_upper_bound() {
    let s = Sandbox::new();
    let o = Command::new(JINGYOU)
        .args(["--lang", "en", "seed", "--count", "10000001"])
        .env("HOME", s.path("home"))
        .env("XDG_CONFIG_HOME", s.config_dir())
        .env("JINGYOU_DATA", s.data())
        .env("JINGYOU_NOW", NOW)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("at most 10000000"), "{err}");
    assert!(!s.data().join("store").exists(), "a store was made");
}
