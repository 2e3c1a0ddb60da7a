use std::sync::Arc;

use medcircle_core::{
    CancelToken, Client, Comment, Draft, FeedClient, FeedDiff, FeedError, FeedItem, FeedStatus,
    FlushOutcome, LocalPostId, OutboxEntry, Post, RefreshOutcome, SearchPage, ShareLink,
    UploadProgress,
};

use crate::task::{TaskHandle, observe};

/// Follows the live feed: the first call is a reset with the cached list, then inserts,
/// updates and removals.
#[uniffi::export(foreign)]
pub trait FeedListener: Send + Sync {
    fn on_update(&self, diffs: Vec<FeedDiff>);
}

/// Follows where the feed stands: offline or not, the end reached, what waits in the outbox,
/// what the server refused: now, then on every change.
#[uniffi::export(foreign)]
pub trait FeedStatusListener: Send + Sync {
    fn on_update(&self, status: FeedStatus);
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
    pub fn observe_items(&self, listener: Arc<dyn FeedListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.feed.updates(), move |diffs| {
            listener.on_update(diffs)
        })
    }

    pub fn observe_status(&self, listener: Arc<dyn FeedStatusListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.feed.status_updates(), move |status| {
            listener.on_update(status)
        })
    }

    /// The user has seen the notices in the status: they leave it.
    pub fn dismiss_notices(&self) {
        self.feed.dismiss_notices();
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

    pub async fn clicked(&self, post_id: String) {
        self.feed.clicked(post_id).await;
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
        local_id: LocalPostId,
        text: Option<String>,
    ) -> Result<FeedItem, FeedError> {
        self.feed.retry_post(local_id, text).await
    }

    pub async fn discard_post(&self, local_id: LocalPostId) -> Result<(), FeedError> {
        self.feed.discard_post(local_id).await
    }

    pub async fn save_draft(&self, draft: Draft) -> Result<(), FeedError> {
        self.feed.save_draft(draft).await
    }

    pub async fn draft(&self) -> Result<Draft, FeedError> {
        self.feed.draft().await
    }

    pub async fn set_liked(&self, post_id: String, liked: bool) -> Result<Post, FeedError> {
        self.feed.set_liked(post_id, liked).await
    }

    pub async fn set_collected(&self, post_id: String, collected: bool) -> Result<Post, FeedError> {
        self.feed.set_collected(post_id, collected).await
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
