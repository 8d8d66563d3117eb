#![no_main]
//! See `header` in keystore/src/fuzzing.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_keystore::fuzzing::header(data));
