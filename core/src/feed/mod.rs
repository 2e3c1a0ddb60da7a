//! The feed, offline-first: browse (cursor pages, cached, conditional refresh), publish with
//! photos, comment, like, collect, share, search (server and local full-text), delete. Reads
//! come from the encrypted cache at once; every mutation goes through the outbox, so nothing
//! the user did is lost to a crash, a kill or a train without signal.

mod area;
#[cfg(feature = "bench")]
pub mod bench_support;
mod browse;
mod cache;
mod diff;
mod flush;
mod interact;
mod live;
mod model;
mod outbox;
mod publish;
mod search;

use std::sync::Arc;

pub(crate) use area::FeedArea;
pub use diff::FeedDiff;
pub use model::{
    Author, Comment, Delivery, Draft, FeedItem, FeedStatus, LocalPostId, OutboxAction, OutboxEntry,
    OutboxNotice, Post, PostPhoto, SearchPage, ShareLink,
};

use crate::account::{AreaError, area_error};
use crate::net::{ApiCode, ApiError, CancelToken, NetworkProblem, UploadProgress};
use crate::platform::run;
use crate::policy::ConsentPurpose;
use crate::store::{Migration, Schema};
use crate::updates::Updates;
use outbox::Mutation;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum FeedError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("consent required: {purpose:?}")]
    ConsentRequired { purpose: ConsentPurpose },
    #[error("this post no longer exists")]
    PostNotFound,
    #[error("this comment no longer exists")]
    CommentNotFound,
    #[error("only the author can delete this")]
    NotAuthor,
    /// The post is still in the outbox: wait until it is sent.
    #[error("this post has not been sent yet")]
    NotYetSent,
    /// The post is on its way: it can be edited or discarded only if sending fails.
    #[error("this post is being sent")]
    StillSending,
    /// The post reached the server before it could be discarded: delete it instead.
    #[error("this post has already been published")]
    AlreadySent,
    #[error("{reason}")]
    InvalidText { reason: String },
    #[error("{reason}")]
    InvalidQuery { reason: String },
    #[error("at most {max} photos per post")]
    TooManyPhotos { max: u32 },
    #[error("only JPEG and PNG photos are accepted")]
    UnsupportedImage,
    #[error("the photo is larger than {limit_bytes} bytes")]
    ImageTooLarge { limit_bytes: u64 },
    #[error("the photo is larger than {max_px} pixels on a side")]
    ImageDimensionsTooLarge { max_px: u32 },
    #[error("the upload was cancelled")]
    Cancelled,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl FeedError {
    pub(crate) fn is_offline(&self) -> bool {
        matches!(
            self,
            FeedError::Network {
                problem: NetworkProblem::Offline | NetworkProblem::Timeout
            }
        )
    }
}

impl AreaError for FeedError {
    fn network(problem: NetworkProblem) -> Self {
        FeedError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        FeedError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        FeedError::NotLoggedIn
    }

    fn session_expired() -> Self {
        FeedError::SessionExpired
    }

    fn consent_required(purpose: ConsentPurpose) -> Self {
        FeedError::ConsentRequired { purpose }
    }

    fn cancelled() -> Self {
        FeedError::Cancelled
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::PostNotFound => FeedError::PostNotFound,
            ApiCode::CommentNotFound => FeedError::CommentNotFound,
            ApiCode::NotAuthor => FeedError::NotAuthor,
            ApiCode::InvalidText => FeedError::InvalidText {
                reason: error.message.clone(),
            },
            ApiCode::InvalidQuery => FeedError::InvalidQuery {
                reason: error.message.clone(),
            },
            _ => return None,
        })
    }
}

area_error!(FeedError);

/// What a refresh found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefreshOutcome {
    /// The server said nothing changed (one conditional request, answered 304).
    pub not_modified: bool,
    /// Posts that were not in the feed before.
    pub new_posts: u32,
}

/// What a flush did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FlushOutcome {
    pub sent: u32,
    /// Refused for good and dropped (each with a notice).
    pub dropped: u32,
    /// Still waiting (offline, or the server failed: retried with backoff).
    pub remaining: u32,
}

