//! Upload to the county hub (docs/protocol.md). `client` holds the HTTP calls;
//! `relay` is the outbox worker that drives them.

pub mod client;
pub mod error_kind;
pub mod relay;

pub use client::{ClientConfig, ClientError, Health, HubClient, ItemResult, ItemStatus};
