//! The feed's part of the account's encrypted database: posts, the feed's order, comments,
//! collections, cached photos, and a trigram full-text index for offline search. Plain
//! functions over a connection, so benchmarks can run them on plain SQLite too.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{Comment, Post};
use crate::store::StoreError;

/// The feed tables in the account's database.
pub(crate) const SCHEMA: &str = "
    -- search_key: the post's row in the search index, ordered by time (created_at * 1024 +
    -- a counter), so a search reads newest first and stops at its limit.
    CREATE TABLE posts (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        search_key INTEGER NOT NULL UNIQUE
    );
    CREATE TABLE feed_entries (position INTEGER PRIMARY KEY, post_id TEXT NOT NULL);
    CREATE INDEX feed_entries_by_post ON feed_entries (post_id);
    CREATE TABLE feed_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        etag TEXT,
        next_cursor TEXT,
        end_reached INTEGER NOT NULL DEFAULT 0,
        personalised INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE collections (position INTEGER PRIMARY KEY, post_id TEXT NOT NULL);
    CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        post_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX comments_by_post ON comments (post_id, created_at);
    CREATE TABLE media (
        photo_id TEXT PRIMARY KEY,
        post_id TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    -- Substring search that works for Chinese as for English (trigrams, case-insensitive).
    CREATE VIRTUAL TABLE posts_fts USING fts5(text, tokenize = 'trigram');
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        mutation TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        failed TEXT
    );
    CREATE TABLE outbox_photos (
        key TEXT NOT NULL,
        position INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        bytes BLOB NOT NULL,
        photo_id TEXT,
        PRIMARY KEY (key, position)
    );
    CREATE TABLE drafts (id INTEGER PRIMARY KEY CHECK (id = 1), text TEXT NOT NULL);
    CREATE TABLE draft_photos (position INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
";

/// Where paging stands.
#[derive(Debug, Default, Clone)]
pub(crate) struct PageState {
    pub(crate) etag: Option<String>,
    pub(crate) next_cursor: Option<String>,
    pub(crate) end_reached: bool,
    pub(crate) personalised: bool,
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("feed rows always serialise")
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> rusqlite::Result<T> {
    serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The latest time a search key is made from (the year 9999): a server's time past it (or
/// before 1970) is clamped, so the key's arithmetic never leaves the integers.
const LATEST_KEY_TIME: i64 = 253_402_300_799;

/// Where a list of posts stands against what is cached: a first page holds the newest posts,
/// a further page older ones. Lists come newest first either way.
#[derive(Clone, Copy)]
pub(crate) enum Batch {
    Newest,
    Older,
}

/// Inserts or refreshes posts (and their search index). A new post's search key follows time
/// within its second too: each second's 1024 keys start in the middle, a newest batch takes
/// them upwards (oldest first) and an older one downwards (newest first). When a second's keys
/// run out, keys go after or before every key (the order is then approximate; the key stays
/// unique).
pub(crate) fn save_posts(tx: &Connection, posts: &[Post], batch: Batch) -> Result<(), StoreError> {
    let mut known = tx.prepare_cached("SELECT search_key FROM posts WHERE id = ?1")?;
    let mut next_key = tx.prepare_cached(match batch {
        Batch::Newest => {
            "SELECT CASE
                 WHEN MAX(search_key) IS NULL THEN ?1 * 1024 + 512
                 WHEN MAX(search_key) < ?1 * 1024 + 1023 THEN MAX(search_key) + 1
                 ELSE (SELECT MAX(search_key) + 1 FROM posts)
             END
             FROM posts WHERE search_key BETWEEN ?1 * 1024 AND ?1 * 1024 + 1023"
        }
        Batch::Older => {
            "SELECT CASE
                 WHEN MIN(search_key) IS NULL THEN ?1 * 1024 + 511
                 WHEN MIN(search_key) > ?1 * 1024 THEN MIN(search_key) - 1
                 ELSE (SELECT MIN(search_key) - 1 FROM posts)
             END
             FROM posts WHERE search_key BETWEEN ?1 * 1024 AND ?1 * 1024 + 1023"
        }
    })?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO posts (id, created_at, body, search_key) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET created_at = excluded.created_at, body = excluded.body",
    )?;
    let mut unindex = tx.prepare_cached("DELETE FROM posts_fts WHERE rowid = ?1")?;
    let mut index = tx.prepare_cached("INSERT INTO posts_fts (rowid, text) VALUES (?1, ?2)")?;
    let in_key_order: Box<dyn Iterator<Item = &Post>> = match batch {
        Batch::Newest => Box::new(posts.iter().rev()),
        Batch::Older => Box::new(posts.iter()),
    };
    for post in in_key_order {
        let key: i64 = match known.query_row([&post.id], |r| r.get(0)).optional()? {
            Some(key) => {
                unindex.execute([key])?;
                key
            }
            None => {
                next_key.query_row([post.created_at.clamp(0, LATEST_KEY_TIME)], |r| r.get(0))?
            }
        };
        upsert.execute(params![post.id, post.created_at, to_json(post), key])?;
        index.execute(params![key, post.text])?;
    }
    Ok(())
}

/// The first page replaces the feed: what it no longer lists is no longer in it. (As every
/// write here, inside the caller's transaction.)
pub(crate) fn replace_feed(
    tx: &Connection,
    posts: &[Post],
    state: &PageState,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM feed_entries", [])?;
    append_entries(tx, posts, Batch::Newest)?;
    save_state(tx, state)
}

/// A further page, after what is there.
pub(crate) fn append_feed(
    tx: &Connection,
    posts: &[Post],
    state: &PageState,
) -> Result<(), StoreError> {
    append_entries(tx, posts, Batch::Older)?;
    save_state(tx, state)
}

fn append_entries(tx: &Connection, posts: &[Post], batch: Batch) -> Result<(), StoreError> {
    save_posts(tx, posts, batch)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO feed_entries (position, post_id)
         SELECT (SELECT COALESCE(MAX(position), -1) + 1 FROM feed_entries), ?1
         WHERE NOT EXISTS (SELECT 1 FROM feed_entries WHERE post_id = ?1)",
    )?;
    for post in posts {
        insert.execute([&post.id])?;
    }
    Ok(())
}

fn save_state(tx: &Connection, state: &PageState) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR REPLACE INTO feed_state (id, etag, next_cursor, end_reached, personalised)
         VALUES (1, ?1, ?2, ?3, ?4)",
        params![
            state.etag,
            state.next_cursor,
            state.end_reached,
            state.personalised
        ],
    )?;
    Ok(())
}

