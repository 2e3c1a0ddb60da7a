//! Search: on the server (paged; what it finds is cached too) and over the cache, offline.

use super::area::FeedArea;
use super::model::{Page, Post, SearchPage};
use super::{FeedError, cache};
use crate::net::Endpoint;

/// The most a local search returns.
const MAX_LOCAL_RESULTS: u32 = 200;

impl FeedArea {
    pub(super) async fn search(
        &self,
        query: &str,
        cursor: Option<String>,
    ) -> Result<SearchPage, FeedError> {
        let query = checked_query(query)?;
        let mut request = Endpoint::Search
            .request()
            .query("q", query)
            .query("limit", "20");
        let batch = match cursor {
            Some(cursor) => {
                request = request.query("cursor", cursor);
                cache::Batch::Older
            }
            None => cache::Batch::Newest,
        };
        let page: Page<Post> = self.send(&request).await?.json()?;
        // What was found is cached too, so a later local search finds it offline.
        self.write(|tx| cache::save_posts(tx, &page.items, batch))?;
        Ok(SearchPage {
            posts: page.items,
            next_cursor: page.next_cursor,
        })
    }

    /// Full-text search over the cached posts. Reads the account's database only: never
    /// waits on the network, not even on a token refresh.
    pub(super) fn search_local(&self, query: &str, limit: u32) -> Result<Vec<Post>, FeedError> {
        let query = checked_query(query)?;
        Ok(cache::search(
            &self.db()?.conn(),
            query,
            limit.min(MAX_LOCAL_RESULTS),
        )?)
    }
}

/// A query as the server takes it (`medcircle_rules::text::search_query`), refused before any
/// request or cache read otherwise.
fn checked_query(query: &str) -> Result<&str, FeedError> {
    medcircle_rules::text::search_query(query).ok_or_else(|| FeedError::InvalidQuery {
        reason: format!(
            "a search is 1 to {} visible characters on one line, without control characters",
            medcircle_rules::text::MAX_SEARCH_CHARS
        ),
    })
}