/// For the fuzz targets: every answer the feed reads, cached as the feed caches it.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_answers(bytes: &[u8]) {
    let _ = serde_json::from_slice::<model::Page<Comment>>(bytes);
    let _ = serde_json::from_slice::<model::Limits>(bytes);
    let _ = serde_json::from_slice::<ShareLink>(bytes);
    if let Ok(page) = serde_json::from_slice::<model::Page<Post>>(bytes) {
        let conn = rusqlite::Connection::open_in_memory().expect("memory database");
        conn.execute_batch(cache::SCHEMA).expect("feed schema");
        cache::replace_feed(&conn, &page.items, &cache::PageState::default())
            .expect("a page is cached whatever its numbers");
    }
}

/// The feed's tables in an account's database.
pub(crate) const ACCOUNT_SCHEMA: &Schema = &Schema {
    area: "feed",
    migrations: &[Migration {
        version: 1,
        sql: cache::SCHEMA,
    }],
    in_single_list: true,
};

/// The feed area of a [`crate::Client`].
#[derive(Clone)]
pub struct FeedClient(Arc<FeedArea>);

impl FeedClient {
    pub(crate) fn new(area: Arc<FeedArea>) -> Self {
        Self(area)
    }

    /// The live feed: first a reset with the cached list (at once, offline too), then diffs
    /// as pages load, refreshes complete and local actions apply.
    pub fn updates(&self) -> Updates<Vec<FeedDiff>> {
        self.0.updates()
    }

    /// Offline or not, the end reached, what waits in the outbox, what was refused: now,
    /// then on every change.
    pub fn status_updates(&self) -> Updates<FeedStatus> {
        Updates::watching(self.0.status.subscribe(), async {})
    }

    /// Where the feed stands now (the first value `status_updates` gives).
    pub fn status(&self) -> FeedStatus {
        self.0.status.borrow().clone()
    }

    /// The user has seen the notices: they leave the status.
    pub fn dismiss_notices(&self) {
        self.0.dismiss_notices();
    }

    /// Asks for the first page; unchanged costs one conditional request answered 304. The
    /// feed is personalised only while the personalisation consent is given.
    pub async fn refresh(&self) -> Result<RefreshOutcome, FeedError> {
        run(&self.0, |feed| async move { feed.refresh().await }).await
    }

    /// The next page, after the cached ones. Returns how many posts it added.
    pub async fn load_more(&self) -> Result<u32, FeedError> {
        run(&self.0, |feed| async move { feed.load_more().await }).await
    }

    /// A post in full (from the server, or the cache offline); recorded as viewed when the
    /// user consented to browsing records.
    pub async fn post(&self, post_id: String) -> Result<Post, FeedError> {
        run(&self.0, |feed| async move { feed.post(&post_id).await }).await
    }

    /// The user tapped a post in a list (a browsing record, with consent).
    pub async fn clicked(&self, post_id: String) {
        run(&self.0, |feed| async move {
            let _ = feed.records.post_event("click", &post_id);
        })
        .await
    }

    /// A post's comments (from the server, or the cache offline), with the user's own not
    /// yet sent.
    pub async fn comments(&self, post_id: String) -> Result<Vec<Comment>, FeedError> {
        run(&self.0, |feed| async move { feed.comments(&post_id).await }).await
    }

    /// The bytes of a post photo, from the cache or the server (then cached).
    pub async fn photo(&self, photo_id: String, post_id: String) -> Result<Vec<u8>, FeedError> {
        run(&self.0, |feed| async move {
            feed.photo(&photo_id, &post_id).await
        })
        .await
    }

