//! Local reads while a token refresh hangs: offline search and the cached first page, through
//! the client's public API, idle and then while the session's refresh waits 10 s on a server
//! that does not answer. A local read must not wait on the network: `cargo xtask bench`
//! marks the p99 during the hang against 2× the idle p99 of the same run.
//!
//! The session comes from a real login against the reference server; then the client is
//! reopened against a listener that accepts and stays silent for 10 s, with a clock an hour
//! ahead, so the first authorized call refreshes the expired token and hangs there.
//! Results: `<target>/local-reads.json` and one line per read on stdout.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use medcircle_core::{Client, ClientConfig, Clock, CredentialStore, SystemClock};
use medcircle_server::{RunningServer, ServerConfig};

/// Samples per read and condition.
const SAMPLES: usize = 300;
/// How long the silent server holds the refresh.
const HANG: Duration = Duration::from_secs(10);

/// An hour ahead: the stored access token has expired.
struct Ahead;

impl Clock for Ahead {
    fn now_unix(&self) -> i64 {
        SystemClock.now_unix() + 3600
    }
}

fn config(server_url: &str, data_dir: &Path) -> ClientConfig {
    ClientConfig {
        server_url: server_url.to_string(),
        data_dir: data_dir.to_string_lossy().into_owned(),
        dev: true,
        spki_pins: vec![],
        oauth_providers: vec![],
        extra_trust_anchors: vec![],
    }
}

/// Logs in against the reference server and caches every page of its seeded feed.
async fn signed_in(store: Arc<CredentialStore>, data_dir: &Path, server: &RunningServer) {
    let client = Client::open_with(config(server.url(), data_dir), store, Arc::new(SystemClock))
        .await
        .expect("client opens");
    let consent = client.consent();
    let policy = consent.fetch_policy().await.expect("policy");
    consent.accept(policy.version).await.expect("accepted");
    let phone = "13800138555";
    client
        .auth()
        .request_sms_code(phone.into())
        .await
        .expect("code sent");
    let outbox: serde_json::Value =
        reqwest::get(format!("{}/dev/sms/outbox?phone={phone}", server.url()))
            .await
            .expect("dev outbox")
            .json()
            .await
            .expect("json");
    let code = outbox["code"].as_str().expect("a code").to_string();
    client
        .auth()
        .verify_sms_code(phone.into(), code)
        .await
        .expect("logged in");
    let feed = client.feed();
    feed.refresh().await.expect("first page");
    while feed.load_more().await.expect("next page") > 0 {}
    client.close(10_000).await;
}

/// A server that accepts connections and says nothing until `HANG` has passed.
fn silent_server() -> (String, std::sync::mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (accepted, first) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = accepted.send(());
            std::thread::spawn(move || {
                std::thread::sleep(HANG);
                drop(stream);
            });
        }
    });
    (url, first)
}

fn p(samples: &mut [Duration], quantile: f64) -> Duration {
    samples.sort();
    let at = ((samples.len() as f64 * quantile).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[at]
}

struct Reads {
    search: Vec<Duration>,
    page: Vec<Duration>,
}

async fn measure(client: &Client) -> Reads {
    let feed = client.feed();
    let mut reads = Reads {
        search: Vec::with_capacity(SAMPLES),
        page: Vec::with_capacity(SAMPLES),
    };
    for i in 0..SAMPLES {
        let query = if i % 2 == 0 {
            "心肌梗死"
        } else {
            "night shift"
        };
        let started = Instant::now();
        let found = feed.search_local(query.into(), 20).await.expect("searched");
        reads.search.push(started.elapsed());
        assert!(!found.is_empty(), "the cache holds the seeded posts");

        let started = Instant::now();
        let first = feed.updates().next().await.expect("the cached list");
        reads.page.push(started.elapsed());
        assert!(!first.is_empty());
    }
    reads
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("client");
    let server = RunningServer::start(ServerConfig {
        addr: "127.0.0.1:0".parse().expect("address"),
        db_path: dir.path().join("server.db"),
        dev: true,
        providers: vec![],
    })
    .expect("reference server");
    let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("secure store");
    let (idle, during) = runtime.block_on(async {
        signed_in(store.clone(), &data_dir, &server).await;
        let (silent, accepted) = silent_server();
        let client = Client::open_with(config(&silent, &data_dir), store, Arc::new(Ahead))
            .await
            .expect("client reopens");
        let idle = measure(&client).await;
        let refreshing = client.feed();
        let hanging = tokio::spawn(async move { refreshing.refresh().await });
        tokio::task::spawn_blocking(move || accepted.recv())
            .await
            .expect("joined")
            .expect("the refresh reached the silent server");
        let started = Instant::now();
        let during = measure(&client).await;
        assert!(
            started.elapsed() < HANG && !hanging.is_finished(),
            "every read ran while the refresh hung"
        );
        hanging.abort();
        (idle, during)
    });
    server.shutdown();

    let mut lines = Vec::new();
    let mut json = Vec::new();
    for (name, mut idle, mut during) in [
        ("local_search", idle.search, during.search),
        ("cached_page", idle.page, during.page),
    ] {
        let (idle_p99, during_p99) = (p(&mut idle, 0.99), p(&mut during, 0.99));
        let (idle_p50, during_p50) = (p(&mut idle, 0.5), p(&mut during, 0.5));
        lines.push(format!(
            "{name}: p50 {idle_p50:?} idle, {during_p50:?} while a refresh hangs; \
             p99 {idle_p99:?} idle, {during_p99:?} while a refresh hangs"
        ));
        json.push(format!(
            "\"{name}\": {{\"idle_p99_ns\": {}, \"during_p99_ns\": {}, \"idle_p50_ns\": {}, \
             \"during_p50_ns\": {}, \"samples\": {SAMPLES}}}",
            idle_p99.as_nanos(),
            during_p99.as_nanos(),
            idle_p50.as_nanos(),
            during_p50.as_nanos()
        ));
    }
    for line in &lines {
        println!("{line}");
    }
    let out = target_dir().join("local-reads.json");
    std::fs::write(&out, format!("{{{}}}\n", json.join(", "))).expect("results written");
    println!("results: {}", out.display());
}
