#![no_main]
//! Image headers and stripping: no input panics, and a stripped image strips to itself.

use libfuzzer_sys::fuzz_target;
use medcircle_rules::image::{ImageType, dimensions, strip};

fuzz_target!(|bytes: &[u8]| {
    let _ = dimensions(bytes);
    if let Ok(clean) = strip(bytes) {
        assert_eq!(ImageType::of(&clean), ImageType::of(bytes));
        assert_eq!(strip(&clean).as_deref(), Ok(&clean[..]));
    }
});
