//! cargo-fuzz target: `jingyou::fuzzing::hub_request` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::hub_request(data));
