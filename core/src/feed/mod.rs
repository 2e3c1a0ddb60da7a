//! The feed, offline-first: browse (cursor pages, cached, conditional refresh), publish with
//! photos, comment, like, collect, share, search (server and local full-text), delete. Reads
//! come from the encrypted cache at once; every mutation goes through the outbox, so nothing
//! the user did is lost to a crash, a kill or a train without signal.

mod cache;
mod diff;
mod flush;
mod live;
mod model;
mod outbox;
mod publish;

use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;
use tokio::sync::{broadcast, watch};

pub(crate) use cache::SCHEMA;
pub use diff::FeedDiff;
pub(crate) use live::FeedRuntime;
pub use live::FeedUpdates;
pub use model::{
    Author, Comment, Delivery, Draft, FeedItem, FeedStatus, OutboxEntry, OutboxNotice, Post,
    PostPhoto, SearchPage, ShareLink,
};

use crate::auth::{AuthError, SessionFailure};
use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::net::{CancelToken, Endpoint, Headers, NetError, NetworkProblem, UploadProgress};
use crate::store::StoreError;
use flush::{FlushReport, Made, flush, flush_soon, update_cached};
use live::{republish, set_offline};
use model::Page;
use outbox::Mutation;

/// A page of the feed: what the server sends at once.
const PAGE: &str = "20";
/// A server search longer than this is refused before any request.
const MAX_QUERY_CHARS: usize = 100;

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

impl From<AuthError> for FeedError {
    fn from(error: AuthError) -> Self {
        if let AuthError::ConsentRequired { purpose } = error {
            return FeedError::ConsentRequired { purpose };
        }
        match error.into_session_failure() {
            SessionFailure::NotLoggedIn => FeedError::NotLoggedIn,
            SessionFailure::Ended => FeedError::SessionExpired,
            SessionFailure::Network(problem) => FeedError::Network { problem },
            SessionFailure::Storage(detail) => FeedError::Storage { detail },
        }
    }
}

impl From<NetError> for FeedError {
    fn from(error: NetError) -> Self {
        match error {
            NetError::ConsentRequired { purpose } => FeedError::ConsentRequired { purpose },
            NetError::Unauthorized { .. } => FeedError::SessionExpired,
            NetError::Cancelled => FeedError::Cancelled,
            NetError::Refused { status, error } => match error.code.as_str() {
                "post_not_found" => FeedError::PostNotFound,
                "comment_not_found" => FeedError::CommentNotFound,
                "not_author" => FeedError::NotAuthor,
                "invalid_text" => FeedError::InvalidText {
                    reason: error.message,
                },
                "invalid_query" => FeedError::InvalidQuery {
                    reason: error.message,
                },
                _ => FeedError::Network {
                    problem: NetError::Refused { status, error }.into(),
                },
            },
            other => FeedError::Network {
                problem: other.into(),
            },
        }
    }
}

impl From<StoreError> for FeedError {
    fn from(error: StoreError) -> Self {
        FeedError::Storage {
            detail: error.to_string(),
        }
    }
}

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

impl From<FlushReport> for FlushOutcome {
    fn from(report: FlushReport) -> Self {
        Self {
            sent: report.sent,
            dropped: report.dropped,
            remaining: report.remaining,
        }
    }
}

/// At start: what a previous run left in the outbox goes out in the background.
pub(crate) fn resume(inner: &Arc<Inner>) {
    let resume = inner.clone();
    inner.spawn_background(async move {
        let waiting = resume
            .session
            .with_store(|store| outbox::has_entries(&store.conn()))
            .await;
        if let Ok(Some(true)) = waiting {
            tracing::info!("resuming the outbox");
            if let Err(error) = flush(&resume, None).await {
                tracing::info!(%error, "outbox flush postponed");
            }
        }
    });
}

