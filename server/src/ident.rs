//! Identifiers a client chooses (device ids, request ids, pseudonyms): URL- and log-safe
//! characters only, so they can be stored and logged as sent.

use std::ops::RangeInclusive;

/// Whether `raw` is `lengths` characters of `[A-Za-z0-9_-]`.
pub fn is_valid(raw: &str, lengths: RangeInclusive<usize>) -> bool {
    lengths.contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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
