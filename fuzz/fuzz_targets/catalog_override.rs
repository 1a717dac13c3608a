//! cargo-fuzz target: `jingyou::fuzzing::catalog_override` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::catalog_override(data));
