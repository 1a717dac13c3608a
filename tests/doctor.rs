//! `jingyou doctor [--json] [--bundle FILE]` through the real binary
//! (DESIGN.md §2: diagnostics for support, secrets and personal data
//! masked, exit 0).
//!
//! Every run gets its own HOME, XDG dirs and `--data-dir`; the clock is
//! pinned with `JINGYOU_NOW`. Every run checks that stderr holds no panic.

#[path = "support/tmux.rs"]
mod tmux;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tmux::{have_tmux, Tmux};

use serde_json::Value;
use tempfile::TempDir;

const JINGYOU: &str = env!("CARGO_BIN_EXE_jingyou");
const NOW: &str = "2026-11-28T10:00:00+08:00";
const TOKEN: &str = "some-secret-token-123";
const TOKEN_TAIL: &str = "secret-token-123";

struct Sandbox {
    root: TempDir,
}

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

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    fn cmd(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut c = Command::new(JINGYOU);
        c.env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("JINGYOU_NOW", NOW)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm-256color")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env_remove("JINGYOU_DATA")
            .env_remove("JINGYOU_HUB_URL")
            .env_remove("JINGYOU_HUB_TOKEN")
            .env_remove("JINGYOU_SUPERVISOR_PIN")
            .env_remove("NO_COLOR")
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_TTY")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("--data-dir").arg(self.data()).args(args);
        c
    }

    fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Out {
        output(self.cmd(env, args))
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_env(&[], args)
    }

    fn seed(&self, n: u32) {
        let o = self.run(&["seed", "--count", &n.to_string(), "--days", "10"]);
        assert_eq!(o.code, 0, "seed: {o:?}");
    }
}

