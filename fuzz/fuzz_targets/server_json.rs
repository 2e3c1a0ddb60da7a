#![no_main]
//! Every answer type the core reads from a server or a provider: no input panics.

use libfuzzer_sys::fuzz_target;
use medcircle_core::fuzzing;

fuzz_target!(|bytes: &[u8]| {
    fuzzing::server_answers(bytes);
});
