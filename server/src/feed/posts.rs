//! Posts as a viewer sees them: author, photos, counts, and the viewer's own like and
//! collection.

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::feed::limits::{MAX_PHOTOS_PER_POST, MAX_TEXT_CHARS, text_fits};
use crate::feed::pages::{Key, Window};
use crate::feed::photos::{self, PhotoRef};
use crate::feed::search::Matcher;

#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    #[schema(pattern = "^u_[0-9a-f]{16}$")]
    pub id: String,
    #[schema(examples("王医生"))]
    pub nickname: String,
    #[schema(required = true)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct Post {
    #[schema(pattern = "^p_[0-9a-f]{16}$")]
    pub id: String,
    pub author: Author,
    #[schema(max_length = 2000, examples("今天的病例讨论：急性心肌梗死的早期识别"))]
    pub text: String,
    /// In the order given when posting.
    #[schema(max_items = 9)]
    pub photos: Vec<PhotoRef>,
    pub created_at: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub collect_count: i64,
    pub liked_by_me: bool,
    pub collected_by_me: bool,
    /// Whether the caller wrote it (and so may delete it).
    pub mine: bool,
    /// Whether the author lets anyone with a share link read the post on the open web.
    pub public_share: bool,
}

/// Which posts a list holds, each in its own order (newest first).
pub enum List<'a> {
    /// Every post, by creation.
    Recent,
    /// Posts whose text matches, by creation.
    Matching(&'a Matcher),
    /// The viewer's collected posts, by collection.
    Collected,
}

impl List<'_> {
    /// The list's SQL (parameters: viewer, the key to start after, the row limit, then the
    /// search value if any) and its search value.
    fn query(&self) -> (String, Option<&str>) {
        match self {
            List::Recent => (
                format!(
                    "{} WHERE (p.created_at, p.seq) < (?2, ?3)
                     ORDER BY p.created_at DESC, p.seq DESC LIMIT ?4",
                    select("p.created_at, p.seq")
                ),
                None,
            ),
            List::Matching(matcher) => {
                let (condition, value) = match matcher {
                    Matcher::Phrase(phrase) => (
                        "p.seq IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?5)",
                        phrase,
                    ),
                    Matcher::Like(pattern) => ("p.text LIKE ?5 ESCAPE '\\'", pattern),
                };
                (
                    format!(
                        "{} WHERE {condition} AND (p.created_at, p.seq) < (?2, ?3)
                         ORDER BY p.created_at DESC, p.seq DESC LIMIT ?4",
                        select("p.created_at, p.seq")
                    ),
                    Some(value.as_str()),
                )
            }
            List::Collected => (
                format!(
                    "{} JOIN collections c ON c.post_id = p.id AND c.user_id = ?1
                     WHERE (c.collected_at, c.seq) < (?2, ?3)
                     ORDER BY c.collected_at DESC, c.seq DESC LIMIT ?4",
                    select("c.collected_at, c.seq")
                ),
                None,
            ),
        }
    }
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
    let (sql, pattern) = list.query();
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
    photos::POST_PHOTOS.attach(conn, author, &id, photo_ids)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::search::matcher;

    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        conn.execute(
            "INSERT INTO users (id, phone_key, nickname, created_at)
             VALUES ('u_1', x'01', 'Dr. Li', 0)",
            [],
        )
        .unwrap();
        (dir, conn)
    }

    fn post(conn: &Connection, text: &str) -> String {
        let draft = Draft {
            text,
            photo_ids: &[],
            public_share: false,
        };
        create(conn, "u_1", &draft, 1).unwrap()
    }

    fn search(conn: &Connection, q: &str) -> Vec<String> {
        let window = Window::parse(None, None).unwrap();
        let matcher = matcher(q).unwrap();
        list(conn, "u_1", &List::Matching(&matcher), &window)
            .unwrap()
            .into_iter()
            .map(|(post, _)| post.text)
            .collect()
    }

    #[test]
    fn search_finds_substrings_through_the_index_and_forgets_deleted_posts() {
        let (_dir, conn) = database();
        post(&conn, "急性心肌梗死的早期识别");
        let gone = post(&conn, "Night-shift ECG quiz");
        post(&conn, "100% sure");
        assert_eq!(search(&conn, "心肌梗"), ["急性心肌梗死的早期识别"]);
        assert_eq!(search(&conn, "心肌"), ["急性心肌梗死的早期识别"]);
        assert_eq!(search(&conn, "ecg QUIZ"), ["Night-shift ECG quiz"]);
        assert_eq!(search(&conn, "0%"), ["100% sure"]);
        assert_eq!(search(&conn, "\"OR"), Vec::<String>::new());
        delete_own(&conn, "u_1", &gone).unwrap();
        assert!(search(&conn, "ECG").is_empty());
    }

    #[test]
    fn a_search_of_three_characters_or_more_reads_the_index_not_every_post() {
        let (_dir, conn) = database();
        let matcher = matcher("心肌梗").unwrap();
        let (sql, _) = List::Matching(&matcher).query();
        let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> = plan
            .query_map(rusqlite::params!["u_1", 0, 0, 21, "x"], |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = steps.join("\n");
        assert!(plan.contains("VIRTUAL TABLE INDEX"), "{plan}");
        assert!(
            steps[0].starts_with("SEARCH p USING INTEGER PRIMARY KEY"),
            "{plan}"
        );
        assert!(
            !steps
                .iter()
                .any(|step| step.starts_with("SCAN p ") || step == "SCAN p"),
            "{plan}"
        );
    }
}
