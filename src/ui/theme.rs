//! Semantic theme roles. Widgets ask for a role (`theme.focus`), never a raw
//! colour. Themes are TOML files: three are compiled in (`themes/*.toml`),
//! and a file of the same shape in the user's config dir overrides by name.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::i18n::{fmt, Lang};

/// One role as written in a theme file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RoleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub bold: bool,
    pub reversed: bool,
    pub underlined: bool,
    pub dim: bool,
}

/// A theme file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub name: String,
    /// `+`, `-`, `|` borders for terminals without box drawing.
    #[serde(default)]
    pub ascii_borders: bool,
    pub roles: Roles<RoleSpec>,
}

/// The roles every theme defines.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Roles<T> {
    pub text: T,
    pub title: T,
    pub border: T,
    pub label: T,
    pub field: T,
    pub focus: T,
    pub valid: T,
    pub invalid: T,
    pub warn: T,
    pub hint: T,
    pub muted: T,
    pub selected: T,
    pub status: T,
    pub key: T,
    pub training: T,
    pub error: T,
}

/// A loaded theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub ascii_borders: bool,
    pub roles: Roles<Style>,
}

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ThemeError {
    #[error("{0}")]
    Parse(String),
    #[error("role {role}: unknown colour {value}")]
    Colour { role: String, value: String },
    #[error("no theme named {0}")]
    Unknown(String),
}

impl ThemeError {
    /// One clause in the screen's language (the file is named by the caller).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            // toml's message without its source excerpt: one line.
            ThemeError::Parse(e) => {
                let short = e
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.contains('|'))
                    .collect::<Vec<_>>()
                    .join("; ");
                fmt(lang, "theme.syntax", &[("error", &short)])
            }
            ThemeError::Colour { role, value } => fmt(
                lang,
                "theme.bad_colour",
                &[("role", role), ("value", value)],
            ),
            ThemeError::Unknown(name) => fmt(
                lang,
                "theme.unknown",
                &[
                    ("name", name),
                    (
                        "builtin",
                        &BUILTIN
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            ),
        }
    }
}

fn colour(role: &str, v: &Option<String>) -> Result<Option<Color>, ThemeError> {
    match v {
        None => Ok(None),
        Some(s) => Color::from_str(s)
            .map(Some)
            .map_err(|_| ThemeError::Colour {
                role: role.to_string(),
                value: s.clone(),
            }),
    }
}

fn style(role: &str, spec: &RoleSpec) -> Result<Style, ThemeError> {
    let mut s = Style::default();
    if let Some(c) = colour(role, &spec.fg)? {
        s = s.fg(c);
    }
    if let Some(c) = colour(role, &spec.bg)? {
        s = s.bg(c);
    }
    let mut m = Modifier::empty();
    if spec.bold {
        m |= Modifier::BOLD;
    }
    if spec.reversed {
        m |= Modifier::REVERSED;
    }
    if spec.underlined {
        m |= Modifier::UNDERLINED;
    }
    if spec.dim {
        m |= Modifier::DIM;
    }
    Ok(s.add_modifier(m))
}

impl Theme {
    /// Parses a theme file's text.
    pub fn parse(text: &str) -> Result<Theme, ThemeError> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Parse(e.to_string()))?;
        let r = &f.roles;
        Ok(Theme {
            name: f.name.clone(),
            ascii_borders: f.ascii_borders,
            roles: Roles {
                text: style("text", &r.text)?,
                title: style("title", &r.title)?,
                border: style("border", &r.border)?,
                label: style("label", &r.label)?,
                field: style("field", &r.field)?,
                focus: style("focus", &r.focus)?,
                valid: style("valid", &r.valid)?,
                invalid: style("invalid", &r.invalid)?,
                warn: style("warn", &r.warn)?,
                hint: style("hint", &r.hint)?,
                muted: style("muted", &r.muted)?,
                selected: style("selected", &r.selected)?,
                status: style("status", &r.status)?,
                key: style("key", &r.key)?,
                training: style("training", &r.training)?,
                error: style("error", &r.error)?,
            },
        })
    }

    /// A compiled-in theme.
    pub fn builtin(name: &str) -> Result<Theme, ThemeError> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ThemeError::Unknown(name.to_string()))
            .and_then(|(_, text)| Theme::parse(text))
    }

    /// The built-in theme for a terminal: mono for vt100/dumb or NO_COLOR,
    /// the ANSI-16 default with ASCII borders for the Linux console.
    pub fn auto_name(term: &str, no_color: bool) -> &'static str {
        let t = term.to_ascii_lowercase();
        if no_color || t.is_empty() || t == "dumb" || t.starts_with("vt1") || t.starts_with("vt2") {
            "mono"
        } else {
            "default"
        }
    }

    /// Whether the terminal is likely to lack box-drawing characters.
    pub fn needs_ascii(term: &str) -> bool {
        let t = term.to_ascii_lowercase();
        t == "linux" || t.starts_with("vt") || t == "dumb" || t.is_empty()
    }

    /// Picks the theme: `auto` or a name; a user file `<dir>/NAME.toml`
    /// wins over a built-in of that name. Problems are returned, with the
    /// built-in default in use.
    pub fn select(
        lang: Lang,
        wanted: &str,
        user_dir: &Path,
        term: &str,
        no_color: bool,
    ) -> (Theme, Option<String>) {
        let name = if wanted == "auto" {
            Theme::auto_name(term, no_color).to_string()
        } else {
            wanted.to_string()
        };
        let user_file = user_dir.join(format!("{name}.toml"));
        let in_file = |error: String| {
            fmt(
                lang,
                "theme.bad_file",
                &[("path", &user_file.display()), ("error", &error)],
            )
        };
        let loaded = match std::fs::read_to_string(&user_file) {
            Ok(text) => Theme::parse(&text).map_err(|e| in_file(e.message(lang))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Theme::builtin(&name).map_err(|e| {
                    fmt(
                        lang,
                        "theme.not_found",
                        &[("error", &e.message(lang)), ("path", &user_file.display())],
                    )
                })
            }
            // There but unreadable (permissions, not UTF-8): said, not skipped.
            Err(e) => Err(in_file(fmt(lang, "theme.unreadable", &[("error", &e)]))),
        };
        let (mut theme, problem) = match loaded {
            Ok(t) => (t, None),
            Err(p) => (fallback(), Some(p)),
        };
        if Theme::needs_ascii(term) {
            theme.ascii_borders = true;
        }
        (theme, problem)
    }
}