/// The account left: the live feed and its status empty at once.
pub(crate) fn forget(inner: &Inner) {
    inner.feed.items.send_replace(Arc::new(Vec::new()));
    inner.feed.status.send_replace(FeedStatus::default());
}

pub(crate) fn clear_cache(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    cache::clear(conn)
}

fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn is_local(id: &str) -> bool {
    id.starts_with("local:")
}

/// The feed area of a [`crate::Client`].
#[derive(Clone)]
pub struct FeedClient {
    inner: Arc<Inner>,
}

impl FeedClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The live feed: the first `next()` is a reset with the cached list (at once, offline
    /// too), then diffs as pages load, refreshes complete and local actions apply.
    pub async fn subscribe(&self) -> Result<FeedUpdates, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                republish(&inner).await?;
                Ok(live::subscribe(&inner))
            })
            .await
    }

    /// Offline or not, the end reached, what waits in the outbox.
    pub fn status_updates(&self) -> watch::Receiver<FeedStatus> {
        self.inner.feed.status.subscribe()
    }

    /// Mutations the server refused for good, as they are dropped.
    pub fn notices(&self) -> broadcast::Receiver<OutboxNotice> {
        self.inner.feed.notices.subscribe()
    }

    /// Asks for the first page; unchanged costs one conditional request answered 304. The
    /// feed is personalised only while the personalisation consent is given.
    pub async fn refresh(&self) -> Result<RefreshOutcome, FeedError> {
        let inner = self.inner.clone();
        self.inner.run(async move { refresh(&inner).await }).await
    }

    /// The next page, after the cached ones. Returns how many posts it added.
    pub async fn load_more(&self) -> Result<u32, FeedError> {
        let inner = self.inner.clone();
        self.inner.run(async move { load_more(&inner).await }).await
    }

    /// A post in full (from the server, or the cache offline); recorded as viewed when the
    /// user consented to browsing records.
    pub async fn post(&self, post_id: String) -> Result<Post, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let post = read_through(&inner, Endpoint::Post, &post_id, |conn| {
                    cache::post(conn, &post_id)
                })
                .await?;
                let _ = crate::records::post_event(&inner, "view", &post.id);
                Ok(post)
            })
            .await
    }

    /// The user tapped a post in a list (a browsing record, with consent).
    pub fn clicked(&self, post_id: String) {
        let _ = crate::records::post_event(&self.inner, "click", &post_id);
    }

    /// A post's comments (from the server, or the cache offline), with the user's own not
    /// yet sent.
    pub async fn comments(&self, post_id: String) -> Result<Vec<Comment>, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { comments(&inner, &post_id).await })
            .await
    }

    /// The bytes of a post photo, from the cache or the server (then cached).
    pub async fn photo(&self, photo_id: String, post_id: String) -> Result<Vec<u8>, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { photo(&inner, &photo_id, &post_id).await })
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
        let inner = self.inner.clone();
        self.inner
            .run(async move { publish::publish(&inner, text, photos, progress, cancel).await })
            .await
    }

    /// Sends a failed post again, as it is or with new text.
    pub async fn retry_post(
        &self,
        local_id: String,
        text: Option<String>,
    ) -> Result<FeedItem, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { publish::retry(&inner, &local_id, text).await })
            .await
    }

    /// Gives up a post that has not been sent.
    pub async fn discard_post(&self, local_id: String) -> Result<(), FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { publish::discard(&inner, &local_id).await })
            .await
    }

    pub async fn save_draft(&self, draft: Draft) -> Result<(), FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { publish::save_draft(&inner, &draft).await })
            .await
    }

    pub async fn draft(&self) -> Result<Draft, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { publish::draft(&inner).await })
            .await
    }

    pub async fn like(&self, post_id: String, on: bool) -> Result<Post, FeedError> {
        self.toggle(Mutation::Like { post_id, on }).await
    }

    pub async fn collect(&self, post_id: String, on: bool) -> Result<Post, FeedError> {
        self.toggle(Mutation::Collect { post_id, on }).await
    }

    async fn toggle(&self, mutation: Mutation) -> Result<Post, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { toggle(&inner, mutation).await })
            .await
    }

    /// Comments on a post; shown at once, sent through the outbox.
    pub async fn comment(&self, post_id: String, text: String) -> Result<Comment, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { comment(&inner, &post_id, text).await })
            .await
    }

    pub async fn delete_comment(
        &self,
        post_id: String,
        comment_id: String,
    ) -> Result<(), FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { delete_comment(&inner, &post_id, &comment_id).await })
            .await
    }

    /// Deletes an own post: hidden at once, removed with its cached comments and photos once
    /// the server has it (offline, it waits in the outbox).
    pub async fn delete_post(&self, post_id: String) -> Result<(), FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                if is_local(&post_id) {
                    return publish::discard(&inner, &post_id).await;
                }
                let mine = inner
                    .session
                    .with_store(|store| cache::post(&store.conn(), &post_id))
                    .await?
                    .flatten()
                    .map(|p| p.mine);
                if mine == Some(false) {
                    return Err(FeedError::NotAuthor);
                }
                enqueue(&inner, &Mutation::DeletePost { post_id }, |_| Ok(())).await?;
                settle(&inner).await.map(drop)
            })
            .await
    }

    /// The posts the user collected (from the server, or the cache offline).
    pub async fn collections(&self) -> Result<Vec<Post>, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { collections(&inner).await })
            .await
    }

    /// A share link and text from the server, for the shell's share sheet.
    pub async fn share(&self, post_id: String) -> Result<ShareLink, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                if is_local(&post_id) {
                    return Err(FeedError::NotYetSent);
                }
                let bytes = request(&inner, Endpoint::Share, Some(&post_id), &[], None).await?;
                let mut link: ShareLink = parse(&bytes)?;
                // The server may answer a path: the shell's share sheet needs a whole link.
                link.url = inner.net.absolute(&link.url)?;
                Ok(link)
            })
            .await
    }

    /// Server search, paged.
    pub async fn search(
        &self,
        query: String,
        cursor: Option<String>,
    ) -> Result<SearchPage, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { search(&inner, &query, cursor.as_deref()).await })
            .await
    }

    /// Full-text search over the cached posts: offline, Chinese or English substrings.
    pub async fn search_local(&self, query: String, limit: u32) -> Result<Vec<Post>, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                inner
                    .session
                    .with_store(|store| cache::search(&store.conn(), &query, limit.min(200)))
                    .await?
                    .ok_or(FeedError::NotLoggedIn)
            })
            .await
    }

    /// What waits in the outbox, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                Ok(inner
                    .session
                    .with_store(|store| outbox::entries(&store.conn()))
                    .await?
                    .unwrap_or_default()
                    .iter()
                    .map(outbox::Queued::entry)
                    .collect())
            })
            .await
    }

    /// Sends what waits now (it also goes on its own: after each action, when the network
    /// returns, and with backoff after failures).
    pub async fn flush(&self) -> Result<FlushOutcome, FeedError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let report = flush(&inner, None).await?;
                match report.stopped {
                    Some(error @ (FeedError::SessionExpired | FeedError::NotLoggedIn)) => {
                        Err(error)
                    }
                    _ => Ok(report.into()),
                }
            })
            .await
    }
}

