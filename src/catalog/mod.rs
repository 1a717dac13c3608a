//! The service catalogue (DESIGN.md §3): compiled-in TOML plus a local override.
//!
//! The 25 offered services and the three refused ones live in `builtin.toml`
//! (compiled in). A branch may override it with a local file; see
//! [`overrides`] for the format (also `docs/catalog-override.md`).
//!
//! ```no_run
//! use jingyou::catalog::Catalog;
//! let (catalog, errors) = Catalog::load(None);
//! for e in &errors {
//!     eprintln!("{e}");
//! }
//! let hits = catalog.search("bljsz");
//! assert_eq!(hits.first().map(|s| s.code.as_str()), Some("D1"));
//! ```

mod guide;
mod load;
mod model;
pub mod overrides;
mod render;
mod search;
pub(crate) mod text;
mod validate;

use chrono::NaiveDate;

pub use model::*;
pub use overrides::{OverrideError, OverrideErrorKind};
pub use text::{display_width, wrap, yuan};

/// The compiled-in catalogue text.
pub const BUILTIN_TOML: &str = include_str!("builtin.toml");

/// The rule ids a service may list, and the fields (key, kind) each reads.
/// The wizard's rule engine looks fields up by these keys.
pub const RULE_FIELDS: &[(&str, &[(&str, FieldKind)])] = &[
    (
        "licence_renewal_window",
        &[("licence_expiry", FieldKind::Date)],
    ),
    (
        "medical_certificate_recent",
        &[("medical_date", FieldKind::Date)],
    ),
    (
        "age_band",
        &[
            ("id_number", FieldKind::IdNumber),
            ("licence_class", FieldKind::Choice),
        ],
    ),
    ("elderly_medical", &[("id_number", FieldKind::IdNumber)]),
    (
        "licence_not_detained",
        &[("licence_detained", FieldKind::YesNo)],
    ),
    ("insurance_valid", &[("insurance_expiry", FieldKind::Date)]),
    (
        "inspection_exemption",
        &[
            ("registration_date", FieldKind::Date),
            ("vehicle_type", FieldKind::Choice),
            ("accident_injury", FieldKind::YesNo),
            ("inspection_valid_until", FieldKind::Month),
        ],
    ),
    (
        "fine_surcharge",
        &[
            ("fine_fen", FieldKind::Money),
            ("decision_received", FieldKind::Date),
        ],
    ),
    ("report_within_30_days", &[("change_date", FieldKind::Date)]),
    (
        "deferral_limit",
        &[
            ("licence_expiry", FieldKind::Date),
            ("deferral_until", FieldKind::Date),
        ],
    ),
    (
        "cycle_deferral_limit",
        &[
            ("cycle_end", FieldKind::Date),
            ("deferral_until", FieldKind::Date),
        ],
    ),
    (
        "platform_registered",
        &[
            ("platform_registered", FieldKind::YesNo),
            ("vehicle_filed", FieldKind::YesNo),
        ],
    ),
];

/// The fields a rule reads, or `None` for an unknown rule id.
pub fn rule_fields(rule: &str) -> Option<&'static [(&'static str, FieldKind)]> {
    RULE_FIELDS
        .iter()
        .find(|(id, _)| *id == rule)
        .map(|(_, fields)| *fields)
}

/// Every rule id a service may list.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    RULE_FIELDS.iter().map(|(id, _)| *id)
}

/// Fees above this (10 000 yuan) are treated as a typing error.
pub const MAX_FEE_FEN: u64 = 1_000_000;

/// Values a `yes-no` field takes.
pub const YES_NO_VALUES: [&str; 2] = ["yes", "no"];

/// The catalogue in use: the built-in services with the local override applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub services: Vec<Service>,
}

impl Catalog {
    /// The compiled-in catalogue, parsed and checked. An error here is a bug
    /// in `builtin.toml`, caught by the tests; it is returned, not panicked.
    pub fn builtin() -> Result<Catalog, Vec<OverrideError>> {
        load::parse_builtin()
    }

    /// The built-in catalogue with the override file at `override_path`
    /// applied. A missing file is no error. When the file has any error, all
    /// errors are returned and the built-in catalogue is used unchanged.
    pub fn load(override_path: Option<&std::path::Path>) -> (Catalog, Vec<OverrideError>) {
        load::load(override_path)
    }