    /// Publishes a post (photos as JPEG or PNG bytes, after the permission gate allowed
    /// `PostPhotos`). It shows at once as sending; `progress` and `cancel` apply to its
    /// photos' upload. Offline, it waits in the outbox.
    pub async fn publish(
        &self,
        text: String,
        photos: Vec<Vec<u8>>,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<FeedItem, FeedError> {
        run(&self.0, |feed| async move {
            feed.publish(text, photos, progress, cancel).await
        })
        .await
    }

    /// Sends a failed post again, as it is or with new text.
    pub async fn retry_post(
        &self,
        local_id: LocalPostId,
        text: Option<String>,
    ) -> Result<FeedItem, FeedError> {
        run(
            &self.0,
            |feed| async move { feed.retry(&local_id, text).await },
        )
        .await
    }

    /// Gives up a post that has not been sent.
    pub async fn discard_post(&self, local_id: LocalPostId) -> Result<(), FeedError> {
        run(&self.0, |feed| async move { feed.discard(&local_id).await }).await
    }

    pub async fn save_draft(&self, draft: Draft) -> Result<(), FeedError> {
        run(&self.0, |feed| async move { feed.save_draft(&draft) }).await
    }

    pub async fn draft(&self) -> Result<Draft, FeedError> {
        run(&self.0, |feed| async move { feed.draft() }).await
    }

    /// Likes the post (`true`) or takes the like back.
    pub async fn set_liked(&self, post_id: String, liked: bool) -> Result<Post, FeedError> {
        let mutation = Mutation::Like { post_id, on: liked };
        run(&self.0, |feed| async move { feed.toggle(mutation).await }).await
    }

    /// Adds the post to the user's collection (`true`) or removes it.
    pub async fn set_collected(&self, post_id: String, collected: bool) -> Result<Post, FeedError> {
        let mutation = Mutation::Collect {
            post_id,
            on: collected,
        };
        run(&self.0, |feed| async move { feed.toggle(mutation).await }).await
    }

    /// Comments on a post; shown at once, sent through the outbox.
    pub async fn comment(&self, post_id: String, text: String) -> Result<Comment, FeedError> {
        run(
            &self.0,
            |feed| async move { feed.comment(&post_id, text).await },
        )
        .await
    }

    pub async fn delete_comment(
        &self,
        post_id: String,
        comment_id: String,
    ) -> Result<(), FeedError> {
        run(&self.0, |feed| async move {
            feed.delete_comment(&post_id, &comment_id).await
        })
        .await
    }

    /// Deletes an own post: hidden at once, removed with its cached comments and photos once
    /// the server has it (offline, it waits in the outbox).
    pub async fn delete_post(&self, post_id: String) -> Result<(), FeedError> {
        run(
            &self.0,
            |feed| async move { feed.delete_post(&post_id).await },
        )
        .await
    }

    /// The posts the user collected (from the server, or the cache offline).
    pub async fn collections(&self) -> Result<Vec<Post>, FeedError> {
        run(&self.0, |feed| async move { feed.collections().await }).await
    }

    /// A share link and text from the server, for the shell's share sheet.
    pub async fn share(&self, post_id: String) -> Result<ShareLink, FeedError> {
        run(&self.0, |feed| async move { feed.share(&post_id).await }).await
    }

    /// Server search, paged.
    pub async fn search(
        &self,
        query: String,
        cursor: Option<String>,
    ) -> Result<SearchPage, FeedError> {
        run(
            &self.0,
            |feed| async move { feed.search(&query, cursor).await },
        )
        .await
    }

    /// Full-text search over the cached posts: offline, Chinese or English substrings.
    pub async fn search_local(&self, query: String, limit: u32) -> Result<Vec<Post>, FeedError> {
        run(
            &self.0,
            |feed| async move { feed.search_local(&query, limit) },
        )
        .await
    }

    /// What waits in the outbox, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, FeedError> {
        run(&self.0, |feed| async move {
            let queued = outbox::entries(&feed.db()?.conn())?;
            Ok(queued.iter().map(outbox::Queued::entry).collect())
        })
        .await
    }

    /// Sends what waits now (it also goes on its own: after each action, when the network
    /// returns, and with backoff after failures). The outcome counts what was sent and
    /// dropped since the previous call, whichever flush did it: one running at the call, the
    /// one at start, a retry.
    pub async fn flush(&self) -> Result<FlushOutcome, FeedError> {
        run(&self.0, |feed| async move {
            let report = feed.settle().await?;
            let delivered = feed.take_unreported();
            Ok(FlushOutcome {
                sent: delivered.sent,
                dropped: delivered.dropped,
                remaining: report.remaining,
            })
        })
        .await
    }
}
