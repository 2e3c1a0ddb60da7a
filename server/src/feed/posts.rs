//! Posts as a viewer sees them: author, photos, counts, and the viewer's own like and
//! collection.

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use serde::Serialize;

use crate::error::ApiError;
use crate::feed::limits::{MAX_PHOTOS_PER_POST, MAX_TEXT_CHARS, text_fits};
use crate::feed::pages::{Key, Window};
use crate::feed::photos::{self, PhotoRef};

#[derive(Debug, Serialize)]
pub struct Author {
    pub id: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
}

impl Author {
    /// The author from three columns: id, nickname, avatar URL.
    pub fn at(row: &Row<'_>, first: usize) -> rusqlite::Result<Author> {
        Ok(Author {
            id: row.get(first)?,
            nickname: row.get(first + 1)?,
            avatar_url: row.get(first + 2)?,
        })
    }
}

/// An author's columns, to follow `JOIN users u`.
pub const AUTHOR_COLUMNS: &str = "u.id, u.nickname, u.avatar_url";

#[derive(Debug, Serialize)]
pub struct Post {
    pub id: String,
    pub author: Author,
    pub text: String,
    pub photos: Vec<PhotoRef>,
    pub created_at: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub collect_count: i64,
    pub liked_by_me: bool,
    pub collected_by_me: bool,
    pub mine: bool,
    /// Whether the author lets anyone with a share link read the post on the open web.
    pub public_share: bool,
}

/// Which posts a list holds, each in its own order (newest first).
pub enum List<'a> {
    /// Every post, by creation.
    Recent,
    /// Posts whose text is `LIKE` this pattern (escaped with `\`), by creation.
    Matching(&'a str),
    /// The viewer's collected posts, by collection.
    Collected,
}

/// A post's columns for viewer `?1`, then the two columns of its list key.
fn select(key: &str) -> String {
    format!(
        "SELECT p.id, p.text, p.created_at, {AUTHOR_COLUMNS},
            (SELECT COUNT(*) FROM likes WHERE post_id = p.id),
            (SELECT COUNT(*) FROM comments WHERE post_id = p.id),
            (SELECT COUNT(*) FROM collections WHERE post_id = p.id),
            EXISTS (SELECT 1 FROM likes WHERE post_id = p.id AND user_id = ?1),
            EXISTS (SELECT 1 FROM collections WHERE post_id = p.id AND user_id = ?1),
            p.author_id = ?1,
            p.public_share,
            {key}
        FROM posts p JOIN users u ON u.id = p.author_id"
    )
}

/// A row of `select`, with the photos still to fill in, and its key.
fn from_row(row: &Row<'_>) -> rusqlite::Result<(Post, Key)> {
    let post = Post {
        id: row.get(0)?,
        text: row.get(1)?,
        created_at: row.get(2)?,
        author: Author::at(row, 3)?,
        like_count: row.get(6)?,
        comment_count: row.get(7)?,
        collect_count: row.get(8)?,
        liked_by_me: row.get(9)?,
        collected_by_me: row.get(10)?,
        mine: row.get(11)?,
        public_share: row.get(12)?,
        photos: Vec::new(),
    };
    let key = Key {
        at: row.get(13)?,
        seq: row.get(14)?,
    };
    Ok((post, key))
}

fn with_photos(conn: &Connection, mut post: Post) -> rusqlite::Result<Post> {
    post.photos = photos::of_post(conn, &post.id)?;
    Ok(post)
}

pub fn get(conn: &Connection, viewer: &str, id: &str) -> rusqlite::Result<Option<Post>> {
    let sql = format!("{} WHERE p.id = ?2", select("p.created_at, p.seq"));
    let found = conn
        .query_row(&sql, params![viewer, id], from_row)
        .optional()?;
    found.map(|(post, _)| with_photos(conn, post)).transpose()
}

