//! Feedback waiting to go out: stored with its photos (the account layer's `PhotoQueue`, as
//! the feed's posts) and an idempotency key before anything is sent, sent in order (photos
//! first, each once, then the feedback) with the feed's backoff until the server has it, and removed in the same transaction that keeps the ticket the server made. A kill at
//! any point neither loses it nor sends it twice: a repeat carries the same key and the server
//! answers it with the first ticket.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::tickets::{self, Ticket};
use super::{HelpArea, HelpError};
use crate::account::{AccountDb, Failure, PhotoQueue};
use crate::net::{Endpoint, NetError, outbox_delay};
use crate::store::{self, StoreError};

/// The photos waiting with their feedback.
const PHOTOS: PhotoQueue = PhotoQueue {
    table: "help_outbox_photos",
};

/// A checked form, ready to be queued.
pub(super) struct Waiting {
    pub(super) key: String,
    pub(super) text: String,
    pub(super) contact: Option<String>,
    /// The app and OS version, when the user agreed to attach them.
    pub(super) device: Option<(String, String)>,
    /// Media type and bytes, metadata stripped.
    pub(super) photos: Vec<(&'static str, Vec<u8>)>,
}

/// Feedback in the outbox, as a screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PendingFeedback {
    pub key: String,
    pub text: String,
    pub photo_count: u32,
    pub created_at: i64,
    pub attempts: u32,
    /// Why it waits for the user (cancelled, refused): retry or discard it.
    pub failed: Option<String>,
}

pub(super) fn enqueue(
    conn: &mut Connection,
    waiting: &Waiting,
    now: i64,
) -> Result<(), StoreError> {
    let tx = store::writing(conn)?;
    let (app_version, os_version) = waiting.device.clone().unzip();
    tx.execute(
        "INSERT INTO help_outbox (key, text, contact, app_version, os_version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            waiting.key,
            waiting.text,
            waiting.contact,
            app_version,
            os_version,
            now
        ],
    )?;
    for (position, (content_type, bytes)) in waiting.photos.iter().enumerate() {
        PHOTOS.attach(&tx, &waiting.key, position as u32, content_type, bytes)?;
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn pending(conn: &Connection) -> Result<Vec<PendingFeedback>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT key, text, created_at, attempts, failed,
                (SELECT COUNT(*) FROM help_outbox_photos p WHERE p.key = o.key)
         FROM help_outbox o ORDER BY seq",
    )?;
    let rows = statement.query_map([], |r| {
        Ok(PendingFeedback {
            key: r.get(0)?,
            text: r.get(1)?,
            created_at: r.get(2)?,
            attempts: r.get(3)?,
            failed: r.get(4)?,
            photo_count: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn count(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM help_outbox", [], |r| r.get(0))?)
}

/// Removes an entry and its photos; whether it was there.
pub(super) fn remove(conn: &Connection, key: &str) -> Result<bool, StoreError> {
    let removed = conn.execute("DELETE FROM help_outbox WHERE key = ?1", [key])?;
    PHOTOS.remove(conn, key)?;
    Ok(removed > 0)
}

/// Parks an entry until the user acts (`None` puts it back in line); whether it was there.
pub(super) fn set_failed(
    conn: &Connection,
    key: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE help_outbox SET failed = ?2 WHERE key = ?1",
        params![key, reason],
    )? > 0)
}

struct Queued {
    key: String,
    text: String,
    contact: Option<String>,
    app_version: Option<String>,
    os_version: Option<String>,
    attempts: u32,
}

fn next(conn: &Connection) -> Result<Option<Queued>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT key, text, contact, app_version, os_version, attempts FROM help_outbox
             WHERE failed IS NULL ORDER BY seq LIMIT 1",
            [],
            |r| {
                Ok(Queued {
                    key: r.get(0)?,
                    text: r.get(1)?,
                    contact: r.get(2)?,
                    app_version: r.get(3)?,
                    os_version: r.get(4)?,
                    attempts: r.get(5)?,
                })
            },
        )
        .optional()?)
}

#[derive(Serialize)]
struct NewFeedback<'a> {
    text: &'a str,
    photo_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    os_version: Option<&'a str>,
}

/// What sending one entry came to.
enum Step {
    /// Needs the user (cancelled, refused): kept, marked failed; the sender is told why.
    Park(String, HelpError),
    /// The network or the server is not there now: try again later.
    Transient(HelpError),
    /// The session ended, or a rule refused it before it left: nothing more goes out now.
    Stop(HelpError),
}

