//! Login sessions: access + refresh token pairs, rotated on refresh, grouped in families so
//! that replaying a rotated refresh token can revoke everything issued from the same login.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::logins::{self, Origin};
use crate::{notices, tokens};

pub const ACCESS_TTL_S: i64 = 900;
const REFRESH_TTL_S: i64 = 30 * 86_400;
/// How long after its login (or its latest step-up) a session may take a sensitive action.
pub const REAUTH_WINDOW_S: i64 = 300;
/// How long a rotated refresh token is honoured once more, when the answer to its rotation was
/// lost on the way: the client retries with the token it still holds.
pub const REFRESH_GRACE_S: i64 = 60;
/// The context a rotation's replacement pair is sealed under, on the rotated row.
pub(crate) const REPLACEMENT_CONTEXT: &str = "'refresh_replacement:' || id";

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

pub enum Rotation {
    Rotated {
        user_id: String,
        family: String,
        tokens: Tokens,
    },
    /// Unknown, expired, logged out or replayed.
    Refused,
    /// Revoked by someone other than its holder here: the app says why.
    Revoked(Revoker),
}

/// Who ended a session other than its own holder's logout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoker {
    /// The account holder, from another of their sessions.
    OtherDevice,
    /// The operator (a forced logout).
    Operator,
}

impl Revoker {
    fn as_str(self) -> &'static str {
        match self {
            Revoker::OtherDevice => "other_device",
            Revoker::Operator => "operator",
        }
    }

    fn parse(stored: &str) -> Option<Revoker> {
        match stored {
            "other_device" => Some(Revoker::OtherDevice),
            "operator" => Some(Revoker::Operator),
            _ => None,
        }
    }

    /// The refusal the holder's next refresh gets.
    pub fn refusal(self) -> ApiError {
        match self {
            Revoker::OtherDevice => ApiError::SessionRevoked,
            Revoker::Operator => ApiError::ForcedLogout,
        }
    }
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionSummary)]
pub struct Summary {
    /// When the login happened.
    pub created_at: i64,
    pub last_used_at: i64,
    pub revoked: bool,
}

/// Starts a new session family for a fresh login, authenticated now. A login from an app
/// installation the account has not used before alerts the account.
pub fn start(
    conn: &Connection,
    user_id: &str,
    now: i64,
    origin: &Origin<'_>,
) -> rusqlite::Result<Tokens> {
    let new_device = logins::from_new_device(conn, user_id, origin)?;
    let family = tokens::session_family();
    let tokens = issue(conn, user_id, &family, now, now, None)?;
    logins::record(conn, &family, user_id, origin)?;
    if new_device {
        notices::new_login(conn, user_id, origin, now)?;
    }
    Ok(tokens)
}

/// Starts a session for a browser a phone logged in (from `place`): it gets the access token
/// alone (no refresh: the browser logs in again when it expires), and as it never proved who
/// it is itself, it has no step-up window (`auth_time` 0).
pub fn start_for_browser(
    conn: &Connection,
    user_id: &str,
    now: i64,
    place: &str,
) -> rusqlite::Result<String> {
    let family = tokens::session_family();
    let access = issue(conn, user_id, &family, 0, now, None)?.access;
    let origin = Origin {
        method: logins::Method::WebLogin,
        install_id: None,
        place,
    };
    logins::record(conn, &family, user_id, &origin)?;
    Ok(access)
}

/// Issues a pair in `family`; `parent` is the row it replaces, if a rotation issued it. Only
/// such a pair has a first use to record (see `mark_used`): a login's never writes on use.
fn issue(
    conn: &Connection,
    user_id: &str,
    family: &str,
    auth_time: i64,
    now: i64,
    parent: Option<i64>,
) -> rusqlite::Result<Tokens> {
    let issued = Tokens {
        access: tokens::access_token(),
        refresh: tokens::refresh_token(),
    };
    conn.execute(
        "INSERT INTO sessions (user_id, family, access_hash, refresh_hash,
                               access_expires_at, refresh_expires_at, created_at, last_used_at,
                               auth_time, parent_id, used)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?9 IS NULL)",
        params![
            user_id,
            family,
            tokens::digest(&issued.access),
            tokens::digest(&issued.refresh),
            now + ACCESS_TTL_S,
            now + REFRESH_TTL_S,
            now,
            auth_time,
            parent,
        ],
    )?;
    Ok(issued)
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working; the old
/// access token stays valid until it expires, so requests already in flight do not fail.
/// Presented again within the grace, before its replacement was used, it gets that same
/// replacement: the first answer was lost. Any other replay revokes the whole login.
pub fn rotate(conn: &Connection, refresh_token: &str, now: i64) -> rusqlite::Result<Rotation> {
    let row = conn
        .query_row(
            &format!(
                "SELECT id, user_id, family, refresh_expires_at, rotated, revoked, auth_time,
                        rotated_at, unseal(replacement_sealed, {REPLACEMENT_CONTEXT}), revoked_by
                 FROM sessions WHERE refresh_hash = ?1"
            ),
            [tokens::digest(refresh_token)],
            |row| {
                Ok(Presented {
                    id: row.get(0)?,
                    user_id: row.get(1)?,
                    family: row.get(2)?,
                    refresh_expires_at: row.get(3)?,
                    rotated: row.get(4)?,
                    revoked: row.get(5)?,
                    auth_time: row.get(6)?,
                    rotated_at: row.get(7)?,
                    replacement: row.get(8)?,
                    revoked_by: row
                        .get::<_, Option<String>>(9)?
                        .as_deref()
                        .and_then(Revoker::parse),
                })
            },
        )
        .optional()?;
    let Some(presented) = row else {
        return Ok(Rotation::Refused);
    };
    let Presented {
        id,
        user_id,
        family,
        ..
    } = &presented;
    // A login ended on purpose says why, even to a device whose last refresh answer was lost.
    if let (true, Some(revoker)) = (presented.revoked, presented.revoked_by) {
        return Ok(Rotation::Revoked(revoker));
    }
    if presented.rotated {
        if let Some(tokens) = presented.replacement_within_grace(now) {
            tracing::info!(user = %user_id, "rotated refresh token presented again within the grace");
            return Ok(Rotation::Rotated {
                user_id: presented.user_id,
                family: presented.family,
                tokens,
            });
        }
        // Someone holds a refresh token that was already exchanged: the pair may be stolen.
        revoke_family(conn, family)?;
        tracing::warn!(user = %user_id, "rotated refresh token replayed; session family revoked");
        return Ok(Rotation::Refused);
    }
    if presented.revoked || now >= presented.refresh_expires_at {
        return Ok(Rotation::Refused);
    }
    mark_used(conn, *id)?;
    // A refresh is not an authentication: the new pair keeps the login's auth_time.
    let tokens = issue(conn, user_id, family, presented.auth_time, now, Some(*id))?;
    conn.execute(
        &format!(
            "UPDATE sessions SET rotated = 1, rotated_at = ?2,
                 replacement_sealed = seal(?3, {REPLACEMENT_CONTEXT})
             WHERE id = ?1"
        ),
        params![id, now, format!("{} {}", tokens.access, tokens.refresh)],
    )?;
    Ok(Rotation::Rotated {
        user_id: presented.user_id,
        family: presented.family,
        tokens,
    })
}

