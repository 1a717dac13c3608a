//! cargo-fuzz target: `jingyou::fuzzing::client_reply` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::client_reply(data));
