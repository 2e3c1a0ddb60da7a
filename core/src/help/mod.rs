//! The help center: articles by topic, searched in Chinese and English and kept for offline
//! reading (`articles.rs`); feedback with photos through the permission gate, an optional
//! contact number and, only with the user's agreement, the app and OS version
//! (`feedback.rs`), sent through an outbox that survives a kill and sends once (`outbox.rs`);
//! the user's tickets with the team's replies and an unread count (`tickets.rs`); the area's
//! tables (`store.rs`).

mod articles;
mod feedback;
mod outbox;
mod store;
mod tickets;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::watch;

pub use articles::{HelpArticle, HelpArticleSummary};
pub use feedback::{DeviceVersions, FeedbackForm};
pub use outbox::PendingFeedback;
pub use tickets::{Ticket, TicketReply, TicketStatus};

use crate::account::{Account, AccountObserver, AreaError, FeatureGate, area_error};
use crate::net::{ApiCode, ApiError, CancelToken, NetworkProblem, Upload, UploadProgress};
use crate::platform::{OnPlatform, Platform, run};
use crate::store::{Schema, StoreError};
use crate::updates::Updates;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum HelpError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// Feedback needs text: show the reason by the text field.
    #[error("{reason}")]
    InvalidText { reason: String },
    #[error("at most {max} photos")]
    TooManyPhotos { max: u32 },
    /// Photos need the permission gate's `FeedbackPhotos` first (request it, or send the
    /// feedback without photos).
    #[error("allow access to photos first, or send the feedback without photos")]
    PhotoPermissionRequired,
    #[error("photos must be JPEG or PNG")]
    UnsupportedImage,
    #[error("the photo is larger than {limit_bytes} bytes")]
    ImageTooLarge { limit_bytes: u64 },
    #[error("the photo is wider or taller than {max_px} pixels")]
    ImageDimensionsTooLarge { max_px: u32 },
    /// The contact number is not a mainland mobile number: show the reason by the field.
    #[error("{reason}")]
    InvalidContact { reason: String },
    /// A search needs 1 to 100 visible characters.
    #[error("search for 1 to 100 visible characters")]
    InvalidQuery,
    #[error("no such article")]
    ArticleNotFound,
    #[error("no such ticket")]
    TicketNotFound,
    /// The user cancelled the upload: the feedback waits; retry or discard it.
    #[error("cancelled; the feedback waits to be retried or discarded")]
    Cancelled,
    /// No feedback waits under this key (it was sent or discarded).
    #[error("no such feedback waits")]
    FeedbackNotFound,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for HelpError {
    fn network(problem: NetworkProblem) -> Self {
        HelpError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        HelpError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        HelpError::NotLoggedIn
    }

    fn session_expired() -> Self {
        HelpError::SessionExpired
    }

    fn cancelled() -> Self {
        HelpError::Cancelled
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::InvalidText => HelpError::InvalidText {
                reason: error.message.clone(),
            },
            ApiCode::TooManyPhotos => HelpError::TooManyPhotos {
                max: feedback::MAX_PHOTOS as u32,
            },
            ApiCode::InvalidImage | ApiCode::UnsupportedImage => HelpError::UnsupportedImage,
            ApiCode::InvalidPhone => HelpError::InvalidContact {
                reason: error.message.clone(),
            },
            ApiCode::InvalidQuery => HelpError::InvalidQuery,
            ApiCode::ArticleNotFound => HelpError::ArticleNotFound,
            ApiCode::TicketNotFound => HelpError::TicketNotFound,
            _ => return None,
        })
    }
}

area_error!(HelpError);

impl From<rusqlite::Error> for HelpError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// The help area's tables: the articles in the app database, the rest in the account's.
pub(crate) const APP_SCHEMA: &Schema = &store::APP_SCHEMA;
pub(crate) const ACCOUNT_SCHEMA: &Schema = &store::ACCOUNT_SCHEMA;

/// Feedback just sent: its ticket, or none while it waits in the outbox (offline).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FeedbackReceipt {
    /// The outbox key (to retry or discard it while it waits).
    pub key: String,
    pub ticket: Option<Ticket>,
}

/// The user's tickets, newest first, what a badge shows, and the feedback not sent yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HelpTickets {
    pub tickets: Vec<Ticket>,
    /// Replies not read yet, over all tickets.
    pub unread: u32,
    pub waiting: Vec<PendingFeedback>,
}

/// Enough for every sender waiting at once; older outcomes nobody asked for are dropped.
const RECENT: usize = 64;

pub(crate) struct HelpArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    /// Whether the permission gate allows feedback photos.
    permissions: Arc<dyn FeatureGate>,
    tickets: watch::Sender<HelpTickets>,
    /// One outbox flush at a time, so feedback goes out in order.
    flushing: tokio::sync::Mutex<()>,
    retry_scheduled: AtomicBool,
    /// The progress and cancellation a sender watches, by outbox key.
    uploads: Mutex<HashMap<String, Upload>>,
    /// What flushes made of each entry (its ticket, or why it needs the user), for the sender
    /// whose entry another flush handled. Bounded.
    outcomes: Mutex<HashMap<String, Result<Ticket, HelpError>>>,
}

impl OnPlatform for HelpArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

/// While it lives, a sender watches its feedback's upload.
struct UploadWatch<'a> {
    area: &'a HelpArea,
    key: String,
}

