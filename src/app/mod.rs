//! The clerk's app: state, input handling and effects. One-way data flow:
//! terminal event → [`update::Input`] → [`state::App`] change → effects
//! carried out by [`runtime::Runtime`] → [`update::Msg`] back → view.

mod admin;
mod corrections;
mod find;
mod home;
pub mod input;
mod login;
pub mod msg;
mod picker;
mod receipt;
pub mod runtime;
mod runtime_admin;
mod setup;
pub mod state;
pub mod update;
pub(crate) mod wizard;
pub mod worker;

pub use state::App;
