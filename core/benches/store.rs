//! The feed cache on disk: the encrypted store (SQLCipher, opened exactly as the app opens it)
//! against plain SQLite with the same pragmas and the same data, in the same run. Nothing here
//! asserts a time: `cargo xtask bench` reads criterion's estimates and marks them against the
//! budgets (first page ≤ 5 ms, encrypted ≤ 1.3× plain, local search ≤ 10 ms).
//!
//! Ids are `<group>/<encrypted|plain>[/<case>]`, which is how `cargo xtask bench` pairs them.
//! Fixtures are built lazily, once per process, so a filter that skips a group skips its setup.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use medcircle_core::bench::{BenchStore, sample_posts};
use tempfile::TempDir;

/// Posts in a page, as the live feed reads and the server sends them.
const PAGE: usize = 20;
/// Pages written per transaction while filling a fixture.
const FILL_BATCH_PAGES: usize = 50;
const KINDS: [(&str, bool); 2] = [("encrypted", true), ("plain", false)];

/// A store file holding cached posts, closed (its WAL checkpointed into the file).
struct StoreFile {
    _dir: TempDir,
    file: PathBuf,
    encrypted: bool,
}

impl StoreFile {
    fn empty(encrypted: bool) -> StoreFile {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("account.db");
        StoreFile {
            _dir: dir,
            file,
            encrypted,
        }
    }

    /// `posts` sample posts cached through the core (`cache_first_page`, then `cache_page`
    /// in batches of pages), as the app caches them.
    fn filled(encrypted: bool, posts: usize) -> StoreFile {
        let fixture = StoreFile::empty(encrypted);
        let mut store = BenchStore::open(&fixture.file, encrypted);
        store.cache_first_page(&sample_posts(0, PAGE.min(posts)));
        let mut next = PAGE.min(posts);
        while next < posts {
            let count = (FILL_BATCH_PAGES * PAGE).min(posts - next);
            store.cache_page(&sample_posts(next, count));
            next += count;
        }
        drop(store);
        fixture.check_encryption();
        fixture
    }

    /// The baseline and the product differ only by the encryption.
    fn check_encryption(&self) {
        let mut header = [0; 16];
        std::io::Read::read_exact(&mut std::fs::File::open(&self.file).unwrap(), &mut header)
            .expect("store file");
        assert_eq!(
            &header == b"SQLite format 3\0",
            !self.encrypted,
            "{} is not what it claims (encrypted: {})",
            self.file.display(),
            self.encrypted
        );
    }

    /// Opened again (as the app does after a launch), with a page read to check the data.
    fn open(&self) -> BenchStore {
        let store = BenchStore::open(&self.file, self.encrypted);
        assert_eq!(store.first_page().len(), PAGE, "the fixture holds a page");
        store
    }

    /// A copy in a directory of its own, to write into without changing this one.
    fn copy(&self) -> StoreFile {
        let copy = StoreFile::empty(self.encrypted);
        std::fs::copy(&self.file, &copy.file).expect("store copied");
        copy
    }
}

/// An open store over a fixture.
struct OpenStore {
    store: BenchStore,
    _file: StoreFile,
}

impl OpenStore {
    fn new(file: StoreFile) -> OpenStore {
        OpenStore {
            store: file.open(),
            _file: file,
        }
    }
}

/// Launch to first page: open the existing store (key, pragmas, schema check) and read page one
/// of 1,000 cached posts. Closing is left out of the time; the OS file cache is warm, as on a
/// relaunch.
fn cold_start_first_page(c: &mut Criterion) {
    let mut group = c.benchmark_group("cold_start_first_page");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (kind, encrypted) in KINDS {
        let mut fixture = None;
        group.bench_function(kind, |b| {
            let fixture = fixture.get_or_insert_with(|| StoreFile::filled(encrypted, 1_000));
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let store = BenchStore::open(&fixture.file, encrypted);
                    let page = black_box(store.first_page());
                    total += started.elapsed();
                    assert_eq!(page.len(), PAGE);
                    drop(store);
                }
                total
            });
        });
    }
    group.finish();
}

