//! Likes and collections: set or cleared, so repeating either changes nothing.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::feed::posts;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LikeState)]
pub struct Liked {
    like_count: i64,
    liked_by_me: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CollectState)]
pub struct Collected {
    collect_count: i64,
    collected_by_me: bool,
}

/// Likes post `post_id` as `user` (`on`) or takes the like back.
pub fn like(conn: &Connection, user: &str, post_id: &str, on: bool) -> Result<Liked, ApiError> {
    if !posts::exists(conn, post_id)? {
        return Err(ApiError::PostNotFound);
    }
    if on {
        conn.execute(
            "INSERT INTO likes (post_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![post_id, user],
        )?;
    } else {
        conn.execute(
            "DELETE FROM likes WHERE post_id = ?1 AND user_id = ?2",
            params![post_id, user],
        )?;
    }
    let like_count = conn.query_row(
        "SELECT COUNT(*) FROM likes WHERE post_id = ?1",
        [post_id],
        |row| row.get(0),
    )?;
    Ok(Liked {
        like_count,
        liked_by_me: on,
    })
}

/// Collects post `post_id` for `user` (`on`; collecting again keeps the first time, and so the
/// place in the collection) or removes it from the collection.
pub fn collect(
    conn: &Connection,
    user: &str,
    post_id: &str,
    on: bool,
    now: i64,
) -> Result<Collected, ApiError> {
    if !posts::exists(conn, post_id)? {
        return Err(ApiError::PostNotFound);
    }
    if on {
        conn.execute(
            "INSERT INTO collections (post_id, user_id, collected_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            params![post_id, user, now],
        )?;
    } else {
        conn.execute(
            "DELETE FROM collections WHERE post_id = ?1 AND user_id = ?2",
            params![post_id, user],
        )?;
    }
    let collect_count = conn.query_row(
        "SELECT COUNT(*) FROM collections WHERE post_id = ?1",
        [post_id],
        |row| row.get(0),
    )?;
    Ok(Collected {
        collect_count,
        collected_by_me: on,
    })
}