/// One authorized request; raw answer bytes.
async fn request(
    inner: &Inner,
    endpoint: Endpoint,
    id: Option<&str>,
    query: &[(&str, &str)],
    etag: Option<&str>,
) -> Result<Vec<u8>, FeedError> {
    let answer = exchange(inner, endpoint, id, query, None::<&()>, etag).await?;
    Ok(answer.bytes)
}

async fn exchange(
    inner: &Inner,
    endpoint: Endpoint,
    id: Option<&str>,
    query: &[(&str, &str)],
    body: Option<&(impl Serialize + Sync + ?Sized)>,
    etag: Option<&str>,
) -> Result<crate::net::Answer, FeedError> {
    let headers = Headers {
        if_none_match: etag,
        ..Headers::default()
    };
    let result = inner
        .session
        .authorized::<_, FeedError, _, _>(inner, |token| {
            let headers = &headers;
            async move {
                inner
                    .net
                    .exchange(endpoint, id, query, body, Some(&token), headers)
                    .await
            }
        })
        .await;
    match &result {
        Err(error) if error.is_offline() => set_offline(inner, true),
        Err(_) => {}
        Ok(_) => set_offline(inner, false),
    }
    result
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FeedError> {
    serde_json::from_slice(bytes).map_err(|e| FeedError::Network {
        problem: NetworkProblem::MalformedResponse {
            detail: e.to_string(),
        },
    })
}

fn feed_endpoint(inner: &Inner) -> (Endpoint, &'static str) {
    // Personalised only with consent: the network layer would refuse the other way round.
    if inner.gate.allows(ConsentPurpose::Personalisation) {
        (Endpoint::FeedPersonalised, "true")
    } else {
        (Endpoint::Feed, "false")
    }
}

async fn refresh(inner: &Arc<Inner>) -> Result<RefreshOutcome, FeedError> {
    let state = inner
        .session
        .with_store(|store| cache::page_state(&store.conn()))
        .await?
        .ok_or(FeedError::NotLoggedIn)?;
    let (endpoint, personalised) = feed_endpoint(inner);
    let query = [("personalised", personalised), ("limit", PAGE)];
    let answer = exchange(
        inner,
        endpoint,
        None,
        &query,
        None::<&()>,
        state.etag.as_deref(),
    )
    .await?;
    flush_soon(inner);
    if answer.not_modified {
        return Ok(RefreshOutcome {
            not_modified: true,
            new_posts: 0,
        });
    }
    let page: Page<Post> = parse(&answer.bytes)?;
    let new_posts = inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let known = cache::feed(&conn, u32::MAX)?;
            let new = page
                .items
                .iter()
                .filter(|p| !known.iter().any(|k| k.id == p.id))
                .count() as u32;
            let state = cache::PageState {
                etag: answer.etag.clone(),
                end_reached: page.next_cursor.is_none(),
                next_cursor: page.next_cursor.clone(),
                personalised: page.personalised,
            };
            cache::replace_feed(&mut conn, &page.items, &state)?;
            Ok(new)
        })
        .await?
        .unwrap_or(0);
    republish(inner).await?;
    tracing::debug!(new_posts, "feed refreshed");
    Ok(RefreshOutcome {
        not_modified: false,
        new_posts,
    })
}

