//! The catalogue's data model: what a service is, as read from TOML.
//!
//! Field keys, rule ids and material ids are plain strings in the data; the
//! wizard engine looks validators up by [`FieldKind`] and rules by
//! [`crate::rules::RuleId`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The four groups of the programme (四大类).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// 机动车业务
    Vehicle,
    /// 驾驶证业务
    Licence,
    /// 交通违法
    Violation,
    /// 互联网平台用户业务
    Platform,
}

/// What a wizard field holds; picks its validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// A person's or unit's name (1–50 characters, no control characters).
    Name,
    /// Free text such as an address (1–200 characters).
    Text,
    /// 公民身份号码 and the permits that share its shape (`ident::Kind::Id`).
    IdNumber,
    /// 号牌号码 (`ident::Kind::Plate`).
    Plate,
    /// 车辆识别代号 (`ident::Kind::Vin`).
    Vin,
    /// Mainland mobile number (`ident::Kind::Phone`).
    Phone,
    /// 驾驶证档案编号, 12 digits (`ident::Kind::LicenceFile`).
    LicenceFile,
    /// 处罚决定书编号, 15–16 digits (`ident::Kind::Decision`).
    Decision,
    /// 统一社会信用代码 (`ident::Kind::Uscc`).
    Uscc,
    /// A calendar date, typed `YYYY-MM-DD` or `YYYYMMDD`.
    Date,
    /// A month as printed on a document (`YYYY-MM`, e.g. 检验有效期至).
    Month,
    /// One of the field's `options`.
    Choice,
    /// 是/否.
    YesNo,
    /// An amount of money in yuan with up to two decimals, stored as fen.
    Money,
    /// A whole number (e.g. seats, years).
    Integer,
}

/// One option of a `choice` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub zh: String,
    pub en: String,
}

/// One input of a wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable key; rules read fields by it (e.g. `licence_expiry`).
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub kind: FieldKind,
    #[serde(default = "yes")]
    pub required: bool,
    /// Personal data (name, ID, phone, address): masked in lists, logs, exports.
    #[serde(default)]
    pub personal: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_en: Option<String>,
}

fn yes() -> bool {
    true
}

/// How a material is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// Always needed.
    Required,
    /// One of the materials sharing the same `one_of` group id is needed.
    OneOf,
    /// Needed when the field `when_field` equals `when_value`.
    Conditional,
    /// Helpful but not needed.
    Optional,
}

/// A document the customer brings (材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub need: Need,
    /// For `one-of`: the group id shared by the alternatives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<String>,
    /// For `conditional`: the field key and value that make it needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_value: Option<String>,
}

/// One fee item (工本费, 邮寄费...), in integer fen, valid from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub item: String,
    pub zh: String,
    pub en: String,
    pub fen: u64,
    /// The first day this amount applies (inclusive).
    pub effective: NaiveDate,
    /// Where the figure comes from and how sure it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Charged only when the customer chooses it (e.g. EMS postage instead of
    /// collecting at the branch). [`Service::fee_total_on`] still counts it;
    /// the wizard may leave it out.
    #[serde(default)]
    pub optional: bool,
}

/// A photo or scan the service needs attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attachment {
    Photo,
    Scan,
}

/// One service of the catalogue, offered or refused at a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Short code the clerk can type, e.g. `D1`.
    pub code: String,
    pub group: Group,
    pub name_zh: String,
    pub name_en: String,
    /// Pinyin initials of `name_zh` for search, e.g. `ylbljsz` for 遗失补领驾驶证.
    pub pinyin: String,
    /// Other search terms: short pinyin forms (`bljsz`) and common Chinese
    /// names (补领驾驶证) that clerks type.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub offered: bool,
    /// Why a branch must refuse it (legal basis); `None` when offered.
    #[serde(default)]
    pub refusal_reason: Option<String>,
    #[serde(default)]
    pub refusal_reason_en: Option<String>,
    /// Legal basis, e.g. "《机动车登记规定》第五十一条".
    #[serde(default)]
    pub basis: Option<String>,
    /// The legal basis in English, for `--lang en`.
    #[serde(default)]
    pub basis_en: Option<String>,
    /// How sure the research is that this service is in the national list:
    /// `confirmed`, `partial` or `inferred` (domain.md legend C/P/I).
    #[serde(default)]
    pub certainty: Option<String>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub materials: Vec<Material>,
    /// Rule ids (see `rules::RuleId`) checked as fields are filled.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// Statutory time limit as a short text, e.g. "1个工作日".
    #[serde(default)]
    pub time_limit: String,
    #[serde(default)]
    pub time_limit_en: String,
    /// 0 = on the spot.
    #[serde(default)]
    pub time_limit_days: u32,
    /// `time_limit_days` counts working days (Monday to Friday); absent:
    /// when `time_limit` says 工作日.
    #[serde(default)]
    pub time_limit_working_days: Option<bool>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Customer guide steps (办事流程), one line each.
    #[serde(default)]
    pub steps_zh: Vec<String>,
    #[serde(default)]
    pub steps_en: Vec<String>,
    /// Where the result goes, e.g. "EMS 寄递或网点自取".
    #[serde(default)]
    pub delivery_zh: Option<String>,
    #[serde(default)]
    pub delivery_en: Option<String>,
    /// Set for services added by a local override file.
    #[serde(default)]
    pub local: bool,
    /// Set when the local override file disabled this service (`disable = [...]`);
    /// such a service is also `offered = false` with a refusal reason.
    #[serde(default)]
    pub disabled: bool,
    /// Points of this entry that the research could not confirm against
    /// the article it cites, each naming the article (shown in the guide
    /// and `catalog --json`; check them with the local 车管所).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<String>,
}
