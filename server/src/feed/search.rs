//! Search: a case-insensitive (for ASCII) substring of post texts, through SQLite `LIKE`.

use crate::error::ApiError;

const MAX_QUERY_CHARS: usize = 100;

/// The `LIKE` pattern (escape character `\`) matching texts that contain `q`, trimmed, with
/// its `%`, `_` and `\` taken literally. `q` is bound as a parameter, never spliced into SQL.
pub fn pattern(q: &str) -> Result<String, ApiError> {
    let q = q.trim();
    if !(1..=MAX_QUERY_CHARS).contains(&q.chars().count()) {
        return Err(ApiError::InvalidQuery);
    }
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for character in q.chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    Ok(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_wildcards_and_bounds_the_length() {
        assert_eq!(pattern("  心肌 ").unwrap(), "%心肌%");
        assert_eq!(pattern(r"50%_a\b").unwrap(), r"%50\%\_a\\b%");
        assert!(pattern("   ").is_err());
        assert!(pattern(&"字".repeat(100)).is_ok());
        assert!(pattern(&"字".repeat(101)).is_err());
    }
}
