#![no_main]
//! See `record` in keystore/src/fuzzing.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_keystore::fuzzing::record(data));
