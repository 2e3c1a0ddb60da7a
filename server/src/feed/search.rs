//! Search: a case-insensitive substring of post texts. Three characters or more go through
//! the trigram full-text index (`posts_fts`); shorter queries, which trigrams cannot answer,
//! through `LIKE`.

use crate::error::ApiError;

/// The shortest query the trigram index answers.
const MIN_INDEXED_CHARS: usize = 3;

/// A search as SQL can run it; either way `q` is bound as a parameter, never spliced into SQL.
#[derive(Debug, PartialEq, Eq)]
pub enum Matcher {
    /// An FTS5 phrase: the trimmed query, quoted, its quotes doubled.
    Phrase(String),
    /// A `LIKE` pattern (escape character `\`) with `%`, `_` and `\` taken literally.
    Like(String),
}

/// The matcher for query `q`, as `medcircle_rules::text::search_query` admits it.
pub fn matcher(q: &str) -> Result<Matcher, ApiError> {
    let q = medcircle_rules::text::search_query(q).ok_or(ApiError::InvalidQuery)?;
    let chars = q.chars().count();
    if chars >= MIN_INDEXED_CHARS {
        return Ok(Matcher::Phrase(format!("\"{}\"", q.replace('"', "\"\""))));
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
    Ok(Matcher::Like(pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_queries_are_escaped_patterns_and_longer_ones_quoted_phrases() {
        assert_eq!(matcher("  心肌 ").unwrap(), Matcher::Like("%心肌%".into()));
        assert_eq!(matcher(r"%_").unwrap(), Matcher::Like(r"%\%\_%".into()));
        assert_eq!(matcher(r"\").unwrap(), Matcher::Like(r"%\\%".into()));
        assert_eq!(
            matcher(r#"50% "a" OR b"#).unwrap(),
            Matcher::Phrase(r#""50% ""a"" OR b""#.into())
        );
        assert!(matcher("   ").is_err());
        for hidden in [
            "心肌\0梗死",
            "a\u{1b}b c",
            "\u{200b}\u{200b}\u{200b}",
            "x\u{202e}yz",
        ] {
            assert!(
                matches!(matcher(hidden), Err(ApiError::InvalidQuery)),
                "{hidden:?}"
            );
        }
        assert!(matcher(&"字".repeat(100)).is_ok());
        assert!(matcher(&"字".repeat(101)).is_err());
    }
}
