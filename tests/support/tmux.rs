//! A private tmux server for tests that need a running TUI; killed on drop.
#![allow(dead_code)]

use std::process::{Command, Stdio};

/// Whether tmux can be run here.
pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("jingyou-{tag}-{}", std::process::id()),
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-f", "/dev/null", "-L", &self.socket]);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        c
    }

    pub fn out(&self, args: &[&str]) -> String {
        let o = self.cmd().args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Waits (up to 10 s) until the pane of session `t` shows `text`.
    pub fn wait_for(&self, text: &str) -> bool {
        for _ in 0..100 {
            if self.out(&["capture-pane", "-p", "-t", "t"]).contains(text) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}