async fn load_more(inner: &Arc<Inner>) -> Result<u32, FeedError> {
    let state = inner
        .session
        .with_store(|store| cache::page_state(&store.conn()))
        .await?
        .ok_or(FeedError::NotLoggedIn)?;
    let Some(cursor) = state.next_cursor.clone() else {
        if state.end_reached {
            return Ok(0);
        }
        return refresh(inner).await.map(|outcome| outcome.new_posts);
    };
    let (endpoint, personalised) = feed_endpoint(inner);
    let query = [
        ("personalised", personalised),
        ("limit", PAGE),
        ("cursor", cursor.as_str()),
    ];
    let bytes = request(inner, endpoint, None, &query, None).await?;
    let page: Page<Post> = parse(&bytes)?;
    let added = page.items.len() as u32;
    inner
        .session
        .with_store(|store| {
            let state = cache::PageState {
                end_reached: page.next_cursor.is_none(),
                next_cursor: page.next_cursor.clone(),
                ..state
            };
            cache::append_feed(&mut store.conn(), &page.items, &state)
        })
        .await?;
    republish(inner).await?;
    Ok(added)
}

/// From the server when it answers (and cached), else from the cache.
async fn read_through(
    inner: &Inner,
    endpoint: Endpoint,
    id: &str,
    cached: impl FnOnce(&rusqlite::Connection) -> Result<Option<Post>, StoreError>,
) -> Result<Post, FeedError> {
    if is_local(id) {
        return Err(FeedError::NotYetSent);
    }
    match request(inner, endpoint, Some(id), &[], None).await {
        Ok(bytes) => {
            let post: Post = parse(&bytes)?;
            inner
                .session
                .with_store(|store| cache::update_post(&store.conn(), &post))
                .await?;
            Ok(post)
        }
        Err(FeedError::PostNotFound) => {
            inner
                .session
                .with_store(|store| {
                    let mut conn = store.conn();
                    let tx = conn.transaction()?;
                    cache::remove_post(&tx, id)?;
                    tx.commit()?;
                    Ok(())
                })
                .await?;
            republish(inner).await?;
            Err(FeedError::PostNotFound)
        }
        Err(error) if error.is_offline() => inner
            .session
            .with_store(|store| cached(&store.conn()))
            .await?
            .flatten()
            .ok_or(error),
        Err(error) => Err(error),
    }
}

