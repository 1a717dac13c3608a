//! The terminal screens: pure views of the app state.

pub mod theme;
