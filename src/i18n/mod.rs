//! User-visible text, one place per language.
//!
//! Every sentence a clerk, supervisor or support engineer reads lives in
//! `locales/<lang>/*.toml`, compiled into the binary. Code refers to a text by
//! its key (`"ident.id.length"`) and fills `{name}` placeholders with [`fmt`].
//! A test checks that both languages define exactly the same keys and that
//! every key used in `src/` exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The two UI languages. Chinese is the default; English is complete, for
/// consoles that cannot show CJK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses `zh`/`en` (also `zh_CN.UTF-8` style locale names).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// One compiled-in locale file per language and topic (the TOML sources,
/// for the tests; the programs use the flattened form from build.rs).
#[cfg(test)]
macro_rules! locale {
    ($lang:ident, $dir:literal, $file:literal) => {
        (
            Lang::$lang,
            $file,
            include_str!(concat!("../../locales/", $dir, "/", $file)),
        )
    };
}

/// The compiled-in locale files: (language, file name, contents).
#[cfg(test)]
pub const SOURCES: &[(Lang, &str, &str)] = &[
    locale!(Zh, "zh", "common.toml"),
    locale!(En, "en", "common.toml"),
    locale!(Zh, "zh", "ident.toml"),
    locale!(En, "en", "ident.toml"),
    locale!(Zh, "zh", "catalog.toml"),
    locale!(En, "en", "catalog.toml"),
    locale!(Zh, "zh", "rules.toml"),
    locale!(En, "en", "rules.toml"),
    locale!(Zh, "zh", "ui.toml"),
    locale!(En, "en", "ui.toml"),
    locale!(Zh, "zh", "wizard.toml"),
    locale!(En, "en", "wizard.toml"),
    locale!(Zh, "zh", "doctor.toml"),
    locale!(En, "en", "doctor.toml"),
    locale!(Zh, "zh", "print.toml"),
    locale!(En, "en", "print.toml"),
];

#[cfg(test)]
type Table = HashMap<String, String>;

#[cfg(test)]
fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// Parses one locale file into flat `a.b.c` keys. Public for the tests.
#[cfg(test)]
pub fn parse_source(text: &str) -> Result<Table, toml::de::Error> {
    let value: toml::Value = toml::from_str(text)?;
    let mut out = Table::new();
    flatten("", &value, &mut out);
    Ok(out)
}

/// The locale files flattened by build.rs: `key NUL value NUL …`.
const FLAT_ZH: &str = include_str!(concat!(env!("OUT_DIR"), "/locale_zh.bin"));
const FLAT_EN: &str = include_str!(concat!(env!("OUT_DIR"), "/locale_en.bin"));

type FlatTable = HashMap<&'static str, &'static str>;

fn table(lang: Lang) -> &'static FlatTable {
    static ZH: OnceLock<FlatTable> = OnceLock::new();
    static EN: OnceLock<FlatTable> = OnceLock::new();
    let (cell, flat) = match lang {
        Lang::Zh => (&ZH, FLAT_ZH),
        Lang::En => (&EN, FLAT_EN),
    };
    cell.get_or_init(|| {
        let mut parts = flat.split('\0');
        let mut all = FlatTable::with_capacity(2048);
        while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
            all.insert(k, v);
        }
        all
    })
}

/// The text for `key`, or the key itself when it is missing (never a panic).
pub fn tr(lang: Lang, key: &str) -> &str {
    match table(lang).get(key) {
        Some(s) => s,
        None => key,
    }
}

