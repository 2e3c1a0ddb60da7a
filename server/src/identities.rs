//! Third-party identities linked to accounts: one (issuer, subject) pair, one account. And the
//! ID tokens already used to log in, each kept until it would be refused as expired anyway.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::oidc::id_token::Verified;

/// A linked identity as the account holder sees it in an export.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OAuthIdentity)]
pub struct Linked {
    pub issuer: String,
    pub subject: String,
    /// When the provider's nickname and picture were last copied into the profile; null if
    /// never.
    #[schema(required = true)]
    pub bound_at: Option<i64>,
}

/// Accepts a verified token once (else `id_token_used`), remembering it until it expires.
pub fn redeem(conn: &Connection, token: &Verified, now: i64) -> Result<(), ApiError> {
    conn.execute("DELETE FROM used_id_tokens WHERE expires_at < ?1", [now])?;
    let fresh = conn.execute(
        "INSERT INTO used_id_tokens (issuer, token_id, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (issuer, token_id) DO NOTHING",
        params![token.issuer, token.token_id, token.replay_until],
    )?;
    if fresh == 0 {
        return Err(ApiError::IdTokenUsed);
    }
    Ok(())
}

/// The account linked to `subject` at `issuer`, if any.
pub fn user_of(conn: &Connection, issuer: &str, subject: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT user_id FROM oauth_identities WHERE issuer = ?1 AND subject = ?2",
        [issuer, subject],
        |row| row.get(0),
    )
    .optional()
}

pub fn link(conn: &Connection, issuer: &str, subject: &str, user_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO oauth_identities (issuer, subject, user_id) VALUES (?1, ?2, ?3)",
        [issuer, subject, user_id],
    )?;
    Ok(())
}

/// Records that the provider's profile was copied into the account now.
pub fn bound(conn: &Connection, issuer: &str, subject: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE oauth_identities SET bound_at = ?3 WHERE issuer = ?1 AND subject = ?2",
        params![issuer, subject, now],
    )?;
    Ok(())
}

pub fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Linked>> {
    let mut statement = conn.prepare(
        "SELECT issuer, subject, bound_at FROM oauth_identities
         WHERE user_id = ?1 ORDER BY issuer, subject",
    )?;
    statement
        .query_map([user_id], |row| {
            Ok(Linked {
                issuer: row.get(0)?,
                subject: row.get(1)?,
                bound_at: row.get(2)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
    use crate::oidc::id_token::Profile;

    fn token(token_id: &str, replay_until: i64) -> Verified {
        Verified {
            issuer: "https://id.example".into(),
            subject: "s".into(),
            token_id: token_id.into(),
            replay_until,
            profile: Profile {
                nickname: None,
                picture: None,
            },
        }
    }

    #[test]
    fn a_token_logs_in_once_and_is_forgotten_after_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let conn = db::open(&dir.path().join("server.db")).unwrap();
        redeem(&conn, &token("a", 200), 100).unwrap();
        assert_eq!(
            redeem(&conn, &token("a", 200), 150).unwrap_err().code(),
            "id_token_used"
        );
        redeem(&conn, &token("b", 200), 150).unwrap();
        // Past its replay horizon the row goes (the token itself is refused as expired).
        redeem(&conn, &token("c", 400), 201).unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM used_id_tokens", [], |row| row.get(0))
            .unwrap();
        assert_eq!(left, 1);
    }
}
