//! cargo-fuzz target: `jingyou::fuzzing::config` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::config(data));
