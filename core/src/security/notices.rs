//! Security notices from the server, kept in the account's encrypted database so they read
//! offline; whether one was read is this device's.

use rusqlite::{Connection, params};
use serde::Deserialize;

use super::{SecurityArea, SecurityError, min_version};
use crate::net::Endpoint;
use crate::store::{Migration, Schema, StoreError};

pub(super) const SCHEMA: Schema = Schema {
    area: "security",
    migrations: &[
        Migration {
            version: 1,
            sql: "CREATE TABLE security_notices (
                      id TEXT PRIMARY KEY,
                      kind TEXT NOT NULL,
                      title TEXT NOT NULL,
                      body TEXT NOT NULL,
                      action TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      read INTEGER NOT NULL DEFAULT 0
                  );",
        },
        // The server's times are in seconds: notices published within one need the order
        // the server lists them in, not their random ids.
        Migration {
            version: 2,
            sql: "ALTER TABLE security_notices ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;",
        },
    ],
    in_single_list: false,
};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum NoticeKind {
    /// A security incident: what happened, what it means, what to do.
    Incident,
    /// The account was logged in on a device it had not used before.
    NewLogin,
    /// The operator ended the account's sessions.
    ForcedLogout,
    /// This app version is no longer served: update.
    MinimumVersion,
    /// A kind this version does not know: show its text.
    #[serde(other)]
    Other,
}

impl NoticeKind {
    fn key(self) -> &'static str {
        match self {
            NoticeKind::Incident => "incident",
            NoticeKind::NewLogin => "new_login",
            NoticeKind::ForcedLogout => "forced_logout",
            NoticeKind::MinimumVersion => "minimum_version",
            NoticeKind::Other => "other",
        }
    }

    fn of(key: &str) -> NoticeKind {
        serde_json::from_value(serde_json::Value::String(key.into())).unwrap_or(NoticeKind::Other)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SecurityNotice {
    pub id: String,
    pub kind: NoticeKind,
    pub title: String,
    /// What happened and what it means.
    pub body: String,
    /// What the user should do.
    pub action: String,
    /// Unix seconds.
    pub created_at: i64,
    pub read: bool,
}

/// The notices, newest first, and what a badge shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SecurityNotices {
    pub notices: Vec<SecurityNotice>,
    pub unread: u32,
    /// The server's minimum version when this build is below it: show an update prompt.
    pub update_required: Option<String>,
}

#[derive(Deserialize)]
struct Received {
    id: String,
    kind: NoticeKind,
    title: String,
    body: String,
    action: String,
    created_at: i64,
}

#[derive(Deserialize)]
struct NoticeList {
    notices: Vec<Received>,
    minimum_version: Option<String>,
}

/// Keeps what arrived, in the server's order (it lists newest first); a notice already kept
/// keeps its read state.
fn keep(conn: &Connection, received: &[Received]) -> Result<(), StoreError> {
    let mut insert = conn.prepare(
        "INSERT INTO security_notices (id, kind, title, body, action, created_at, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM security_notices))
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
             body = excluded.body, action = excluded.action, created_at = excluded.created_at,
             seq = excluded.seq",
    )?;
    for notice in received.iter().rev() {
        insert.execute(params![
            notice.id,
            notice.kind.key(),
            notice.title,
            notice.body,
            notice.action,
            notice.created_at
        ])?;
    }
    Ok(())
}

fn load(conn: &Connection) -> Result<Vec<SecurityNotice>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, kind, title, body, action, created_at, read FROM security_notices
         ORDER BY created_at DESC, seq DESC",
    )?;
    let notices = statement
        .query_map([], |row| {
            Ok(SecurityNotice {
                id: row.get(0)?,
                kind: NoticeKind::of(&row.get::<_, String>(1)?),
                title: row.get(2)?,
                body: row.get(3)?,
                action: row.get(4)?,
                created_at: row.get(5)?,
                read: row.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(notices)
}

impl SecurityArea {
    pub(super) async fn sync_notices(&self) -> Result<SecurityNotices, SecurityError> {
        let db = self.account.db()?;
        let request = Endpoint::Notices.request();
        let list: NoticeList = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        min_version::apply(
            &self.platform.app_db.conn(),
            &self.platform.versions,
            list.minimum_version,
        )?;
        keep(&db.conn(), &list.notices)?;
        let notices = load(&db.conn())?;
        // Another account may have logged in while the answer was on its way: its listeners
        // see only its own notices.
        if self.account.db_of(&db.account_id).is_none() {
            return Err(SecurityError::NotLoggedIn);
        }
        Ok(self.publish(notices))
    }

    pub(super) fn kept_notices(&self) -> Result<SecurityNotices, SecurityError> {
        let db = self.account.db()?;
        let notices = load(&db.conn())?;
        Ok(self.publish(notices))
    }

    pub(super) fn mark_read(&self, id: &str) -> Result<SecurityNotices, SecurityError> {
        let db = self.account.db()?;
        let marked = db
            .conn()
            .execute("UPDATE security_notices SET read = 1 WHERE id = ?1", [id])
            .map_err(StoreError::from)?;
        if marked == 0 {
            return Err(SecurityError::NoticeNotFound);
        }
        let notices = load(&db.conn())?;
        Ok(self.publish(notices))
    }

    /// Tells the listeners, and returns what they were told.
    pub(super) fn publish(&self, notices: Vec<SecurityNotice>) -> SecurityNotices {
        let unread = notices.iter().filter(|n| !n.read).count() as u32;
        let fresh = SecurityNotices {
            notices,
            unread,
            update_required: self.platform.versions.update_required(),
        };
        self.notices.send_if_modified(|current| {
            let changed = *current != fresh;
            *current = fresh.clone();
            changed
        });
        fresh
    }
}
