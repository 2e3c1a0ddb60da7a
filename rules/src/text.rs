//! What text a person can see: every free-text field the server stores (posts, comments,
//! nicknames, device details, event targets) must show something, and must not carry control
//! characters or bidirectional overrides that make it read differently from what it holds.

/// Whether `text` is acceptable as one line (a name, a model): at least one visible character,
/// no control character at all and no bidirectional control.
pub fn is_visible_line(text: &str) -> bool {
    text.chars().all(|c| !c.is_control() && !is_bidi_control(c)) && shows_something(text)
}

/// Whether `text` is acceptable as a paragraph (a post, a comment): like a line, but line
/// breaks and tabs are allowed.
pub fn is_visible_paragraph(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '\n' | '\r' | '\t') || (!c.is_control() && !is_bidi_control(c)))
        && shows_something(text)
}

/// The most characters a post search takes.
pub const MAX_SEARCH_CHARS: usize = 100;

/// The search `query` as both sides run it: trimmed, 1 to 100 characters that make one visible
/// line (a control character such as NUL never reaches a full-text parser); `None` if not.
pub fn search_query(query: &str) -> Option<&str> {
    let query = query.trim();
    (query.chars().count() <= MAX_SEARCH_CHARS && is_visible_line(query)).then_some(query)
}

/// Text from someone else (a login provider's nickname, a browser's user agent) as it may be
/// shown: controls, bidirectional controls and invisible characters taken out, spaces
/// trimmed, at most `max_chars` characters.
pub fn display_line(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c) && !is_invisible(c))
        .collect::<String>()
        .trim()
        .chars()
        .take(max_chars)
        .collect()
}

/// Whether `text` has a character that draws a glyph.
fn shows_something(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !is_invisible(c))
}

/// Embeddings, overrides, isolates and marks that reorder how the text around them displays.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Format characters and fillers that draw nothing: zero-width spaces and joiners, the word
/// joiner and invisible operators, the byte-order mark, soft hyphen, variation selectors,
/// fillers (Hangul, Braille blank) and tag characters.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202F}'
            | '\u{205F}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    ) || c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_query_is_one_trimmed_visible_line_of_at_most_100_characters() {
        assert_eq!(search_query("  心肌梗死 "), Some("心肌梗死"));
        assert!(search_query(&"字".repeat(100)).is_some());
        for refused in [
            String::new(),
            "   ".into(),
            "字".repeat(101),
            "心肌\0梗死".into(),
            "a\u{1b}b".into(),
            "\u{200b}\u{200b}".into(),
            "x\u{202e}yz".into(),
        ] {
            assert_eq!(search_query(&refused), None, "{refused:?}");
        }
    }

    #[test]
    fn text_from_others_is_shown_without_what_hides_or_reorders_it() {
        assert_eq!(
            display_line("\u{202E}gpj.exe\u{202C} Dr. \u{200B}Li\n", 64),
            "gpj.exe Dr. Li"
        );
        assert_eq!(display_line("  李医生  ", 2), "李医");
        assert_eq!(display_line("\u{200B}\u{FEFF}", 10), "");
    }

    #[test]
    fn refuses_text_that_shows_nothing() {
        for blank in [
            "",
            " ",
            "\u{200B}",
            "\u{FEFF}\u{2060}",
            "\u{3164}",
            "\u{2800}",
            "\u{E0041}",
            "\u{00AD}",
            "\u{FE0F}",
            "\n\t",
        ] {
            assert!(!is_visible_line(blank), "{blank:?}");
            assert!(!is_visible_paragraph(blank), "{blank:?}");
        }
    }

    #[test]
    fn refuses_controls_and_bidi_overrides_anywhere() {
        for hidden in [
            "a\u{0000}",
            "a\u{202E}b",
            "\u{2066}a",
            "a\u{0085}",
            "a\u{001B}[2J",
        ] {
            assert!(!is_visible_line(hidden), "{hidden:?}");
            assert!(!is_visible_paragraph(hidden), "{hidden:?}");
        }
        assert!(!is_visible_line("line\nbreak"));
        assert!(is_visible_paragraph("line\r\nbreak\tand tab"));
    }

    #[test]
    fn accepts_real_text_with_joiners_inside() {
        for shown in [
            "Dr. Li",
            "心内科",
            "👩\u{200D}⚕\u{FE0F}",
            "a\u{200B}b",
            "السلام",
        ] {
            assert!(is_visible_line(shown), "{shown:?}");
            assert!(is_visible_paragraph(shown), "{shown:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn what_is_shown_holds_nothing_that_hides_and_keeps_to_its_bound(
            text in any::<String>(),
            max in 0usize..64,
        ) {
            let shown = display_line(&text, max);
            prop_assert!(shown.chars().count() <= max);
            prop_assert!(shown.chars().all(|c| !c.is_control() && !is_bidi_control(c)));
            if is_visible_line(&shown) {
                prop_assert!(is_visible_paragraph(&shown));
            }
        }
    }
}
