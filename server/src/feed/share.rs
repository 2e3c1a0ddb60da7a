//! Share links: each post gets one random code the first time it is shared, and the public
//! page at `/p/{code}` shows it until the post is deleted (the code goes with the post).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ApiError;

const PREVIEW_CHARS: usize = 60;

/// The share code of post `post_id`, made the first time it is asked for.
pub fn code(conn: &Connection, post_id: &str) -> Result<String, ApiError> {
    let existing: Option<Option<String>> = conn
        .query_row(
            "SELECT share_code FROM posts WHERE id = ?1",
            [post_id],
            |row| row.get(0),
        )
        .optional()?;
    match existing {
        None => Err(ApiError::PostNotFound),
        Some(Some(code)) => Ok(code),
        Some(None) => {
            // 96 random bits: codes are public, so they must not be guessable from each other.
            let code = crate::base64url::encode(&rand::random::<[u8; 12]>());
            conn.execute(
                "UPDATE posts SET share_code = ?2 WHERE id = ?1",
                params![post_id, code],
            )?;
            Ok(code)
        }
    }
}

/// What sharing says about a post: its first 60 characters and where it comes from.
pub fn text(post_text: &str) -> String {
    let preview: String = post_text.chars().take(PREVIEW_CHARS).collect();
    format!("{preview} — on MedCircle")
}

/// The author's nickname and the text of the post shared as `code`, if it still exists.
pub fn find(conn: &Connection, code: &str) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT u.nickname, p.text FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.share_code = ?1",
        [code],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_the_first_60_characters() {
        let long = "急".repeat(61);
        assert_eq!(text(&long), format!("{} — on MedCircle", "急".repeat(60)));
        assert_eq!(text("Short"), "Short — on MedCircle");
    }
}