async fn comments(inner: &Inner, post_id: &str) -> Result<Vec<Comment>, FeedError> {
    if is_local(post_id) {
        return Ok(Vec::new());
    }
    match request(
        inner,
        Endpoint::PostComments,
        Some(post_id),
        &[("limit", "50")],
        None,
    )
    .await
    {
        Ok(bytes) => {
            let page: Page<Comment> = parse(&bytes)?;
            inner
                .session
                .with_store(|store| {
                    cache::replace_comments(&mut store.conn(), post_id, &page.items)
                })
                .await?;
        }
        Err(error) if error.is_offline() => {}
        Err(error) => return Err(error),
    }
    Ok(inner
        .session
        .with_store(|store| cache::comments(&store.conn(), post_id))
        .await?
        .unwrap_or_default())
}

async fn photo(inner: &Inner, photo_id: &str, post_id: &str) -> Result<Vec<u8>, FeedError> {
    if let Some(bytes) = inner
        .session
        .with_store(|store| cache::media(&store.conn(), photo_id))
        .await?
        .flatten()
    {
        return Ok(bytes);
    }
    let bytes = request(inner, Endpoint::Photo, Some(photo_id), &[], None).await?;
    let content_type = crate::media::sniff(&bytes)
        .map(|t| t.media_type())
        .ok_or(FeedError::UnsupportedImage)?;
    inner
        .session
        .with_store(|store| {
            cache::save_media(&store.conn(), photo_id, post_id, content_type, &bytes)
        })
        .await?;
    Ok(bytes)
}

/// Stores a mutation and applies its optimistic effect in one transaction.
async fn enqueue(
    inner: &Inner,
    mutation: &Mutation,
    effect: impl FnOnce(&rusqlite::Connection) -> Result<(), StoreError>,
) -> Result<String, FeedError> {
    let key = new_key();
    let now = inner.clock.now_unix();
    inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let tx = conn.transaction()?;
            outbox::enqueue(&tx, &key, mutation, now)?;
            effect(&tx)?;
            tx.commit()?;
            Ok(())
        })
        .await?
        .ok_or(FeedError::NotLoggedIn)?;
    republish(inner).await?;
    Ok(key)
}

/// Tries to send what waits now; offline is not an error (it waits and is retried).
async fn settle(inner: &Arc<Inner>) -> Result<FlushReport, FeedError> {
    let report = flush(inner, None).await?;
    match report.stopped {
        Some(error @ (FeedError::SessionExpired | FeedError::NotLoggedIn)) => Err(error),
        _ => Ok(report),
    }
}

