//! Security notices (privacy policy 4.6: users are told of security incidents): to one
//! account or to everyone, read by the app at start and on refresh.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::logins::{Method, Origin};
use crate::tokens;

/// What a notice is about; the app may act on it (a forced logout, an update).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NoticeKind)]
pub enum Kind {
    /// What happened, what it means, what to do.
    Incident,
    /// The account was used on a device it had not used before.
    NewLogin,
    /// The operator ended the account's sessions.
    ForcedLogout,
    /// This app version is no longer served.
    MinimumVersion,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::NewLogin => "new_login",
            Kind::ForcedLogout => "forced_logout",
            Kind::MinimumVersion => "minimum_version",
        }
    }

    fn parse(stored: &str) -> Kind {
        match stored {
            "new_login" => Kind::NewLogin,
            "forced_logout" => Kind::ForcedLogout,
            "minimum_version" => Kind::MinimumVersion,
            _ => Kind::Incident,
        }
    }
}

/// A notice's text.
pub struct Text<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// What the user should do.
    pub action: &'a str,
}

/// A notice as the app reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    #[schema(pattern = "^nt_[0-9a-f]{16}$")]
    pub id: String,
    pub kind: Kind,
    pub title: String,
    /// What happened and what it means.
    pub body: String,
    /// What the user should do.
    pub action: String,
    pub created_at: i64,
}

/// Publishes a notice to `user_id`, or to everyone; returns its id.
pub fn publish(
    conn: &Connection,
    user_id: Option<&str>,
    kind: Kind,
    text: &Text<'_>,
    now: i64,
) -> rusqlite::Result<String> {
    let id = tokens::notice_id();
    conn.execute(
        "INSERT INTO notices (id, user_id, kind, title, body, action, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            user_id,
            kind.as_str(),
            text.title,
            text.body,
            text.action,
            now
        ],
    )?;
    Ok(id)
}

/// Tells the account it was logged in on a device it had not used.
pub fn new_login(
    conn: &Connection,
    user_id: &str,
    origin: &Origin<'_>,
    now: i64,
) -> rusqlite::Result<()> {
    let method = match origin.method {
        Method::Sms => "an SMS code",
        Method::OneTap => "one-tap login",
        Method::Provider => "a third-party account",
        Method::WebLogin => "a scanned web login",
    };
    let body = format!(
        "Your account was logged in on a device it had not used before, with {method} (place: {}).",
        origin.place
    );
    let text = Text {
        title: "New login on another device",
        body: &body,
        action: "If this was not you, sign that session out in Security and log in again.",
    };
    publish(conn, Some(user_id), Kind::NewLogin, &text, now).map(drop)
}

/// The notices `user_id` may read (theirs and everyone's), newest first, at most 100.
pub fn for_user(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Notice>> {
    let mut statement = conn.prepare(
        "SELECT id, kind, title, body, action, created_at FROM notices
         WHERE user_id = ?1 OR user_id IS NULL
         ORDER BY created_at DESC, seq DESC LIMIT 100",
    )?;
    statement
        .query_map([user_id], |row| {
            Ok(Notice {
                id: row.get(0)?,
                kind: Kind::parse(&row.get::<_, String>(1)?),
                title: row.get(2)?,
                body: row.get(3)?,
                action: row.get(4)?,
                created_at: row.get(5)?,
            })
        })?
        .collect()
}
