//! Search: on the server (paged; what it finds is cached too) and over the cache, offline.

use super::area::FeedArea;
use super::model::{Page, Post, SearchPage};
use super::{FeedError, cache};
use crate::net::Endpoint;

/// A server search longer than this is refused before any request.
const MAX_QUERY_CHARS: usize = 100;
/// The most a local search returns.
const MAX_LOCAL_RESULTS: u32 = 200;

impl FeedArea {
    pub(super) async fn search(
        &self,
        query: &str,
        cursor: Option<String>,
    ) -> Result<SearchPage, FeedError> {
        let query = query.trim();
        let length = query.chars().count();
        if length == 0 || length > MAX_QUERY_CHARS {
            return Err(FeedError::InvalidQuery {
                reason: format!("a search has 1 to {MAX_QUERY_CHARS} characters"),
            });
        }
        let mut request = Endpoint::Search
            .request()
            .query("q", query)
            .query("limit", "20");
        if let Some(cursor) = cursor {
            request = request.query("cursor", cursor);
        }
        let page: Page<Post> = self.send(&request).await?.json()?;
        // What was found is cached too, so a later local search finds it offline.
        self.write(|tx| cache::save_posts(tx, &page.items))?;
        Ok(SearchPage {
            posts: page.items,
            next_cursor: page.next_cursor,
        })
    }

    /// Full-text search over the cached posts. Reads the account's database only: never
    /// waits on the network, not even on a token refresh.
    pub(super) fn search_local(&self, query: &str, limit: u32) -> Result<Vec<Post>, FeedError> {
        Ok(cache::search(
            &self.db()?.conn(),
            query,
            limit.min(MAX_LOCAL_RESULTS),
        )?)
    }
}
