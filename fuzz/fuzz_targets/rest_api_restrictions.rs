#![no_main]
//! See `harness::rest_api_restrictions` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::rest_api_restrictions(data));
