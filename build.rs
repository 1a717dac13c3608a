//! Flattens the locale files (`locales/<lang>/*.toml`) at build time into
//! `key NUL value NUL …`, so the programs never parse TOML to show their
//! first screen. The tests still parse the TOML sources themselves.

use std::fmt::Write as _;
use std::path::Path;

fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
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
        toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    for lang in ["zh", "en"] {
        let dir = Path::new("locales").join(lang);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("locales dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        names.sort();
        let mut pairs = Vec::new();
        for p in names {
            println!("cargo:rerun-if-changed={}", p.display());
            let text = std::fs::read_to_string(&p).expect("locale file");
            // A broken file is reported by the i18n tests; here it is skipped.
            if let Ok(t) = toml::from_str::<toml::Table>(&text) {
                flatten("", &toml::Value::Table(t), &mut pairs);
            } else {
                println!("cargo:warning=locale file {} does not parse", p.display());
            }
        }
        let mut flat = String::new();
        for (k, v) in pairs {
            if k.contains('\0') || v.contains('\0') {
                continue;
            }
            let _ = write!(flat, "{k}\0{v}\0");
        }
        std::fs::write(Path::new(&out_dir).join(format!("locale_{lang}.bin")), flat)
            .expect("write flattened locale");
    }
}