async fn toggle(inner: &Arc<Inner>, mutation: Mutation) -> Result<Post, FeedError> {
    let post_id = mutation
        .post_id()
        .expect("likes and collects name a post")
        .to_string();
    if is_local(&post_id) {
        return Err(FeedError::NotYetSent);
    }
    let optimistic = mutation.clone();
    enqueue(inner, &mutation, move |conn| {
        update_cached(conn, &post_id, |post| optimistic.show_on(post))
    })
    .await?;
    settle(inner).await?;
    let post_id = mutation.post_id().unwrap_or_default();
    inner
        .session
        .with_store(|store| cache::post(&store.conn(), post_id))
        .await?
        .flatten()
        .ok_or(FeedError::PostNotFound)
}

async fn comment(inner: &Arc<Inner>, post_id: &str, text: String) -> Result<Comment, FeedError> {
    if is_local(post_id) {
        return Err(FeedError::NotYetSent);
    }
    publish::checked_text(&text, usize::MAX, false)?;
    let limits = publish::limits(inner).await;
    let text = publish::checked_text(&text, limits.max_comment_chars, false)?;
    let author = publish::me(inner);
    let key = new_key();
    let local = Comment {
        id: format!("local:{key}"),
        post_id: post_id.to_string(),
        author,
        text: text.clone(),
        created_at: inner.clock.now_unix(),
        mine: true,
    };
    let mutation = Mutation::CreateComment {
        local_id: local.id.clone(),
        post_id: post_id.to_string(),
        text,
    };
    let saved = local.clone();
    enqueue(inner, &mutation, move |conn| {
        cache::save_comment(conn, &saved)?;
        update_cached(conn, &saved.post_id, |post| post.comment_count += 1)
    })
    .await?;
    settle(inner).await?;
    // The server's copy once sent (by this flush or another); the local one while it waits.
    match inner.feed.take(&local.id) {
        Some(Made::Comment(_, sent)) => Ok(sent),
        _ => Ok(local),
    }
}

async fn delete_comment(
    inner: &Arc<Inner>,
    post_id: &str,
    comment_id: &str,
) -> Result<(), FeedError> {
    let uncount = |conn: &rusqlite::Connection, id: &str| {
        cache::remove_comment(conn, id)?;
        update_cached(conn, post_id, |post| {
            post.comment_count = post.comment_count.saturating_sub(1);
        })
    };
    let mut comment_id = comment_id.to_string();
    if is_local(&comment_id) {
        // Not sent yet: taking it out of the outbox is the whole deletion. Not while a flush
        // may be sending it.
        let turn = inner.feed.flushing.lock().await;
        let cancelled = inner
            .session
            .with_store(|store| {
                let mut conn = store.conn();
                let tx = conn.transaction()?;
                let Some(key) = outbox::key_of_local_comment(&tx, &comment_id)? else {
                    return Ok(false);
                };
                outbox::remove(&tx, &key)?;
                uncount(&tx, &comment_id)?;
                tx.commit()?;
                Ok(true)
            })
            .await?
            .ok_or(FeedError::NotLoggedIn)?;
        drop(turn);
        if cancelled {
            return Ok(republish(inner).await?);
        }
        // Sent meanwhile: the server's copy is the one to delete.
        comment_id = match inner.feed.take(&comment_id) {
            Some(Made::Comment(_, sent)) => sent.id,
            _ => return Err(FeedError::CommentNotFound),
        };
    }
    let mutation = Mutation::DeleteComment {
        comment_id: comment_id.clone(),
        post_id: post_id.to_string(),
    };
    enqueue(inner, &mutation, |conn| uncount(conn, &comment_id)).await?;
    settle(inner).await.map(drop)
}

