//! Where data and configuration live (DESIGN.md §2).

use std::path::{Path, PathBuf};

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> PathBuf {
    env_path("HOME").unwrap_or_else(|| PathBuf::from("."))
}

/// `--data-dir`, else `$JINGYOU_DATA`, else `$XDG_DATA_HOME/jingyou`, else
/// `~/.local/share/jingyou`.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = env_path("JINGYOU_DATA") {
        return p;
    }
    if let Some(p) = env_path("XDG_DATA_HOME") {
        return p.join("jingyou");
    }
    home().join(".local/share/jingyou")
}

/// The user's config directory: `$XDG_CONFIG_HOME/jingyou`, else `~/.config/jingyou`.
pub fn config_dir() -> PathBuf {
    env_path("XDG_CONFIG_HOME")
        .map(|p| p.join("jingyou"))
        .unwrap_or_else(|| home().join(".config/jingyou"))
}

/// `--config`, else `<config dir>/config.toml`.
pub fn config_file(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .unwrap_or_else(|| config_dir().join("config.toml"))
}

/// The store a command acts on: `<data>/store`, or `<data>/training/store`.
pub fn store_dir(data: &Path, training: bool) -> PathBuf {
    if training {
        data.join("training").join("store")
    } else {
        data.join("store")
    }
}

/// Where receipts and slips are written as text files.
pub fn receipts_dir(data: &Path, training: bool) -> PathBuf {
    if training {
        data.join("training").join("receipts")
    } else {
        data.join("receipts")
    }
}

/// Files this process creates are 0600 and directories 0700, whatever
/// umask it was started with: the data holds ID numbers in clear.
pub fn private_umask() {
    // SAFETY: umask only sets the process's file mode creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// Restores the default action of SIGPIPE (Rust ignores it, so a write to
/// a closed pipe fails and `println!` panics): a command whose reader went
/// away then ends at once, quietly.
pub fn default_sigpipe() {
    // SAFETY: resetting a signal's disposition to its default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
