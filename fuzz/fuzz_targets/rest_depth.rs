#![no_main]
//! See `harness::rest_depth` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::rest_depth(data));
