//! Login sessions: access + refresh token pairs, rotated on refresh, grouped in families so
//! that replaying a rotated refresh token can revoke everything issued from the same login.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::ApiError;
use crate::tokens;

pub const ACCESS_TTL_S: i64 = 900;
const REFRESH_TTL_S: i64 = 30 * 86_400;
/// How long after its login (or its latest step-up) a session may take a sensitive action.
pub const REAUTH_WINDOW_S: i64 = 300;

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

pub enum Rotation {
    Rotated {
        user_id: String,
        tokens: Tokens,
    },
    /// Unknown, expired, revoked or replayed.
    Refused,
}

/// Who an access token belongs to.
pub struct Authenticated {
    pub user_id: String,
    pub family: String,
    /// When the holder last proved who they are (login or step-up), in Unix seconds.
    pub auth_time: i64,
}

impl Authenticated {
    /// Refuses a sensitive action unless the holder authenticated within the last 300 s.
    pub fn require_recent_auth(&self, now: i64) -> Result<(), ApiError> {
        if now - self.auth_time <= REAUTH_WINDOW_S {
            Ok(())
        } else {
            Err(ApiError::ReauthRequired)
        }
    }
}

/// One login as the account holder sees it in an export: no tokens, no hashes.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub created_at: i64,
    pub last_used_at: i64,
    pub revoked: bool,
}

/// Starts a new session family for a fresh login, authenticated now.
pub fn start(conn: &Connection, user_id: &str, now: i64) -> rusqlite::Result<Tokens> {
    issue(conn, user_id, &tokens::session_family(), now, now)
}

/// Starts a session for a browser a phone logged in: it gets the access token alone (no
/// refresh: the browser logs in again when it expires), and as it never proved who it is
/// itself, it has no step-up window (`auth_time` 0).
pub fn start_for_browser(conn: &Connection, user_id: &str, now: i64) -> rusqlite::Result<String> {
    Ok(issue(conn, user_id, &tokens::session_family(), 0, now)?.access)
}

fn issue(
    conn: &Connection,
    user_id: &str,
    family: &str,
    auth_time: i64,
    now: i64,
) -> rusqlite::Result<Tokens> {
    let issued = Tokens {
        access: tokens::access_token(),
        refresh: tokens::refresh_token(),
    };
    conn.execute(
        "INSERT INTO sessions (user_id, family, access_hash, refresh_hash,
                               access_expires_at, refresh_expires_at, created_at, last_used_at,
                               auth_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![
            user_id,
            family,
            tokens::digest(&issued.access),
            tokens::digest(&issued.refresh),
            now + ACCESS_TTL_S,
            now + REFRESH_TTL_S,
            now,
            auth_time,
        ],
    )?;
    Ok(issued)
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working; the old
/// access token stays valid until it expires, so requests already in flight do not fail.
pub fn rotate(conn: &Connection, refresh_token: &str, now: i64) -> rusqlite::Result<Rotation> {
    let row = conn
        .query_row(
            "SELECT id, user_id, family, refresh_expires_at, rotated, revoked, auth_time
             FROM sessions WHERE refresh_hash = ?1",
            [tokens::digest(refresh_token)],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, bool>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, user_id, family, refresh_expires_at, rotated, revoked, auth_time)) = row else {
        return Ok(Rotation::Refused);
    };
    if rotated {
        // Someone holds a refresh token that was already exchanged: the pair may be stolen.
        revoke_family(conn, &family)?;
        tracing::warn!(user = %user_id, "rotated refresh token replayed; session family revoked");
        return Ok(Rotation::Refused);
    }
    if revoked || now >= refresh_expires_at {
        return Ok(Rotation::Refused);
    }
    conn.execute("UPDATE sessions SET rotated = 1 WHERE id = ?1", [id])?;
    // A refresh is not an authentication: the new pair keeps the login's auth_time.
    let tokens = issue(conn, &user_id, &family, auth_time, now)?;
    Ok(Rotation::Rotated { user_id, tokens })
}

/// How stale a session's recorded last use may be.
const LAST_USED_PRECISION_S: i64 = 60;

/// Resolves a bearer access token, and records the use for the account holder's export.
pub fn authenticate(
    conn: &Connection,
    access_token: &str,
    now: i64,
) -> Result<Authenticated, ApiError> {
    let row = conn
        .query_row(
            "SELECT id, user_id, family, access_expires_at, revoked, auth_time, last_used_at
             FROM sessions WHERE access_hash = ?1",
            [tokens::digest(access_token)],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    match row {
        None | Some((_, _, _, _, true, _, _)) => Err(ApiError::InvalidToken),
        Some((_, _, _, expires_at, false, _, _)) if now >= expires_at => {
            Err(ApiError::TokenExpired)
        }
        Some((id, user_id, family, _, false, auth_time, last_used_at)) => {
            // To the minute: most requests then only read, and readers never wait for a writer.
            if now.saturating_sub(last_used_at) >= LAST_USED_PRECISION_S {
                conn.execute(
                    "UPDATE sessions SET last_used_at = ?1 WHERE id = ?2",
                    params![now, id],
                )?;
            }
            Ok(Authenticated {
                user_id,
                family,
                auth_time,
            })
        }
    }
}

/// Records a step-up: the whole login (every pair refreshed from it) authenticated `now`.
pub fn reauthenticated(conn: &Connection, family: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET auth_time = ?1 WHERE family = ?2",
        params![now, family],
    )?;
    Ok(())
}

/// The user's logins, oldest first: one per family, since a refresh continues a login.
pub fn summaries(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Summary>> {
    let mut statement = conn.prepare(
        "SELECT MIN(created_at), MAX(last_used_at), MAX(revoked) FROM sessions
         WHERE user_id = ?1 GROUP BY family ORDER BY MIN(created_at), MIN(id)",
    )?;
    statement
        .query_map([user_id], |row| {
            Ok(Summary {
                created_at: row.get(0)?,
                last_used_at: row.get(1)?,
                revoked: row.get(2)?,
            })
        })?
        .collect()
}

/// Revokes every access and refresh token issued from one login.
pub fn revoke_family(conn: &Connection, family: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked = 1 WHERE family = ?1",
        [family],
    )?;
    Ok(())
}