fn output(mut c: Command) -> Out {
    let o = c.output().expect("the binary runs");
    let out = Out {
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

fn doctor_json(s: &Sandbox, env: &[(&str, &str)]) -> (Value, Out) {
    let o = s.run_env(env, &["doctor", "--json"]);
    assert_eq!(o.code, 0, "{o:?}");
    (json(&o.stdout), o)
}

// ───────────── a fresh data dir ─────────────

#[test]
fn a_fresh_data_dir_in_both_languages() {
    let s = Sandbox::new();
    let en = s.run(&["--lang", "en", "doctor"]);
    assert_eq!(en.code, 0, "{en:?}");
    for section in [
        "[jingyou]",
        "[store]",
        "[hub link]",
        "[clock]",
        "[terminal (this session)]",
        "[last warnings in the log",
        "version: 0.1.0",
        "no store yet",
        "no hub configured",
        "not a terminal",
    ] {
        assert!(en.stdout.contains(section), "{section} in:\n{}", en.stdout);
    }
    let zh = s.run(&["doctor"]);
    assert_eq!(zh.code, 0, "{zh:?}");
    for section in [
        "[警邮]",
        "[数据库]",
        "[与上级平台的连接]",
        "[时钟]",
        "版本: 0.1.0",
    ] {
        assert!(zh.stdout.contains(section), "{section} in:\n{}", zh.stdout);
    }
    // doctor changes nothing: no store was created.
    assert!(!s.data().join("store").exists());

    let (v, _) = doctor_json(&s, &[]);
    for key in [
        "general",
        "store",
        "hub",
        "clock",
        "terminal",
        "log_warnings",
    ] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert_eq!(v["general"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["general"]["app_running"], false);
    assert_eq!(v["store"]["exists"], false);
    assert_eq!(v["hub"]["status"], "none");
    assert_eq!(v["terminal"]["utf8"], true);
    assert_eq!(v["terminal"]["term"], "xterm-256color");
    assert_eq!(v["clock"]["year_plausible"], true);
}

#[test]
fn a_non_utf8_locale_and_a_reset_clock_are_warned_about() {
    let s = Sandbox::new();
    let o = s.run_env(
        &[("LANG", "C"), ("JINGYOU_NOW", "2000-01-01T08:00:00+08:00")],
        &["--lang", "en", "doctor"],
    );
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("not UTF-8"), "{}", o.stdout);
    assert!(o.stdout.contains("CMOS battery"), "{}", o.stdout);
}

#[test]
fn training_is_not_uploaded() {
    let s = Sandbox::new();
    let o = s.run_env(
        &[("JINGYOU_HUB_URL", "http://127.0.0.1:9")],
        &["--lang", "en", "--training", "doctor"],
    );
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("training: not uploaded"), "{}", o.stdout);
}

// ───────────── a seeded store ─────────────

#[test]
fn a_seeded_store_shows_its_counts() {
    let s = Sandbox::new();
    s.seed(30);
    let (v, _) = doctor_json(&s, &[]);
    let st = &v["store"];
    assert_eq!(st["error"], Value::Null, "{st}");
    assert_eq!(st["applications"], 30, "{st}");
    assert_eq!(st["pending"], 30, "{st}");
    assert_eq!(st["quarantined"], 0, "{st}");
    assert!(st["drafts"].as_u64().is_some_and(|n| n > 0), "{st}");
    assert!(st["size_bytes"].as_u64().is_some_and(|n| n > 0), "{st}");
    assert!(
        st["users"]["total"].as_u64().is_some_and(|n| n >= 2),
        "{st}"
    );
    assert_eq!(st["users"]["supervisors"], 1, "{st}");
    assert!(st["branch"]["code"].is_string(), "{st}");
    assert_eq!(st["today"]["date"], "2026-11-28");
    // No PIN hashes anywhere.
    assert!(!v.to_string().contains("argon2"), "{v}");

    let o = s.run(&["--lang", "en", "doctor"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("applications: 30"), "{}", o.stdout);
    assert!(
        o.stdout.contains("30 pending, 0 quarantined"),
        "{}",
        o.stdout
    );

    // One quarantined (its reason carries a phone number), the rest failing
    // against a closed port: each quarantined record and the 5 oldest
    // failing ones are listed with their errors, the phone masked.
    let q = json(&s.run(&["queue", "--format", "json"]).stdout);
    let first = q[0]["number"].as_str().expect("number").to_string();
    let o = s.run(&[
        "queue",
        "quarantine",
        &first,
        "--reason",
        "customer phone 13812345678 is wrong",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let o = s.run_env(
        &[("JINGYOU_HUB_URL", "http://127.0.0.1:9")],
        &["sync", "--once"],
    );
    assert_eq!(o.code, 3, "{o:?}");
    let (v, o) = doctor_json(&s, &[]);
    let st = &v["store"];
    assert_eq!(st["pending"], 29, "{st}");
    assert_eq!(st["quarantined"], 1, "{st}");
    assert_eq!(st["quarantined_items"][0]["number"], first.as_str(), "{st}");
    let failing = st["failing_pending"].as_array().expect("array");
    assert_eq!(failing.len(), 5, "{st}");
    assert!(failing
        .iter()
        .all(|f| f["attempts"] == 1 && f["last_error"].is_string()));
    assert!(!o.stdout.contains("13812345678"), "{}", o.stdout);
    let o = s.run(&["--lang", "en", "doctor"]);
    assert!(o.stdout.contains("quarantined records:"), "{}", o.stdout);
    assert!(o.stdout.contains("138****5678"), "{}", o.stdout);
    assert!(
        o.stdout.contains("oldest pending records that failed"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("13812345678"), "{}", o.stdout);
}

// ───────────── the hub probe ─────────────

#[test]
fn the_hub_probe_is_timed_and_never_shows_the_token() {
    let s = Sandbox::new();
    s.seed(3);
    let hub_dir = tempfile::tempdir().expect("tmp");
    let hub = jingyou::hub::serve(jingyou::hub::HubConfig::new("127.0.0.1:0", hub_dir.path()))
        .expect("hub starts");
    let url = hub.url();
    let env = [
        ("JINGYOU_HUB_URL", url.as_str()),
        ("JINGYOU_HUB_TOKEN", TOKEN),
    ];
    let (v, o) = doctor_json(&s, &env);
    let h = &v["hub"];
    assert_eq!(h["status"], "configured", "{h}");
    assert_eq!(h["dns"]["ok"], true, "{h}");
    assert!(h["dns"]["ms"].is_u64(), "{h}");
    assert_eq!(h["addresses"][0], "127.0.0.1", "{h}");
    assert_eq!(h["tcp"]["ok"], true, "{h}");
    assert!(h["tcp"]["ms"].is_u64(), "{h}");
    assert_eq!(h["http"]["ok"], true, "{h}");
    assert!(h["http"]["ms"].is_u64(), "{h}");
    assert_eq!(h["http_includes_tls"], false);
    assert_eq!(h["hub_version"], env!("CARGO_PKG_VERSION"), "{h}");
    assert!(v["clock"]["skew_secs"].is_i64(), "{}", v["clock"]);
    assert!(!o.stdout.contains(TOKEN_TAIL) && !o.stderr.contains(TOKEN_TAIL));

    let o = s.run_env(&env, &["--lang", "en", "doctor"]);
    assert_eq!(o.code, 0, "{o:?}");
    for want in [
        "DNS: ok,",
        "TCP connect: ok,",
        "HTTP GET /v1/health: ok,",
        "hub version: ",
    ] {
        assert!(o.stdout.contains(want), "{want} in:\n{}", o.stdout);
    }
    assert!(o.stdout.contains("some…(21 chars)"), "{}", o.stdout);
    assert!(!o.stdout.contains(TOKEN_TAIL) && !o.stderr.contains(TOKEN_TAIL));

    let bundle = s.path("hub-bundle.tar.gz");
    let b = bundle.to_string_lossy().into_owned();
    let o = s.run_env(&env, &["doctor", "--bundle", &b]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(!o.stdout.contains(TOKEN_TAIL) && !o.stderr.contains(TOKEN_TAIL));
    let text = unpacked_text(&unpack(&s, &bundle));
    assert!(!text.contains(TOKEN_TAIL), "the token is in the bundle");
}

#[test]
fn a_closed_port_is_a_clear_tcp_failure_and_still_exit_0() {
    let s = Sandbox::new();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let env = [("JINGYOU_HUB_URL", url.as_str())];
    let (v, _) = doctor_json(&s, &env);
    let h = &v["hub"];
    assert_eq!(h["dns"]["ok"], true, "{h}");
    assert_eq!(h["tcp"]["ok"], false, "{h}");
    assert!(h["tcp"]["error"].is_string(), "{h}");
    assert_eq!(h["http"]["skipped"], true, "{h}");
    assert_eq!(h["token"], Value::Null, "{h}");

    let o = s.run_env(&env, &["--lang", "en", "doctor"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("TCP connect: FAILED"), "{}", o.stdout);
    assert!(o.stdout.contains("skipped"), "{}", o.stdout);
}

// ───────────── a damaged store ─────────────

#[test]
fn a_damaged_store_is_one_line_and_the_rest_still_prints() {
    let s = Sandbox::new();
    let store = s.data().join("store");
    std::fs::create_dir_all(store.join("blobs")).expect("mkdir");
    std::fs::write(store.join("conf"), b"\x00\xffgarbage").expect("write");
    std::fs::write(store.join("db"), vec![0xA5u8; 4096]).expect("write");
    std::fs::write(store.join("snap.garbage"), b"not a snapshot").expect("write");
    let o = s.run(&["--lang", "en", "doctor"]);
    assert_eq!(o.code, 0, "{o:?}");
    let store_part: String = o
        .stdout
        .split("[store]")
        .nth(1)
        .and_then(|t| t.split("[hub link]").next())
        .unwrap_or_default()
        .to_string();
    assert!(store_part.contains("is damaged"), "{}", o.stdout);
    for section in ["[hub link]", "[clock]", "[terminal (this session)]"] {
        assert!(o.stdout.contains(section), "{section} in:\n{}", o.stdout);
    }
    let (v, _) = doctor_json(&s, &[]);
    assert!(v["store"]["error"].is_string(), "{}", v["store"]);
    assert_eq!(v["store"]["applications"], Value::Null);
}

// ───────────── the bundle ─────────────

fn unpack(s: &Sandbox, archive: &Path) -> PathBuf {
    let dest = s.path(&format!(
        "unpacked-{}",
        archive
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dest).expect("mkdir");
    let f = std::fs::File::open(archive).expect("archive exists");
    tar::Archive::new(flate2::read::GzDecoder::new(f))
        .unpack(&dest)
        .expect("the archive unpacks");
    dest
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn unpacked_text(dir: &Path) -> String {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    files
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).expect("read")).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_bundle_has_its_files_and_nothing_personal() {
    let s = Sandbox::new();
    s.seed(30);
    // The personal values the store holds.
    let o = s.run_env(
        &[("JINGYOU_SUPERVISOR_PIN", "1234")],
        &[
            "export",
            "--from",
            "2020-01-01",
            "--to",
            "today",
            "--format",
            "json",
            "--unmasked",
        ],
    );
    assert_eq!(o.code, 0, "{o:?}");
    let apps = json(&o.stdout);
    let mut personal: Vec<String> = Vec::new();
    for a in apps.as_array().expect("array") {
        for key in ["id_number", "phone"] {
            if let Some(v) = a["values"][key].as_str() {
                personal.push(v.to_string());
            }
        }
    }
    assert!(personal.len() >= 30, "{personal:?}");
    assert!(personal.iter().any(|p| p.len() == 18));
    assert!(personal.iter().any(|p| p.len() == 11));
    // A log line with personal data in it (as a careless caller might write)
    // and a config file with a secret in it.
    let logs = s.data().join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::write(
        logs.join("jingyou.log.1"),
        format!(
            "2026-11-27T01:00:00Z WARN upload failed for {} / {} Bearer {TOKEN}\n",
            personal[0], personal[1]
        ),
    )
    .expect("write log");
    let cfg = s.path("config/jingyou/config.toml");
    std::fs::create_dir_all(cfg.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &cfg,
        format!("[hub]\nurl = \"http://127.0.0.1:9\"\ntoken = \"{TOKEN}\"\n"),
    )
    .expect("write config");

    let bundle = s.path("diag.tar.gz");
    let b = bundle.to_string_lossy().into_owned();
    let o = s.run_env(
        &[("JINGYOU_HUB_TOKEN", TOKEN)],
        &["--lang", "en", "doctor", "--bundle", &b],
    );
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout.contains("Diagnostic bundle written"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains(&b), "{}", o.stdout);
    assert!(bundle.exists());

    let dir = unpack(&s, &bundle);
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&dir)
                .expect("under")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for want in [
        "doctor.txt",
        "doctor.json",
        "queue.json",
        "tallies.json",
        "audit.json",
        "config.toml",
        "logs/jingyou.log.1",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} in {names:?}"
        );
    }
    let read = |suffix: &str| -> String {
        let f = files
            .iter()
            .find(|f| f.to_string_lossy().ends_with(suffix))
            .expect("file");
        std::fs::read_to_string(f).expect("read")
    };
    let queue = json(&read("queue.json"));
    assert_eq!(queue.as_array().map(Vec::len), Some(30));
    let tallies = json(&read("tallies.json"));
    assert_eq!(tallies.as_array().map(Vec::len), Some(7));
    assert_eq!(tallies[6]["date"], "2026-11-28");
    assert_eq!(json(&read("doctor.json"))["store"]["applications"], 30);
    assert!(read("doctor.txt").contains("[store]"));
    // No store, drafts or receipts.
    assert!(!names
        .iter()
        .any(|n| n.contains("store/") || n.contains("receipts")));

    let text = unpacked_text(&dir);
    for p in &personal {
        assert!(!text.contains(p.as_str()), "{p} is in the bundle");
    }
    assert!(!text.contains(TOKEN_TAIL), "the token is in the bundle");

    // An existing file is never overwritten.
    let before = std::fs::read(&bundle).expect("read");
    let o = s.run(&["--lang", "en", "doctor", "--bundle", &b]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("already exists"), "{o:?}");
    assert_eq!(std::fs::read(&bundle).expect("read"), before);

    // --json keeps stdout JSON; the bundle line goes to stderr.
    let b2 = s.path("diag2.tar.gz").to_string_lossy().into_owned();
    let o = s.run(&["doctor", "--json", "--bundle", &b2]);
    assert_eq!(o.code, 0, "{o:?}");
    json(&o.stdout);
    assert!(o.stderr.contains("diag2.tar.gz"), "{o:?}");
}

// ───────────── while the TUI runs (needs tmux) ─────────────

#[test]
#[ignore = "needs tmux; .ci/run runs the ignored tests"]
fn doctor_while_the_tui_runs_asks_the_app_and_reports_the_callers_terminal() {
    assert!(have_tmux(), "this test needs tmux (apt-get install tmux)");
    let s = Sandbox::new();
    s.seed(20);
    let tmux = Tmux::new("doctor");
    let line = format!(
        "exec env HOME={home} XDG_CONFIG_HOME={cfg} XDG_DATA_HOME={xdg} JINGYOU_NOW={NOW} \
         LANG=C.UTF-8 TERM=xterm-256color {JINGYOU} --data-dir {data}",
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
            "80",
            "-y",
            "24",
            &line,
        ])
        .status()
        .is_ok_and(|st| st.success());
    assert!(started, "tmux new-session");
    let _ = tmux.cmd().args(["set", "-g", "escape-time", "0"]).status();
    assert!(tmux.wait_for("警邮"), "the TUI comes up");

    // The app holds the store: doctor asks it over the socket.
    let mut answered = None;
    for _ in 0..50 {
        let (v, _) = doctor_json(&s, &[("TERM", "vt100")]);
        if v["general"]["app_running"] == true {
            answered = Some(v);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let v = answered.expect("the running app answers doctor");
    assert_eq!(v["store"]["answered_by_app"], true, "{}", v["store"]);
    assert_eq!(v["store"]["error"], Value::Null, "{}", v["store"]);
    assert_eq!(v["store"]["applications"], 20, "{}", v["store"]);
    assert_eq!(v["store"]["pending"], 20, "{}", v["store"]);
    // The terminal is the caller's (no tty, vt100), not the app's tmux pane.
    assert_eq!(v["terminal"]["stdout_tty"], false);
    assert_eq!(v["terminal"]["term"], "vt100");
    assert_eq!(v["terminal"]["auto_theme"], "mono");

    let o = s.run(&["--lang", "en", "doctor"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout.contains("the running app holds the store"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("applications: 20"), "{}", o.stdout);

    // The bundle's store files come from the app too.
    let bundle = s.path("live.tar.gz");
    let o = s.run(&["doctor", "--bundle", &bundle.to_string_lossy()]);
    assert_eq!(o.code, 0, "{o:?}");
    let dir = unpack(&s, &bundle);
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    let queue = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with("queue.json"))
        .expect("queue.json");
    let queue = json(&std::fs::read_to_string(queue).expect("read"));
    assert_eq!(queue.as_array().map(Vec::len), Some(20));
    drop(tmux);
}
