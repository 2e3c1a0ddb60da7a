//! Sending the outbox: entries in order, each with its idempotency key, its effect on the
//! cache written in the same transaction that removes it. A transient failure stops the
//! flush and schedules a retry with backoff; a refusal for good drops the entry with a notice
//! (a post the server refuses is kept as failed instead, for the user to edit or discard).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rusqlite::Connection;
use serde::Serialize;

use super::area::FeedArea;
use super::model::{CollectState, Comment, LikeState, OutboxNotice, Post};
use super::outbox::{self, Mutation, Queued};
use super::{FeedError, cache};
use crate::account::{AccountDb, Failure};
use crate::net::{Answer, Endpoint, NetError, Request, outbox_delay};
use crate::store::{self, StoreError};

/// What one flush did.
#[derive(Debug, Default)]
pub(crate) struct FlushReport {
    pub(crate) sent: u32,
    pub(crate) dropped: u32,
    pub(crate) remaining: u32,
    /// Why the flush stopped early, if it did.
    pub(crate) stopped: Option<FeedError>,
}

/// What flushes sent and dropped that no caller of `FeedClient::flush` was told yet: the
/// caller learns what was delivered, whichever flush delivered it (the one at start, a retry).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreported {
    pub(crate) sent: u32,
    pub(crate) dropped: u32,
}

/// What the server made of a sent entry, when the caller may want it.
pub(crate) enum Made {
    Nothing,
    Post(Post),
    Comment(String, Comment),
}

/// One flush, bound to the account it started for: if another account signs in meanwhile,
/// nothing of this one goes out with its token or into its database.
struct Run<'a> {
    area: &'a FeedArea,
    db: Arc<AccountDb>,
}

impl Run<'_> {
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.conn()
    }

    /// Removes the entry and applies its effect, together.
    fn finish(
        &self,
        key: &str,
        effect: impl FnOnce(&Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = store::writing(&mut conn)?;
        effect(&tx)?;
        outbox::remove(&tx, key)?;
        tx.commit()?;
        Ok(())
    }

    /// One request on behalf of the session, with the entry's idempotency key.
    async fn send(&self, request: Request, key: &str) -> Result<Answer, Failure> {
        let request = request.idempotency_key(key);
        self.area
            .account
            .send_for(&self.db.account_id, &request)
            .await
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

/// How a failed entry goes on. `gone_means_done`: a 404 for a deletion is its success.
fn step(failure: Failure, gone_means_done: bool) -> Step {
    match failure {
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
                error.code.to_string()
            } else {
                error.message
            },
            gone: false,
        },
        failure @ Failure::Net(NetError::ConsentRequired { .. } | NetError::Undeclared(_)) => {
            Step::Stop(failure.into())
        }
        failure @ Failure::Net(_) => Step::Transient(failure.into()),
        failure => Step::Stop(failure.into()),
    }
}

/// Sends what waits, in order. A post's photos go with the progress and cancellation its
/// publisher registered, whichever flush sends it.
pub(crate) async fn flush(area: &Arc<FeedArea>) -> Result<FlushReport, FeedError> {
    let _turn = area.flushing.lock().await;
    let mut report = FlushReport::default();
    let Ok(db) = area.account.db() else {
        return Ok(report);
    };
    let run = Run {
        area: area.as_ref(),
        db,
    };
    loop {
        let next = outbox::next(&run.conn())?;
        let Some(queued) = next else { break };
        match perform(&run, &queued).await {
            Step::Sent(made) => {
                report.sent += 1;
                area.unreported(|u| u.sent += 1);
                // Whichever flush sent it, the caller waiting for it finds it here.
                match made {
                    Made::Post(post) => area.remember(&queued.key, Made::Post(post)),
                    Made::Comment(local_id, comment) => {
                        area.remember(&local_id, Made::Comment(local_id.clone(), comment))
                    }
                    Made::Nothing => {}
                }
            }
            // A post never silently disappears: it waits for retry, edit or discard.
            Step::Park(reason) | Step::Drop { reason, .. }
                if matches!(queued.mutation, Mutation::CreatePost { .. }) =>
            {
                outbox::set_failed(&run.conn(), &queued.key, Some(&reason))?;
            }
            Step::Park(reason) => {
                drop_entry(&run, &queued, reason, false)?;
                report.dropped += 1;
                area.unreported(|u| u.dropped += 1);
            }
            Step::Drop { reason, gone } => {
                drop_entry(&run, &queued, reason, gone)?;
                report.dropped += 1;
                area.unreported(|u| u.dropped += 1);
            }
            Step::Transient(error) => {
                outbox::record_attempt(&run.conn(), &queued.key)?;
                area.set_offline(error.is_offline());
                schedule_retry(area, queued.attempts + 1);
                report.stopped = Some(error);
                break;
            }
            Step::Stop(error) => {
                report.stopped = Some(error);
                break;
            }
        }
        area.republish()?;
    }
    area.republish()?;
    report.remaining = area.status.borrow().pending;
    Ok(report)
}

/// Flushes in the background, counted so a closing client lets it finish.
pub(crate) fn flush_soon(area: &Arc<FeedArea>) {
    let flushing = area.clone();
    area.platform.runtime.spawn_background(async move {
        if let Err(error) = flush(&flushing).await {
            tracing::info!(%error, "outbox flush postponed");
        }
    });
}

