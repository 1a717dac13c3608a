//! Configuration: compiled-in defaults, overridden by the user's TOML file.
//!
//! A missing file means defaults. A file that cannot be read or parsed is
//! reported (file, line, what is wrong) and the defaults are used: a clerk is
//! never locked out of the counter by a typo in a config file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::i18n::Lang;

/// Everything the config file can set. Unknown keys are rejected so a typo
/// is reported rather than silently ignored.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `zh` or `en`.
    pub lang: Option<Lang>,
    /// The branch's time zone: `local` (the system's) or a fixed offset such
    /// as `+08:00`. Decides what "today" is.
    pub timezone: String,
    pub hub: HubConfig,
    pub sync: SyncConfig,
    pub catalog: CatalogConfig,
    pub ui: UiConfig,
    pub print: PrintConfig,
    pub security: SecurityConfig,
    pub retention: RetentionConfig,
    pub store: StoreConfig,
    pub attachments: AttachmentsConfig,
    pub notify: NotifyConfig,
    /// Key bindings: action name → list of keys (`"f10"`, `"ctrl-s"`, `"esc 0"`).
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HubConfig {
    /// `https://...`, or `http://` for loopback and tests.
    pub url: Option<String>,
    /// A file holding the branch's bearer token.
    pub token_file: Option<PathBuf>,
    /// Extra CA certificate (PEM) for a hub with a private CA.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    pub connect_timeout_ms: u64,
    /// Longest wait for a byte to move, in either direction.
    pub stall_timeout_ms: u64,
    /// Longest a whole request may take: connect, send, the whole reply.
    pub request_timeout_ms: u64,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// Review changes asked for per request of `GET /v1/changes` (1-500):
    /// smaller pages for a link that drops often.
    pub changes_page: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            connect_timeout_ms: 15_000,
            stall_timeout_ms: 30_000,
            request_timeout_ms: 120_000,
            backoff_base_ms: 5_000,
            backoff_cap_ms: 15 * 60_000,
            changes_page: 500,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogConfig {
    /// Local override file (default `$XDG_CONFIG_HOME/jingyou/catalog.toml`).
    #[serde(rename = "override")]
    pub override_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// `auto`, or the name of a theme in `themes/` or the user's theme dir.
    pub theme: String,
    /// Lock the screen after this many minutes without a key (0 = never).
    pub idle_lock_minutes: u64,
    /// Branch opening hours printed on the "what to bring" slip.
    pub hours: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: "auto".into(),
            idle_lock_minutes: 10,
            hours: "周一至周六 8:30-17:00".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// A shell command that sends one SMS: the text on stdin, the phone in
    /// `JINGYOU_NOTIFY_PHONE`, the notice's id in `JINGYOU_NOTIFY_ID` (for
    /// the gateway to drop a repeat). Exit 0: sent. Unset: notices wait.
    pub command: Option<String>,
    /// A command running longer is stopped and the notice tried again later.
    pub timeout_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            command: None,
            timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PrintConfig {
    /// A command that receives the receipt text on stdin (e.g. `lp -d counter`).
    /// Neither this nor `device`: receipts are only shown and written to the data dir.
    pub command: Option<String>,
    /// A printer device (or an existing file) written directly, e.g.
    /// `/dev/usb/lp0`; wins over `command` when both are set.
    pub device: Option<PathBuf>,
    /// The bytes the printer expects: UTF-8, or GB18030 for Chinese
    /// dot-matrix (ESC/P) and thermal (ESC/POS) printers.
    pub encoding: PrintEncoding,
    /// Paper width in display columns (a CJK character counts two); longer
    /// lines are wrapped, rules cut.
    #[serde(deserialize_with = "paper_width")]
    pub width: usize,
}

/// Paper widths a counter printer can have: 16 (narrow thermal) to 255.
fn paper_width<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let w = usize::deserialize(d)?;
    if (16..=255).contains(&w) {
        Ok(w)
    } else {
        Err(serde::de::Error::custom(format!(
            "[print] width = {w}: a paper width is 16 to 255 columns"
        )))
    }
}

impl Default for PrintConfig {
    fn default() -> Self {
        PrintConfig {
            command: None,
            device: None,
            encoding: PrintEncoding::Utf8,
            width: crate::receipt::WIDTH,
        }
    }
}

/// How printed text is encoded.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum PrintEncoding {
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    #[serde(rename = "gb18030", alias = "GB18030")]
    Gb18030,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Argon2id memory cost in KiB (kept modest for 1 GiB PCs).
    pub pin_hash_memory_kib: u32,
    pub pin_hash_iterations: u32,
    /// Wrong PINs in a row before the account is locked.
    pub max_pin_failures: u32,
    pub lockout_minutes: u64,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            pin_hash_memory_kib: 19 * 1024,
            pin_hash_iterations: 2,
            max_pin_failures: 5,
            lockout_minutes: 15,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days after acknowledgement before personal fields are purged.
    pub days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { days: 180 }
    }
}

