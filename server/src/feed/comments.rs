//! Comments on posts, oldest first.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::feed::limits::{MAX_COMMENT_CHARS, text_fits};
use crate::feed::pages::{Key, Window};
use crate::feed::posts::{self, AUTHOR_COLUMNS, Author};

#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    #[schema(pattern = "^c_[0-9a-f]{16}$")]
    pub id: String,
    #[schema(pattern = "^p_[0-9a-f]{16}$")]
    pub post_id: String,
    pub author: Author,
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
    /// Unix time in seconds.
    pub created_at: i64,
    pub mine: bool,
}

/// A comment's columns for viewer `?1`, then its key.
fn select() -> String {
    format!(
        "SELECT c.id, c.post_id, {AUTHOR_COLUMNS}, c.text, c.created_at, c.author_id = ?1,
            c.created_at, c.seq
        FROM comments c JOIN users u ON u.id = c.author_id"
    )
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<(Comment, Key)> {
    let comment = Comment {
        id: row.get(0)?,
        post_id: row.get(1)?,
        author: Author::at(row, 2)?,
        text: row.get(5)?,
        created_at: row.get(6)?,
        mine: row.get(7)?,
    };
    let key = Key {
        at: row.get(8)?,
        seq: row.get(9)?,
    };
    Ok((comment, key))
}

/// Adds a comment of `author` to post `post_id`; returns it as its author sees it.
pub fn add(
    conn: &Connection,
    author: &str,
    post_id: &str,
    text: &str,
    now: i64,
) -> Result<Comment, ApiError> {
    if !posts::exists(conn, post_id)? {
        return Err(ApiError::PostNotFound);
    }
    if !text_fits(text, MAX_COMMENT_CHARS, false) {
        return Err(ApiError::InvalidText);
    }
    let id = super::random_id("c_");
    conn.execute(
        "INSERT INTO comments (id, post_id, author_id, text, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, post_id, author, text, now],
    )?;
    let sql = format!("{} WHERE c.id = ?2", select());
    let (comment, _) = conn.query_row(&sql, params![author, id], from_row)?;
    Ok(comment)
}

/// One window of the comments on `post_id`, oldest first, with their keys.
pub fn list(
    conn: &Connection,
    viewer: &str,
    post_id: &str,
    window: &Window,
) -> rusqlite::Result<Vec<(Comment, Key)>> {
    let after = window.after.unwrap_or(Key::OLDEST);
    let sql = format!(
        "{} WHERE c.post_id = ?2 AND (c.created_at, c.seq) > (?3, ?4)
         ORDER BY c.created_at, c.seq LIMIT ?5",
        select()
    );
    conn.prepare(&sql)?
        .query_map(
            params![viewer, post_id, after.at, after.seq, window.fetch()],
            from_row,
        )?
        .collect()
}

/// Every comment of `author`, oldest first (the account export).
pub fn by_author(conn: &Connection, author: &str) -> rusqlite::Result<Vec<Comment>> {
    let sql = format!(
        "{} WHERE c.author_id = ?1 ORDER BY c.created_at, c.seq",
        select()
    );
    conn.prepare(&sql)?
        .query_map([author], |row| from_row(row).map(|(comment, _)| comment))?
        .collect()
}

/// Deletes comment `id` if `user` wrote it.
pub fn delete_own(conn: &Connection, user: &str, id: &str) -> Result<(), ApiError> {
    let author: Option<String> = conn
        .query_row(
            "SELECT author_id FROM comments WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?;
    match author {
        None => Err(ApiError::CommentNotFound),
        Some(author) if author != user => Err(ApiError::NotAuthor),
        Some(_) => {
            conn.execute("DELETE FROM comments WHERE id = ?1", [id])?;
            Ok(())
        }
    }
}
