//! Loading the built-in catalogue and applying the override file.

use std::path::{Path, PathBuf};

use super::overrides::{apply, parse_raw, parse_services, OverrideError, OverrideErrorKind};
use super::{Catalog, BUILTIN_TOML};

const BUILTIN_NAME: &str = "src/catalog/builtin.toml";

/// The compiled-in catalogue, read from its compiled
/// form (`builtin.json`, made from `builtin.toml` and checked against it by
/// a test), so no TOML is parsed at start-up; the TOML is the fallback.
pub(crate) fn parse_builtin() -> Result<Catalog, Vec<OverrideError>> {
    // Decoded each time it is asked for (once per command): keeping a copy
    // to clone would cost half as much again as decoding it.
    match serde_json::from_str(BUILTIN_JSON) {
        Ok(services) => Ok(Catalog { services }),
        Err(_) => parse_builtin_now(),
    }
}

/// `builtin.toml` as parsed and checked, as JSON. Regenerate with
/// `JINGYOU_UPDATE_CATALOG=1 cargo test --lib compiled_catalogue`.
pub(crate) const BUILTIN_JSON: &str = include_str!("builtin.json");

/// Parses and checks the compiled-in catalogue from its TOML source.
pub(crate) fn parse_builtin_now() -> Result<Catalog, Vec<OverrideError>> {
    let file = Path::new(BUILTIN_NAME);
    let raw = parse_raw(BUILTIN_TOML, file).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let services = parse_services(BUILTIN_TOML, file, raw.services(), &mut errors)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let catalog = Catalog { services };
    let mut seen = std::collections::HashSet::new();
    for s in &catalog.services {
        if !seen.insert(s.code.to_ascii_uppercase()) {
            errors.push(OverrideError::new(
                file,
                None,
                OverrideErrorKind::DuplicateCode,
                vec![("code", s.code.clone())],
            ));
        }
    }
    if errors.is_empty() {
        Ok(catalog)
    } else {
        Err(errors)
    }
}

/// The built-in catalogue with the override at `path` applied.
pub(crate) fn load(path: Option<&Path>) -> (Catalog, Vec<OverrideError>) {
    let base = match parse_builtin() {
        Ok(c) => c,
        // Only reachable with a broken build (the tests parse the built-in
        // catalogue); report it rather than panic.
        Err(errors) => {
            return (
                Catalog {
                    services: Vec::new(),
                },
                errors,
            )
        }
    };
    let Some(path) = path else {
        return (base, Vec::new());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (base, Vec::new()),
        Err(e) => {
            let err = OverrideError::new(
                path,
                None,
                OverrideErrorKind::Read,
                vec![("detail", e.to_string())],
            );
            return (base, vec![err]);
        }
    };
    match apply(&base, &text, path) {
        Ok(catalog) => (catalog, Vec::new()),
        Err(errors) => (base, errors),
    }
}

/// `$XDG_CONFIG_HOME/jingyou/catalog.toml`, else `~/.config/jingyou/catalog.toml`.
pub(crate) fn default_override_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("jingyou").join("catalog.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled catalogue is exactly what the TOML source parses to.
    #[test]
    fn compiled_catalogue_is_the_toml_source() {
        let parsed = match parse_builtin_now() {
            Ok(c) => c,
            Err(e) => panic!("builtin.toml: {e:?}"),
        };
        let json = serde_json::to_string_pretty(&parsed.services).expect("json");
        if std::env::var_os("JINGYOU_UPDATE_CATALOG").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/src/catalog/builtin.json"),
                format!("{json}\n"),
            )
            .expect("write builtin.json");
            return;
        }
        let compiled: Vec<crate::catalog::Service> =
            serde_json::from_str(BUILTIN_JSON).expect("builtin.json parses");
        assert!(
            compiled == parsed.services,
            "src/catalog/builtin.json is stale: run JINGYOU_UPDATE_CATALOG=1 cargo test --lib compiled_catalogue"
        );
    }
}
