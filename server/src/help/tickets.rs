//! Feedback becomes a ticket: the user's text, photos, an optional contact number (sealed at
//! rest) and, only when the user chose to attach it, the app and OS version. The team replies
//! and closes; the user's read marker on each reply drives the app's unread count.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::photos::{self, HelpPhoto};
use crate::error::ApiError;
use medcircle_rules::{phone, text};

pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_PHOTOS: usize = 4;
const MAX_VERSION_CHARS: usize = 32;
pub const MAX_REPLY_CHARS: usize = 2000;

/// What the user sends.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = NewFeedback)]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    /// 1 to 2000 visible characters.
    pub text: String,
    /// Ids from POST /v1/help/photos, the caller's and unused, at most 4.
    #[serde(default)]
    pub photo_ids: Vec<String>,
    /// A mainland mobile number to be called back on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, examples("13800138000"))]
    pub contact: Option<String>,
    /// Sent only when the user agreed to attach device information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, examples("1.4.0"))]
    pub app_version: Option<String>,
    /// Sent only when the user agreed to attach device information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, examples("Android 14"))]
    pub os_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TicketStatus)]
pub enum Status {
    /// Received, not answered yet.
    Open,
    /// The team replied.
    Answered,
    /// The team closed it.
    Closed,
}

impl Status {
    fn key(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }

    fn of(key: &str) -> Status {
        match key {
            "answered" => Status::Answered,
            "closed" => Status::Closed,
            _ => Status::Open,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TicketReply)]
pub struct Reply {
    #[schema(pattern = "^hr_[0-9a-f]{16}$")]
    pub id: String,
    pub body: String,
    pub created_at: i64,
    /// Whether the user has marked it read (POST /v1/help/tickets/{id}/read).
    pub read: bool,
}

/// A ticket as its author sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Ticket)]
pub struct Ticket {
    #[schema(pattern = "^ht_[0-9a-f]{16}$")]
    pub id: String,
    pub text: String,
    pub status: Status,
    /// The contact number, masked (`138****8000`).
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_masked: Option<String>,
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    pub photos: Vec<HelpPhoto>,
    /// Oldest first.
    pub replies: Vec<Reply>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The feedback as it will be kept, or why not.
pub fn check(feedback: &NewFeedback) -> Result<Option<String>, ApiError> {
    let length = feedback.text.chars().count();
    if feedback.text.trim().is_empty()
        || length > MAX_TEXT_CHARS
        || !text::is_visible_paragraph(&feedback.text)
    {
        return Err(ApiError::InvalidText);
    }
    if feedback.photo_ids.len() > MAX_PHOTOS {
        return Err(ApiError::TooManyPhotos);
    }
    for version in [&feedback.app_version, &feedback.os_version]
        .into_iter()
        .flatten()
    {
        if version.chars().count() > MAX_VERSION_CHARS || !text::is_visible_line(version) {
            return Err(ApiError::InvalidRequest(format!(
                "app_version and os_version are 1 to {MAX_VERSION_CHARS} visible characters"
            )));
        }
    }
    feedback
        .contact
        .as_deref()
        .map(|contact| phone::mainland_mobile(contact).map_err(|_| ApiError::InvalidPhone))
        .transpose()
}

pub fn create(
    conn: &Connection,
    user: &str,
    feedback: &NewFeedback,
    contact: Option<&str>,
    now: i64,
) -> Result<Ticket, ApiError> {
    let id = crate::feed::random_id("ht_");
    conn.execute(
        "INSERT INTO help_tickets (id, user_id, text, contact, contact_masked, app_version,
                                   os_version, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, seal(?4, 'help_contact:' || ?1), ?5, ?6, ?7, 'open', ?8, ?8)",
        params![
            id,
            user,
            feedback.text,
            contact,
            contact.map(phone::masked),
            feedback.app_version,
            feedback.os_version,
            now
        ],
    )?;
    photos::TICKET_PHOTOS.attach(conn, user, &id, &feedback.photo_ids)?;
    get(conn, user, &id)?.ok_or(ApiError::Internal)
}

/// `user`'s tickets, newest first.
pub fn for_user(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Ticket>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM help_tickets WHERE user_id = ?1 ORDER BY seq DESC")?
        .query_map([user], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tickets = Vec::with_capacity(ids.len());
    for id in ids {
        tickets.extend(get(conn, user, &id)?);
    }
    Ok(tickets)
}

pub fn get(conn: &Connection, user: &str, id: &str) -> rusqlite::Result<Option<Ticket>> {
    let ticket = conn
        .query_row(
            "SELECT id, text, status, contact_masked, app_version, os_version, created_at,
                    updated_at
             FROM help_tickets WHERE id = ?1 AND user_id = ?2",
            params![id, user],
            |row| {
                Ok(Ticket {
                    id: row.get(0)?,
                    text: row.get(1)?,
                    status: Status::of(&row.get::<_, String>(2)?),
                    contact_masked: row.get(3)?,
                    app_version: row.get(4)?,
                    os_version: row.get(5)?,
                    photos: Vec::new(),
                    replies: Vec::new(),
                    created_at: row.get(6)?,
                    updated_at: row.get(7)?,
                })
            },
        )
        .optional()?;
    let Some(mut ticket) = ticket else {
        return Ok(None);
    };
    ticket.photos = photos::of_ticket(conn, id)?;
    ticket.replies = conn
        .prepare_cached(
            "SELECT id, body, created_at, read FROM help_replies WHERE ticket_id = ?1 ORDER BY seq",
        )?
        .query_map([id], |row| {
            Ok(Reply {
                id: row.get(0)?,
                body: row.get(1)?,
                created_at: row.get(2)?,
                read: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(ticket))
}

/// Marks every reply of `user`'s ticket read; false when there is no such ticket.
pub fn mark_read(conn: &Connection, user: &str, id: &str) -> rusqlite::Result<bool> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM help_tickets WHERE id = ?1 AND user_id = ?2)",
        params![id, user],
        |row| row.get(0),
    )?;
    if exists {
        conn.execute(
            "UPDATE help_replies SET read = 1 WHERE ticket_id = ?1",
            [id],
        )?;
    }
    Ok(exists)
}

/// The team's reply (dev): its id, or none when there is no such ticket.
pub fn reply(
    conn: &Connection,
    ticket_id: &str,
    body: &str,
    now: i64,
) -> rusqlite::Result<Option<String>> {
    let changed = conn.execute(
        "UPDATE help_tickets SET status = CASE status WHEN 'closed' THEN 'closed' ELSE 'answered' END,
                updated_at = ?2
         WHERE id = ?1",
        params![ticket_id, now],
    )?;
    if changed != 1 {
        return Ok(None);
    }
    let id = crate::feed::random_id("hr_");
    conn.execute(
        "INSERT INTO help_replies (id, ticket_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, ticket_id, body, now],
    )?;
    Ok(Some(id))
}

/// Closes a ticket (dev); false when there is no such ticket.
pub fn close(conn: &Connection, ticket_id: &str, now: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE help_tickets SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![ticket_id, Status::Closed.key(), now],
    )? == 1)
}

