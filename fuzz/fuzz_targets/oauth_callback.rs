#![no_main]
//! Provider callback URLs: no input panics, and an accepted one carries our state.

use libfuzzer_sys::fuzz_target;
use medcircle_core::fuzzing;

fuzz_target!(|raw: &str| {
    if fuzzing::oauth_code(raw, "com.medcircle.app:/oauth/callback", "our-state").is_some() {
        assert!(raw.contains("our-state"));
    }
});
