//! The user's feedback as tickets: status and the team's replies, kept in the account's
//! encrypted database so they read offline, with an unread count from the server's read
//! markers (reading a ticket marks its replies read there, so every device agrees).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::{HelpArea, HelpError, HelpTickets, outbox};
use crate::net::Endpoint;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum TicketStatus {
    /// Received, not answered yet.
    Open,
    /// The team replied.
    Answered,
    /// The team closed it.
    Closed,
    /// A status this version does not know.
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct TicketReply {
    pub id: String,
    pub body: String,
    pub created_at: i64,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Ticket {
    pub id: String,
    pub text: String,
    pub status: TicketStatus,
    /// The contact number given, masked (`138****8000`).
    pub contact_masked: Option<String>,
    /// Present only when the user agreed to attach them.
    pub app_version: Option<String>,
    pub os_version: Option<String>,
    pub photo_count: u32,
    /// Oldest first.
    pub replies: Vec<TicketReply>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Ticket {
    pub fn unread(&self) -> u32 {
        self.replies.iter().filter(|r| !r.read).count() as u32
    }
}

/// A ticket as the server sends it.
#[derive(Deserialize)]
pub(super) struct Received {
    id: String,
    text: String,
    status: TicketStatus,
    #[serde(default)]
    contact_masked: Option<String>,
    #[serde(default)]
    app_version: Option<String>,
    #[serde(default)]
    os_version: Option<String>,
    photos: Vec<serde::de::IgnoredAny>,
    replies: Vec<TicketReply>,
    created_at: i64,
    updated_at: i64,
}

impl Received {
    pub(super) fn into_ticket(self) -> Ticket {
        Ticket {
            photo_count: self.photos.len() as u32,
            id: self.id,
            text: self.text,
            status: self.status,
            contact_masked: self.contact_masked,
            app_version: self.app_version,
            os_version: self.os_version,
            replies: self.replies,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Deserialize)]
struct TicketList {
    tickets: Vec<Received>,
}

/// A new ticket comes after every kept one: the server's times are in seconds, so several
/// tickets can share one.
pub(super) fn keep(conn: &Connection, ticket: &Ticket) -> Result<(), StoreError> {
    let json = serde_json::to_string(ticket).expect("a ticket serialises");
    conn.execute(
        "INSERT INTO help_tickets (id, ticket, created_at, seq)
         VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM help_tickets))
         ON CONFLICT(id) DO UPDATE SET ticket = excluded.ticket",
        params![ticket.id, json, ticket.created_at],
    )?;
    Ok(())
}

/// Newest first. A row this version cannot read (written by a newer one) is skipped.
pub(super) fn load(conn: &Connection) -> Result<Vec<Ticket>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT ticket FROM help_tickets ORDER BY created_at DESC, seq DESC")?;
    let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
    let mut tickets = Vec::new();
    for row in rows {
        match serde_json::from_str(&row?) {
            Ok(ticket) => tickets.push(ticket),
            Err(error) => tracing::warn!(%error, "unreadable kept ticket skipped"),
        }
    }
    Ok(tickets)
}

impl HelpArea {
    pub(super) async fn refresh_tickets(&self) -> Result<HelpTickets, HelpError> {
        let db = self.account.db()?;
        let list: TicketList = self
            .account
            .send_for(&db.account_id, &Endpoint::HelpTickets.request())
            .await?
            .json()?;
        {
            let mut conn = db.conn();
            let tx = crate::store::writing(&mut conn)?;
            tx.execute("DELETE FROM help_tickets", [])?;
            // Newest first from the server: kept oldest first, so the order is the server's.
            for received in list.tickets.into_iter().rev() {
                keep(&tx, &received.into_ticket())?;
            }
            tx.commit()?;
        }
        // Another account may have logged in meanwhile: its listeners see only its own.
        if self.account.db_of(&db.account_id).is_none() {
            return Err(HelpError::NotLoggedIn);
        }
        self.republish_waiting()
    }

    pub(super) async fn mark_read(&self, id: String) -> Result<HelpTickets, HelpError> {
        let db = self.account.db()?;
        let request = Endpoint::HelpTicketRead.request().id(&id);
        self.account.send_for(&db.account_id, &request).await?;
        {
            let conn = db.conn();
            let mut tickets = load(&conn)?;
            if let Some(ticket) = tickets.iter_mut().find(|t| t.id == id) {
                ticket.replies.iter_mut().for_each(|r| r.read = true);
                keep(&conn, ticket)?;
            }
        }
        self.republish_waiting()
    }

    /// Tells the listeners what is kept now (tickets, unread replies, feedback waiting), and
    /// returns it.
    pub(super) fn republish_waiting(&self) -> Result<HelpTickets, HelpError> {
        let db = self.account.db()?;
        let (tickets, waiting) = {
            let conn = db.conn();
            (load(&conn)?, outbox::pending(&conn)?)
        };
        let fresh = HelpTickets {
            unread: tickets.iter().map(Ticket::unread).sum(),
            tickets,
            waiting,
        };
        self.tickets.send_if_modified(|current| {
            let changed = *current != fresh;
            *current = fresh.clone();
            changed
        });
        Ok(fresh)
    }
}
