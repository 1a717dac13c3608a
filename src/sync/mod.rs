//! Upload: the outbox relay that sends finished applications to the hub.

pub mod relay;