/// The text for `key` with every `{name}` replaced by its value.
pub fn fmt(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = tr(lang, key).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// Every key of a language (for tests and `doctor`).
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = table(lang).keys().copied().collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flattened_build_table_is_the_toml_sources() {
        for lang in [Lang::Zh, Lang::En] {
            let mut want = Table::new();
            for (l, _, text) in SOURCES {
                if *l == lang {
                    want.extend(parse_source(text).expect("parses"));
                }
            }
            let have = table(lang);
            assert_eq!(have.len(), want.len(), "{lang:?}");
            for (k, v) in &want {
                assert_eq!(have.get(k.as_str()), Some(&v.as_str()), "{lang:?} {k}");
            }
        }
    }

    #[test]
    fn every_locale_file_parses() {
        for (lang, name, text) in SOURCES {
            if let Err(e) = parse_source(text) {
                panic!("locales/{lang:?}/{name}: {e}");
            }
        }
    }

    /// Half-width `,:;?!()` inside a Chinese sentence: next to a Chinese
    /// character on one side (a space allowed between) and text on the
    /// other; a bracket next to a Chinese character.
    pub(crate) fn half_width_in_chinese(s: &str) -> Option<String> {
        let cjk = |c: char| {
            ('\u{3000}'..='\u{303f}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)
        };
        let chars: Vec<char> = s.chars().collect();
        let near = |i: usize, back: bool| -> Option<char> {
            let step = |j: usize| if back { j.checked_sub(1) } else { Some(j + 1) };
            let mut j = step(i)?;
            if chars.get(j) == Some(&' ') {
                j = step(j)?;
            }
            chars.get(j).copied()
        };
        for (i, c) in chars.iter().enumerate() {
            if !",:;?!()".contains(*c) {
                continue;
            }
            let (l, r) = (near(i, true), near(i, false));
            let l_cjk = l.is_some_and(cjk);
            let r_cjk = r.is_some_and(cjk);
            let bad = match c {
                '(' | ')' => l_cjk || r_cjk,
                _ => (l_cjk || r_cjk) && l.is_some() && r.is_some(),
            };
            if bad {
                let from = i.saturating_sub(6);
                return Some(chars[from..(i + 6).min(chars.len())].iter().collect());
            }
        }
        None
    }

    #[test]
    fn chinese_texts_use_full_width_punctuation() {
        assert!(half_width_in_chinese("校验位应为 9,实际为 4:号码").is_some());
        assert!(half_width_in_chinese("号段归属:{carrier}(携号").is_some());
        assert!(half_width_in_chinese("校验位应为 9，实际为 4：号码").is_none());
        assert!(half_width_in_chinese("Esc 1 = F1, F10 (x)").is_none());
        let mut bad = Vec::new();
        for k in keys(Lang::Zh) {
            if let Some(at) = half_width_in_chinese(tr(Lang::Zh, k)) {
                bad.push(format!("{k}: …{at}…"));
            }
        }
        let catalog = crate::catalog::Catalog::builtin().expect("catalog");
        for s in &catalog.services {
            let mut texts: Vec<&str> = vec![&s.name_zh];
            texts.extend(s.refusal_reason.as_deref());
            texts.extend(s.delivery_zh.as_deref());
            texts.extend(s.steps_zh.iter().map(String::as_str));
            texts.extend(s.materials.iter().map(|m| m.zh.as_str()));
            texts.extend(s.fees.iter().map(|f| f.zh.as_str()));
            for fl in &s.fields {
                texts.push(&fl.label_zh);
                texts.extend(fl.hint_zh.as_deref());
                texts.extend(fl.options.iter().map(|o| o.zh.as_str()));
            }
            for t in texts {
                if let Some(at) = half_width_in_chinese(t) {
                    bad.push(format!("{}: …{at}…", s.code));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "half-width punctuation in Chinese:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh = keys(Lang::Zh);
        let en = keys(Lang::En);
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(only_zh.is_empty(), "keys only in zh: {only_zh:?}");
        assert!(only_en.is_empty(), "keys only in en: {only_en:?}");
    }

    #[test]
    fn placeholders_are_filled_and_missing_keys_fall_back() {
        assert_eq!(tr(Lang::En, "no.such.key"), "no.such.key");
        let s = fmt(Lang::En, "common.test_placeholder", &[("n", &42)]);
        assert!(s.contains("42") && !s.contains("{n}"), "{s}");
    }

    #[test]
    fn lang_parses_locale_names() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
