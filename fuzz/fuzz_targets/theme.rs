#![no_main]
//! See `harness::theme` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::theme(data));