/// A refresh token's row, as a rotation reads it.
struct Presented {
    id: i64,
    user_id: String,
    family: String,
    refresh_expires_at: i64,
    rotated: bool,
    revoked: bool,
    auth_time: i64,
    rotated_at: Option<i64>,
    /// The pair its rotation issued, while that pair is unused and the grace lasts.
    replacement: Option<String>,
    revoked_by: Option<Revoker>,
}

impl Presented {
    fn replacement_within_grace(&self, now: i64) -> Option<Tokens> {
        let rotated_at = self.rotated_at?;
        if self.revoked || now.saturating_sub(rotated_at) > REFRESH_GRACE_S {
            return None;
        }
        let (access, refresh) = self.replacement.as_deref()?.split_once(' ')?;
        Some(Tokens {
            access: access.to_owned(),
            refresh: refresh.to_owned(),
        })
    }
}

/// The first use of a pair (a request with its access token, or its rotation): the pair it
/// replaced is no longer honoured within the grace, and its sealed copy goes.
fn mark_used(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let first = conn.execute(
        "UPDATE sessions SET used = 1 WHERE id = ?1 AND used = 0",
        [id],
    )?;
    if first > 0 {
        conn.execute(
            "UPDATE sessions SET replacement_sealed = NULL
             WHERE id = (SELECT parent_id FROM sessions WHERE id = ?1)",
            [id],
        )?;
    }
    Ok(())
}

/// Forgets every sealed replacement whose grace has passed; returns how many.
pub fn forget_replacements(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE sessions SET replacement_sealed = NULL
         WHERE replacement_sealed IS NOT NULL AND rotated_at < ?1",
        [now.saturating_sub(REFRESH_GRACE_S)],
    )
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
            "SELECT id, user_id, family, access_expires_at, revoked, auth_time, last_used_at, used
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
                    row.get::<_, bool>(7)?,
                ))
            },
        )
        .optional()?;
    match row {
        None | Some((_, _, _, _, true, _, _, _)) => Err(ApiError::InvalidToken),
        Some((_, _, _, expires_at, false, _, _, _)) if now >= expires_at => {
            Err(ApiError::TokenExpired)
        }
        Some((id, user_id, family, _, false, auth_time, last_used_at, used)) => {
            if !used {
                mark_used(conn, id)?;
            }
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
        "UPDATE sessions SET revoked = 1, replacement_sealed = NULL WHERE family = ?1",
        [family],
    )?;
    Ok(())
}

/// Revokes a login on behalf of `revoker`, whose reason its holder's next refresh learns. A
/// login already ended keeps its first reason.
pub fn revoke_family_by(conn: &Connection, family: &str, revoker: Revoker) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked_by = ?2 WHERE family = ?1 AND revoked = 0",
        params![family, revoker.as_str()],
    )?;
    revoke_family(conn, family)
}

/// Revokes every login of `user_id` but `keep` that could still refresh at `now`, on behalf of
/// `revoker`; returns how many. Read from the tokens themselves, so that a login made before
/// logins were recorded is signed out too.
pub fn revoke_others_by(
    conn: &Connection,
    user_id: &str,
    keep: &str,
    revoker: Revoker,
    now: i64,
) -> rusqlite::Result<usize> {
    let families = conn
        .prepare(
            "SELECT DISTINCT family FROM sessions
             WHERE user_id = ?1 AND family != ?2 AND revoked = 0 AND refresh_expires_at > ?3",
        )?
        .query_map(params![user_id, keep, now], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for family in &families {
        revoke_family_by(conn, family, revoker)?;
    }
    Ok(families.len())
}

/// Revokes every login of `user_id` on behalf of `revoker` (a forced logout).
pub fn revoke_user_by(conn: &Connection, user_id: &str, revoker: Revoker) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked_by = ?2 WHERE user_id = ?1 AND revoked = 0",
        params![user_id, revoker.as_str()],
    )?;
    conn.execute(
        "UPDATE sessions SET revoked = 1, replacement_sealed = NULL WHERE user_id = ?1",
        [user_id],
    )?;
    Ok(())
}
