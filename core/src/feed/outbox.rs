//! The outbox: every mutation is stored with an idempotency key before anything is sent, and
//! replayed in order until the server has it. The entry and its effect on the cache go in one
//! transaction, so a kill at any point neither loses nor duplicates: a repeat carries the same
//! key and the server answers it with the first result.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::model::{OutboxAction, OutboxEntry, Post};
use crate::account::PhotoQueue;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Mutation {
    CreatePost {
        local_id: String,
        text: String,
        created_at: i64,
    },
    DeletePost {
        post_id: String,
    },
    CreateComment {
        local_id: String,
        post_id: String,
        text: String,
    },
    DeleteComment {
        comment_id: String,
        post_id: String,
    },
    Like {
        post_id: String,
        on: bool,
    },
    Collect {
        post_id: String,
        on: bool,
    },
}

impl Mutation {
    pub(crate) fn action(&self) -> OutboxAction {
        match self {
            Mutation::CreatePost { .. } => OutboxAction::Post,
            Mutation::DeletePost { .. } => OutboxAction::DeletePost,
            Mutation::CreateComment { .. } => OutboxAction::Comment,
            Mutation::DeleteComment { .. } => OutboxAction::DeleteComment,
            Mutation::Like { on: true, .. } => OutboxAction::Like,
            Mutation::Like { on: false, .. } => OutboxAction::Unlike,
            Mutation::Collect { on: true, .. } => OutboxAction::Collect,
            Mutation::Collect { on: false, .. } => OutboxAction::Uncollect,
        }
    }

