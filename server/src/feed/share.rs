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

/// A shared post as the open web may see it.
pub struct Shared {
    pub author: String,
    /// The post's text, only if its author allowed public sharing.
    pub text: Option<String>,
}

impl Shared {
    /// What sharing says about the post: its first 60 characters (or, unless public, only who
    /// wrote it) and where it comes from.
    pub fn caption(&self) -> String {
        match &self.text {
            Some(text) => {
                let preview: String = text.chars().take(PREVIEW_CHARS).collect();
                format!("{preview} — on MedCircle")
            }
            None => format!("A post by {} — on MedCircle", self.author),
        }
    }
}

/// The post `post_id` or shared as `code` (whichever is given), if it still exists.
pub fn find(conn: &Connection, by: By<'_>) -> rusqlite::Result<Option<Shared>> {
    let (column, value) = match by {
        By::Post(id) => ("id", id),
        By::Code(code) => ("share_code", code),
    };
    conn.query_row(
        &format!(
            "SELECT u.nickname, p.text, p.public_share FROM posts p
             JOIN users u ON u.id = p.author_id WHERE p.{column} = ?1"
        ),
        [value],
        |row| {
            let public: bool = row.get(2)?;
            Ok(Shared {
                author: row.get(0)?,
                text: public.then(|| row.get(1)).transpose()?,
            })
        },
    )
    .optional()
}

/// How `find` names the post.
pub enum By<'a> {
    Post(&'a str),
    Code(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(text: Option<&str>) -> Shared {
        Shared {
            author: "Dr. Li".into(),
            text: text.map(str::to_owned),
        }
    }

    #[test]
    fn the_caption_is_the_first_60_characters_only_when_public() {
        let long = "急".repeat(61);
        assert_eq!(
            shared(Some(&long)).caption(),
            format!("{} — on MedCircle", "急".repeat(60))
        );
        assert_eq!(shared(Some("Short")).caption(), "Short — on MedCircle");
        assert_eq!(shared(None).caption(), "A post by Dr. Li — on MedCircle");
    }
}
