//! The live feed: the list the shell shows, composed from the cache and the outbox (posts
//! still sending on top, posts being deleted hidden), published to every subscriber, each of
//! which gets a reset first and then the diffs from what it last saw.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{broadcast, watch};

use super::cache;
use super::diff::{FeedDiff, diff};
use super::flush::Made;
use super::model::{Author, Delivery, FeedItem, FeedStatus, Limits, OutboxNotice, Post};
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
    /// What recent flushes made (posts by outbox key, comments by local id), for the caller
    /// of `publish` or `comment` whose entry another flush sent. Bounded.
    recent: std::sync::Mutex<VecDeque<(String, Made)>>,
}

/// Enough for every call waiting at once; older results nobody asked for are dropped.
const RECENT: usize = 64;

impl FeedRuntime {
    pub(super) fn remember(&self, id: &str, made: Made) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back((id.to_string(), made));
    }

    /// What a flush made for `id`, taken (each result is handed out once).
    pub(super) fn take(&self, id: &str) -> Option<Made> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let at = recent.iter().position(|(known, _)| known == id)?;
        recent.remove(at).map(|(_, made)| made)
    }
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
            recent: std::sync::Mutex::default(),
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
    // Published while the account's store is held: a logout cannot slip in between and be
    // followed by this account's list.
    let published = inner
        .session
        .with_store(|store| {
            let conn = store.conn();
            let posts = cache::feed(&conn, SHOWN)?;
            let queued = outbox::shown_in_feed(&conn)?;
            let state = cache::page_state(&conn)?;
            let pending = outbox::pending_count(&conn)?;
            publish(inner, compose(posts, &queued, &author), &state, pending);
            Ok(())
        })
        .await?;
    if published.is_none() {
        inner.feed.items.send_replace(Arc::new(Vec::new()));
    }
    Ok(())
}

/// The list: posts still in the outbox on top (newest first), then the cached feed without
/// the posts being deleted.
fn compose(posts: Vec<Post>, queued: &[outbox::Queued], author: &Author) -> Vec<FeedItem> {
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
    items
}

fn publish(inner: &Inner, items: Vec<FeedItem>, state: &cache::PageState, pending: u32) {
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
}

pub(super) fn set_offline(inner: &Inner, offline: bool) {
    inner.feed.status.send_if_modified(|status| {
        let changed = status.offline != offline;
        status.offline = offline;
        changed
    });
}
