//! Remote support over SSH (DESIGN.md §1, issue: "usable through ssh -t at
//! 80x24 with TERM=xterm, linux or vt100"): a throwaway sshd on loopback, a
//! real ssh client inside tmux, the app on the far side. Skipped with a
//! message when sshd, ssh, ssh-keygen or tmux is missing or we are not root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jingyou");

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args([
            "-c",
            &format!("command -v {cmd} >/dev/null 2>&1 || test -x /usr/sbin/{cmd}"),
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(22222)
}

/// A throwaway sshd on 127.0.0.1, key auth only; stopped on drop.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    pid: Option<u32>,
}

impl Sshd {
    fn start() -> Option<Sshd> {
        let dir = tempfile::tempdir().ok()?;
        let d = dir.path();
        let port = free_port();
        for key in ["hostkey", "id"] {
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key))
                .status()
                .ok()?
                .success();
            if !ok {
                return None;
            }
        }
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).ok()?;
        std::fs::create_dir_all("/run/sshd").ok()?;
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nAcceptEnv LANG LC_*\nPrintMotd no\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).ok()?;
        let sshd = if Path::new("/usr/sbin/sshd").exists() {
            "/usr/sbin/sshd"
        } else {
            "sshd"
        };
        let ok = Command::new(sshd)
            .arg("-f")
            .arg(d.join("sshd_config"))
            .arg("-E")
            .arg(d.join("sshd.log"))
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut pid = None;
        while Instant::now() < deadline {
            if let Ok(p) = std::fs::read_to_string(d.join("sshd.pid")) {
                pid = p.trim().parse().ok();
                if pid.is_some() {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Sshd { dir, port, pid })
    }

    fn client_args(&self) -> Vec<String> {
        let d = self.dir.path().display();
        vec![
            "-tt".into(),
            "-F".into(),
            "/dev/null".into(),
            "-i".into(),
            format!("{d}/id"),
            "-p".into(),
            self.port.to_string(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            format!("UserKnownHostsFile={d}/known_hosts"),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "root@127.0.0.1".into(),
        ]
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "s"])
    }
    fn wait_for(&self, text: &str) -> String {
        // generous: the first screen comes after an SSH handshake, which
        // took over 20 s once on this 2-core machine under a parallel build
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(Instant::now() < deadline, "{text:?} did not appear:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "s", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn session(sshd: &Sshd, data: &Path, term: &str, tag: &str) -> Tmux {
    let t = Tmux {
        socket: format!("jy-ssh-{}-{tag}", std::process::id()),
    };
    let remote = format!(
        "env TERM={term} LANG=C.UTF-8 LC_ALL=C.UTF-8 JINGYOU_DATA={} HOME={} {BIN} --training",
        data.display(),
        data.display()
    );
    let mut args: Vec<String> = [
        "new-session",
        "-d",
        "-s",
        "s",
        "-x",
        "80",
        "-y",
        "24",
        "--",
        "ssh",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(sshd.client_args());
    args.push(remote);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    t.run(&["start-server"]);
    t.run(&argv);
    t.run(&["set", "-g", "escape-time", "0"]);
    t
}

#[test]
#[ignore = "needs root, sshd, ssh, ssh-keygen and tmux; .ci/run runs the ignored tests"]
fn the_app_works_over_ssh_on_vt100_and_linux_terminals() {
    assert!(
        is_root() && have("sshd") && have("ssh") && have("ssh-keygen") && have("tmux"),
        "this test needs root, sshd, ssh, ssh-keygen and tmux"
    );
    let Some(sshd) = Sshd::start() else {
        panic!("could not start a throwaway sshd");
    };
    for (term, tag) in [("vt100", "vt"), ("linux", "lx"), ("xterm", "xt")] {
        let data: PathBuf = sshd.dir.path().join(format!("data-{tag}"));
        let t = session(&sshd, &data, term, tag);
        let s = t.wait_for("培训");
        if term != "xterm" {
            assert!(
                !s.contains('─') && !s.contains('│'),
                "box drawing on TERM={term}:\n{s}"
            );
            assert!(s.contains("+-"), "ASCII borders on TERM={term}:\n{s}");
        }
        // Esc then a digit is a function key: Esc 1 = help, any key closes it.
        t.keys(&["Escape", "1"]);
        t.wait_for("Esc 1");
        t.keys(&["Space"]);
        // Find a service by pinyin and open it; Esc 2 parks it as a draft.
        t.keys(&["b", "l", "j", "s", "z", "Enter"]);
        t.wait_for("遗失补领驾驶证");
        t.keys(&["张", "三"]);
        t.keys(&["Escape", "2"]);
        // Materials are missing: the "what to bring" slip shows first.
        t.wait_for("材料补正告知");
        t.keys(&["Enter"]);
        let s = t.wait_for("草稿（3）");
        assert!(
            s.contains("张*"),
            "the parked draft is listed, masked:\n{s}"
        );
        t.keys(&["C-c"]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !t.run(&["list-sessions"]).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
