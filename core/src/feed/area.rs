//! The feed area's state (the live list and its status, one flush at a time, the server's
//! limits, what recent flushes made) and the one way it talks to the server.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, Weak};

use rusqlite::Connection;
use tokio::sync::watch;

use super::cache;
use super::flush::{Made, Unreported};
use super::model::{FeedItem, FeedStatus, Limits};
use super::{FeedError, flush, outbox};
use crate::account::{Account, AccountDb, AccountObserver, BrowsingRecorder};
use crate::net::{Answer, Request, Upload};
use crate::platform::{OnPlatform, Platform};
use crate::store::{self, StoreError};

/// While it lives, a publisher watches its post's upload.
pub(super) struct UploadWatch<'a> {
    area: &'a FeedArea,
    key: String,
}

impl Drop for UploadWatch<'_> {
    fn drop(&mut self) {
        self.area
            .uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// Enough for every call waiting at once; older results nobody asked for are dropped.
const RECENT: usize = 64;

pub(crate) struct FeedArea {
    /// Itself, for the account's callbacks that start work in the background.
    this: Weak<FeedArea>,
    pub(super) platform: Arc<Platform>,
    /// Deliveries no caller of `FeedClient::flush` was told of yet.
    unreported: Mutex<Unreported>,
    pub(super) account: Arc<Account>,
    /// Views and clicks go to the browsing records (with consent).
    pub(super) records: Arc<dyn BrowsingRecorder>,
    pub(super) items: watch::Sender<Arc<Vec<FeedItem>>>,
    pub(super) status: watch::Sender<FeedStatus>,
    /// One outbox flush at a time, so entries go out in order.
    pub(super) flushing: tokio::sync::Mutex<()>,
    /// A retry is already scheduled.
    pub(super) retry_scheduled: AtomicBool,
    pub(super) limits: Mutex<Option<Limits>>,
    /// What recent flushes made (posts by outbox key, comments by local id), for the caller
    /// of `publish` or `comment` whose entry another flush sent. Bounded.
    recent: Mutex<VecDeque<(String, Made)>>,
    /// The progress and cancellation a publisher watches, by outbox key, for whichever flush
    /// uploads that post's photos.
    uploads: Mutex<HashMap<String, Upload>>,
}

impl OnPlatform for FeedArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl FeedArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        records: Arc<dyn BrowsingRecorder>,
        this: Weak<FeedArea>,
    ) -> Self {
        Self {
            this,
            unreported: Mutex::default(),
            platform,
            account,
            records,
            items: watch::Sender::new(Arc::new(Vec::new())),
            status: watch::Sender::new(FeedStatus::default()),
            flushing: tokio::sync::Mutex::default(),
            retry_scheduled: AtomicBool::new(false),
            limits: Mutex::default(),
            recent: Mutex::default(),
            uploads: Mutex::default(),
        }
    }

    /// Registers what watches the upload of the post queued under `key`, until the guard
    /// goes.
    pub(super) fn watch_upload(&self, key: &str, upload: Upload) -> UploadWatch<'_> {
        self.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), upload);
        UploadWatch {
            area: self,
            key: key.to_string(),
        }
    }

    pub(super) fn upload_control(&self, key: &str) -> Option<Upload> {
        self.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    pub(super) fn remember(&self, id: &str, made: Made) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back((id.to_string(), made));
    }

    /// What a flush made for `id`, taken (each result is handed out once).
    pub(super) fn take(&self, id: &str) -> Option<Made> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let at = recent.iter().position(|(known, _)| known == id)?;
        recent.remove(at).map(|(_, made)| made)
    }

    /// The signed-in account's database.
    pub(super) fn db(&self) -> Result<Arc<AccountDb>, FeedError> {
        Ok(self.account.db()?)
    }

    /// Runs `f` on the account's database in one transaction.
    pub(super) fn write<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, FeedError> {
        let db = self.db()?;
        let mut conn = db.conn();
        let tx = store::writing(&mut conn).map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// One request on behalf of the session; the feed's status follows whether the server
    /// answered.
    pub(super) async fn send(&self, request: &Request) -> Result<Answer, FeedError> {
        let result: Result<Answer, FeedError> =
            self.account.send(request).await.map_err(Into::into);
        match &result {
            Err(error) if error.is_offline() => self.set_offline(true),
            Err(_) => {}
            Ok(_) => self.set_offline(false),
        }
        result
    }

    pub(super) fn set_offline(&self, offline: bool) {
        self.status.send_if_modified(|status| {
            let changed = status.offline != offline;
            status.offline = offline;
            changed
        });
    }

    /// Counts a delivery for the next caller of `FeedClient::flush`.
    pub(super) fn unreported(&self, count: impl FnOnce(&mut Unreported)) {
        count(&mut self.unreported.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// What was delivered since the last caller was told, reset.
    pub(super) fn take_unreported(&self) -> Unreported {
        std::mem::take(&mut *self.unreported.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The account left: the live feed and its status empty at once.
    fn forget(&self) {
        self.items.send_replace(Arc::new(Vec::new()));
        self.status.send_replace(FeedStatus::default());
    }

    /// At start: what a previous run left in the outbox goes out in the background.
    pub(crate) fn resume(self: &Arc<Self>) {
        let area = self.clone();
        self.platform.runtime.spawn_background(async move {
            let waiting = area
                .db()
                .and_then(|db| Ok(super::outbox::has_entries(&db.conn())?));
            if let Ok(true) = waiting {
                tracing::info!("resuming the outbox");
                if let Err(error) = flush::flush(&area).await {
                    tracing::info!(%error, "outbox flush postponed");
                }
            }
        });
    }
}

#[async_trait::async_trait]
impl AccountObserver for FeedArea {
    /// The account may come back with work kept from a session the server ended.
    async fn logged_in(&self) {
        if let Some(area) = self.this.upgrade() {
            area.resume();
        }
    }

    fn session_ended(&self) {
        self.forget();
    }

    fn unsent(&self, conn: &Connection) -> Result<u32, StoreError> {
        outbox::pending_count(conn)
    }

    fn clear_cache(&self, conn: &Connection) -> Result<(), StoreError> {
        cache::clear(conn)
    }
}
