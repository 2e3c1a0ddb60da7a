#![no_main]
//! Scanned QR payloads: no input panics, and only our codes pass.

use libfuzzer_sys::fuzz_target;
use medcircle_core::fuzzing;

fuzz_target!(|payload: &str| {
    if let Some(id) = fuzzing::web_login_id(payload) {
        assert!(id.starts_with("wl_") && id.len() == 35);
    }
});
