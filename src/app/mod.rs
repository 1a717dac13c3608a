//! The clerk's app: state, input handling and effects. One-way data flow:
//! terminal event → [`update::Input`] → [`state::App`] change → effects
//! carried out by [`runtime::Runtime`] → [`update::Msg`] back → view.

mod admin;
pub mod input;
pub mod runtime;
mod runtime_admin;
pub mod state;
pub mod update;

pub use state::App;
