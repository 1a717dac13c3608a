//! A small rotating log in the data dir (`logs/jingyou.log`, 1 MiB, three
//! old files kept). Lines never carry personal data or tokens: callers log
//! numbers and states, and [`scrub`] masks anything that looks like an ID
//! or phone number as a last line of defence.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Rotate when the log grows past this.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// Old logs kept (`jingyou.log.1` .. `.3`).
pub const KEEP: u32 = 3;

static LOG_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Where logs go from now on (the data dir's `logs/`).
pub fn init(data_dir: &Path) {
    let dir = data_dir.join("logs");
    if std::fs::create_dir_all(&dir).is_ok() {
        if let Ok(mut d) = LOG_DIR.lock() {
            *d = Some(dir);
        }
    }
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

fn rotate(dir: &Path) {
    let base = dir.join("jingyou.log");
    if std::fs::metadata(&base).map(|m| m.len()).unwrap_or(0) < MAX_BYTES {
        return;
    }
    for i in (1..KEEP).rev() {
        let _ = std::fs::rename(
            dir.join(format!("jingyou.log.{i}")),
            dir.join(format!("jingyou.log.{}", i + 1)),
        );
    }
    let _ = std::fs::rename(&base, dir.join("jingyou.log.1"));
}

/// Appends one line (time, level, text). Logging never fails the caller.
pub fn write(level: &str, text: &str) {
    let Ok(guard) = LOG_DIR.lock() else { return };
    let Some(dir) = guard.as_ref() else { return };
    rotate(dir);
    if let Ok(mut f) = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("jingyou.log"))
    {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let _ = writeln!(f, "{now} {level} {}", scrub(text).replace('\n', " "));
    }
}

pub fn info(text: &str) {
    write("INFO", text);
}

pub fn warn(text: &str) {
    write("WARN", text);
}

/// Masks runs of digits that look like ID numbers (15/17/18 characters,
/// last may be X) or mainland mobile numbers (11 digits starting with 1),
/// and anything after `Bearer `.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'X' || chars[i] == 'x') && i - start == 17 {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let n = run.len();
            if n == 15 || n == 18 {
                out.push_str(&crate::mask::id_number(&run));
            } else if n == 11 && run.starts_with('1') {
                out.push_str(&crate::mask::phone(&run));
            } else {
                out.push_str(&run);
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    if let Some(pos) = out.find("Bearer ") {
        let end = out[pos + 7..]
            .find(char::is_whitespace)
            .map(|e| pos + 7 + e)
            .unwrap_or(out.len());
        out.replace_range(pos + 7..end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_masks_ids_phones_and_tokens_but_keeps_numbers() {
        let s = scrub(
            "id 11010519491231002X phone 13812345678 app 3301A-261128-0042 Bearer s3cr3t! done",
        );
        assert!(!s.contains("19491231"), "{s}");
        assert!(!s.contains("12345678"), "{s}");
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(s.contains("3301A-261128-0042"), "{s}");
        assert!(s.contains("done"));
    }

    #[test]
    fn the_log_rotates_and_keeps_three() {
        let dir = tempfile::tempdir().expect("tmp");
        init(dir.path());
        let big = "x".repeat(600 * 1024);
        for _ in 0..10 {
            info(&big);
        }
        let logs = dir.path().join("logs");
        assert!(logs.join("jingyou.log").exists());
        assert!(logs.join("jingyou.log.3").exists());
        assert!(!logs.join("jingyou.log.4").exists());
        for f in std::fs::read_dir(&logs).expect("dir") {
            let len = f.expect("entry").metadata().expect("meta").len();
            assert!(len <= MAX_BYTES + 700 * 1024, "{len}");
        }
    }
}
