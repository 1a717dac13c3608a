//! Eligibility and date rules (DESIGN.md §6 "Rules in time").
//!
//! Pure functions over dates and amounts; every rule is applied as in force on
//! the application's date. Amounts are integer fen. [`evaluate`] turns the
//! wizard's stored field values into plain-language findings.

pub mod dates;
pub mod engine;
pub mod fines;
pub mod licence;
pub mod vehicle;

pub use dates::{age_on, month_end, months_after, months_before, within_days};
pub use engine::{
    evaluate, inspection_due, is_inapplicable, surcharge_free_deadline, Finding, RuleId, Severity,
    INAPPLICABLE,
};
pub use fines::late_surcharge_fen;
pub use licence::{
    age_band, deferral, large_vehicle_age_limit, medical_certificate, renewal_window, AgeBand,
    Deferral, LicenceClass, MedicalCert, Renewal,
};
pub use vehicle::{inspection_exemption, Exemption, NotEligible, VehicleType};