impl Drop for UploadWatch<'_> {
    fn drop(&mut self) {
        lock(&self.area.uploads).remove(&self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl HelpArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        permissions: Arc<dyn FeatureGate>,
    ) -> Self {
        Self {
            platform,
            account,
            permissions,
            tickets: watch::Sender::new(HelpTickets::default()),
            flushing: tokio::sync::Mutex::new(()),
            retry_scheduled: AtomicBool::new(false),
            uploads: Mutex::default(),
            outcomes: Mutex::default(),
        }
    }

    /// At start, in the background: what a kill left in the outbox goes out.
    pub(crate) fn resume(self: &Arc<Self>) {
        if self.account.db().is_ok() {
            self.flush_soon();
        }
    }

    fn watch_upload(&self, key: &str, upload: Upload) -> UploadWatch<'_> {
        lock(&self.uploads).insert(key.to_string(), upload);
        UploadWatch {
            area: self,
            key: key.to_string(),
        }
    }

    fn upload_control(&self, key: &str) -> Option<Upload> {
        lock(&self.uploads).get(key).cloned()
    }

    fn settle(&self, key: &str, outcome: Result<Ticket, HelpError>) {
        let mut outcomes = lock(&self.outcomes);
        if outcomes.len() >= RECENT {
            outcomes.clear();
        }
        outcomes.insert(key.to_string(), outcome);
    }

    fn outcome(&self, key: &str) -> Option<Result<Ticket, HelpError>> {
        lock(&self.outcomes).remove(key)
    }

    async fn retry(self: &Arc<Self>, key: String) -> Result<FeedbackReceipt, HelpError> {
        {
            let _turn = self.flushing.lock().await;
            let db = self.account.db()?;
            if !outbox::set_failed(&db.conn(), &key, None)? {
                return Err(HelpError::FeedbackNotFound);
            }
        }
        self.deliver(&key).await
    }

    async fn discard(&self, key: String) -> Result<HelpTickets, HelpError> {
        // Not while a flush may be sending it; if one sent it meanwhile, it is not discarded.
        {
            let _turn = self.flushing.lock().await;
            let db = self.account.db()?;
            if !outbox::remove(&db.conn(), &key)? {
                return Err(HelpError::FeedbackNotFound);
            }
        }
        self.republish_waiting()
    }
}

#[async_trait::async_trait]
impl AccountObserver for HelpArea {
    /// Every login fetches the tickets (replies that came meanwhile).
    async fn logged_in(&self) {
        if let Err(error) = self.refresh_tickets().await {
            tracing::info!(%error, "tickets not fetched after login");
        }
    }

    fn session_ended(&self) {
        self.tickets.send_replace(HelpTickets::default());
    }

    fn unsent(&self, conn: &Connection) -> Result<u32, StoreError> {
        outbox::count(conn)
    }

    fn clear_cache(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute("DELETE FROM help_tickets", [])?;
        Ok(())
    }
}

/// The help center of a [`crate::Client`].
#[derive(Clone)]
pub struct HelpClient(Arc<HelpArea>);

impl HelpClient {
    pub(crate) fn new(area: Arc<HelpArea>) -> Self {
        Self(area)
    }

    /// Articles of one topic (all when `None`); offline, the ones kept.
    pub async fn articles(
        &self,
        topic: Option<String>,
    ) -> Result<Vec<HelpArticleSummary>, HelpError> {
        run(&self.0, |area| async move { area.articles(topic).await }).await
    }

    /// Articles whose title or text holds `query` (Chinese or English); offline, among the
    /// ones kept.
    pub async fn search(&self, query: String) -> Result<Vec<HelpArticleSummary>, HelpError> {
        run(&self.0, |area| async move { area.search(query).await }).await
    }

    /// One article; offline, the copy kept when it was last read.
    pub async fn article(&self, id: String) -> Result<HelpArticle, HelpError> {
        run(&self.0, |area| async move { area.article(id).await }).await
    }

    /// Sends feedback: checked, queued, then sent with the photos' upload reporting to
    /// `progress` and stopped by `cancel`. Offline it waits in the outbox (no ticket yet) and
    /// goes out by itself, once, even across a restart.
    pub async fn send_feedback(
        &self,
        form: FeedbackForm,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<FeedbackReceipt, HelpError> {
        run(&self.0, |area| async move {
            area.send_feedback(form, progress, cancel).await
        })
        .await
    }

    /// Sends again feedback that was cancelled or refused.
    pub async fn retry_feedback(&self, key: String) -> Result<FeedbackReceipt, HelpError> {
        run(&self.0, |area| async move { area.retry(key).await }).await
    }

    /// Drops feedback that waits.
    pub async fn discard_feedback(&self, key: String) -> Result<HelpTickets, HelpError> {
        run(&self.0, |area| async move { area.discard(key).await }).await
    }

    /// Sends what waits in the outbox now.
    pub async fn flush(&self) -> Result<HelpTickets, HelpError> {
        run(&self.0, |area| async move {
            if let Some(error) = area.flush().await? {
                return Err(error);
            }
            area.republish_waiting()
        })
        .await
    }

    /// Fetches the tickets and keeps them; the listeners get the new list.
    pub async fn refresh_tickets(&self) -> Result<HelpTickets, HelpError> {
        run(&self.0, |area| async move { area.refresh_tickets().await }).await
    }

    /// The kept tickets, offline.
    pub async fn tickets(&self) -> Result<HelpTickets, HelpError> {
        run(&self.0, |area| async move { area.republish_waiting() }).await
    }

    /// Marks a ticket's replies read (on the server, so every device agrees); the unread
    /// count goes down.
    pub async fn mark_ticket_read(&self, id: String) -> Result<HelpTickets, HelpError> {
        run(&self.0, |area| async move { area.mark_read(id).await }).await
    }

    /// The kept tickets now, then every change.
    pub fn ticket_updates(&self) -> Updates<HelpTickets> {
        let area = self.0.clone();
        let load = async move {
            if let Err(error) = area.republish_waiting() {
                tracing::debug!(%error, "no kept tickets to show");
            }
        };
        Updates::watching(self.0.tickets.subscribe(), load)
    }
}
