//! Identifiers a client chooses (device ids, request ids, pseudonyms): URL- and log-safe
//! characters only, so they can be stored and logged as sent.

use std::ops::RangeInclusive;

use crate::error::ApiError;

/// Whether `raw` is `lengths` characters of `[A-Za-z0-9_-]`.
pub fn is_valid(raw: &str, lengths: RangeInclusive<usize>) -> bool {
    lengths.contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A device id sent as `field`: 1 to 64 characters of `[A-Za-z0-9_-]`, else 422 naming it.
pub fn device_id<'a>(field: &str, raw: &'a str) -> Result<&'a str, ApiError> {
    if is_valid(raw, 1..=64) {
        Ok(raw)
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{field} must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_length_and_alphabet() {
        assert!(is_valid("a", 1..=64));
        assert!(is_valid(&"Z9_-".repeat(16), 1..=64));
        assert!(!is_valid("", 1..=64));
        assert!(!is_valid(&"a".repeat(65), 1..=64));
        assert!(!is_valid(&"a".repeat(15), 16..=64));
        for bad in ["a b", "a/b", "a.b", "é", "a\n"] {
            assert!(!is_valid(bad, 1..=64), "{bad:?}");
        }
    }
}
