//! cargo-fuzz target: `jingyou::fuzzing::journal_frames` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jingyou::fuzzing::journal_frames(data));
