//! The live feed: the list the shell shows, composed from the cache and the outbox (posts
//! still sending on top, posts being deleted hidden), published to every subscriber, each of
//! which gets a reset first and then the diffs from what it last saw.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{broadcast, watch};

use super::cache;
use super::diff::{FeedDiff, diff};
use super::model::{Delivery, FeedItem, FeedStatus, Limits, OutboxNotice, Post};
use super::outbox::{self, Mutation};
use crate::client::Inner;
use crate::store::StoreError;

/// The cached feed the live list shows at most (older pages stay cached for search).
const SHOWN: u32 = 1000;

pub(crate) struct FeedRuntime {
    pub(super) items: watch::Sender<Arc<Vec<FeedItem>>>,
    pub(super) status: watch::Sender<FeedStatus>,
    pub(super) notices: broadcast::Sender<OutboxNotice>,
    /// One outbox flush at a time, so entries go out in order.
    pub(super) flushing: tokio::sync::Mutex<()>,
    /// A retry is already scheduled.
    pub(super) retry_scheduled: AtomicBool,
    pub(super) limits: std::sync::Mutex<Option<Limits>>,
}

impl Default for FeedRuntime {
    fn default() -> Self {
        Self {
            items: watch::Sender::new(Arc::new(Vec::new())),
            status: watch::Sender::new(FeedStatus::default()),
            notices: broadcast::channel(64).0,
            flushing: tokio::sync::Mutex::default(),
            retry_scheduled: AtomicBool::new(false),
            limits: std::sync::Mutex::default(),
        }
    }
}

/// Diffs for one subscriber: a reset with the current list first, then changes.
pub struct FeedUpdates {
    receiver: watch::Receiver<Arc<Vec<FeedItem>>>,
    shown: Option<Arc<Vec<FeedItem>>>,
}

impl FeedUpdates {
    /// The next diffs to apply; none once the client is gone.
    pub async fn next(&mut self) -> Option<Vec<FeedDiff>> {
        loop {
            if self.shown.is_some() && self.receiver.changed().await.is_err() {
                return None;
            }
            let current = self.receiver.borrow_and_update().clone();
            let diffs = match &self.shown {
                None => vec![FeedDiff::Reset {
                    items: current.to_vec(),
                }],
                Some(old) => diff(old, &current),
            };
            self.shown = Some(current);
            if !diffs.is_empty() {
                return Some(diffs);
            }
        }
    }
}

pub(super) fn subscribe(inner: &Inner) -> FeedUpdates {
    FeedUpdates {
        receiver: inner.feed.items.subscribe(),
        shown: None,
    }
}

/// Recomposes the list from the cache and the outbox and tells subscribers what changed.
pub(super) async fn republish(inner: &Inner) -> Result<(), StoreError> {
    let author = super::publish::me(inner);
    let composed = inner
        .session
        .with_store(|store| {
            let conn = store.conn();
            let posts = cache::feed(&conn, SHOWN)?;
            let queued = outbox::shown_in_feed(&conn)?;
            let state = cache::page_state(&conn)?;
            let pending = outbox::pending_count(&conn)?;
            Ok((posts, queued, state, pending))
        })
        .await?;
    let Some((posts, queued, state, pending)) = composed else {
        inner.feed.items.send_replace(Arc::new(Vec::new()));
        return Ok(());
    };
    let hidden: Vec<&str> = queued
        .iter()
        .filter_map(|q| match &q.mutation {
            Mutation::DeletePost { post_id } => Some(post_id.as_str()),
            _ => None,
        })
        .collect();
    let mut items: Vec<FeedItem> = queued
        .iter()
        .rev()
        .filter_map(|q| match &q.mutation {
            Mutation::CreatePost {
                local_id,
                text,
                created_at,
            } => Some(FeedItem {
                post: Post {
                    id: local_id.clone(),
                    author: author.clone(),
                    text: text.clone(),
                    photos: Vec::new(),
                    created_at: *created_at,
                    like_count: 0,
                    comment_count: 0,
                    collect_count: 0,
                    liked_by_me: false,
                    collected_by_me: false,
                    mine: true,
                },
                delivery: match &q.failed {
                    Some(reason) => Delivery::Failed {
                        reason: reason.clone(),
                    },
                    None => Delivery::Sending,
                },
            }),
            _ => None,
        })
        .collect();
    items.extend(
        posts
            .into_iter()
            .filter(|p| !hidden.contains(&p.id.as_str()))
            .map(|post| FeedItem {
                post,
                delivery: Delivery::Sent,
            }),
    );
    inner.feed.items.send_if_modified(|current| {
        let changed = **current != items;
        if changed {
            *current = Arc::new(items);
        }
        changed
    });
    inner.feed.status.send_if_modified(|status| {
        let fresh = FeedStatus {
            pending,
            end_reached: state.end_reached,
            personalised: state.personalised,
            ..status.clone()
        };
        let changed = *status != fresh;
        *status = fresh;
        changed
    });
    Ok(())
}

pub(super) fn set_offline(inner: &Inner, offline: bool) {
    inner.feed.status.send_if_modified(|status| {
        let changed = status.offline != offline;
        status.offline = offline;
        changed
    });
}
