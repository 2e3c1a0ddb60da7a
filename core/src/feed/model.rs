//! What the feed is made of, as the server sends it and the shell renders it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Author {
    pub id: String,
    pub nickname: String,
    #[serde(default)]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PostPhoto {
    pub id: String,
    /// Path on the API server (`/v1/photos/{id}`); fetch it with `FeedClient::photo`.
    pub url: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Post {
    pub id: String,
    pub author: Author,
    pub text: String,
    #[serde(default)]
    pub photos: Vec<PostPhoto>,
    /// Unix seconds.
    pub created_at: i64,
    pub like_count: u32,
    pub comment_count: u32,
    pub collect_count: u32,
    pub liked_by_me: bool,
    pub collected_by_me: bool,
    /// Written by the signed-in user: may be deleted.
    pub mine: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Comment {
    pub id: String,
    pub post_id: String,
    pub author: Author,
    pub text: String,
    pub created_at: i64,
    pub mine: bool,
}

/// A post not yet on the server, by its place in the outbox: what `retry_post` and
/// `discard_post` take. (Its `Post::id` meanwhile is a local one, never a server id.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LocalPostId {
    pub key: String,
}

impl LocalPostId {
    const PREFIX: &str = "local:";

    /// The id the post shows under until the server has it.
    pub(crate) fn post_id(&self) -> String {
        format!("{}{}", Self::PREFIX, self.key)
    }

    /// The outbox key behind a local post or comment id, if it is one.
    pub(crate) fn parse(id: &str) -> Option<LocalPostId> {
        id.strip_prefix(Self::PREFIX).map(|key| LocalPostId {
            key: key.to_string(),
        })
    }
}

/// Whether a post has reached the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Delivery {
    Sent,
    /// Waiting in the outbox (offline, or uploading now).
    Sending {
        local_id: LocalPostId,
    },
    /// Needs the user: retry, edit or discard.
    Failed {
        local_id: LocalPostId,
        reason: String,
    },
}

/// What an outbox entry does once sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum OutboxAction {
    Post,
    DeletePost,
    Comment,
    DeleteComment,
    Like,
    Unlike,
    Collect,
    Uncollect,
}

impl std::fmt::Display for OutboxAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutboxAction::Post => "post",
            OutboxAction::DeletePost => "delete_post",
            OutboxAction::Comment => "comment",
            OutboxAction::DeleteComment => "delete_comment",
            OutboxAction::Like => "like",
            OutboxAction::Unlike => "unlike",
            OutboxAction::Collect => "collect",
            OutboxAction::Uncollect => "uncollect",
        })
    }
}

/// One row of the live feed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FeedItem {
    pub post: Post,
    pub delivery: Delivery,
}

/// Where the feed stands besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FeedStatus {
    /// The last request could not reach the server: the feed shows the cache.
    pub offline: bool,
    /// Every page has been loaded.
    pub end_reached: bool,
    /// The server chose the last page from the user's interests.
    pub personalised: bool,
    /// Mutations waiting in the outbox.
    pub pending: u32,
    /// Actions the server refused for good, newest last, until `dismiss_notices`.
    pub notices: Vec<OutboxNotice>,
}

/// A mutation the server refused for good (the post was deleted meanwhile, …): dropped from
/// the outbox, and the user is told.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct OutboxNotice {
    /// What was dropped.
    pub action: OutboxAction,
    pub post_id: Option<String>,
    pub message: String,
}

/// A mutation waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct OutboxEntry {
    pub key: String,
    pub action: OutboxAction,
    pub post_id: Option<String>,
    pub created_at: i64,
    pub attempts: u32,
    /// Set when the entry needs the user (a post the server refused, an upload cancelled).
    pub failed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ShareLink {
    pub url: String,
    pub text: String,
}

/// A page of server search results.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SearchPage {
    pub posts: Vec<Post>,
    /// Pass back for the next page; none at the end.
    pub next_cursor: Option<String>,
}

/// A post being written, kept across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Draft {
    pub text: String,
    pub photos: Vec<Vec<u8>>,
}

/// The server's limits for what is published.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Limits {
    pub(crate) max_photo_bytes: usize,
    pub(crate) max_photo_dimension: u32,
    pub(crate) max_photos_per_post: usize,
    pub(crate) max_text_chars: usize,
    pub(crate) max_comment_chars: usize,
}

impl Default for Limits {
    /// The reference server's, until the server's own are known.
    fn default() -> Self {
        Self {
            max_photo_bytes: 5 * 1024 * 1024,
            max_photo_dimension: 4096,
            max_photos_per_post: 9,
            max_text_chars: 2000,
            max_comment_chars: 500,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
    #[serde(default)]
    pub(crate) personalised: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LikeState {
    pub(crate) like_count: u32,
    pub(crate) liked_by_me: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CollectState {
    pub(crate) collect_count: u32,
    pub(crate) collected_by_me: bool,
}
