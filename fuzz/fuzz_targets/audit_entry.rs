#![no_main]
//! See `harness::audit_entry` in fuzz/src/harness.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigil_fuzz::harness::audit_entry(data));
