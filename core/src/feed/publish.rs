//! Writing a post: drafts kept across restarts, text and photos checked against the server's
//! limits, then the post into the outbox (shown at once as sending) and out.

use std::sync::Arc;

use rusqlite::OptionalExtension;

use super::flush::{Made, UploadControl, flush};
use super::live::republish;
use super::model::{Author, Delivery, Draft, FeedItem, Limits};
use super::outbox::{self, Mutation};
use super::{Endpoint, FeedError, is_local, new_key, parse, request};
use crate::auth::SessionState;
use crate::client::Inner;
use crate::media;
use crate::net::{CancelToken, UploadProgress};

/// The server's limits, asked once per run. Offline, the reference server's stand in for
/// the rest of the run (asking again before every comment would keep the user waiting); the
/// server still refuses what exceeds its own, with a typed error.
pub(super) async fn limits(inner: &Inner) -> Limits {
    if let Some(known) = inner
        .feed
        .limits
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
    {
        return known;
    }
    let limits = match request(inner, Endpoint::Limits, None, &[], None).await {
        Ok(bytes) => parse::<Limits>(&bytes).unwrap_or_default(),
        Err(_) => Limits::default(),
    };
    *inner.feed.limits.lock().unwrap_or_else(|p| p.into_inner()) = Some(limits.clone());
    limits
}

pub(super) fn me(inner: &Inner) -> Author {
    match inner.session.state() {
        SessionState::LoggedIn { user } => Author {
            id: user.id,
            nickname: user.nickname,
            avatar_url: user.avatar_url,
        },
        SessionState::LoggedOut => Author {
            id: String::new(),
            nickname: String::new(),
            avatar_url: None,
        },
    }
}

/// The text as it will be sent, or why it cannot be.
pub(super) fn checked_text(
    text: &str,
    max_chars: usize,
    may_be_empty: bool,
) -> Result<String, FeedError> {
    let length = text.chars().count();
    if text.trim().is_empty() && !may_be_empty {
        return Err(FeedError::InvalidText {
            reason: "write something first".into(),
        });
    }
    if length > max_chars {
        return Err(FeedError::InvalidText {
            reason: format!("at most {max_chars} characters ({length} now)"),
        });
    }
    Ok(text.to_string())
}

/// The media type of a photo that fits the limits. Larger photos are refused rather than
/// downscaled: the core does not decode images.
fn checked_photo(bytes: &[u8], limits: &Limits) -> Result<&'static str, FeedError> {
    let kind = media::sniff(bytes).ok_or(FeedError::UnsupportedImage)?;
    if bytes.len() > limits.max_photo_bytes {
        return Err(FeedError::ImageTooLarge {
            limit_bytes: limits.max_photo_bytes as u64,
        });
    }
    let (width, height) = media::dimensions(bytes).ok_or(FeedError::UnsupportedImage)?;
    if width.max(height) > limits.max_photo_dimension {
        return Err(FeedError::ImageDimensionsTooLarge {
            max_px: limits.max_photo_dimension,
        });
    }
    Ok(kind.media_type())
}

pub(super) async fn publish(
    inner: &Arc<Inner>,
    text: String,
    photos: Vec<Vec<u8>>,
    progress: Arc<dyn UploadProgress>,
    cancel: Arc<CancelToken>,
) -> Result<FeedItem, FeedError> {
    // What needs no limits is checked before they are asked for.
    checked_text(&text, usize::MAX, !photos.is_empty())?;
    let limits = limits(inner).await;
    let text = checked_text(&text, limits.max_text_chars, !photos.is_empty())?;
    if photos.len() > limits.max_photos_per_post {
        return Err(FeedError::TooManyPhotos {
            max: limits.max_photos_per_post as u32,
        });
    }
    let types = photos
        .iter()
        .map(|photo| checked_photo(photo, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    let key = new_key();
    let local_id = format!("local:{key}");
    let mutation = Mutation::CreatePost {
        local_id: local_id.clone(),
        text,
        created_at: inner.clock.now_unix(),
    };
    let now = inner.clock.now_unix();
    inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let tx = conn.transaction()?;
            outbox::enqueue(&tx, &key, &mutation, now)?;
            for (position, (photo, content_type)) in photos.iter().zip(&types).enumerate() {
                outbox::attach_photo(&tx, &key, position as u32, content_type, photo)?;
            }
            // Publishing consumes the draft.
            tx.execute_batch("DELETE FROM drafts; DELETE FROM draft_photos;")?;
            tx.commit()?;
            Ok(())
        })
        .await?
        .ok_or(FeedError::NotLoggedIn)?;
    republish(inner).await?;
    tracing::info!(photos = photos.len(), "post queued");
    send_now(inner, &key, &local_id, progress, cancel).await
}

