//! jingyou (警邮): the library behind the `jingyou` clerk terminal and the
//! `jingyou-hub` reference receiver. Binaries only parse arguments and wire
//! these modules together; tests use the library directly.

pub mod app;
pub mod attach;
pub mod audit_log;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod doctor;
pub mod fuzzing;
pub mod hub;
pub mod i18n;
pub mod ident;
pub mod journal;
pub mod keymap;
pub mod log;
pub mod mask;
pub mod notify;
pub mod overdue;
pub mod paths;
pub mod printer;
pub mod receipt;
pub mod reconcile;
pub mod retention;
pub mod rules;
pub mod seed;
pub mod store;
pub mod sync;
pub mod tally;
pub mod term_out;
pub mod tui;
pub mod ui;
pub mod wire;
pub mod wizard;
