#![no_main]
//! ID numbers: no input panics, and what passes parses again to itself.

use libfuzzer_sys::fuzz_target;
use medcircle_rules::id_number::IdNumber;

fuzz_target!(|input: &str| {
    if let Ok(id) = IdNumber::parse(input) {
        assert_eq!(IdNumber::parse(id.as_str()), Ok(id.clone()));
    }
});
