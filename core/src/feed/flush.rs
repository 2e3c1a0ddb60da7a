//! Sending the outbox: entries in order, each with its idempotency key, its effect on the
//! cache written in the same transaction that removes it. A transient failure stops the
//! flush and schedules a retry with backoff; a refusal for good drops the entry with a notice
//! (a post the server refuses is kept as failed instead, for the user to edit or discard).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;

use super::live::republish;
use super::model::{CollectState, Comment, LikeState, OutboxNotice, Post, Uploaded};
use super::outbox::{self, Mutation, Queued};
use super::{FeedError, cache};
use crate::auth::AuthError;
use crate::client::Inner;
use crate::net::{CancelToken, Endpoint, Headers, NetError, UploadProgress};
use crate::store::StoreError;

/// The longest wait between two retries.
const MAX_BACKOFF_S: u64 = 60;

/// What one flush did.
#[derive(Debug, Default)]
pub(crate) struct FlushReport {
    pub(crate) sent: u32,
    pub(crate) dropped: u32,
    pub(crate) remaining: u32,
    /// Why the flush stopped early, if it did.
    pub(crate) stopped: Option<FeedError>,
}

/// Progress and cancellation for the upload of one entry's photos.
pub(crate) struct UploadControl {
    pub(crate) key: String,
    pub(crate) progress: Arc<dyn UploadProgress>,
    pub(crate) cancel: Arc<CancelToken>,
}

/// What the server made of a sent entry, when the caller may want it.
pub(crate) enum Made {
    Nothing,
    Post(Post),
    Comment(String, Comment),
}

/// One flush, bound to the account it started for: if another account signs in meanwhile,
/// nothing of this one is written into its database.
struct Run<'a> {
    inner: &'a Inner,
    account: String,
}

impl Run<'_> {
    async fn store<R>(
        &self,
        f: impl FnOnce(&crate::store::AccountStore) -> Result<R, StoreError>,
    ) -> Result<Option<R>, StoreError> {
        self.inner.session.with_store_of(&self.account, f).await
    }
}

enum Step {
    Sent(Made),
    /// The network or the server is not there now: try again later.
    Transient(FeedError),
    /// Needs the user (a post refused, an upload cancelled): kept, marked failed.
    Park(String),
    /// Refused for good: dropped, the user told; `gone` when the post no longer exists.
    Drop {
        reason: String,
        gone: bool,
    },
    /// The session ended: nothing can go out.
    Stop(FeedError),
}

/// A failed request, before it is classified.
enum Failure {
    Net(NetError),
    Auth(AuthError),
    Store(StoreError),
}

impl From<NetError> for Failure {
    fn from(e: NetError) -> Self {
        Failure::Net(e)
    }
}
impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        Failure::Auth(e)
    }
}
impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    /// `gone` is what a 404 means for this mutation: done already (a deletion) or not.
    fn step(self, gone_means_done: bool) -> Step {
        match self {
            Failure::Net(NetError::Cancelled) => Step::Park("cancelled".into()),
            Failure::Net(NetError::Refused { status: 404, .. }) if gone_means_done => {
                Step::Sent(Made::Nothing)
            }
            Failure::Net(NetError::Refused { status: 404, .. }) => Step::Drop {
                reason: "the post was deleted".into(),
                gone: true,
            },
            Failure::Net(NetError::Refused { error, .. }) => Step::Drop {
                reason: if error.message.is_empty() {
                    error.code
                } else {
                    error.message
                },
                gone: false,
            },
            Failure::Net(error @ (NetError::ConsentRequired { .. } | NetError::Undeclared(_))) => {
                Step::Stop(error.into())
            }
            Failure::Net(error) => Step::Transient(error.into()),
            Failure::Auth(error @ (AuthError::Network { .. } | AuthError::RateLimited { .. })) => {
                Step::Transient(error.into())
            }
            Failure::Auth(error) => Step::Stop(error.into()),
            Failure::Store(error) => Step::Stop(error.into()),
        }
    }
}