/// The default theme, which the tests guarantee parses; if it somehow
/// does not, an unstyled theme.
pub fn fallback() -> Theme {
    Theme::builtin("default").unwrap_or_else(|_| Theme {
        name: "plain".into(),
        ascii_borders: true,
        roles: Roles::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&t.name, name);
        }
    }

    #[test]
    fn mono_uses_no_colour_at_all() {
        let t = Theme::builtin("mono").expect("mono");
        let r = &t.roles;
        for s in [
            r.text, r.title, r.border, r.label, r.field, r.focus, r.valid, r.invalid, r.warn,
            r.hint, r.muted, r.selected, r.status, r.key, r.training, r.error,
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        // focus and invalid must still be visible without colour
        assert!(
            r.focus.add_modifier.contains(Modifier::REVERSED)
                || r.focus.add_modifier.contains(Modifier::UNDERLINED)
        );
        assert!(!r.invalid.add_modifier.is_empty());
    }

    #[test]
    fn default_theme_uses_only_ansi_16_names() {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == "default")
            .map(|(_, t)| *t)
            .expect("default");
        assert!(!text.contains("\"#"), "no RGB in the default theme");
        let t = Theme::parse(text).expect("parse");
        for s in [t.roles.focus, t.roles.invalid, t.roles.status] {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }

    #[test]
    fn auto_picks_mono_for_vt100_and_no_color_and_ascii_for_linux() {
        assert_eq!(Theme::auto_name("vt100", false), "mono");
        assert_eq!(Theme::auto_name("xterm-256color", true), "mono");
        assert_eq!(Theme::auto_name("xterm", false), "default");
        let dir = tempfile::tempdir().expect("tmp");
        let (t, p) = Theme::select(Lang::Zh, "auto", dir.path(), "linux", false);
        assert!(p.is_none());
        assert!(t.ascii_borders);
        assert_eq!(t.name, "default");
    }

    #[test]
    fn a_broken_user_theme_is_reported_and_the_default_used() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("mine.toml"),
            "name = \"mine\"\n[roles]\ntext = { fg = \"chartreuse-ish\" }\n",
        )
        .expect("write");
        let (t, p) = Theme::select(Lang::Zh, "mine", dir.path(), "xterm", false);
        assert_eq!(t.name, "default");
        let p = p.expect("problem reported");
        assert!(
            p.contains("mine.toml") && p.contains("chartreuse-ish"),
            "{p}"
        );
        assert!(
            p.contains("主题文件") && p.contains("颜色"),
            "in Chinese: {p}"
        );
        assert!(!p.contains("unknown colour"), "{p}");
        let (_, p) = Theme::select(Lang::En, "mine", dir.path(), "xterm", false);
        let p = p.expect("problem reported");
        assert!(p.contains("mine.toml") && p.contains("colour"), "{p}");
        assert!(!p.contains("主题"), "{p}");
        // A syntax error names the file and the line.
        std::fs::write(dir.path().join("bad.toml"), "name = \"bad\"\n[roles\n").expect("write");
        let (_, p) = Theme::select(Lang::Zh, "bad", dir.path(), "xterm", false);
        let p = p.expect("syntax");
        assert!(
            p.contains("bad.toml") && p.contains("格式") && p.contains("line 2"),
            "{p}"
        );
        // There but not UTF-8: said, not skipped for the built-in.
        std::fs::write(dir.path().join("default.toml"), b"\xff\xfe").expect("write");
        let (_, p) = Theme::select(Lang::Zh, "default", dir.path(), "xterm", false);
        let p = p.expect("unreadable");
        assert!(p.contains("default.toml") && p.contains("无法读取"), "{p}");
        let (_, p) = Theme::select(Lang::Zh, "nope", dir.path(), "xterm", false);
        let p = p.expect("unknown");
        assert!(p.contains("nope") && p.contains("没有名为"), "{p}");
    }
}
