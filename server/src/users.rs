//! Accounts, keyed by phone: found by the phone's HMAC, the number itself kept only sealed
//! (see `sealed`), its mask worked out when read. An account created by third-party login has
//! no phone: a random key no phone hashes to, and an empty mask.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dictionaries::Entry;
use crate::interests;
use crate::keyed::Keyed;
use crate::phone::Phone;
use crate::tokens;

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(pattern = "^u_[0-9a-f]{16}$")]
    pub id: String,
    /// Empty for an account created by third-party login, which has no phone.
    #[schema(pattern = "^(1[3-9][0-9][*]{4}[0-9]{4})?$", examples("138****8000"))]
    pub phone_masked: String,
    #[schema(examples("MedCircle user KXRT"))]
    pub nickname: String,
    /// Unix time in seconds.
    pub created_at: i64,
    /// The institution the user works at, from the dictionary; none until the profile is set.
    #[schema(required = true)]
    pub unit: Option<Entry>,
    #[schema(required = true)]
    pub department: Option<Entry>,
    /// A picture URL, set only by binding a third-party profile; null otherwise.
    #[schema(required = true)]
    pub avatar_url: Option<String>,
}

/// The letters of a default nickname's tag: no digit (nothing a phone number could show
/// through), no I or O (read as 1 and 0).
const TAG_LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A new account's nickname until its holder or a bound profile sets one: `MedCircle user`
/// and four random letters, so members tell each other apart, and nothing of the phone.
pub fn default_nickname() -> String {
    let tag: String = (0..4)
        .map(|_| char::from(TAG_LETTERS[rand::random_range(0..TAG_LETTERS.len())]))
        .collect();
    format!("MedCircle user {tag}")
}
/// The longest nickname, in characters.
pub const MAX_NICKNAME_CHARS: usize = 64;

/// Whether `nickname` may be shown to others: one visible line of at most 64 characters.
pub fn is_valid_nickname(nickname: &str) -> bool {
    nickname.chars().count() <= MAX_NICKNAME_CHARS
        && medcircle_rules::text::is_visible_line(nickname)
}

/// The user's columns, with the names of their unit and department.
const SELECT: &str = "SELECT users.id, unseal(users.phone_sealed, 'phone:' || users.id),
        users.nickname, users.created_at,
        units.id, units.name, departments.id, departments.name, users.avatar_url
    FROM users
    LEFT JOIN units ON units.id = users.unit_id
    LEFT JOIN departments ON departments.id = users.department_id";

impl User {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(User {
            id: row.get(0)?,
            phone_masked: row
                .get::<_, Option<String>>(1)?
                .and_then(|phone| Phone::parse(&phone).ok())
                .map(|phone| phone.masked())
                .unwrap_or_default(),
            nickname: row.get(2)?,
            created_at: row.get(3)?,
            unit: Entry::optional_at(row, 4)?,
            department: Entry::optional_at(row, 6)?,
            avatar_url: row.get(8)?,
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
            &format!("{SELECT} WHERE users.phone_key = ?1"),
            [&phone_key],
            User::from_row,
        )
        .optional()?;
    if let Some(user) = existing {
        if user.phone_masked.is_empty() {
            // Found by its HMAC but stored by an older server, before phones were sealed.
            conn.execute(
                "UPDATE users SET phone_sealed = seal(?2, 'phone:' || id) WHERE id = ?1",
                params![user.id, phone.as_str()],
            )?;
            return Ok(User {
                phone_masked: phone.masked(),
                ..user
            });
        }
        return Ok(user);
    }
    let user = User {
        id: tokens::user_id(),
        phone_masked: phone.masked(),
        nickname: default_nickname(),
        created_at: now,
        unit: None,
        department: None,
        avatar_url: None,
    };
    insert(conn, &user, &phone_key, Some(phone))?;
    tracing::info!(user = %user.id, phone = %phone, "user created");
    Ok(user)
}

/// A new account without a phone, for a first third-party login.
pub fn create_without_phone(conn: &Connection, now: i64) -> rusqlite::Result<User> {
    let user = User {
        id: tokens::user_id(),
        phone_masked: String::new(),
        nickname: default_nickname(),
        created_at: now,
        unit: None,
        department: None,
        avatar_url: None,
    };
    // As long as a phone key, so it looks like one, but random: no phone will ever match it.
    insert(conn, &user, &rand::random::<[u8; 32]>(), None)?;
    tracing::info!(user = %user.id, "user created without a phone");
    Ok(user)
}

fn insert(
    conn: &Connection,
    user: &User,
    phone_key: &[u8],
    phone: Option<&Phone>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO users (id, phone_key, phone_sealed, nickname, created_at)
         VALUES (?1, ?2, seal(?3, 'phone:' || ?1), ?4, ?5)",
        params![
            user.id,
            phone_key,
            phone.map(Phone::as_str),
            user.nickname,
            user.created_at
        ],
    )?;
    interests::seed(conn, &user.id)
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("{SELECT} WHERE users.id = ?1"),
        [id],
        User::from_row,
    )
    .optional()
}

/// Sets the account's unit and department (the caller checks that they exist and match).
pub fn set_profile(
    conn: &Connection,
    id: &str,
    unit_id: &str,
    department_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET unit_id = ?2, department_id = ?3 WHERE id = ?1",
        params![id, unit_id, department_id],
    )?;
    Ok(())
}

/// Replaces the nickname and the avatar with a third-party profile's, each only if given.
pub fn bind_profile(
    conn: &Connection,
    id: &str,
    nickname: Option<&str>,
    avatar_url: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET nickname = COALESCE(?2, nickname), avatar_url = COALESCE(?3, avatar_url)
         WHERE id = ?1",
        params![id, nickname, avatar_url],
    )?;
    Ok(())
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
        "logins",
        "notices",
        "consents",
        "deletion_requests",
        "interests",
        "risk_devices",
        "web_logins",
        "oauth_identities",
        "certifications",
        "certification_photos",
        "pay_entitlements",
    ] {
        conn.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [id])?;
    }
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_nickname_is_a_tag_of_letters() {
        for _ in 0..200 {
            let nickname = default_nickname();
            let tag = nickname.strip_prefix("MedCircle user ").unwrap();
            assert_eq!(tag.len(), 4, "{nickname}");
            assert!(tag.bytes().all(|b| TAG_LETTERS.contains(&b)), "{nickname}");
            assert!(is_valid_nickname(&nickname));
        }
    }
}