/// Sends what waits, in order. `control` applies to the entry it names.
pub(crate) async fn flush(
    inner: &Arc<Inner>,
    control: Option<&UploadControl>,
) -> Result<FlushReport, FeedError> {
    let _turn = inner.feed.flushing.lock().await;
    let mut report = FlushReport::default();
    let Some(account) = inner.session.account_id().await else {
        return Ok(report);
    };
    let run = Run {
        inner: inner.as_ref(),
        account,
    };
    loop {
        let next = run
            .store(|store| outbox::next(&store.conn()))
            .await?
            .flatten();
        let Some(queued) = next else { break };
        let control = control.filter(|c| c.key == queued.key);
        match perform(&run, &queued, control).await {
            Step::Sent(made) => {
                report.sent += 1;
                // Whichever flush sent it, the caller waiting for it finds it here.
                match made {
                    Made::Post(post) => inner.feed.remember(&queued.key, Made::Post(post)),
                    Made::Comment(local_id, comment) => inner
                        .feed
                        .remember(&local_id, Made::Comment(local_id.clone(), comment)),
                    Made::Nothing => {}
                }
            }
            // A post never silently disappears: it waits for retry, edit or discard.
            Step::Park(reason) | Step::Drop { reason, .. }
                if matches!(queued.mutation, Mutation::CreatePost { .. }) =>
            {
                let key = queued.key.clone();
                run.store(|store| outbox::set_failed(&store.conn(), &key, Some(&reason)))
                    .await?;
            }
            Step::Park(reason) => {
                drop_entry(&run, &queued, reason, false).await?;
                report.dropped += 1;
            }
            Step::Drop { reason, gone } => {
                drop_entry(&run, &queued, reason, gone).await?;
                report.dropped += 1;
            }
            Step::Transient(error) => {
                let key = queued.key.clone();
                run.store(|store| outbox::record_attempt(&store.conn(), &key))
                    .await?;
                super::live::set_offline(inner, error.is_offline());
                schedule_retry(inner, queued.attempts + 1);
                report.stopped = Some(error);
                break;
            }
            Step::Stop(error) => {
                report.stopped = Some(error);
                break;
            }
        }
        republish(inner).await?;
    }
    republish(inner).await?;
    report.remaining = inner.feed.status.borrow().pending;
    Ok(report)
}

/// Flushes in the background, counted so a closing client lets it finish.
pub(crate) fn flush_soon(inner: &Arc<Inner>) {
    let inner2 = inner.clone();
    inner.spawn_background(async move {
        if let Err(error) = flush(&inner2, None).await {
            tracing::info!(%error, "outbox flush postponed");
        }
    });
}

/// One retry after a backoff that doubles with each failed attempt (with jitter).
fn schedule_retry(inner: &Arc<Inner>, attempts: u32) {
    if inner.feed.retry_scheduled.swap(true, Ordering::SeqCst) {
        return;
    }
    let base = 1u64 << attempts.min(6);
    let delay =
        Duration::from_millis(base.min(MAX_BACKOFF_S) * 1000 + rand::rng().random_range(0..1000));
    tracing::debug!(
        delay_ms = delay.as_millis() as u64,
        "outbox retry scheduled"
    );
    let inner2 = inner.clone();
    inner.spawn_timer(delay, async move {
        inner2.feed.retry_scheduled.store(false, Ordering::SeqCst);
        flush_soon(&inner2);
    });
}

/// Drops an entry the server refused for good, undoing what it showed, and tells the user.
async fn drop_entry(
    run: &Run<'_>,
    queued: &Queued,
    reason: String,
    gone: bool,
) -> Result<(), StoreError> {
    let post_id = queued.mutation.post_id().map(str::to_string);
    run.store(|store| {
        let mut conn = store.conn();
        let tx = conn.transaction()?;
        outbox::remove(&tx, &queued.key)?;
        match (&post_id, gone) {
            (Some(post_id), true) => cache::remove_post(&tx, post_id)?,
            (Some(post_id), false) => {
                if let Mutation::CreateComment { local_id, .. } = &queued.mutation {
                    cache::remove_comment(&tx, local_id)?;
                    update_cached(&tx, post_id, |post| {
                        post.comment_count = post.comment_count.saturating_sub(1);
                    })?;
                }
                if let Some(undo) = queued.mutation.undone() {
                    update_cached(&tx, post_id, |post| undo.show_on(post))?;
                }
            }
            (None, _) => {}
        }
        tx.commit()?;
        Ok(())
    })
    .await?;
    tracing::info!(action = queued.mutation.action(), "outbox entry dropped");
    let _ = run.inner.feed.notices.send(OutboxNotice {
        action: queued.mutation.action().into(),
        post_id,
        message: reason,
    });
    Ok(())
}

