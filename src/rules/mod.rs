//! Eligibility and date rules (DESIGN.md §6 "Rules in time").
//!
//! Pure functions over dates and amounts; every rule is applied as in force on
//! the application's date. Amounts are integer fen.