fn step(failure: Failure) -> Step {
    match failure {
        Failure::Net(NetError::Cancelled) => Step::Park("cancelled".into(), HelpError::Cancelled),
        Failure::Net(NetError::Refused { ref error, .. }) => {
            let reason = if error.message.is_empty() {
                error.code.to_string()
            } else {
                error.message.clone()
            };
            Step::Park(reason, failure.into())
        }
        failure @ Failure::Net(NetError::ConsentRequired { .. } | NetError::Undeclared(_)) => {
            Step::Stop(failure.into())
        }
        failure @ Failure::Net(_) => Step::Transient(failure.into()),
        failure => Step::Stop(failure.into()),
    }
}

impl HelpArea {
    /// Sends what waits, in order, each entry's photos under the progress and cancellation
    /// its sender registered; returns why it stopped early, if it did.
    pub(super) async fn flush(self: &Arc<Self>) -> Result<Option<HelpError>, HelpError> {
        let _turn = self.flushing.lock().await;
        let Ok(db) = self.account.db() else {
            return Ok(None);
        };
        let mut stopped = None;
        loop {
            let next = next(&db.conn())?;
            let Some(queued) = next else {
                break;
            };
            match self.send_one(&db, &queued).await {
                Ok(ticket) => self.settle(&queued.key, Ok(ticket)),
                Err(failure) => match step(failure) {
                    Step::Park(reason, error) => {
                        set_failed(&db.conn(), &queued.key, Some(&reason))?;
                        tracing::info!(%error, "feedback parked");
                        self.settle(&queued.key, Err(error));
                    }
                    Step::Transient(error) => {
                        db.conn()
                            .execute(
                                "UPDATE help_outbox SET attempts = attempts + 1 WHERE key = ?1",
                                [&queued.key],
                            )
                            .map_err(StoreError::from)?;
                        self.schedule_retry(queued.attempts + 1);
                        stopped = Some(error);
                        break;
                    }
                    Step::Stop(error) => {
                        stopped = Some(error);
                        break;
                    }
                },
            }
        }
        self.republish_waiting()?;
        Ok(stopped)
    }

    async fn send_one(&self, db: &Arc<AccountDb>, queued: &Queued) -> Result<Ticket, Failure> {
        let key = queued.key.as_str();
        let control = self.upload_control(key);
        let photo_ids = PHOTOS
            .upload(&self.account, db, key, Endpoint::HelpPhoto, control)
            .await?;
        let endpoint = match (queued.contact.is_some(), queued.app_version.is_some()) {
            (false, false) => Endpoint::Feedback,
            (true, false) => Endpoint::FeedbackContact,
            (false, true) => Endpoint::FeedbackDevice,
            (true, true) => Endpoint::FeedbackContactDevice,
        };
        let request = endpoint
            .request()
            .json(&NewFeedback {
                text: &queued.text,
                photo_ids: &photo_ids,
                contact: queued.contact.as_deref(),
                app_version: queued.app_version.as_deref(),
                os_version: queued.os_version.as_deref(),
            })
            .idempotency_key(key);
        let received: tickets::Received = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        let ticket = received.into_ticket();
        let mut conn = db.conn();
        let tx = store::writing(&mut conn).map_err(StoreError::from)?;
        tickets::keep(&tx, &ticket)?;
        remove(&tx, key)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(ticket)
    }

    /// One retry after a backoff that doubles with each failed attempt (with jitter).
    fn schedule_retry(self: &Arc<Self>, attempts: u32) {
        if self.retry_scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let delay = outbox_delay(attempts);
        let retrying = self.clone();
        self.platform.runtime.spawn_timer(delay, async move {
            retrying.retry_scheduled.store(false, Ordering::SeqCst);
            retrying.flush_soon();
        });
    }

    /// Flushes in the background, counted so a closing client lets it finish.
    pub(super) fn flush_soon(self: &Arc<Self>) {
        let flushing = self.clone();
        self.platform.runtime.spawn_background(async move {
            if let Err(error) = flushing.flush().await {
                tracing::info!(%error, "feedback outbox flush postponed");
            }
        });
    }

    /// Flushes, then says where the sender's entry stands: sent (its ticket), waiting (no
    /// ticket yet), or why it needs the user.
    pub(super) async fn deliver(
        self: &Arc<Self>,
        key: &str,
    ) -> Result<super::FeedbackReceipt, HelpError> {
        let stopped = self.flush().await?;
        match self.outcome(key) {
            Some(Ok(ticket)) => Ok(super::FeedbackReceipt {
                key: key.to_string(),
                ticket: Some(ticket),
            }),
            Some(Err(error)) => Err(error),
            None => match stopped {
                Some(error @ (HelpError::SessionExpired | HelpError::NotLoggedIn)) => Err(error),
                _ => Ok(super::FeedbackReceipt {
                    key: key.to_string(),
                    ticket: None,
                }),
            },
        }
    }
}
