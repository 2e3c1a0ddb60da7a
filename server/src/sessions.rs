//! Login sessions: access + refresh token pairs, rotated on refresh, grouped in families so
//! that replaying a rotated refresh token can revoke everything issued from the same login.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ApiError;
use crate::tokens;

pub const ACCESS_TTL_S: i64 = 900;
const REFRESH_TTL_S: i64 = 30 * 86_400;

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
}

/// Starts a new session family for a fresh login.
pub fn start(conn: &Connection, user_id: &str, now: i64) -> rusqlite::Result<Tokens> {
    issue(conn, user_id, &tokens::session_family(), now)
}

fn issue(conn: &Connection, user_id: &str, family: &str, now: i64) -> rusqlite::Result<Tokens> {
    let issued = Tokens {
        access: tokens::access_token(),
        refresh: tokens::refresh_token(),
    };
    conn.execute(
        "INSERT INTO sessions (user_id, family, access_hash, refresh_hash,
                               access_expires_at, refresh_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user_id,
            family,
            tokens::digest(&issued.access),
            tokens::digest(&issued.refresh),
            now + ACCESS_TTL_S,
            now + REFRESH_TTL_S,
        ],
    )?;
    Ok(issued)
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working; the old
/// access token stays valid until it expires, so requests already in flight do not fail.
pub fn rotate(conn: &Connection, refresh_token: &str, now: i64) -> rusqlite::Result<Rotation> {
    let row = conn
        .query_row(
            "SELECT id, user_id, family, refresh_expires_at, rotated, revoked
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
                ))
            },
        )
        .optional()?;
    let Some((id, user_id, family, refresh_expires_at, rotated, revoked)) = row else {
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
    let tokens = issue(conn, &user_id, &family, now)?;
    Ok(Rotation::Rotated { user_id, tokens })
}

/// Resolves a bearer access token.
pub fn authenticate(
    conn: &Connection,
    access_token: &str,
    now: i64,
) -> Result<Authenticated, ApiError> {
    let row = conn
        .query_row(
            "SELECT user_id, family, access_expires_at, revoked
             FROM sessions WHERE access_hash = ?1",
            [tokens::digest(access_token)],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            },
        )
        .optional()?;
    match row {
        None | Some((_, _, _, true)) => Err(ApiError::InvalidToken),
        Some((_, _, expires_at, false)) if now >= expires_at => Err(ApiError::TokenExpired),
        Some((user_id, family, _, false)) => Ok(Authenticated { user_id, family }),
    }
}

/// Revokes every access and refresh token issued from one login.
pub fn revoke_family(conn: &Connection, family: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked = 1 WHERE family = ?1",
        [family],
    )?;
    Ok(())
}
