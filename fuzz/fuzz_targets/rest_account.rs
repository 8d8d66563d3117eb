#![no_main]
//! See `harness::rest_account` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::rest_account(data));
