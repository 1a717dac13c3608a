//! The service catalogue (DESIGN.md §3): compiled-in TOML plus a local override.

mod model;
pub use model::*;
