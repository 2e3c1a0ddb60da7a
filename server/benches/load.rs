//! The reference server under load, on loopback, for a fixed time: readers (feed pages, server
//! search, a post) and writers (comments, likes) at once, then one reader alone as the
//! baseline of the same run. Prints latency percentiles and errors; any error fails the run
//! (`cargo xtask bench` runs this and reports its figures; nothing here asserts a time).

use std::time::{Duration, Instant};

use medcircle_server::{RunningServer, ServerConfig};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

const READERS: usize = 8;
const WRITERS: usize = 4;
const LOADED_FOR: Duration = Duration::from_secs(5);
const ALONE_FOR: Duration = Duration::from_secs(2);

/// What one worker saw: latencies of successes and a description of each error.
#[derive(Default)]
struct Seen {
    reads: Vec<Duration>,
    writes: Vec<Duration>,
    errors: Vec<String>,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        self.reads.extend(other.reads);
        self.writes.extend(other.writes);
        self.errors.extend(other.errors);
    }
}

/// A logged-in user of the server under test.
#[derive(Clone)]
struct User {
    http: Client,
    base: String,
    token: String,
}

/// The JSON answer to `request`.
async fn json_of(request: RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

impl User {
    async fn log_in(http: &Client, base: &str, phone: &str) -> User {
        let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body);
        let sent = post(
            "/v1/auth/sms/send",
            json!({ "phone": phone, "device_id": phone }),
        );
        assert_eq!(sent.send().await.unwrap().status(), StatusCode::OK);
        let outbox = json_of(http.get(format!("{base}/dev/sms/outbox?phone={phone}"))).await;
        let body = json!({ "phone": phone, "code": outbox["code"], "device_id": phone });
        let session = json_of(post("/v1/auth/sms/verify", body)).await;
        User {
            http: http.clone(),
            base: base.to_owned(),
            token: session["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Sends one request; its latency if it answered `expected`, else what went wrong.
    async fn timed(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Result<Duration, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        response
            .bytes()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let elapsed = started.elapsed();
        if status == expected {
            Ok(elapsed)
        } else {
            Err(format!("{method} {path}: {status}"))
        }
    }
}

async fn reader(user: User, post: String, until: Instant) -> Seen {
    let mut seen = Seen::default();
    let paths = [
        "/v1/feed".to_owned(),
        "/v1/search?q=%E5%BF%83%E8%82%8C%E6%A2%97".to_owned(),
        format!("/v1/posts/{post}"),
        format!("/v1/posts/{post}/comments"),
    ];
    let mut n = 0;
    while Instant::now() < until {
        let path = &paths[n % paths.len()];
        match user.timed(Method::GET, path, None, StatusCode::OK).await {
            Ok(latency) => seen.reads.push(latency),
            Err(error) => seen.errors.push(error),
        }
        n += 1;
    }
    seen
}

async fn writer(user: User, post: String, until: Instant) -> Seen {
    let mut seen = Seen::default();
    let mut n = 0u64;
    while Instant::now() < until {
        let like = format!("/v1/posts/{post}/like");
        let (method, path, body, expected) = match n % 3 {
            0 => (
                Method::POST,
                format!("/v1/posts/{post}/comments"),
                Some(json!({ "text": format!("Agreed ({n})") })),
                StatusCode::CREATED,
            ),
            1 => (Method::PUT, like, None, StatusCode::OK),
            _ => (Method::DELETE, like, None, StatusCode::OK),
        };
        match user.timed(method, &path, body, expected).await {
            Ok(latency) => seen.writes.push(latency),
            Err(error) => seen.errors.push(error),
        }
        n += 1;
    }
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

fn line(name: &str, latencies: &mut [Duration], seconds: f64) -> String {
    latencies.sort();
    format!(
        "load {name}: {} requests ({:.0}/s), p50 {}, p99 {}, max {}",
        latencies.len(),
        latencies.len() as f64 / seconds,
        ms(percentile(latencies, 0.50)),
        ms(percentile(latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = RunningServer::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("server.db"),
        dev: true,
        providers: Vec::new(),
    })
    .unwrap();
    let base = server.url().to_owned();
    let http = Client::new();
    let reader_user = User::log_in(&http, &base, "13800138001").await;
    let writer_user = User::log_in(&http, &base, "13800138002").await;
    let first_page = http
        .get(format!("{base}/v1/feed?limit=1"))
        .bearer_auth(&reader_user.token);
    let feed = json_of(first_page).await;
    let post = feed["items"][0]["id"].as_str().unwrap().to_owned();

    let until = Instant::now() + ALONE_FOR;
    let mut alone = reader(reader_user.clone(), post.clone(), until).await;

    let until = Instant::now() + LOADED_FOR;
    let mut tasks = Vec::new();
    for _ in 0..READERS {
        tasks.push(tokio::spawn(reader(
            reader_user.clone(),
            post.clone(),
            until,
        )));
    }
    for _ in 0..WRITERS {
        tasks.push(tokio::spawn(writer(
            writer_user.clone(),
            post.clone(),
            until,
        )));
    }
    let mut loaded = Seen::default();
    for task in tasks {
        loaded.merge(task.await.unwrap());
    }

    let seconds = LOADED_FOR.as_secs_f64();
    println!("load: {READERS} readers and {WRITERS} writers for {seconds} s on loopback");
    println!("{}", line("reads", &mut loaded.reads, seconds));
    println!("{}", line("writes", &mut loaded.writes, seconds));
    println!(
        "{}",
        line(
            "reads alone (baseline)",
            &mut alone.reads,
            ALONE_FOR.as_secs_f64()
        )
    );
    let ratio = percentile(&loaded.reads, 0.99).as_secs_f64()
        / percentile(&alone.reads, 0.99).as_secs_f64().max(1e-9);
    println!("load reads p99 under load / alone: {ratio:.1}x");
    loaded.errors.extend(alone.errors);
    println!("load errors: {}", loaded.errors.len());
    for error in loaded.errors.iter().take(10) {
        println!("  {error}");
    }
    drop(server);
    if !loaded.errors.is_empty() {
        std::process::exit(1);
    }
}
