//! Upload to the county hub (docs/protocol.md). `client` holds the HTTP calls;
//! the outbox relay that drives them lives beside it.

pub mod client;

pub use client::{ClientConfig, ClientError, Health, HubClient, ItemResult, ItemStatus};
