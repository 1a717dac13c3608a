//! The supervisor's screens: menu, tally with a 30-day chart, accounts,
//! void, audit log, and the upload queue. One file per screen.

mod accounts;
mod audit;
mod menu;
mod queue;
mod tally;
mod void;

pub use accounts::accounts;
pub use audit::audit;
pub use menu::menu;
pub use queue::queue;
pub use tally::tally;
pub use void::void;
