//! cargo-fuzz target: `jingyou::fuzzing::control_request` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::control_request(data));
