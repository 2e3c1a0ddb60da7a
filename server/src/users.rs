//! Accounts, keyed by phone; the clear number is never stored.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::interests;
use crate::keyed::Keyed;
use crate::phone::Phone;
use crate::tokens;

#[derive(Debug, Serialize)]
pub struct User {
    pub id: String,
    pub phone_masked: String,
    pub nickname: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, phone_masked, nickname, created_at";

impl User {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(User {
            id: row.get(0)?,
            phone_masked: row.get(1)?,
            nickname: row.get(2)?,
            created_at: row.get(3)?,
        })
    }
}

/// The account for this phone, created (with its starting interest tags) on first login.
pub fn find_or_create(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    now: i64,
) -> rusqlite::Result<User> {
    let phone_key = keyed.phone(phone);
    let existing = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM users WHERE phone_key = ?1"),
            [&phone_key],
            User::from_row,
        )
        .optional()?;
    if let Some(user) = existing {
        return Ok(user);
    }
    let user = User {
        id: tokens::user_id(),
        phone_masked: phone.masked(),
        nickname: format!("Doctor {}", phone.last4()),
        created_at: now,
    };
    conn.execute(
        "INSERT INTO users (id, phone_key, phone_masked, nickname, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.id,
            phone_key,
            user.phone_masked,
            user.nickname,
            user.created_at
        ],
    )?;
    interests::seed(conn, &user.id)?;
    tracing::info!(user = %user.id, phone = %phone, "user created");
    Ok(user)
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        [id],
        User::from_row,
    )
    .optional()
}

/// Whether `phone` is the account's own phone (compared by its key: the number is not kept).
pub fn has_phone(
    conn: &Connection,
    keyed: &Keyed,
    id: &str,
    phone: &Phone,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND phone_key = ?2)",
        params![id, keyed.phone(phone)],
        |row| row.get(0),
    )
}

/// Deletes the account and everything kept under it; its phone may then register afresh.
/// Browsing events are not among them: they were never linked to the account.
pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    for table in [
        "sessions",
        "consents",
        "deletion_requests",
        "interests",
        "risk_devices",
        "web_logins",
    ] {
        conn.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [id])?;
    }
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}
