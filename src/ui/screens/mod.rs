//! One function per screen.

pub mod admin;
mod corrections;
mod find;
mod home;
mod login;
mod picker;
mod receipt;
mod setup;
mod wizard;

pub use corrections::corrections;
pub use find::find_draft;
pub use home::home;
pub use login::login;
pub use picker::picker;
pub use receipt::receipt;
pub use setup::setup;
pub use wizard::wizard;

use crate::app::state::App;
use crate::i18n::Lang;

pub(crate) fn service_name(app: &App, code: &str) -> String {
    app.catalog
        .get(code)
        .map(|s| match app.lang {
            Lang::Zh => s.name_zh.clone(),
            Lang::En => s.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_string())
}
