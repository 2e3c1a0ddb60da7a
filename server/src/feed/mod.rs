//! The feed: posts with photos, comments, likes and collections, search, share links, and the
//! idempotency records that make its writes safe to retry.

pub mod comments;
pub mod idempotency;
pub mod limits;
pub mod pages;
pub mod personalise;
pub mod photos;
pub mod posts;
pub mod reactions;
pub mod search;
pub mod seed;
pub mod share;

use rusqlite::Connection;

/// `prefix` and 16 random hex characters, the shape of the account ids.
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 8]>()))
}

/// Deletes everything the user has in the feed: their posts (with everything on them), their
/// comments, likes and collections on others' posts, their unused photos and their
/// idempotency records. Runs before the user row goes, which they all reference.
pub fn forget_user(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    for statement in [
        "DELETE FROM posts WHERE author_id = ?1",
        "DELETE FROM comments WHERE author_id = ?1",
        "DELETE FROM photos WHERE owner_id = ?1",
        "DELETE FROM likes WHERE user_id = ?1",
        "DELETE FROM collections WHERE user_id = ?1",
        "DELETE FROM idempotency_keys WHERE user_id = ?1",
    ] {
        conn.execute(statement, [user_id])?;
    }
    Ok(())
}
