//! `Idempotency-Key`: the first successful answer to a (user, key) is kept for 24 h, and a
//! repeat of the same request gets it again without acting twice. The check, the action and
//! the storing share one transaction under the database lock, so concurrent repeats cannot
//! both act. Failed requests keep nothing: they changed nothing, so a retry may act.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::pool;

pub const TTL_S: i64 = 86_400;
const MAX_KEY_CHARS: usize = 64;
const KEY_HEADER: &str = "idempotency-key";
const REPLAY_HEADER: HeaderName = HeaderName::from_static("idempotent-replay");

/// A mutation's answer, kept as sent so that a replay sends the same.
pub struct Reply {
    status: StatusCode,
    /// JSON, or empty (204).
    body: Vec<u8>,
    replayed: bool,
}

impl Reply {
    pub fn json(status: StatusCode, value: &impl Serialize) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(value).expect("the feed's bodies have string keys only"),
            replayed: false,
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: Vec::new(),
            replayed: false,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::NO_CONTENT {
            headers.remove(header::CONTENT_TYPE);
        } else {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if self.replayed {
            headers.insert(REPLAY_HEADER, HeaderValue::from_static("true"));
        }
        response
    }
}

/// A request's key and the digest of what it asks (method, path and body).
pub struct Idempotency {
    key: String,
    fingerprint: Vec<u8>,
}

impl Idempotency {
    /// The request's `Idempotency-Key`, if it sent one; `body` is each part of the request
    /// that a repeat must send identically.
    pub fn of(
        headers: &HeaderMap,
        method: &Method,
        path: &str,
        body: &[&[u8]],
    ) -> Result<Option<Idempotency>, ApiError> {
        let Some(value) = headers.get(KEY_HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|key| valid_key(key))
            .ok_or(ApiError::InvalidIdempotencyKey)?;
        let mut digest = Sha256::new();
        for part in [method.as_str().as_bytes(), path.as_bytes()]
            .iter()
            .chain(body)
        {
            // Length-prefixed, so that moving bytes from one part to the next changes the digest.
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part);
        }
        Ok(Some(Idempotency {
            key: key.to_owned(),
            fingerprint: digest.finalize().to_vec(),
        }))
    }
}

fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_CHARS).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Runs `action` for `user` in one transaction, unless `idempotency` names a stored answer:
/// then that answer is sent again (or `idempotency_key_reused` if the key was used for a
/// different request).
pub fn once(
    conn: &mut Connection,
    user: &str,
    idempotency: Option<Idempotency>,
    now: i64,
    action: impl FnOnce(&Transaction<'_>) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    let tx = pool::immediate(conn)?;
    if let Some(idempotency) = &idempotency {
        tx.execute(
            "DELETE FROM idempotency_keys WHERE created_at <= ?1",
            [now - TTL_S],
        )?;
        let stored: Option<(Vec<u8>, u16, Vec<u8>)> = tx
            .query_row(
                "SELECT fingerprint, status, body FROM idempotency_keys
                 WHERE user_id = ?1 AND key = ?2",
                params![user, idempotency.key],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        if let Some((fingerprint, status, body)) = stored {
            tx.commit()?;
            if fingerprint != idempotency.fingerprint {
                return Err(ApiError::IdempotencyKeyReused);
            }
            return Ok(Reply {
                status: StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?,
                body,
                replayed: true,
            });
        }
    }
    let reply = action(&tx)?;
    if let Some(idempotency) = &idempotency {
        tx.execute(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                user,
                idempotency.key,
                idempotency.fingerprint,
                reply.status.as_u16(),
                reply.body,
                now
            ],
        )?;
    }
    tx.commit()?;
    Ok(reply)
}

/// How many answers are kept and not yet expired.
pub fn count(conn: &Connection, now: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM idempotency_keys WHERE created_at > ?1",
        [now - TTL_S],
        |row| row.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_key(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(KEY_HEADER, HeaderValue::from_str(key).unwrap());
        headers
    }

    fn of(key: &str, path: &str, body: &[u8]) -> Result<Option<Idempotency>, ApiError> {
        Idempotency::of(&with_key(key), &Method::POST, path, &[body])
    }

    #[test]
    fn keys_are_1_to_64_safe_characters() {
        assert!(
            Idempotency::of(&HeaderMap::new(), &Method::POST, "/", &[])
                .unwrap()
                .is_none()
        );
        for good in ["a", "A-z_0", &"k".repeat(64)] {
            assert!(of(good, "/", b"").unwrap().is_some(), "{good}");
        }
        for bad in ["", " a", "a.b", "ключ", &"k".repeat(65)] {
            assert!(of(bad, "/", b"").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_fingerprint_covers_path_and_body() {
        let fingerprint =
            |path: &str, body: &[u8]| of("k", path, body).unwrap().unwrap().fingerprint;
        assert_eq!(
            fingerprint("/v1/posts", b"{}"),
            fingerprint("/v1/posts", b"{}")
        );
        assert_ne!(
            fingerprint("/v1/posts", b"{}"),
            fingerprint("/v1/posts", b"{ }")
        );
        assert_ne!(
            fingerprint("/v1/posts", b"{}"),
            fingerprint("/v1/post", b"s{}")
        );
    }
}