#[derive(Serialize)]
struct NewPost<'a> {
    text: &'a str,
    photo_ids: &'a [String],
}

#[derive(Serialize)]
struct NewComment<'a> {
    text: &'a str,
}

/// One request on behalf of the session, with the entry's idempotency key.
async fn send(
    inner: &Inner,
    endpoint: Endpoint,
    id: Option<&str>,
    body: Option<&(impl Serialize + Sync + ?Sized)>,
    key: &str,
) -> Result<Vec<u8>, Failure> {
    let headers = Headers {
        idempotency_key: Some(key),
        ..Headers::default()
    };
    let answer = inner
        .session
        .authorized::<_, Failure, _, _>(inner, |token| {
            let headers = &headers;
            async move {
                inner
                    .net
                    .exchange(endpoint, id, &[], body, Some(&token), headers)
                    .await
            }
        })
        .await?;
    Ok(answer.bytes)
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|e| Failure::Net(NetError::Malformed(e.to_string())))
}

async fn perform(run: &Run<'_>, queued: &Queued, control: Option<&UploadControl>) -> Step {
    let gone_means_done = matches!(
        queued.mutation,
        Mutation::DeletePost { .. } | Mutation::DeleteComment { .. }
    );
    match apply(run, queued, control).await {
        Ok(made) => Step::Sent(made),
        Err(failure) => failure.step(gone_means_done),
    }
}

async fn apply(
    run: &Run<'_>,
    queued: &Queued,
    control: Option<&UploadControl>,
) -> Result<Made, Failure> {
    let inner = run.inner;
    let key = queued.key.as_str();
    match &queued.mutation {
        Mutation::CreatePost { text, .. } => {
            let photo_ids = upload_photos(run, key, control).await?;
            let body = NewPost {
                text,
                photo_ids: &photo_ids,
            };
            let post: Post =
                parse(&send(inner, Endpoint::PostCreate, None, Some(&body), key).await?)?;
            let photos = run
                .store(|store| outbox::photos(&store.conn(), key))
                .await?
                .unwrap_or_default();
            finish(run, key, |tx| {
                cache::prepend_to_feed(tx, &post)?;
                // Our own photos are cached as sent: no download to show them.
                for (photo, queued) in post.photos.iter().zip(&photos) {
                    cache::save_media(
                        tx,
                        &photo.id,
                        &post.id,
                        &queued.content_type,
                        &queued.bytes,
                    )?;
                }
                Ok(())
            })
            .await?;
            Ok(Made::Post(post))
        }
        Mutation::DeletePost { post_id } => {
            let sent = send(inner, Endpoint::PostDelete, Some(post_id), None::<&()>, key).await;
            done_if_gone(sent)?;
            finish(run, key, |tx| cache::remove_post(tx, post_id)).await?;
            Ok(Made::Nothing)
        }
        Mutation::CreateComment {
            local_id,
            post_id,
            text,
        } => {
            let body = NewComment { text };
            let bytes = send(
                inner,
                Endpoint::CommentCreate,
                Some(post_id),
                Some(&body),
                key,
            )
            .await?;
            let comment: Comment = parse(&bytes)?;
            finish(run, key, |tx| {
                cache::remove_comment(tx, local_id)?;
                cache::save_comment(tx, &comment)
            })
            .await?;
            Ok(Made::Comment(local_id.clone(), comment))
        }
        Mutation::DeleteComment { comment_id, .. } => {
            let sent = send(
                inner,
                Endpoint::CommentDelete,
                Some(comment_id),
                None::<&()>,
                key,
            )
            .await;
            done_if_gone(sent)?;
            finish(run, key, |_| Ok(())).await?;
            Ok(Made::Nothing)
        }
        Mutation::Like { post_id, on } => {
            let endpoint = if *on {
                Endpoint::Like
            } else {
                Endpoint::Unlike
            };
            let state: LikeState =
                parse(&send(inner, endpoint, Some(post_id), None::<&()>, key).await?)?;
            finish(run, key, |tx| {
                update_cached(tx, post_id, |post| {
                    post.like_count = state.like_count;
                    post.liked_by_me = state.liked_by_me;
                })
            })
            .await?;
            Ok(Made::Nothing)
        }
        Mutation::Collect { post_id, on } => {
            let endpoint = if *on {
                Endpoint::Collect
            } else {
                Endpoint::Uncollect
            };
            let state: CollectState =
                parse(&send(inner, endpoint, Some(post_id), None::<&()>, key).await?)?;
            finish(run, key, |tx| {
                update_cached(tx, post_id, |post| {
                    post.collect_count = state.collect_count;
                    post.collected_by_me = state.collected_by_me;
                })
            })
            .await?;
            Ok(Made::Nothing)
        }
    }
}

