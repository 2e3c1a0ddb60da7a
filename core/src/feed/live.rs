//! The live feed: the list the shell shows, composed from the cache and the outbox (posts
//! still sending on top, posts being deleted hidden), published to every subscriber, each of
//! which gets a reset first and then the diffs from what it last saw.

use std::sync::Arc;

use super::area::FeedArea;
use super::cache;
use super::diff::{FeedDiff, diff};
use super::model::{Author, Delivery, FeedItem, FeedStatus, LocalPostId, OutboxNotice, Post};
use super::outbox::{self, Mutation};
use crate::account::SessionState;
use crate::store::StoreError;
use crate::updates::Updates;

/// The cached feed the live list shows at most (older pages stay cached for search).
const SHOWN: u32 = 1000;
/// Notices kept until dismissed, at most.
const NOTICES: usize = 20;

impl FeedArea {
    /// The live list for one subscriber: a reset with the current list (recomposed from the
    /// cache first), then the diffs from what it last saw.
    pub(super) fn updates(self: &Arc<Self>) -> Updates<Vec<FeedDiff>> {
        let area = self.clone();
        let prepare = async move {
            if let Err(error) = area.republish() {
                tracing::info!(%error, "the feed could not be read from the cache");
            }
        };
        let mut shown: Option<Arc<Vec<FeedItem>>> = None;
        Updates::deriving(self.items.subscribe(), prepare, move |receiver| {
            let current = receiver.borrow_and_update().clone();
            let diffs = match &shown {
                None => vec![FeedDiff::Reset {
                    items: current.to_vec(),
                }],
                Some(old) => diff(old, &current),
            };
            shown = Some(current);
            (!diffs.is_empty()).then_some(diffs)
        })
    }

    /// Recomposes the list from the cache and the outbox and tells subscribers what changed.
    pub(super) fn republish(&self) -> Result<(), StoreError> {
        let Ok(db) = self.account.db() else {
            self.items.send_replace(Arc::new(Vec::new()));
            return Ok(());
        };
        // Composed while the account's connection is held: a logout cannot slip in between
        // and be followed by this account's list.
        let conn = db.conn();
        let posts = cache::feed(&conn, SHOWN)?;
        let queued = outbox::shown_in_feed(&conn)?;
        let state = cache::page_state(&conn)?;
        let pending = outbox::pending_count(&conn)?;
        let items = compose(posts, &queued, &self.me());
        self.items.send_if_modified(|current| {
            let changed = **current != items;
            if changed {
                *current = Arc::new(items);
            }
            changed
        });
        self.status.send_if_modified(|status| {
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

    /// The signed-in user as the author of what they post.
    pub(super) fn me(&self) -> Author {
        match self.account.state() {
            SessionState::LoggedIn { user } => Author {
                id: user.id,
                nickname: user.nickname,
                avatar_url: user.avatar_url,
            },
            SessionState::LoggedOut | SessionState::Ended { .. } => Author {
                id: String::new(),
                nickname: String::new(),
                avatar_url: None,
            },
        }
    }

    /// An action the server refused for good: kept in the status until dismissed.
    pub(super) fn notify(&self, notice: OutboxNotice) {
        self.status.send_modify(|status| {
            if status.notices.len() == NOTICES {
                status.notices.remove(0);
            }
            status.notices.push(notice);
        });
    }

    pub(super) fn dismiss_notices(&self) {
        self.status.send_if_modified(|status| {
            let had = !status.notices.is_empty();
            status.notices.clear();
            had
        });
    }
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
                delivery: {
                    let local_id = LocalPostId { key: q.key.clone() };
                    match &q.failed {
                        Some(reason) => Delivery::Failed {
                            local_id,
                            reason: reason.clone(),
                        },
                        None => Delivery::Sending { local_id },
                    }
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
