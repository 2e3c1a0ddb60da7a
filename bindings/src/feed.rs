use std::sync::Arc;

use medcircle_core::{
    CancelToken, Client, Comment, Draft, FeedClient, FeedDiff, FeedError, FeedItem, FeedStatus,
    FlushOutcome, OutboxEntry, OutboxNotice, Post, RefreshOutcome, SearchPage, ShareLink,
    UploadProgress,
};
use tokio::sync::broadcast::error::RecvError;

use crate::task::TaskHandle;

/// Implemented by the shell's feed screen.
#[uniffi::export(foreign)]
pub trait FeedListener: Send + Sync {
    /// The first call is a reset with the cached list; then inserts, updates, removals.
    fn on_diffs(&self, diffs: Vec<FeedDiff>);
    /// Offline or not, the end reached, what waits in the outbox: now, then on change.
    fn on_status(&self, status: FeedStatus);
    /// An action the server refused for good was dropped: tell the user.
    fn on_notice(&self, notice: OutboxNotice);
}

/// The feed: browse, publish, interact, search, delete — offline-first.
#[derive(uniffi::Object)]
pub struct Feed {
    client: Client,
    feed: FeedClient,
}

impl Feed {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            feed: client.feed(),
            client,
        }
    }
}

#[uniffi::export]
impl Feed {
    /// Follows the live feed until the handle is cancelled or dropped.
    pub async fn subscribe(
        &self,
        listener: Arc<dyn FeedListener>,
    ) -> Result<Arc<TaskHandle>, FeedError> {
        let mut updates = self.feed.subscribe().await?;
        let mut status = self.feed.status_updates();
        let mut notices = self.feed.notices();
        let task = self.client.spawn(async move {
            listener.on_status(status.borrow_and_update().clone());
            loop {
                tokio::select! {
                    diffs = updates.next() => match diffs {
                        Some(diffs) => listener.on_diffs(diffs),
                        None => break,
                    },
                    changed = status.changed() => match changed {
                        Ok(()) => listener.on_status(status.borrow_and_update().clone()),
                        Err(_) => break,
                    },
                    notice = notices.recv() => match notice {
                        Ok(notice) => listener.on_notice(notice),
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => break,
                    },
                }
            }
        });
        Ok(Arc::new(TaskHandle::new(task.abort_handle())))
    }

    pub async fn refresh(&self) -> Result<RefreshOutcome, FeedError> {
        self.feed.refresh().await
    }

    pub async fn load_more(&self) -> Result<u32, FeedError> {
        self.feed.load_more().await
    }

    pub async fn post(&self, post_id: String) -> Result<Post, FeedError> {
        self.feed.post(post_id).await
    }

    pub fn clicked(&self, post_id: String) {
        self.feed.clicked(post_id);
    }

    pub async fn comments(&self, post_id: String) -> Result<Vec<Comment>, FeedError> {
        self.feed.comments(post_id).await
    }

    pub async fn photo(&self, photo_id: String, post_id: String) -> Result<Vec<u8>, FeedError> {
        self.feed.photo(photo_id, post_id).await
    }

    /// Shows at once as sending; `cancel.cancel()` stops the photos' upload.
    pub async fn publish(
        &self,
        text: String,
        photos: Vec<Vec<u8>>,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<FeedItem, FeedError> {
        self.feed.publish(text, photos, progress, cancel).await
    }

    pub async fn retry_post(
        &self,
        local_id: String,
        text: Option<String>,
    ) -> Result<FeedItem, FeedError> {
        self.feed.retry_post(local_id, text).await
    }

    pub async fn discard_post(&self, local_id: String) -> Result<(), FeedError> {
        self.feed.discard_post(local_id).await
    }

    pub async fn save_draft(&self, draft: Draft) -> Result<(), FeedError> {
        self.feed.save_draft(draft).await
    }

    pub async fn draft(&self) -> Result<Draft, FeedError> {
        self.feed.draft().await
    }

    pub async fn like(&self, post_id: String, on: bool) -> Result<Post, FeedError> {
        self.feed.like(post_id, on).await
    }

    pub async fn collect(&self, post_id: String, on: bool) -> Result<Post, FeedError> {
        self.feed.collect(post_id, on).await
    }

    pub async fn comment(&self, post_id: String, text: String) -> Result<Comment, FeedError> {
        self.feed.comment(post_id, text).await
    }

    pub async fn delete_comment(
        &self,
        post_id: String,
        comment_id: String,
    ) -> Result<(), FeedError> {
        self.feed.delete_comment(post_id, comment_id).await
    }

    pub async fn delete_post(&self, post_id: String) -> Result<(), FeedError> {
        self.feed.delete_post(post_id).await
    }

    pub async fn collections(&self) -> Result<Vec<Post>, FeedError> {
        self.feed.collections().await
    }

    pub async fn share(&self, post_id: String) -> Result<ShareLink, FeedError> {
        self.feed.share(post_id).await
    }

    pub async fn search(
        &self,
        query: String,
        cursor: Option<String>,
    ) -> Result<SearchPage, FeedError> {
        self.feed.search(query, cursor).await
    }

    pub async fn search_local(&self, query: String, limit: u32) -> Result<Vec<Post>, FeedError> {
        self.feed.search_local(query, limit).await
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, FeedError> {
        self.feed.outbox().await
    }

    pub async fn flush(&self) -> Result<FlushOutcome, FeedError> {
        self.feed.flush().await
    }
}