    /// A like's or collect's effect on the post as shown: the user's state and the count.
    pub(crate) fn show_on(&self, post: &mut Post) {
        let (mine, count, on) = match self {
            Mutation::Like { on, .. } => (&mut post.liked_by_me, &mut post.like_count, *on),
            Mutation::Collect { on, .. } => {
                (&mut post.collected_by_me, &mut post.collect_count, *on)
            }
            _ => return,
        };
        if *mine != on {
            *mine = on;
            *count = if on {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
        }
    }

    /// What undoes a like or collect shown before the server refused it.
    pub(crate) fn undone(&self) -> Option<Mutation> {
        match self {
            Mutation::Like { post_id, on } => Some(Mutation::Like {
                post_id: post_id.clone(),
                on: !on,
            }),
            Mutation::Collect { post_id, on } => Some(Mutation::Collect {
                post_id: post_id.clone(),
                on: !on,
            }),
            _ => None,
        }
    }

    pub(crate) fn post_id(&self) -> Option<&str> {
        match self {
            Mutation::CreatePost { .. } => None,
            Mutation::DeletePost { post_id }
            | Mutation::CreateComment { post_id, .. }
            | Mutation::DeleteComment { post_id, .. }
            | Mutation::Like { post_id, .. }
            | Mutation::Collect { post_id, .. } => Some(post_id),
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub(crate) key: String,
    pub(crate) mutation: Mutation,
    pub(crate) created_at: i64,
    pub(crate) attempts: u32,
    pub(crate) failed: Option<String>,
}

impl Queued {
    pub(crate) fn entry(&self) -> OutboxEntry {
        OutboxEntry {
            key: self.key.clone(),
            action: self.mutation.action(),
            post_id: self.mutation.post_id().map(str::to_string),
            created_at: self.created_at,
            attempts: self.attempts,
            failed: self.failed.clone(),
        }
    }
}

/// The photos waiting with their posts.
pub(crate) const PHOTOS: PhotoQueue = PhotoQueue {
    table: "outbox_photos",
};

pub(crate) fn enqueue(
    conn: &Connection,
    key: &str,
    mutation: &Mutation,
    now: i64,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(mutation).expect("a mutation serialises");
    conn.execute(
        "INSERT INTO outbox (key, mutation, created_at) VALUES (?1, ?2, ?3)",
        params![key, json, now],
    )?;
    Ok(())
}

/// Every entry, oldest first.
pub(crate) fn entries(conn: &Connection) -> Result<Vec<Queued>, StoreError> {
    select(conn, "ORDER BY seq", [])
}

/// The next entry to send: the oldest not parked. One this version cannot read (written by
/// a newer one) is parked, so it neither blocks the rest nor is lost.
pub(crate) fn next(conn: &Connection) -> Result<Option<Queued>, StoreError> {
    loop {
        let oldest: Option<(String, String)> = conn
            .query_row(
                "SELECT key, mutation FROM outbox WHERE failed IS NULL ORDER BY seq LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((key, json)) = oldest else {
            return Ok(None);
        };
        if serde_json::from_str::<Mutation>(&json).is_ok() {
            return get(conn, &key);
        }
        tracing::warn!("unreadable outbox entry parked");
        set_failed(conn, &key, Some("written by a newer version of the app"))?;
    }
}

/// The entries that change what the feed shows: posts sending, posts being deleted.
pub(crate) fn shown_in_feed(conn: &Connection) -> Result<Vec<Queued>, StoreError> {
    select(
        conn,
        "WHERE json_extract(mutation, '$.kind') IN ('create_post', 'delete_post') ORDER BY seq",
        [],
    )
}

pub(crate) fn pending_count(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE failed IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// `clause` is one of this module's constants: never user input.
fn select(
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Queued>, StoreError> {
    let mut query = conn.prepare_cached(&format!(
        "SELECT key, mutation, created_at, attempts, failed FROM outbox {clause}"
    ))?;
    let rows = query.query_map(params, |r| {
        let json: String = r.get(1)?;
        Ok((r.get(0)?, json, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, json, created_at, attempts, failed): (String, String, i64, u32, Option<String>) =
            row?;
        match serde_json::from_str(&json) {
            Ok(mutation) => out.push(Queued {
                key,
                mutation,
                created_at,
                attempts,
                failed,
            }),
            // Written by a newer app version: left alone rather than lost.
            Err(error) => tracing::warn!(%error, "unreadable outbox entry skipped"),
        }
    }
    Ok(out)
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<Queued>, StoreError> {
    Ok(select(conn, "WHERE key = ?1", [key])?.pop())
}

/// Removes an entry and its photos (inside the caller's transaction); whether it was there.
pub(crate) fn remove(conn: &Connection, key: &str) -> Result<bool, StoreError> {
    let removed = conn.execute("DELETE FROM outbox WHERE key = ?1", [key])?;
    PHOTOS.remove(conn, key)?;
    Ok(removed > 0)
}

pub(crate) fn record_attempt(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1 WHERE key = ?1",
        [key],
    )?;
    Ok(())
}

/// Parks an entry until the user acts on it (`None` puts it back in line).
pub(crate) fn set_failed(
    conn: &Connection,
    key: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET failed = ?2 WHERE key = ?1",
        params![key, reason],
    )?;
    Ok(())
}

pub(crate) fn replace_mutation(
    conn: &Connection,
    key: &str,
    mutation: &Mutation,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(mutation).expect("a mutation serialises");
    conn.execute(
        "UPDATE outbox SET mutation = ?2, failed = NULL WHERE key = ?1",
        params![key, json],
    )?;
    Ok(())
}

/// The key of a pending comment not yet sent, to cancel it instead of deleting it remotely.
pub(crate) fn key_of_local_comment(
    conn: &Connection,
    local_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(entries(conn)?
        .into_iter()
        .find(|q| matches!(&q.mutation, Mutation::CreateComment { local_id: id, .. } if id == local_id))
        .map(|q| q.key))
}

pub(crate) fn has_entries(conn: &Connection) -> Result<bool, StoreError> {
    Ok(pending_count(conn)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::cache::SCHEMA).unwrap();
        conn
    }

    #[test]
    fn entries_come_back_in_order_and_survive_as_written() {
        let conn = db();
        let like = Mutation::Like {
            post_id: "p".into(),
            on: true,
        };
        let comment = Mutation::CreateComment {
            local_id: "local:c".into(),
            post_id: "p".into(),
            text: "同意".into(),
        };
        enqueue(&conn, "k1", &like, 1).unwrap();
        enqueue(&conn, "k2", &comment, 2).unwrap();
        assert!(enqueue(&conn, "k1", &like, 3).is_err(), "keys are unique");
        let all = entries(&conn).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].mutation, like);
        assert_eq!(all[1].mutation, comment);
        assert_eq!(
            key_of_local_comment(&conn, "local:c").unwrap().as_deref(),
            Some("k2")
        );
        remove(&conn, "k1").unwrap();
        assert_eq!(entries(&conn).unwrap().len(), 1);
    }

    #[test]
    fn a_like_shown_at_once_is_undone_exactly() {
        let mut post: Post = serde_json::from_value(serde_json::json!({
            "id": "p", "author": {"id": "a", "nickname": "A"}, "text": "", "created_at": 0,
            "like_count": 3, "comment_count": 0, "collect_count": 1,
            "liked_by_me": false, "collected_by_me": true, "mine": false
        }))
        .unwrap();
        let before = post.clone();
        let like = Mutation::Like {
            post_id: "p".into(),
            on: true,
        };
        like.show_on(&mut post);
        assert_eq!((post.like_count, post.liked_by_me), (4, true));
        like.show_on(&mut post);
        assert_eq!(post.like_count, 4, "a repeat changes nothing");
        like.undone().unwrap().show_on(&mut post);
        assert_eq!(post, before);
        let uncollect = Mutation::Collect {
            post_id: "p".into(),
            on: false,
        };
        uncollect.show_on(&mut post);
        assert_eq!((post.collect_count, post.collected_by_me), (0, false));
        uncollect.undone().unwrap().show_on(&mut post);
        assert_eq!(post, before);
    }

    #[test]
    fn an_entry_this_version_cannot_read_is_parked_not_blocking() {
        let conn = db();
        conn.execute(
            "INSERT INTO outbox (key, mutation, created_at) VALUES ('new', '{\"kind\":\"poll\"}', 1)",
            [],
        )
        .unwrap();
        let like = Mutation::Like {
            post_id: "p".into(),
            on: true,
        };
        enqueue(&conn, "k", &like, 2).unwrap();
        assert_eq!(next(&conn).unwrap().unwrap().mutation, like);
        let failed: Option<String> = conn
            .query_row("SELECT failed FROM outbox WHERE key = 'new'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(failed.is_some(), "kept, parked");
    }

    #[test]
    fn a_parked_entry_is_not_in_line() {
        let conn = db();
        let post = Mutation::CreatePost {
            local_id: "local:p".into(),
            text: "hi".into(),
            created_at: 1,
        };
        enqueue(&conn, "k", &post, 1).unwrap();
        PHOTOS.attach(&conn, "k", 0, "image/png", b"png").unwrap();
        set_failed(&conn, "k", Some("cancelled")).unwrap();
        assert!(!has_entries(&conn).unwrap());
        assert!(next(&conn).unwrap().is_none());
        assert_eq!(shown_in_feed(&conn).unwrap().len(), 1);
        PHOTOS.set_photo_id(&conn, "k", 0, "ph1").unwrap();
        assert_eq!(
            PHOTOS.photos(&conn, "k").unwrap()[0].photo_id.as_deref(),
            Some("ph1")
        );
        replace_mutation(&conn, "k", &post).unwrap();
        assert!(has_entries(&conn).unwrap());
    }
}
