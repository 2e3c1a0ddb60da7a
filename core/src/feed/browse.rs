//! Reading the feed: the first page (conditional: unchanged costs a 304), further pages, a
//! post and its comments, photos, collections. From the server when it answers (and cached),
//! else from the cache.

use std::sync::Arc;

use super::area::FeedArea;
use super::cache;
use super::flush::flush_soon;
use super::model::{Comment, LocalPostId, Page, Post};
use super::{FeedError, RefreshOutcome};
use crate::net::{Endpoint, Request};
use crate::policy::ConsentPurpose;

/// A page of the feed: what the server sends at once.
const PAGE: &str = "20";

impl FeedArea {
    /// The feed request, personalised only with consent: the network layer would refuse the
    /// other way round.
    fn feed_request(&self) -> Request {
        let personalised = self.platform.gate.allows(ConsentPurpose::Personalisation);
        let endpoint = if personalised {
            Endpoint::FeedPersonalised
        } else {
            Endpoint::Feed
        };
        endpoint
            .request()
            .query("personalised", personalised.to_string())
            .query("limit", PAGE)
    }

    pub(super) async fn refresh(self: &Arc<Self>) -> Result<RefreshOutcome, FeedError> {
        let state = cache::page_state(&self.db()?.conn())?;
        let request = self.feed_request().if_none_match(state.etag.as_deref());
        let answer = self.send(&request).await?;
        flush_soon(self);
        if answer.not_modified {
            return Ok(RefreshOutcome {
                not_modified: true,
                new_posts: 0,
            });
        }
        let page: Page<Post> = answer.json()?;
        let new_posts = self.write(|tx| {
            let known = cache::feed(tx, u32::MAX)?;
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
            cache::replace_feed(tx, &page.items, &state)?;
            Ok(new)
        })?;
        self.republish()?;
        tracing::debug!(new_posts, "feed refreshed");
        Ok(RefreshOutcome {
            not_modified: false,
            new_posts,
        })
    }

    pub(super) async fn load_more(self: &Arc<Self>) -> Result<u32, FeedError> {
        let state = cache::page_state(&self.db()?.conn())?;
        let Some(cursor) = state.next_cursor.clone() else {
            if state.end_reached {
                return Ok(0);
            }
            return self.refresh().await.map(|outcome| outcome.new_posts);
        };
        let request = self.feed_request().query("cursor", cursor);
        let page: Page<Post> = self.send(&request).await?.json()?;
        let added = page.items.len() as u32;
        self.write(|tx| {
            let state = cache::PageState {
                end_reached: page.next_cursor.is_none(),
                next_cursor: page.next_cursor.clone(),
                ..state
            };
            cache::append_feed(tx, &page.items, &state)
        })?;
        self.republish()?;
        Ok(added)
    }

    /// A post in full, recorded as viewed (with consent).
    pub(super) async fn post(&self, post_id: &str) -> Result<Post, FeedError> {
        if LocalPostId::parse(post_id).is_some() {
            return Err(FeedError::NotYetSent);
        }
        let request = Endpoint::Post.request().id(post_id);
        let post = match self.send(&request).await {
            Ok(answer) => {
                let post: Post = answer.json()?;
                cache::update_post(&self.db()?.conn(), &post)?;
                post
            }
            Err(FeedError::PostNotFound) => {
                self.write(|tx| cache::remove_post(tx, post_id))?;
                self.republish()?;
                return Err(FeedError::PostNotFound);
            }
            Err(error) if error.is_offline() => {
                cache::post(&self.db()?.conn(), post_id)?.ok_or(error)?
            }
            Err(error) => return Err(error),
        };
        let _ = self.records.post_event("view", &post.id);
        Ok(post)
    }

    /// A post's comments, with the user's own not yet sent.
    pub(super) async fn comments(&self, post_id: &str) -> Result<Vec<Comment>, FeedError> {
        if LocalPostId::parse(post_id).is_some() {
            return Ok(Vec::new());
        }
        let request = Endpoint::PostComments
            .request()
            .id(post_id)
            .query("limit", "50");
        match self.send(&request).await {
            Ok(answer) => {
                let page: Page<Comment> = answer.json()?;
                self.write(|tx| cache::replace_comments(tx, post_id, &page.items))?;
            }
            Err(error) if error.is_offline() => {}
            Err(error) => return Err(error),
        }
        Ok(cache::comments(&self.db()?.conn(), post_id)?)
    }

    /// A photo from the cache, or from the server (then cached).
    pub(super) async fn photo(&self, photo_id: &str, post_id: &str) -> Result<Vec<u8>, FeedError> {
        if let Some(bytes) = cache::media(&self.db()?.conn(), photo_id)? {
            return Ok(bytes);
        }
        let answer = self.send(&Endpoint::Photo.request().id(photo_id)).await?;
        let content_type = medcircle_rules::image::ImageType::of(&answer.bytes)
            .map(|t| t.media_type())
            .ok_or(FeedError::UnsupportedImage)?;
        cache::save_media(
            &self.db()?.conn(),
            photo_id,
            post_id,
            content_type,
            &answer.bytes,
        )?;
        Ok(answer.bytes)
    }

    pub(super) async fn collections(&self) -> Result<Vec<Post>, FeedError> {
        let request = Endpoint::Collections.request().query("limit", "50");
        match self.send(&request).await {
            Ok(answer) => {
                let page: Page<Post> = answer.json()?;
                self.write(|tx| cache::replace_collections(tx, &page.items))?;
                Ok(page.items)
            }
            Err(error) if error.is_offline() => Ok(cache::collections(&self.db()?.conn())?),
            Err(error) => Err(error),
        }
    }
}