async fn collections(inner: &Inner) -> Result<Vec<Post>, FeedError> {
    match request(inner, Endpoint::Collections, None, &[("limit", "50")], None).await {
        Ok(bytes) => {
            let page: Page<Post> = parse(&bytes)?;
            inner
                .session
                .with_store(|store| cache::replace_collections(&mut store.conn(), &page.items))
                .await?;
            Ok(page.items)
        }
        Err(error) if error.is_offline() => Ok(inner
            .session
            .with_store(|store| cache::collections(&store.conn()))
            .await?
            .unwrap_or_default()),
        Err(error) => Err(error),
    }
}

async fn search(inner: &Inner, query: &str, cursor: Option<&str>) -> Result<SearchPage, FeedError> {
    let query = query.trim();
    let length = query.chars().count();
    if length == 0 || length > MAX_QUERY_CHARS {
        return Err(FeedError::InvalidQuery {
            reason: format!("a search has 1 to {MAX_QUERY_CHARS} characters"),
        });
    }
    let mut params = vec![("q", query), ("limit", PAGE)];
    if let Some(cursor) = cursor {
        params.push(("cursor", cursor));
    }
    let bytes = request(inner, Endpoint::Search, None, &params, None).await?;
    let page: Page<Post> = parse(&bytes)?;
    // What was found is cached too, so a later local search finds it offline.
    inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let tx = conn.transaction()?;
            cache::save_posts(&tx, &page.items)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(SearchPage {
        posts: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The feed cache on its own, for benchmarks that compare the encrypted store with plain
/// SQLite on the same data (feature `bench`; not an API).
#[cfg(feature = "bench")]
pub mod bench_support {
    use std::path::Path;

    use rusqlite::Connection;

    use super::cache::{self, PageState};
    use super::model::{Author, Post};

    pub struct BenchStore(Connection);

    impl BenchStore {
        /// A store at `file`, encrypted like the app's (a raw 256-bit key) or plain.
        pub fn open(file: &Path, encrypted: bool) -> BenchStore {
            let key = [7u8; 32];
            let conn = crate::store::open_file(file, encrypted.then_some(&key[..]))
                .expect("bench store opens");
            conn.execute_batch(cache::SCHEMA).ok();
            BenchStore(conn)
        }

        /// The first page, replacing the feed (what a refresh writes).
        pub fn cache_first_page(&mut self, posts: &[Post]) {
            cache::replace_feed(&mut self.0, posts, &PageState::default()).expect("cached");
        }

        /// A further page (what `load_more` writes).
        pub fn cache_page(&mut self, posts: &[Post]) {
            cache::append_feed(&mut self.0, posts, &PageState::default()).expect("cached");
        }

        /// The first page as the live feed reads it.
        pub fn first_page(&self) -> Vec<Post> {
            cache::feed(&self.0, 20).expect("read")
        }

        pub fn search(&self, query: &str) -> Vec<Post> {
            cache::search(&self.0, query, 20).expect("searched")
        }
    }

    /// Posts numbered from `start`, in Chinese and English, as the feed caches them.
    pub fn sample_posts(start: usize, count: usize) -> Vec<Post> {
        const TEXTS: [&str; 4] = [
            "今天的病例讨论：急性心肌梗死的早期识别与处理要点",
            "Tips for the night shift: hydration, short breaks and handover notes",
            "儿科门诊常见发热患儿的分诊经验分享",
            "Journal club: anticoagulation after TAVI, what the new trial shows",
        ];
        (start..start + count)
            .map(|i| Post {
                id: format!("p_{i:08}"),
                author: Author {
                    id: format!("u_{}", i % 97),
                    nickname: format!("Dr. {}", i % 97),
                    avatar_url: None,
                },
                text: format!("{} #{i}", TEXTS[i % TEXTS.len()]),
                photos: Vec::new(),
                created_at: 1_700_000_000 - i as i64,
                like_count: (i % 50) as u32,
                comment_count: (i % 7) as u32,
                collect_count: (i % 3) as u32,
                liked_by_me: false,
                collected_by_me: false,
                mine: false,
            })
            .collect()
    }
}