/// The live feed's read on an open store of 10,000 posts (a warm page cache, as in the app).
fn page_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("page_read");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (kind, encrypted) in KINDS {
        let mut fixture = None;
        group.bench_function(kind, |b| {
            let open =
                fixture.get_or_insert_with(|| OpenStore::new(StoreFile::filled(encrypted, 10_000)));
            b.iter(|| black_box(open.store.first_page()));
        });
    }
    group.finish();
}

/// The searches, what each exercises, and how many posts each finds in 100,000 sample posts
/// (every fourth sample post holds each common word, so those match 25,000 and return 20).
const SEARCHES: [(&str, &str, usize); 4] = [
    // A Chinese 4-character word: the trigram index.
    ("zh_4char", "心肌梗死", PAGE),
    // An English word: the trigram index.
    ("en_word", "anticoagulation", PAGE),
    // Two characters are below a trigram: a LIKE scan.
    ("zh_2char_like", "发热", PAGE),
    // One post in 100,000.
    ("rare", "#99999", 1),
];

/// The encrypted and the plain store of 100,000 posts, built side by side (a core each).
fn search_stores() -> [OpenStore; 2] {
    let started = Instant::now();
    let stores = std::thread::scope(|s| {
        let build = |encrypted| move || OpenStore::new(StoreFile::filled(encrypted, 100_000));
        let encrypted = s.spawn(build(true));
        let plain = s.spawn(build(false));
        [encrypted, plain].map(|h| h.join().expect("fixture built"))
    });
    eprintln!(
        "setup: 100000 posts in an encrypted and a plain store in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // What is measured finds what it should.
    for (open, kind) in stores.iter().zip(["encrypted", "plain"]) {
        for (case, query, expected) in SEARCHES {
            let found = open.store.search(query).len();
            assert_eq!(found, expected, "{kind}/{case}: {query:?} found {found}");
        }
    }
    stores
}

/// Offline search over 100,000 cached posts, newest 20 first. Encrypted is the product; plain
/// is the baseline for the trigram index.
fn local_search_100k(c: &mut Criterion) {
    let mut group = c.benchmark_group("local_search_100k");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut stores = None;
    let mut bench = |group: &mut criterion::BenchmarkGroup<_>, kind: &str, case, query| {
        group.bench_function(BenchmarkId::new(kind, case), |b| {
            let [encrypted, plain] = stores.get_or_insert_with(search_stores);
            let open = if kind == "plain" { plain } else { encrypted };
            b.iter(|| black_box(open.store.search(black_box(query))));
        });
    };
    for (case, query, _) in SEARCHES {
        bench(&mut group, "encrypted", case, query);
    }
    let (case, query, _) = SEARCHES[0];
    bench(&mut group, "plain", case, query);
    group.finish();
}

/// Writing what the server sent, each iteration into a fresh copy of the same store: one page
/// of 20 new posts (one transaction, as `load_more` writes it) and 50 such pages one after
/// another, into a store of 1,000 posts; and one page into a store of 10,000 posts, since
/// the cost of a page grows with what is cached.
fn bulk_cache_pages(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk_cache_pages");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (kind, encrypted) in KINDS {
        for (case, held, pages) in [
            ("1_page", 1_000, 1),
            ("50_pages", 1_000, 50),
            ("1_page_at_10k", 10_000, 1),
        ] {
            let mut template = None;
            group.bench_function(BenchmarkId::new(kind, case), |b| {
                let template = template.get_or_insert_with(|| StoreFile::filled(encrypted, held));
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let copy = template.copy();
                        let mut store = BenchStore::open(&copy.file, encrypted);
                        let batch: Vec<_> = (0..pages)
                            .map(|p| sample_posts(held + p * PAGE, PAGE))
                            .collect();
                        let started = Instant::now();
                        for page in &batch {
                            store.cache_page(black_box(page));
                        }
                        total += started.elapsed();
                        drop(store);
                    }
                    total
                });
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    cold_start_first_page,
    page_read,
    local_search_100k,
    bulk_cache_pages
);
criterion_main!(benches);