/// Flushes with this post's upload under the caller's control, then says where it stands.
async fn send_now(
    inner: &Arc<Inner>,
    key: &str,
    local_id: &str,
    progress: Arc<dyn UploadProgress>,
    cancel: Arc<CancelToken>,
) -> Result<FeedItem, FeedError> {
    let control = UploadControl {
        key: key.to_string(),
        progress,
        cancel,
    };
    let report = flush(inner, Some(&control)).await?;
    if let Some(Made::Post(post)) = inner.feed.take(key) {
        return Ok(FeedItem {
            post,
            delivery: Delivery::Sent,
        });
    }
    if let Some(error @ (FeedError::SessionExpired | FeedError::NotLoggedIn)) = report.stopped {
        return Err(error);
    }
    inner
        .feed
        .items
        .borrow()
        .iter()
        .find(|item| item.post.id == local_id)
        .cloned()
        .ok_or(FeedError::PostNotFound)
}

fn key_of(local_id: &str) -> Result<&str, FeedError> {
    local_id
        .strip_prefix("local:")
        .ok_or(FeedError::PostNotFound)
}

pub(super) async fn retry(
    inner: &Arc<Inner>,
    local_id: &str,
    text: Option<String>,
) -> Result<FeedItem, FeedError> {
    let key = key_of(local_id)?;
    let limits = limits(inner).await;
    // Only a post parked as failed is changed, and not while a flush is sending anything.
    let turn = inner.feed.flushing.lock().await;
    let queued = inner
        .session
        .with_store(|store| outbox::get(&store.conn(), key))
        .await?
        .flatten()
        .ok_or(FeedError::AlreadySent)?;
    if queued.failed.is_none() {
        return Err(FeedError::StillSending);
    }
    let Mutation::CreatePost {
        local_id: id,
        text: old,
        created_at,
    } = queued.mutation
    else {
        return Err(FeedError::PostNotFound);
    };
    let has_photos = inner
        .session
        .with_store(|store| outbox::photo_count(&store.conn(), key))
        .await?
        .unwrap_or(0)
        > 0;
    let text = checked_text(&text.unwrap_or(old), limits.max_text_chars, has_photos)?;
    let mutation = Mutation::CreatePost {
        local_id: id,
        text,
        created_at,
    };
    inner
        .session
        .with_store(|store| outbox::replace_mutation(&store.conn(), key, &mutation))
        .await?;
    drop(turn);
    republish(inner).await?;
    send_now(
        inner,
        key,
        local_id,
        Arc::new(NoProgress),
        CancelToken::new(),
    )
    .await
}

pub(super) async fn discard(inner: &Inner, local_id: &str) -> Result<(), FeedError> {
    if !is_local(local_id) {
        return Err(FeedError::PostNotFound);
    }
    let key = key_of(local_id)?.to_string();
    // Not while a flush may be sending it; if one sent it meanwhile, it is not discarded.
    let _turn = inner.feed.flushing.lock().await;
    let removed = inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let tx = conn.transaction()?;
            let removed = outbox::remove(&tx, &key)?;
            tx.commit()?;
            Ok(removed)
        })
        .await?
        .ok_or(FeedError::NotLoggedIn)?;
    if !removed {
        return Err(FeedError::AlreadySent);
    }
    Ok(republish(inner).await?)
}

struct NoProgress;

impl UploadProgress for NoProgress {
    fn progress(&self, _sent: u64, _total: u64) {}
}

pub(super) async fn save_draft(inner: &Inner, draft: &Draft) -> Result<(), FeedError> {
    inner
        .session
        .with_store(|store| {
            let mut conn = store.conn();
            let tx = conn.transaction()?;
            tx.execute_batch("DELETE FROM drafts; DELETE FROM draft_photos;")?;
            tx.execute(
                "INSERT INTO drafts (id, text) VALUES (1, ?1)",
                [&draft.text],
            )?;
            for (position, photo) in draft.photos.iter().enumerate() {
                tx.execute(
                    "INSERT INTO draft_photos (position, bytes) VALUES (?1, ?2)",
                    rusqlite::params![position as i64, photo],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?
        .ok_or(FeedError::NotLoggedIn)
}

pub(super) async fn draft(inner: &Inner) -> Result<Draft, FeedError> {
    inner
        .session
        .with_store(|store| {
            let conn = store.conn();
            let text: Option<String> = conn
                .query_row("SELECT text FROM drafts", [], |r| r.get(0))
                .optional()?;
            let mut query = conn.prepare("SELECT bytes FROM draft_photos ORDER BY position")?;
            let photos = query
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<Vec<u8>>, _>>()?;
            Ok(Draft {
                text: text.unwrap_or_default(),
                photos,
            })
        })
        .await?
        .ok_or(FeedError::NotLoggedIn)
}
