//! Keyset pages: a list is ordered by (time, seq) and a cursor is the key of the last item a
//! page showed, so rows inserted meanwhile neither shift nor repeat what follows.

use serde::Serialize;
use utoipa::ToSchema;

use crate::base64url;
use crate::error::ApiError;

/// The ordering key of a row: its time (creation or collection) and its insertion sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub at: i64,
    pub seq: i64,
}

impl Key {
    /// Before every row of a newest-first list.
    pub const NEWEST: Key = Key {
        at: i64::MAX,
        seq: i64::MAX,
    };
    /// Before every row of an oldest-first list.
    pub const OLDEST: Key = Key {
        at: i64::MIN,
        seq: i64::MIN,
    };

    /// Opaque to clients: unpadded base64url of `at.seq`.
    fn encode(self) -> String {
        base64url::encode(format!("{}.{}", self.at, self.seq).as_bytes())
    }

    fn decode(cursor: &str) -> Option<Key> {
        let text = String::from_utf8(base64url::decode(cursor)?).ok()?;
        let (at, seq) = text.split_once('.')?;
        Some(Key {
            at: at.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

/// Where a page starts and how long it is, from the `cursor` and `limit` query parameters.
pub struct Window {
    /// The key of the last item of the previous page; `None` for the first page.
    pub after: Option<Key>,
    pub limit: u32,
}

impl Window {
    /// An empty `cursor` is the first page; `limit` follows the one rule of `limit::parse`.
    pub fn parse(cursor: Option<&str>, limit: Option<&str>) -> Result<Window, ApiError> {
        let after = match cursor.filter(|cursor| !cursor.is_empty()) {
            Some(cursor) => Some(Key::decode(cursor).ok_or(ApiError::InvalidCursor)?),
            None => None,
        };
        let limit = crate::limit::parse(limit)?;
        Ok(Window { after, limit })
    }

    /// How many rows to fetch: one more than the page shows tells whether another follows.
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `rows`, fetched in list order with `window.fetch()` as the SQL limit.
    pub fn cut(rows: Vec<(T, Key)>, window: &Window) -> Page<T> {
        let limit = window.limit as usize;
        let more = rows.len() > limit;
        let mut items = Vec::with_capacity(limit.min(rows.len()));
        let mut last = None;
        for (item, key) in rows.into_iter().take(limit) {
            items.push(item);
            last = Some(key);
        }
        Page {
            items,
            next_cursor: last.filter(|_| more).map(Key::encode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let key = Key {
            at: 1_700_000_000,
            seq: 42,
        };
        let window = Window::parse(Some(&key.encode()), None).unwrap();
        assert_eq!(window.after, Some(key));
        assert_eq!(window.limit, 20);
        for bad in [
            "x",
            "%%",
            &base64url::encode(b"1.x"),
            &base64url::encode(b"12"),
        ] {
            assert!(Window::parse(Some(bad), None).is_err(), "{bad}");
        }
        assert_eq!(Window::parse(Some(""), Some("1")).unwrap().after, None);
        assert!(Window::parse(None, Some("0")).is_err());
        assert!(Window::parse(None, Some("500")).is_err());
    }

    #[test]
    fn a_page_has_a_next_cursor_only_when_more_rows_follow() {
        let window = Window::parse(None, Some("2")).unwrap();
        let rows = |n: i64| (0..n).map(|i| (i, Key { at: 10 - i, seq: i })).collect();
        let full: Page<i64> = Page::cut(rows(3), &window);
        assert_eq!(full.items, [0, 1]);
        assert_eq!(
            Key::decode(full.next_cursor.as_deref().unwrap()),
            Some(Key { at: 9, seq: 1 })
        );
        let last: Page<i64> = Page::cut(rows(2), &window);
        assert_eq!((last.items.len(), last.next_cursor), (2, None));
    }
}
