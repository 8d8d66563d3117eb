#![no_main]
//! See `harness::socket_frames` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::socket_frames(data));