/// A deletion of what is already gone is done.
fn done_if_gone(sent: Result<Vec<u8>, Failure>) -> Result<(), Failure> {
    match sent {
        Ok(_) | Err(Failure::Net(NetError::Refused { status: 404, .. })) => Ok(()),
        Err(other) => Err(other),
    }
}

pub(super) fn update_cached(
    conn: &rusqlite::Connection,
    post_id: &str,
    change: impl FnOnce(&mut Post),
) -> Result<(), StoreError> {
    if let Some(mut post) = cache::post(conn, post_id)? {
        change(&mut post);
        cache::update_post(conn, &post)?;
    }
    Ok(())
}

/// Removes the entry and applies its effect, together.
async fn finish(
    run: &Run<'_>,
    key: &str,
    effect: impl FnOnce(&rusqlite::Connection) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    run.store(|store| {
        let mut conn = store.conn();
        let tx = conn.transaction()?;
        effect(&tx)?;
        outbox::remove(&tx, key)?;
        tx.commit()?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// Uploads the entry's photos not uploaded yet, remembering each id as it comes back.
async fn upload_photos(
    run: &Run<'_>,
    key: &str,
    control: Option<&UploadControl>,
) -> Result<Vec<String>, Failure> {
    let inner = run.inner;
    let photos = run
        .store(|store| outbox::photos(&store.conn(), key))
        .await?
        .unwrap_or_default();
    let mut ids = Vec::new();
    for photo in photos {
        if let Some(id) = photo.photo_id {
            ids.push(id);
            continue;
        }
        let photo_key = format!("{key}-{}", photo.position);
        let bytes = bytes::Bytes::from(photo.bytes);
        let content_type = crate::media::sniff(&bytes)
            .map(|t| t.media_type())
            .unwrap_or("application/octet-stream");
        let (progress, cancel): (Arc<dyn UploadProgress>, Arc<CancelToken>) = match control {
            Some(c) => (c.progress.clone(), c.cancel.clone()),
            None => (Arc::new(Silent), CancelToken::new()),
        };
        let uploaded: Uploaded = inner
            .session
            .authorized::<_, Failure, _, _>(inner, |token| {
                let (bytes, progress, cancel, photo_key) = (
                    bytes.clone(),
                    progress.clone(),
                    cancel.clone(),
                    photo_key.clone(),
                );
                async move {
                    let headers = Headers {
                        idempotency_key: Some(&photo_key),
                        ..Headers::default()
                    };
                    inner
                        .net
                        .upload(
                            Endpoint::PhotoUpload,
                            &[],
                            content_type,
                            bytes,
                            &token,
                            &headers,
                            progress,
                            &cancel,
                        )
                        .await
                }
            })
            .await?;
        let position = photo.position;
        run.store(|store| outbox::set_photo_id(&store.conn(), key, position, &uploaded.id))
            .await?;
        ids.push(uploaded.id);
    }
    Ok(ids)
}

struct Silent;

impl UploadProgress for Silent {
    fn progress(&self, _sent: u64, _total: u64) {}
}
