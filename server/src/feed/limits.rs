//! What the feed accepts, published at `GET /v1/limits` so the app can check before sending.

use serde::Serialize;
use utoipa::ToSchema;

/// What photo uploads accept, certification's or the feed's.
pub const MAX_PHOTO_BYTES: usize = crate::certification::image::MAX_BYTES;
pub const MAX_PHOTO_DIMENSION: u32 = crate::certification::image::MAX_DIMENSION;
pub const MAX_PHOTOS_PER_POST: usize = 9;
pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_COMMENT_CHARS: usize = 500;
pub const ACCEPTED_TYPES: [&str; 2] = ["image/jpeg", "image/png"];

#[derive(Serialize, ToSchema)]
#[schema(as = FeedLimits)]
pub struct Limits {
    #[schema(schema_with = crate::openapi::fields::max_photo_bytes)]
    max_photo_bytes: usize,
    /// Largest width and height, in pixels.
    #[schema(schema_with = crate::openapi::fields::max_photo_dimension)]
    max_photo_dimension: u32,
    #[schema(schema_with = crate::openapi::fields::max_photos_per_post)]
    max_photos_per_post: usize,
    /// Characters (Unicode scalar values), not bytes.
    #[schema(schema_with = crate::openapi::fields::max_text_chars)]
    max_text_chars: usize,
    #[schema(schema_with = crate::openapi::fields::max_comment_chars)]
    max_comment_chars: usize,
    #[schema(examples(json!(["image/jpeg", "image/png"])))]
    accepted_types: [&'static str; 2],
}

pub const LIMITS: Limits = Limits {
    max_photo_bytes: MAX_PHOTO_BYTES,
    max_photo_dimension: MAX_PHOTO_DIMENSION,
    max_photos_per_post: MAX_PHOTOS_PER_POST,
    max_text_chars: MAX_TEXT_CHARS,
    max_comment_chars: MAX_COMMENT_CHARS,
    accepted_types: ACCEPTED_TYPES,
};

/// Whether `text` may be a post's or comment's text: at most `max` characters (not bytes), and
/// visible text (see `text::is_visible_paragraph`) unless blank and `may_be_empty` (a post
/// with photos).
pub fn text_fits(text: &str, max: usize, may_be_empty: bool) -> bool {
    let blank_allowed = may_be_empty && text.trim().is_empty();
    (blank_allowed || medcircle_rules::text::is_visible_paragraph(text))
        && text.chars().count() <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(text_fits(
            &"心".repeat(MAX_TEXT_CHARS),
            MAX_TEXT_CHARS,
            false
        ));
        assert!(!text_fits(
            &"心".repeat(MAX_TEXT_CHARS + 1),
            MAX_TEXT_CHARS,
            false
        ));
        assert!(!text_fits(" \n", MAX_TEXT_CHARS, false));
        assert!(text_fits("", MAX_TEXT_CHARS, true));
        assert!(!text_fits("\u{200B}", MAX_TEXT_CHARS, true));
        assert!(!text_fits("a\u{0000}", MAX_TEXT_CHARS, false));
    }
}
