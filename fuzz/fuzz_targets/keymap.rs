//! cargo-fuzz target: `jingyou::fuzzing::keymap` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::keymap(data));