    /// The default override path: `$XDG_CONFIG_HOME/jingyou/catalog.toml`,
    /// else `~/.config/jingyou/catalog.toml` (config `[catalog] override`
    /// takes precedence; the caller decides).
    pub fn default_override_path() -> Option<std::path::PathBuf> {
        load::default_override_path()
    }

    /// The service with this code, ignoring case and surrounding spaces.
    pub fn get(&self, code: &str) -> Option<&Service> {
        let code = code.trim();
        self.services
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code))
    }

    /// Services matching what a clerk typed: code, pinyin initials, aliases,
    /// Chinese name; ranked exact code, exact pinyin/alias/name, prefix,
    /// substring; catalogue order within a rank. Refused services are
    /// included. An empty query gives every service in catalogue order.
    pub fn search(&self, query: &str) -> Vec<&Service> {
        search::search(&self.services, query)
    }

    /// The `catalog --json` array (DESIGN.md §2).
    pub fn to_json(&self) -> serde_json::Value {
        render::to_json(&self.services)
    }

    /// A plain-text table of the catalogue with fees in force today.
    pub fn render_table(&self, lang: crate::i18n::Lang) -> String {
        render::table(&self.services, lang, chrono::Local::now().date_naive())
    }

    /// A plain-text table of the catalogue with fees in force on `on`.
    pub fn render_table_on(&self, lang: crate::i18n::Lang, on: NaiveDate) -> String {
        render::table(&self.services, lang, on)
    }

    /// The customer guide (办事指南) of one service, every line at most
    /// [`GUIDE_WIDTH`] display columns; `None` for an unknown code.
    pub fn guide(&self, code: &str, lang: crate::i18n::Lang, on: NaiveDate) -> Option<String> {
        self.get(code).map(|s| guide::guide(s, lang, on))
    }

    /// Every inconsistency in the catalogue (empty when sound), as readable
    /// sentences. The built-in catalogue must have none.
    pub fn problems(&self, lang: crate::i18n::Lang) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in &self.services {
            if !seen.insert(s.code.to_ascii_uppercase()) {
                out.push(format!(
                    "{}: {}",
                    s.code,
                    crate::i18n::fmt(lang, "catalog.error.duplicate_code", &[("code", &s.code)])
                ));
            }
            for p in validate::check_service(s) {
                out.push(format!("{}: {}", s.code, p.text(lang)));
            }
        }
        out
    }
}

/// The width of a printed customer guide slip, in display columns.
pub const GUIDE_WIDTH: usize = 40;

impl Service {
    /// Whether the statutory time limit counts working days.
    pub fn limit_in_working_days(&self) -> bool {
        self.time_limit_working_days
            .unwrap_or_else(|| self.time_limit.contains("工作日"))
    }

    /// Per fee item, the entry with the latest effective date on or before
    /// `on`; items in the order they first appear. Items not yet in force are
    /// left out.
    pub fn fees_on(&self, on: NaiveDate) -> Vec<&Fee> {
        let mut out: Vec<&Fee> = Vec::new();
        for fee in self.fees.iter().filter(|f| f.effective <= on) {
            match out.iter_mut().find(|f| f.item == fee.item) {
                Some(slot) => {
                    if fee.effective >= slot.effective {
                        *slot = fee;
                    }
                }
                None => out.push(fee),
            }
        }
        out
    }

    /// The sum in fen of [`Service::fees_on`], optional items included.
    pub fn fee_total_on(&self, on: NaiveDate) -> u64 {
        self.fees_on(on)
            .iter()
            .fold(0u64, |sum, f| sum.saturating_add(f.fen))
    }

    /// The sum in fen of the fees in force on `on` that are not optional.
    pub fn fee_required_on(&self, on: NaiveDate) -> u64 {
        self.fees_on(on)
            .iter()
            .filter(|f| !f.optional)
            .fold(0u64, |sum, f| sum.saturating_add(f.fen))
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The name in the UI language.
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Zh => &self.name_zh,
            crate::i18n::Lang::En => &self.name_en,
        }
    }

    /// The refusal reason in the UI language (`None` when offered).
    pub fn refusal(&self, lang: crate::i18n::Lang) -> Option<&str> {
        match lang {
            crate::i18n::Lang::Zh => self.refusal_reason.as_deref(),
            crate::i18n::Lang::En => self
                .refusal_reason_en
                .as_deref()
                .or(self.refusal_reason.as_deref()),
        }
    }
}