/// One window of `list`, newest first, with each post's key (see `Page::cut`).
pub fn list(
    conn: &Connection,
    viewer: &str,
    list: &List<'_>,
    window: &Window,
) -> rusqlite::Result<Vec<(Post, Key)>> {
    let after = window.after.unwrap_or(Key::NEWEST);
    let (sql, pattern) = match list {
        List::Recent => (
            format!(
                "{} WHERE (p.created_at, p.seq) < (?2, ?3)
                 ORDER BY p.created_at DESC, p.seq DESC LIMIT ?4",
                select("p.created_at, p.seq")
            ),
            None,
        ),
        List::Matching(pattern) => (
            format!(
                "{} WHERE p.text LIKE ?5 ESCAPE '\\' AND (p.created_at, p.seq) < (?2, ?3)
                 ORDER BY p.created_at DESC, p.seq DESC LIMIT ?4",
                select("p.created_at, p.seq")
            ),
            Some(*pattern),
        ),
        List::Collected => (
            format!(
                "{} JOIN collections c ON c.post_id = p.id AND c.user_id = ?1
                 WHERE (c.collected_at, c.seq) < (?2, ?3)
                 ORDER BY c.collected_at DESC, c.seq DESC LIMIT ?4",
                select("c.collected_at, c.seq")
            ),
            None,
        ),
    };
    let fetch = window.fetch();
    let mut values: Vec<&dyn ToSql> = vec![&viewer, &after.at, &after.seq, &fetch];
    if let Some(pattern) = &pattern {
        values.push(pattern);
    }
    let rows = conn
        .prepare(&sql)?
        .query_map(values.as_slice(), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(post, key)| Ok((with_photos(conn, post)?, key)))
        .collect()
}

/// Every post of `author`, newest first, as the author sees them (the account export).
pub fn by_author(conn: &Connection, author: &str) -> rusqlite::Result<Vec<Post>> {
    let sql = format!(
        "{} WHERE p.author_id = ?1 ORDER BY p.created_at DESC, p.seq DESC",
        select("p.created_at, p.seq")
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement
        .query_map([author], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(post, _)| with_photos(conn, post))
        .collect()
}

/// What a new post is made of.
pub struct Draft<'a> {
    pub text: &'a str,
    /// The author's unused photos, in the order the post shows them.
    pub photo_ids: &'a [String],
    pub public_share: bool,
}

/// Creates a post of `author` from `draft`; returns its id.
pub fn create(
    conn: &Connection,
    author: &str,
    draft: &Draft<'_>,
    now: i64,
) -> Result<String, ApiError> {
    let Draft {
        text,
        photo_ids,
        public_share,
    } = *draft;
    if photo_ids.len() > MAX_PHOTOS_PER_POST {
        return Err(ApiError::TooManyPhotos);
    }
    if !text_fits(text, MAX_TEXT_CHARS, !photo_ids.is_empty()) {
        return Err(ApiError::InvalidText);
    }
    let id = super::random_id("p_");
    conn.execute(
        "INSERT INTO posts (id, author_id, text, created_at, public_share)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, author, text, now, public_share],
    )?;
    photos::attach(conn, author, &id, photo_ids)?;
    Ok(id)
}

/// The author of post `id`, if it exists.
pub fn author_of(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT author_id FROM posts WHERE id = ?1", [id], |row| {
        row.get(0)
    })
    .optional()
}

pub fn exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM posts WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )
}

/// Deletes post `id` if `user` wrote it; its photos, comments, likes, collections and share
/// link go with it.
pub fn delete_own(conn: &Connection, user: &str, id: &str) -> Result<(), ApiError> {
    match author_of(conn, id)? {
        None => Err(ApiError::PostNotFound),
        Some(author) if author != user => Err(ApiError::NotAuthor),
        Some(_) => {
            conn.execute("DELETE FROM posts WHERE id = ?1", [id])?;
            Ok(())
        }
    }
}
