//! The feed cache on its own, for benchmarks that compare the encrypted store with plain
//! SQLite on the same data (feature `bench`; not an API).

use std::path::Path;

use rusqlite::Connection;

use super::cache::{self, PageState};
use super::model::{Author, Post};

pub struct BenchStore(Connection);

impl BenchStore {
    /// A store at `file`, encrypted like the app's (a raw 256-bit key) or plain.
    pub fn open(file: &Path, encrypted: bool) -> BenchStore {
        let key = [7u8; 32];
        let conn = crate::store::open_file(file, encrypted.then_some(&key[..]))
            .expect("bench store opens");
        conn.execute_batch(cache::SCHEMA).ok();
        BenchStore(conn)
    }

    /// The first page, replacing the feed (what a refresh writes).
    pub fn cache_first_page(&mut self, posts: &[Post]) {
        let tx = self.0.transaction().expect("a transaction");
        cache::replace_feed(&tx, posts, &PageState::default()).expect("cached");
        tx.commit().expect("committed");
    }

    /// A further page (what `load_more` writes).
    pub fn cache_page(&mut self, posts: &[Post]) {
        let tx = self.0.transaction().expect("a transaction");
        cache::append_feed(&tx, posts, &PageState::default()).expect("cached");
        tx.commit().expect("committed");
    }

    /// The first page as the live feed reads it.
    pub fn first_page(&self) -> Vec<Post> {
        cache::feed(&self.0, 20).expect("read")
    }

    pub fn search(&self, query: &str) -> Vec<Post> {
        cache::search(&self.0, query, 20).expect("searched")
    }
}

/// Posts numbered from `start`, in Chinese and English, as the feed caches them.
pub fn sample_posts(start: usize, count: usize) -> Vec<Post> {
    const TEXTS: [&str; 4] = [
        "今天的病例讨论：急性心肌梗死的早期识别与处理要点",
        "Tips for the night shift: hydration, short breaks and handover notes",
        "儿科门诊常见发热患儿的分诊经验分享",
        "Journal club: anticoagulation after TAVI, what the new trial shows",
    ];
    (start..start + count)
        .map(|i| Post {
            id: format!("p_{i:08}"),
            author: Author {
                id: format!("u_{}", i % 97),
                nickname: format!("Dr. {}", i % 97),
                avatar_url: None,
            },
            text: format!("{} #{i}", TEXTS[i % TEXTS.len()]),
            photos: Vec::new(),
            created_at: 1_700_000_000 - i as i64,
            like_count: (i % 50) as u32,
            comment_count: (i % 7) as u32,
            collect_count: (i % 3) as u32,
            liked_by_me: false,
            collected_by_me: false,
            mine: false,
        })
        .collect()
}
