//! cargo-fuzz target: `jingyou::fuzzing::ident` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::ident(data));
