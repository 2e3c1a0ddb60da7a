//! What the user does to posts: like, collect, comment, delete a comment or a post, share.
//! Each shows at once and goes through the outbox, so nothing is lost offline or on a kill.

use std::sync::Arc;

use rusqlite::Connection;

use super::area::FeedArea;
use super::flush::{FlushReport, Made, flush, update_cached};
use super::model::{Comment, LocalPostId, Post, ShareLink};
use super::outbox::{self, Mutation};
use super::publish::checked_text;
use super::{FeedError, cache};
use crate::net::Endpoint;
use crate::store::{StoreError, settings};

impl FeedArea {
    /// Stores a mutation and applies its optimistic effect in one transaction.
    fn enqueue(
        &self,
        key: &str,
        mutation: &Mutation,
        effect: impl FnOnce(&Connection) -> Result<(), StoreError>,
    ) -> Result<(), FeedError> {
        let now = self.platform.now();
        self.write(|tx| {
            outbox::enqueue(tx, key, mutation, now)?;
            effect(tx)
        })?;
        Ok(self.republish()?)
    }

    /// Tries to send what waits now; offline is not an error (it waits and is retried).
    pub(super) async fn settle(self: &Arc<Self>) -> Result<FlushReport, FeedError> {
        let report = flush(self).await?;
        match report.stopped {
            Some(error @ (FeedError::SessionExpired | FeedError::NotLoggedIn)) => Err(error),
            _ => Ok(report),
        }
    }

    pub(super) async fn toggle(self: &Arc<Self>, mutation: Mutation) -> Result<Post, FeedError> {
        let post_id = mutation
            .post_id()
            .expect("likes and collects name a post")
            .to_string();
        if LocalPostId::parse(&post_id).is_some() {
            return Err(FeedError::NotYetSent);
        }
        let optimistic = mutation.clone();
        self.enqueue(&settings::random_hex(), &mutation, |tx| {
            update_cached(tx, &post_id, |post| optimistic.show_on(post))
        })?;
        self.settle().await?;
        cache::post(&self.db()?.conn(), &post_id)?.ok_or(FeedError::PostNotFound)
    }

    /// Comments on a post; shown at once, sent through the outbox.
    pub(super) async fn comment(
        self: &Arc<Self>,
        post_id: &str,
        text: String,
    ) -> Result<Comment, FeedError> {
        if LocalPostId::parse(post_id).is_some() {
            return Err(FeedError::NotYetSent);
        }
        checked_text(&text, usize::MAX, false)?;
        let limits = self.limits().await;
        let text = checked_text(&text, limits.max_comment_chars, false)?;
        let key = settings::random_hex();
        let local = Comment {
            id: LocalPostId { key: key.clone() }.post_id(),
            post_id: post_id.to_string(),
            author: self.me(),
            text: text.clone(),
            created_at: self.platform.now(),
            mine: true,
        };
        let mutation = Mutation::CreateComment {
            local_id: local.id.clone(),
            post_id: post_id.to_string(),
            text,
        };
        self.enqueue(&key, &mutation, |tx| {
            cache::save_comment(tx, &local)?;
            update_cached(tx, &local.post_id, |post| {
                post.comment_count = post.comment_count.saturating_add(1);
            })
        })?;
        self.settle().await?;
        // The server's copy once sent (by this flush or another); the local one while it waits.
        match self.take(&local.id) {
            Some(Made::Comment(_, sent)) => Ok(sent),
            _ => Ok(local),
        }
    }

    pub(super) async fn delete_comment(
        self: &Arc<Self>,
        post_id: &str,
        comment_id: &str,
    ) -> Result<(), FeedError> {
        let uncount = |tx: &Connection, id: &str| {
            cache::remove_comment(tx, id)?;
            update_cached(tx, post_id, |post| {
                post.comment_count = post.comment_count.saturating_sub(1);
            })
        };
        let mut comment_id = comment_id.to_string();
        if LocalPostId::parse(&comment_id).is_some() {
            // Not sent yet: taking it out of the outbox is the whole deletion. Not while a
            // flush may be sending it.
            let turn = self.flushing.lock().await;
            let cancelled = self.write(|tx| {
                let Some(key) = outbox::key_of_local_comment(tx, &comment_id)? else {
                    return Ok(false);
                };
                outbox::remove(tx, &key)?;
                uncount(tx, &comment_id)?;
                Ok(true)
            })?;
            drop(turn);
            if cancelled {
                return Ok(self.republish()?);
            }
            // Sent meanwhile: the server's copy is the one to delete.
            comment_id = match self.take(&comment_id) {
                Some(Made::Comment(_, sent)) => sent.id,
                _ => return Err(FeedError::CommentNotFound),
            };
        }
        let mutation = Mutation::DeleteComment {
            comment_id: comment_id.clone(),
            post_id: post_id.to_string(),
        };
        self.enqueue(&settings::random_hex(), &mutation, |tx| {
            uncount(tx, &comment_id)
        })?;
        self.settle().await.map(drop)
    }

    /// Deletes an own post: hidden at once, removed with its cached comments and photos once
    /// the server has it (offline, it waits in the outbox). A post not yet sent is discarded.
    pub(super) async fn delete_post(self: &Arc<Self>, post_id: &str) -> Result<(), FeedError> {
        if let Some(local_id) = LocalPostId::parse(post_id) {
            return self.discard(&local_id).await;
        }
        let mine = cache::post(&self.db()?.conn(), post_id)?.map(|p| p.mine);
        if mine == Some(false) {
            return Err(FeedError::NotAuthor);
        }
        let mutation = Mutation::DeletePost {
            post_id: post_id.to_string(),
        };
        self.enqueue(&settings::random_hex(), &mutation, |_| Ok(()))?;
        self.settle().await.map(drop)
    }

    /// A share link and text from the server, for the shell's share sheet.
    pub(super) async fn share(&self, post_id: &str) -> Result<ShareLink, FeedError> {
        if LocalPostId::parse(post_id).is_some() {
            return Err(FeedError::NotYetSent);
        }
        let request = Endpoint::Share.request().id(post_id);
        let mut link: ShareLink = self.send(&request).await?.json()?;
        // The server may answer a path: the shell's share sheet needs a whole link.
        link.url = self.platform.net.absolute(&link.url)?;
        Ok(link)
    }
}