impl RetentionConfig {
    /// The oldest application date whose ID number may still be on file
    /// (purged `days` after acknowledgement; a month's margin for late
    /// acknowledgements): a search by ID number looks no further back.
    pub fn id_since(&self, today: chrono::NaiveDate) -> chrono::NaiveDate {
        today - chrono::Duration::days(i64::from(self.days) + 31)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// sled page cache in MiB (sled's own default is 1 GiB: far too much).
    pub cache_mib: u64,
    /// Free disk space (MiB) a finish or a park must leave; below it they
    /// are refused with what to clear, and nothing typed is lost.
    pub reserve_mib: u64,
    /// Acknowledged applications older than this many days leave the
    /// working store (they stay in the journal); 0 keeps everything.
    pub keep_days: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            cache_mib: 8,
            reserve_mib: 50,
            keep_days: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// A folder where the scanner or camera drops files; the wizard offers
    /// them newest first.
    pub inbox: Option<PathBuf>,
    /// Largest file accepted, in KiB.
    pub max_kib: u64,
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        AttachmentsConfig {
            inbox: None,
            max_kib: 5 * 1024,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lang: None,
            timezone: "local".into(),
            hub: HubConfig::default(),
            sync: SyncConfig::default(),
            catalog: CatalogConfig::default(),
            ui: UiConfig::default(),
            print: PrintConfig::default(),
            security: SecurityConfig::default(),
            retention: RetentionConfig::default(),
            store: StoreConfig::default(),
            attachments: AttachmentsConfig::default(),
            notify: NotifyConfig::default(),
            keys: Default::default(),
        }
    }
}

/// Why a config file was not used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl ConfigError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ConfigError::Read { path, source } => crate::i18n::fmt(
                lang,
                "config.unreadable",
                &[("file", &path.display()), ("error", source)],
            ),
            ConfigError::Parse {
                path,
                line,
                message,
            } => crate::i18n::fmt(
                lang,
                "config.malformed",
                &[
                    ("file", &path.display()),
                    ("line", line),
                    ("error", message),
                ],
            ),
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().trim().to_string(),
        })
    }

    /// Loads the file; a missing file gives the defaults, a bad one gives
    /// the defaults plus the error to report.
    pub fn load(path: &Path) -> (Config, Option<ConfigError>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match Config::parse(&text, path) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(source) => (
                Config::default(),
                Some(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", Path::new("c.toml")).expect("empty parses");
        assert_eq!(c, Config::default());
        assert_eq!(c.store.cache_mib, 8);
    }

    #[test]
    fn partial_file_overrides_only_what_it_names() {
        let c = Config::parse(
            "lang = \"en\"\n[sync]\nconnect_timeout_ms = 250\n",
            Path::new("c.toml"),
        )
        .expect("parses");
        assert_eq!(c.lang, Some(Lang::En));
        assert_eq!(c.sync.connect_timeout_ms, 250);
        assert_eq!(
            c.sync.stall_timeout_ms,
            SyncConfig::default().stall_timeout_ms
        );
    }

    #[test]
    fn a_typo_is_reported_with_its_line() {
        let err = Config::parse(
            "lang = \"en\"\n\n[sync]\nconect_timeout_ms = 1\n",
            Path::new("c.toml"),
        )
        .expect_err("unknown key must be rejected");
        match &err {
            ConfigError::Parse { line, message, .. } => {
                assert_eq!(*line, 4);
                assert!(message.contains("conect_timeout_ms"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let zh = err.message(Lang::Zh);
        assert!(zh.contains("c.toml") && zh.contains('4'), "{zh}");
    }

    #[test]
    fn missing_file_is_defaults_and_a_broken_one_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (c, e) = Config::load(&dir.path().join("none.toml"));
        assert!(e.is_none());
        assert_eq!(c, Config::default());
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "lang = [unclosed\n").expect("write");
        let (c, e) = Config::load(&bad);
        assert_eq!(c, Config::default());
        assert!(matches!(e, Some(ConfigError::Parse { .. })));
    }
}
