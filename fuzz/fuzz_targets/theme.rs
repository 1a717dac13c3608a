//! cargo-fuzz target: `jingyou::fuzzing::theme` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::theme(data));