/// One retry after a backoff that doubles with each failed attempt (with jitter).
fn schedule_retry(area: &Arc<FeedArea>, attempts: u32) {
    if area.retry_scheduled.swap(true, Ordering::SeqCst) {
        return;
    }
    let delay = outbox_delay(attempts);
    tracing::debug!(
        delay_ms = delay.as_millis() as u64,
        "outbox retry scheduled"
    );
    let retrying = area.clone();
    area.platform.runtime.spawn_timer(delay, async move {
        retrying.retry_scheduled.store(false, Ordering::SeqCst);
        flush_soon(&retrying);
    });
}

/// Drops an entry the server refused for good, undoing what it showed, and tells the user.
fn drop_entry(
    run: &Run<'_>,
    queued: &Queued,
    reason: String,
    gone: bool,
) -> Result<(), StoreError> {
    let post_id = queued.mutation.post_id().map(str::to_string);
    run.finish(&queued.key, |tx| {
        match (&post_id, gone) {
            (Some(post_id), true) => cache::remove_post(tx, post_id)?,
            (Some(post_id), false) => {
                if let Mutation::CreateComment { local_id, .. } = &queued.mutation {
                    cache::remove_comment(tx, local_id)?;
                    update_cached(tx, post_id, |post| {
                        post.comment_count = post.comment_count.saturating_sub(1);
                    })?;
                }
                if let Some(undo) = queued.mutation.undone() {
                    update_cached(tx, post_id, |post| undo.show_on(post))?;
                }
            }
            (None, _) => {}
        }
        Ok(())
    })?;
    tracing::info!(action = ?queued.mutation.action(), "outbox entry dropped");
    run.area.notify(OutboxNotice {
        action: queued.mutation.action(),
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

async fn perform(run: &Run<'_>, queued: &Queued) -> Step {
    let gone_means_done = matches!(
        queued.mutation,
        Mutation::DeletePost { .. } | Mutation::DeleteComment { .. }
    );
    match apply(run, queued).await {
        Ok(made) => Step::Sent(made),
        Err(failure) => step(failure, gone_means_done),
    }
}

async fn apply(run: &Run<'_>, queued: &Queued) -> Result<Made, Failure> {
    let key = queued.key.as_str();
    match &queued.mutation {
        Mutation::CreatePost { text, .. } => {
            let photo_ids = upload_photos(run, key).await?;
            let request = Endpoint::PostCreate.request().json(&NewPost {
                text,
                photo_ids: &photo_ids,
            });
            let post: Post = run.send(request, key).await?.json()?;
            let photos = outbox::PHOTOS.photos(&run.conn(), key)?;
            run.finish(key, |tx| {
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
            })?;
            Ok(Made::Post(post))
        }
        Mutation::DeletePost { post_id } => {
            let sent = run
                .send(Endpoint::PostDelete.request().id(post_id), key)
                .await;
            done_if_gone(sent)?;
            run.finish(key, |tx| cache::remove_post(tx, post_id))?;
            Ok(Made::Nothing)
        }
        Mutation::CreateComment {
            local_id,
            post_id,
            text,
        } => {
            let request = Endpoint::CommentCreate
                .request()
                .id(post_id)
                .json(&NewComment { text });
            let comment: Comment = run.send(request, key).await?.json()?;
            run.finish(key, |tx| {
                cache::remove_comment(tx, local_id)?;
                cache::save_comment(tx, &comment)
            })?;
            Ok(Made::Comment(local_id.clone(), comment))
        }
        Mutation::DeleteComment { comment_id, .. } => {
            let sent = run
                .send(Endpoint::CommentDelete.request().id(comment_id), key)
                .await;
            done_if_gone(sent)?;
            run.finish(key, |_| Ok(()))?;
            Ok(Made::Nothing)
        }
        Mutation::Like { post_id, on } => {
            let endpoint = if *on {
                Endpoint::Like
            } else {
                Endpoint::Unlike
            };
            let state: LikeState = run
                .send(endpoint.request().id(post_id), key)
                .await?
                .json()?;
            run.finish(key, |tx| {
                update_cached(tx, post_id, |post| {
                    post.like_count = state.like_count;
                    post.liked_by_me = state.liked_by_me;
                })
            })?;
            Ok(Made::Nothing)
        }
        Mutation::Collect { post_id, on } => {
            let endpoint = if *on {
                Endpoint::Collect
            } else {
                Endpoint::Uncollect
            };
            let state: CollectState = run
                .send(endpoint.request().id(post_id), key)
                .await?
                .json()?;
            run.finish(key, |tx| {
                update_cached(tx, post_id, |post| {
                    post.collect_count = state.collect_count;
                    post.collected_by_me = state.collected_by_me;
                })
            })?;
            Ok(Made::Nothing)
        }
    }
}

/// A deletion of what is already gone is done.
fn done_if_gone(sent: Result<Answer, Failure>) -> Result<(), Failure> {
    match sent {
        Ok(_) | Err(Failure::Net(NetError::Refused { status: 404, .. })) => Ok(()),
        Err(other) => Err(other),
    }
}

pub(super) fn update_cached(
    conn: &Connection,
    post_id: &str,
    change: impl FnOnce(&mut Post),
) -> Result<(), StoreError> {
    if let Some(mut post) = cache::post(conn, post_id)? {
        change(&mut post);
        cache::update_post(conn, &post)?;
    }
    Ok(())
}

/// Uploads the entry's photos not uploaded yet, under the progress and cancellation its
/// publisher registered.
async fn upload_photos(run: &Run<'_>, key: &str) -> Result<Vec<String>, Failure> {
    let control = run.area.upload_control(key);
    outbox::PHOTOS
        .upload(
            &run.area.account,
            &run.db,
            key,
            Endpoint::PhotoUpload,
            control,
        )
        .await
}
