#![no_main]
//! See `harness::market_frames` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::market_frames(data));
