//! jingyou (警邮): the library behind the `jingyou` clerk terminal and the
//! `jingyou-hub` reference receiver. Binaries only parse arguments and wire
//! these modules together; tests use the library directly.

pub mod app;
pub mod auth;
pub mod cli;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod i18n;
pub mod hub;
pub mod ident;
pub mod keymap;
pub mod mask;
pub mod paths;
pub mod rules;
pub mod seed;
pub mod receipt;
pub mod store;
pub mod sync;
pub mod tui;
pub mod ui;
pub mod wizard;
