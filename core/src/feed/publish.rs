//! Writing a post: drafts kept across restarts, text and photos checked against the server's
//! limits, then the post into the outbox (shown at once as sending) and out.

use std::sync::Arc;

use rusqlite::OptionalExtension;

use super::FeedError;
use super::area::FeedArea;
use super::flush::{Made, flush};
use super::model::{Delivery, Draft, FeedItem, Limits, LocalPostId};
use super::outbox::{self, Mutation};
use crate::net::{CancelToken, Endpoint, Upload, UploadProgress};
use crate::store::{StoreError, settings};
use medcircle_rules::{image, text};

/// The server's limits, asked once per run. Offline, the reference server's stand in for
/// the rest of the run (asking again before every comment would keep the user waiting); the
/// server still refuses what exceeds its own, with a typed error.
impl FeedArea {
    pub(super) async fn limits(&self) -> Limits {
        if let Some(known) = self
            .limits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return known;
        }
        let limits = match self.send(&Endpoint::Limits.request()).await {
            Ok(answer) => answer.json::<Limits>().unwrap_or_default(),
            Err(_) => Limits::default(),
        };
        *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = Some(limits.clone());
        limits
    }
}

/// The text as it will be sent, or why it cannot be.
pub(super) fn checked_text(
    text: &str,
    max_chars: usize,
    may_be_empty: bool,
) -> Result<String, FeedError> {
    let length = text.chars().count();
    let blank = text.trim().is_empty();
    if blank && !may_be_empty {
        return Err(FeedError::InvalidText {
            reason: "write something first".into(),
        });
    }
    // As the server decides it: text others read must show something, and nothing in it may
    // hide or reorder what it shows.
    if !blank && !text::is_visible_paragraph(text) {
        return Err(FeedError::InvalidText {
            reason: "write something visible, without control or direction characters".into(),
        });
    }
    if length > max_chars {
        return Err(FeedError::InvalidText {
            reason: format!("at most {max_chars} characters ({length} now)"),
        });
    }
    Ok(text.to_string())
}

/// The media type of a photo that fits the limits, and the photo without its metadata (a
/// position or a camera serial never leaves the phone with it). Larger photos are refused
/// rather than downscaled: the core does not decode images.
fn checked_photo(bytes: &[u8], limits: &Limits) -> Result<(&'static str, Vec<u8>), FeedError> {
    let kind = image::ImageType::of(bytes).ok_or(FeedError::UnsupportedImage)?;
    if bytes.len() > limits.max_photo_bytes {
        return Err(FeedError::ImageTooLarge {
            limit_bytes: limits.max_photo_bytes as u64,
        });
    }
    let (width, height) = image::dimensions(bytes).ok_or(FeedError::UnsupportedImage)?;
    if width.max(height) > limits.max_photo_dimension {
        return Err(FeedError::ImageDimensionsTooLarge {
            max_px: limits.max_photo_dimension,
        });
    }
    let clean = image::strip(bytes).map_err(|_| FeedError::UnsupportedImage)?;
    Ok((kind.media_type(), clean))
}

impl FeedArea {
    pub(super) async fn publish(
        self: &Arc<Self>,
        text: String,
        photos: Vec<Vec<u8>>,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<FeedItem, FeedError> {
        // What needs no limits is checked before they are asked for.
        checked_text(&text, usize::MAX, !photos.is_empty())?;
        let limits = self.limits().await;
        let text = checked_text(&text, limits.max_text_chars, !photos.is_empty())?;
        if photos.len() > limits.max_photos_per_post {
            return Err(FeedError::TooManyPhotos {
                max: limits.max_photos_per_post as u32,
            });
        }
        let photos = photos
            .iter()
            .map(|photo| checked_photo(photo, &limits))
            .collect::<Result<Vec<_>, _>>()?;
        let local_id = LocalPostId {
            key: settings::random_hex(),
        };
        // Before it is queued: a background flush may be the one to send it.
        let _watch = self.watch_upload(&local_id.key, Upload { progress, cancel });
        let now = self.platform.now();
        let mutation = Mutation::CreatePost {
            local_id: local_id.post_id(),
            text,
            created_at: now,
        };
        self.write(|tx| {
            outbox::enqueue(tx, &local_id.key, &mutation, now)?;
            for (position, (content_type, photo)) in photos.iter().enumerate() {
                outbox::PHOTOS.attach(tx, &local_id.key, position as u32, content_type, photo)?;
            }
            // Publishing consumes the draft.
            tx.execute_batch("DELETE FROM drafts; DELETE FROM draft_photos;")?;
            Ok(())
        })?;
        self.republish()?;
        tracing::info!(photos = photos.len(), "post queued");
        self.send_now(&local_id).await
    }

    /// Flushes (the post's upload under its publisher's control), then says where it stands.
    async fn send_now(self: &Arc<Self>, local_id: &LocalPostId) -> Result<FeedItem, FeedError> {
        let report = flush(self).await?;
        if let Some(Made::Post(post)) = self.take(&local_id.key) {
            return Ok(FeedItem {
                post,
                delivery: Delivery::Sent,
            });
        }
        if let Some(error @ (FeedError::SessionExpired | FeedError::NotLoggedIn)) = report.stopped {
            return Err(error);
        }
        let shown = local_id.post_id();
        self.items
            .borrow()
            .iter()
            .find(|item| item.post.id == shown)
            .cloned()
            .ok_or(FeedError::PostNotFound)
    }

    pub(super) async fn retry(
        self: &Arc<Self>,
        local_id: &LocalPostId,
        text: Option<String>,
    ) -> Result<FeedItem, FeedError> {
        let key = local_id.key.as_str();
        let limits = self.limits().await;
        // Only a post parked as failed is changed, and not while a flush is sending anything.
        let turn = self.flushing.lock().await;
        let db = self.db()?;
        let queued = outbox::get(&db.conn(), key)?.ok_or(FeedError::AlreadySent)?;
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
        let has_photos = outbox::PHOTOS.count(&db.conn(), key)? > 0;
        let text = checked_text(&text.unwrap_or(old), limits.max_text_chars, has_photos)?;
        let mutation = Mutation::CreatePost {
            local_id: id,
            text,
            created_at,
        };
        outbox::replace_mutation(&db.conn(), key, &mutation)?;
        drop(turn);
        self.republish()?;
        self.send_now(local_id).await
    }

    pub(super) async fn discard(&self, local_id: &LocalPostId) -> Result<(), FeedError> {
        // Not while a flush may be sending it; if one sent it meanwhile, it is not discarded.
        let _turn = self.flushing.lock().await;
        if !self.write(|tx| outbox::remove(tx, &local_id.key))? {
            return Err(FeedError::AlreadySent);
        }
        Ok(self.republish()?)
    }

    pub(super) fn save_draft(&self, draft: &Draft) -> Result<(), FeedError> {
        self.write(|tx| {
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
            Ok(())
        })
    }

    pub(super) fn draft(&self) -> Result<Draft, FeedError> {
        Ok(read_draft(&self.db()?.conn())?)
    }
}

fn read_draft(conn: &rusqlite::Connection) -> Result<Draft, StoreError> {
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
}