pub(crate) fn page_state(conn: &Connection) -> Result<PageState, StoreError> {
    Ok(conn
        .query_row(
            "SELECT etag, next_cursor, end_reached, personalised FROM feed_state",
            [],
            |r| {
                Ok(PageState {
                    etag: r.get(0)?,
                    next_cursor: r.get(1)?,
                    end_reached: r.get(2)?,
                    personalised: r.get(3)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// The cached feed in the server's order, at most `limit` posts.
pub(crate) fn feed(conn: &Connection, limit: u32) -> Result<Vec<Post>, StoreError> {
    let mut query = conn.prepare_cached(
        "SELECT p.body FROM feed_entries e JOIN posts p ON p.id = e.post_id
         ORDER BY e.position LIMIT ?1",
    )?;
    let rows = query.query_map([limit], |r| from_json(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn post(conn: &Connection, id: &str) -> Result<Option<Post>, StoreError> {
    Ok(conn
        .query_row("SELECT body FROM posts WHERE id = ?1", [id], |r| {
            from_json(&r.get::<_, String>(0)?)
        })
        .optional()?)
}

pub(crate) fn update_post(conn: &Connection, post: &Post) -> Result<(), StoreError> {
    save_posts(conn, std::slice::from_ref(post), Batch::Newest)
}

/// Puts a post just published at the top of the feed.
pub(crate) fn prepend_to_feed(conn: &Connection, post: &Post) -> Result<(), StoreError> {
    save_posts(conn, std::slice::from_ref(post), Batch::Newest)?;
    conn.execute(
        "INSERT INTO feed_entries (position, post_id)
         SELECT (SELECT COALESCE(MIN(position), 1) - 1 FROM feed_entries), ?1
         WHERE NOT EXISTS (SELECT 1 FROM feed_entries WHERE post_id = ?1)",
        [&post.id],
    )?;
    Ok(())
}

/// Removes a post and everything cached with it: its place in the feed and collections, its
/// comments, its photos and its search entry. Run it inside the caller's transaction.
pub(crate) fn remove_post(tx: &Connection, id: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM posts_fts WHERE rowid = (SELECT search_key FROM posts WHERE id = ?1)",
        [id],
    )?;
    for sql in [
        "DELETE FROM posts WHERE id = ?1",
        "DELETE FROM feed_entries WHERE post_id = ?1",
        "DELETE FROM collections WHERE post_id = ?1",
        "DELETE FROM comments WHERE post_id = ?1",
        "DELETE FROM media WHERE post_id = ?1",
    ] {
        tx.execute(sql, [id])?;
    }
    Ok(())
}

pub(crate) fn replace_comments(
    tx: &Connection,
    post_id: &str,
    comments: &[Comment],
) -> Result<(), StoreError> {
    // The user's own comments still in the outbox stay.
    tx.execute(
        "DELETE FROM comments WHERE post_id = ?1 AND id NOT LIKE 'local:%'",
        [post_id],
    )?;
    for comment in comments {
        save_comment(tx, comment)?;
    }
    Ok(())
}

pub(crate) fn save_comment(conn: &Connection, comment: &Comment) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO comments (id, post_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
        params![
            comment.id,
            comment.post_id,
            comment.created_at,
            to_json(comment)
        ],
    )?;
    Ok(())
}

pub(crate) fn remove_comment(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM comments WHERE id = ?1", [id])?;
    Ok(())
}

pub(crate) fn comments(conn: &Connection, post_id: &str) -> Result<Vec<Comment>, StoreError> {
    let mut query = conn.prepare_cached(
        // Within a second, the order the server gave (rows are written in that order).
        "SELECT body FROM comments WHERE post_id = ?1 ORDER BY created_at, rowid",
    )?;
    let rows = query.query_map([post_id], |r| from_json(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn replace_collections(tx: &Connection, posts: &[Post]) -> Result<(), StoreError> {
    // Listed by when they were collected: their age against the cache is unknown.
    save_posts(tx, posts, Batch::Newest)?;
    tx.execute("DELETE FROM collections", [])?;
    for (position, post) in posts.iter().enumerate() {
        tx.execute(
            "INSERT INTO collections (position, post_id) VALUES (?1, ?2)",
            params![position as i64, post.id],
        )?;
    }
    Ok(())
}

pub(crate) fn collections(conn: &Connection) -> Result<Vec<Post>, StoreError> {
    let mut query = conn.prepare_cached(
        "SELECT p.body FROM collections c JOIN posts p ON p.id = c.post_id ORDER BY c.position",
    )?;
    let rows = query.query_map([], |r| from_json(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn save_media(
    conn: &Connection,
    photo_id: &str,
    post_id: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO media (photo_id, post_id, content_type, bytes)
         VALUES (?1, ?2, ?3, ?4)",
        params![photo_id, post_id, content_type, bytes],
    )?;
    Ok(())
}

pub(crate) fn media(conn: &Connection, photo_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM media WHERE photo_id = ?1",
            [photo_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Cached posts whose text contains `query` (case-insensitive), newest first. The query is a
/// bound parameter and, for the index, one quoted phrase: never SQL or FTS syntax.
pub(crate) fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<Post>, StoreError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    // Trigrams index sequences of three characters; shorter queries scan with LIKE. Both
    // read the index newest first (its rowids follow time) and stop at the limit.
    let (sql, pattern) = if query.chars().count() >= 3 {
        (
            "SELECT p.body FROM posts_fts f JOIN posts p ON p.search_key = f.rowid
             WHERE posts_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2",
            format!("\"{}\"", query.replace('"', "\"\"")),
        )
    } else {
        (
            "SELECT p.body FROM posts_fts f JOIN posts p ON p.search_key = f.rowid
             WHERE f.text LIKE ?1 ESCAPE '\\' ORDER BY f.rowid DESC LIMIT ?2",
            format!(
                "%{}%",
                query
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            ),
        )
    };
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params![pattern, limit], |r| {
        from_json(&r.get::<_, String>(0)?)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Empties the feed's cache (not the outbox or drafts: those are the user's work).
pub(crate) fn clear(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "DELETE FROM posts; DELETE FROM feed_entries; DELETE FROM feed_state;
         DELETE FROM collections; DELETE FROM comments; DELETE FROM media;
         DELETE FROM posts_fts;",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::Author;

    fn post(id: &str, text: &str, at: i64) -> Post {
        Post {
            id: id.into(),
            author: Author {
                id: "a".into(),
                nickname: "A".into(),
                avatar_url: None,
            },
            text: text.into(),
            photos: vec![],
            created_at: at,
            like_count: 0,
            comment_count: 0,
            collect_count: 0,
            liked_by_me: false,
            collected_by_me: false,
            mine: false,
        }
    }

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
    }

    fn ids(posts: &[Post]) -> Vec<&str> {
        posts.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn pages_append_and_a_first_page_replaces() {
        let conn = db();
        let state = PageState::default();
        replace_feed(&conn, &[post("a", "", 3), post("b", "", 2)], &state).unwrap();
        append_feed(&conn, &[post("b", "", 2), post("c", "", 1)], &state).unwrap();
        assert_eq!(ids(&feed(&conn, 50).unwrap()), ["a", "b", "c"]);
        replace_feed(&conn, &[post("x", "", 4), post("a", "", 3)], &state).unwrap();
        assert_eq!(ids(&feed(&conn, 50).unwrap()), ["x", "a"]);
        assert_eq!(ids(&feed(&conn, 1).unwrap()), ["x"]);
    }

    #[test]
    fn search_finds_chinese_and_english_substrings_and_takes_input_literally() {
        let conn = db();
        let posts = [
            post("1", "今天的病例讨论：急性心肌梗死的早期识别", 1),
            post("2", "Tips for the NIGHT shift", 2),
            post("3", "100% sure: use_case \"quoted\" OR NOT", 3),
        ];
        replace_feed(&conn, &posts, &PageState::default()).unwrap();
        assert_eq!(ids(&search(&conn, "心肌梗死", 10).unwrap()), ["1"]);
        assert_eq!(ids(&search(&conn, "心梗", 10).unwrap()), Vec::<&str>::new());
        assert_eq!(ids(&search(&conn, "心肌", 10).unwrap()), ["1"]);
        assert_eq!(ids(&search(&conn, "night", 10).unwrap()), ["2"]);
        assert_eq!(ids(&search(&conn, "\"quoted\" OR", 10).unwrap()), ["3"]);
        assert_eq!(ids(&search(&conn, "0%", 10).unwrap()), ["3"]);
        assert_eq!(ids(&search(&conn, "e_c", 10).unwrap()), ["3"]);
        assert!(search(&conn, "x%", 10).unwrap().is_empty());
        assert!(search(&conn, "NOT *", 10).unwrap().is_empty());
        assert!(search(&conn, "  ", 10).unwrap().is_empty());
    }

    #[test]
    fn search_lists_posts_of_one_second_newest_first_across_pages_and_refreshes() {
        let conn = db();
        let state = PageState::default();
        let at = |id| post(id, "one second", 5);
        replace_feed(&conn, &[at("c"), at("b")], &state).unwrap();
        append_feed(&conn, &[at("a"), at("z")], &state).unwrap();
        replace_feed(&conn, &[at("e"), at("d"), at("c")], &state).unwrap();
        assert_eq!(
            ids(&search(&conn, "second", 10).unwrap()),
            ["e", "d", "c", "b", "a", "z"]
        );
    }

    #[test]
    fn more_posts_in_one_second_than_its_keys_still_cache() {
        let conn = db();
        let posts: Vec<_> = (0..1100)
            .map(|i| post(&format!("p{i}"), "same second", 5))
            .collect();
        let later = [post("later", "the next second", 6)];
        replace_feed(&conn, &later, &PageState::default()).unwrap();
        append_feed(&conn, &posts, &PageState::default()).unwrap();
        assert_eq!(feed(&conn, 2000).unwrap().len(), 1101);
        assert_eq!(search(&conn, "second", 2000).unwrap().len(), 1101);
    }

    #[test]
    fn times_from_a_hostile_server_still_cache_and_search() {
        let conn = db();
        let posts = [
            post("max", "the end of time", i64::MAX),
            post("min", "before time", i64::MIN),
        ];
        replace_feed(&conn, &posts, &PageState::default()).unwrap();
        assert_eq!(feed(&conn, 10).unwrap().len(), 2);
        assert_eq!(ids(&search(&conn, "time", 10).unwrap()), ["max", "min"]);
    }

    #[test]
    fn removing_a_post_removes_everything_cached_with_it() {
        let conn = db();
        replace_feed(&conn, &[post("a", "hello world", 1)], &PageState::default()).unwrap();
        save_media(&conn, "ph", "a", "image/png", b"x").unwrap();
        remove_post(&conn, "a").unwrap();
        assert!(feed(&conn, 10).unwrap().is_empty());
        assert!(media(&conn, "ph").unwrap().is_none());
        assert!(search(&conn, "hello", 10).unwrap().is_empty());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::feed::model::Author;
    use crate::feed::outbox::Mutation;

    fn posts() -> impl Strategy<Value = Vec<Post>> {
        let post = (
            "[a-z0-9_]{1,12}",
            any::<String>(),
            any::<i64>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(id, text, created_at, likes, comments)| Post {
                id,
                author: Author {
                    id: "a".into(),
                    nickname: "A".into(),
                    avatar_url: None,
                },
                text,
                photos: vec![],
                created_at,
                like_count: likes,
                comment_count: comments,
                collect_count: likes,
                liked_by_me: false,
                collected_by_me: false,
                mine: false,
            });
        proptest::collection::vec(post, 1..20)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn whatever_numbers_the_server_sends_the_cache_takes_them(
            page in posts(),
            query in any::<String>(),
        ) {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            replace_feed(&conn, &page, &PageState::default()).unwrap();
            prop_assert!(!feed(&conn, 100).unwrap().is_empty());
            let _ = search(&conn, &query, 10).unwrap();
            let like = Mutation::Like { post_id: page[0].id.clone(), on: true };
            crate::feed::flush::update_cached(&conn, &page[0].id, |post| {
                like.show_on(post);
                post.comment_count = post.comment_count.saturating_add(1);
            })
            .unwrap();
        }
    }
}
