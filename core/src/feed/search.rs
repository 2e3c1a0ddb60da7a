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
        let query = checked_query(query)?;
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
        let query = checked_query(query)?;
        Ok(cache::search(
            &self.db()?.conn(),
            query,
            limit.min(MAX_LOCAL_RESULTS),
        )?)
    }
}

/// A query trimmed, 1 to 100 characters that make one visible line (as the server requires).
fn checked_query(query: &str) -> Result<&str, FeedError> {
    let query = query.trim();
    let length = query.chars().count();
    if length == 0 || length > MAX_QUERY_CHARS || !medcircle_rules::text::is_visible_line(query) {
        return Err(FeedError::InvalidQuery {
            reason: format!(
                "a search is 1 to {MAX_QUERY_CHARS} visible characters on one line, \
                 without control characters"
            ),
        });
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_one_visible_line_of_at_most_100_characters() {
        assert_eq!(checked_query("  心肌梗死 "), Ok("心肌梗死"));
        assert!(checked_query(&"字".repeat(100)).is_ok());
        for refused in [
            String::new(),
            "   ".into(),
            "字".repeat(101),
            "心肌\0梗死".into(),
            "a\u{1b}b".into(),
            "\u{200b}\u{200b}".into(),
        ] {
            assert!(checked_query(&refused).is_err(), "{refused:?}");
        }
    }
}