/// A ticket as the team receives it: the number in clear, the photos' bytes as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReceivedFeedback)]
pub struct Received {
    pub id: String,
    pub user_id: String,
    pub text: String,
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    pub status: Status,
    /// Each photo as stored, base64url without padding.
    pub photos: Vec<String>,
    pub created_at: i64,
}

/// Every ticket, oldest first (the team's inbox, dev).
pub fn received(conn: &Connection) -> rusqlite::Result<Vec<Received>> {
    let mut rows: Vec<Received> = conn
        .prepare(
            "SELECT id, user_id, text, unseal(contact, 'help_contact:' || id), app_version,
                    os_version, status, created_at
             FROM help_tickets ORDER BY seq",
        )?
        .query_map([], |row| {
            Ok(Received {
                id: row.get(0)?,
                user_id: row.get(1)?,
                text: row.get(2)?,
                contact: row.get(3)?,
                app_version: row.get(4)?,
                os_version: row.get(5)?,
                status: Status::of(&row.get::<_, String>(6)?),
                photos: Vec::new(),
                created_at: row.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for ticket in &mut rows {
        ticket.photos = photos::bytes_of_ticket(conn, &ticket.id)?
            .iter()
            .map(|bytes| crate::base64url::encode(bytes))
            .collect();
    }
    Ok(rows)
}
