//! `jingyou sync` over a real slow, lossy link: two network namespaces
//! joined by a veth shaped by /work/shared/tools/slowlink.sh (64 kbit/s each
//! way, 300 ms RTT, 5 % loss). The hub binary runs in the server namespace,
//! `jingyou sync --once` in the client namespace against
//! http://198.18.0.2:8080.
//!
//! Needs root, `ip netns` and nftables; otherwise it prints "skipped: ..."
//! and passes. The namespace names are global (sl_cli, sl_srv), so this file
//! holds exactly one test; its state dir is private and the link is always
//! torn down (a guard with Drop), also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::hub::HubStore;
use jingyou::seed::seed;
use jingyou::store::{Branch, Store};

const JINGYOU: &str = env!("CARGO_BIN_EXE_jingyou");
const HUB: &str = env!("CARGO_BIN_EXE_jingyou-hub");
const COUNT: u64 = 20;

/// `$SLOWLINK_SH`, else the project's `shared/tools/slowlink.sh` beside the
/// repository (where CI puts it), else the developers' `/work/shared`.
fn slowlink_sh() -> PathBuf {
    if let Some(p) = std::env::var_os("SLOWLINK_SH") {
        return PathBuf::from(p);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/slowlink.sh");
    if beside.exists() {
        return beside;
    }
    PathBuf::from("/work/shared/tools/slowlink.sh")
}

fn quiet(cmd: &str, args: &[&str]) -> Option<Output> {
    Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

/// Why this machine cannot run the test, if it cannot.
fn cannot_run() -> Option<String> {
    if !slowlink_sh().exists() {
        return Some(format!("{} not found", slowlink_sh().display()));
    }
    match quiet("id", &["-u"]) {
        Some(o) if String::from_utf8_lossy(&o.stdout).trim() == "0" => {}
        _ => return Some("not root".into()),
    }
    if !quiet("nft", &["--version"]).is_some_and(|o| o.status.success()) {
        return Some("nft (nftables) is not installed".into());
    }
    let probe = format!("jy_probe_{}", std::process::id());
    if !quiet("ip", &["netns", "add", &probe]).is_some_and(|o| o.status.success()) {
        return Some("`ip netns add` fails here".into());
    }
    let _ = quiet("ip", &["netns", "del", &probe]);
    None
}

/// Tears the link down (and with it the hub) whatever happens.
struct Link {
    state: PathBuf,
}

impl Link {
    fn cmd(&self) -> Command {
        let mut c = Command::new("bash");
        c.arg(slowlink_sh())
            .env("STATE", &self.state)
            .stdin(Stdio::null());
        c
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.cmd().arg("down").output();
    }
}

fn wait_for_hub(state: &Path) {
    let log = state.join("hub.log");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("listening") {
            break;
        }
        assert!(Instant::now() < deadline, "the hub did not start:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs root, nftables, network namespaces and shared/tools/slowlink.sh; .ci/run runs the ignored tests"]
fn sync_over_a_slow_lossy_link() {
    if let Some(why) = cannot_run() {
        panic!("cannot run here: {why}");
    }
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for d in ["home", "config", "xdg", "data", "hub"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let link = Link {
        state: root.join("slowlink.state"),
    };
    let up = link.cmd().arg("up").output().expect("slowlink.sh up");
    assert!(
        up.status.success(),
        "slowlink.sh up failed:\n{}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    eprintln!("link: {}", String::from_utf8_lossy(&up.stdout).trim());

    let hub_dir = root.join("hub");
    let bg = link
        .cmd()
        .args([
            "bg",
            "srv",
            "hub",
            HUB,
            "--listen",
            "0.0.0.0:8080",
            "--data",
        ])
        .arg(&hub_dir)
        .arg("--quiet")
        .output()
        .expect("slowlink.sh bg");
    assert!(bg.status.success(), "{bg:?}");
    wait_for_hub(&link.state);
    // The whole path (in fallback mode also delayproxy.py) must accept.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !link
        .cmd()
        .args([
            "exec",
            "cli",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/198.18.0.2/8080",
        ])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert!(Instant::now() < deadline, "198.18.0.2:8080 never accepted");
        std::thread::sleep(Duration::from_millis(200));
    }

    let data = root.join("data");
    {
        let store = Store::open(&data.join("store"), 8).unwrap();
        store
            .set_branch(&Branch {
                code: "3301A".into(),
                name: "慢链路网点".into(),
                training: false,
                generated: false,
            })
            .unwrap();
        seed(
            &store,
            &Catalog::builtin().unwrap(),
            &Clock::system(),
            COUNT,
            3,
        )
        .unwrap();
    }
    let conf = root.join("config.toml");
    std::fs::write(
        &conf,
        "[sync]\nconnect_timeout_ms = 10000\nstall_timeout_ms = 15000\n\
         backoff_base_ms = 200\nbackoff_cap_ms = 2000\n",
    )
    .unwrap();

    // `sync --once` until nothing is pending: a lossy link may need a retry.
    let mut runs = Vec::new();
    loop {
        let started = Instant::now();
        let o = link
            .cmd()
            .args(["exec", "cli", JINGYOU, "--config"])
            .arg(&conf)
            .arg("--data-dir")
            .arg(&data)
            .args(["sync", "--once"])
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("xdg"))
            .env("LANG", "C.UTF-8")
            .env("JINGYOU_HUB_URL", "http://198.18.0.2:8080")
            .env_remove("JINGYOU_HUB_TOKEN")
            .env_remove("JINGYOU_NOW")
            .env_remove("JINGYOU_DATA")
            .output()
            .expect("jingyou sync");
        let code = o.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!err.contains("panicked"), "{err}");
        runs.push((code, started.elapsed()));
        eprintln!(
            "sync --once: exit {code} in {:?}\n{}",
            started.elapsed(),
            err.trim()
        );
        if code == 0 {
            break;
        }
        assert_eq!(code, 3, "only 'some left' is acceptable here: {err}");
        assert!(
            runs.len() < 6 && t0.elapsed() < Duration::from_secs(75),
            "not drained: {runs:?}"
        );
    }

    let store = Store::open(&data.join("store"), 8).unwrap();
    assert!(store.queue().unwrap().is_empty());
    let mut receipts = std::collections::BTreeSet::new();
    store
        .for_each_application(|k, a| {
            let r = a.hub_receipt.clone();
            assert!(r.is_some(), "{k} not acknowledged");
            receipts.insert(r);
        })
        .unwrap();
    assert_eq!(receipts.len(), COUNT as usize, "distinct receipts");
    drop(store);

    drop(link); // stops the hub (and the namespaces)
                // `down` signals the hub; give it a moment to let go of its store.
    let mut hub = HubStore::open(&hub_dir, 1 << 20);
    for _ in 0..50 {
        if hub.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        hub = HubStore::open(&hub_dir, 1 << 20);
    }
    let hub = hub.expect("hub store after the hub stopped");
    assert_eq!(hub.app_count(), COUNT as usize, "the hub holds each once");
    eprintln!(
        "slowlink: {COUNT} applications in {runs:?}, {:?} in all",
        t0.elapsed()
    );
    assert!(t0.elapsed() < Duration::from_secs(90), "{:?}", t0.elapsed());
}
