use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use medcircle_server::{KeySource, Options, RunningServer, ServerConfig};
use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const PHONE: &str = "13800138000";
pub const DEVICE: &str = "device-1";
/// The users a dev server creates to author its demo feed.
pub const DEMO_AUTHORS: i64 = 5;

/// A server on a free loopback port with a fresh database, and a client for it.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: TempDir,
    pub http: reqwest::Client,
}

impl TestServer {
    pub fn dev() -> Self {
        Self::start(true)
    }

    pub fn production() -> Self {
        Self::start(false)
    }

    fn start(dev: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = start(config(&dir, dev)).unwrap();
        TestServer {
            server,
            dir,
            http: client(),
        }
    }

    /// A dev server started with `options` (its own key file beside the database).
    pub fn dev_with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start_with(config(&dir, true), options).unwrap();
        TestServer {
            server,
            dir,
            http: client(),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("server.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A request with an optional bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// An authenticated call that must answer `status`; returns its JSON body (null if empty).
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let response = self.call(method.clone(), path, Some(token), body).await;
        assert_eq!(response.status(), status, "{method} {path}");
        let bytes = response.bytes().await.unwrap();
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        }
    }

    /// Every browsing event the dev witness shows.
    pub async fn dev_events(&self) -> Vec<Value> {
        let response = self.get("/dev/events").await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
        body["events"].as_array().unwrap().clone()
    }

    pub async fn send_code(&self, phone: &str, device: &str) -> Response {
        self.post(
            "/v1/auth/sms/send",
            json!({ "phone": phone, "device_id": device }),
        )
        .await
    }

    pub async fn verify(&self, phone: &str, code: &str) -> Response {
        self.post(
            "/v1/auth/sms/verify",
            json!({ "phone": phone, "code": code, "device_id": DEVICE }),
        )
        .await
    }

    /// Sends a code from `http` (a client with its own address, see `client_from`), solving
    /// the challenge if the server asks for one; returns the final answer.
    pub async fn send_code_solving(
        &self,
        http: &reqwest::Client,
        phone: &str,
        device: &str,
    ) -> Response {
        let send = |challenge: Value| {
            http.post(self.url("/v1/auth/sms/send"))
                .json(&json!({ "phone": phone, "device_id": device, "challenge": challenge }))
                .send()
        };
        let first = send(Value::Null).await.unwrap();
        if first.status() != StatusCode::PRECONDITION_REQUIRED {
            return first;
        }
        let error = assert_error(
            first,
            StatusCode::PRECONDITION_REQUIRED,
            "challenge_required",
        )
        .await;
        send(solve(&error["challenge"])).await.unwrap()
    }

    /// The last code the dev outbox holds for `phone`.
    pub async fn outbox_code(&self, phone: &str) -> String {
        let response = self.get(&format!("/dev/sms/outbox?phone={phone}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["phone"], phone);
        let code = body["code"].as_str().unwrap().to_owned();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        code
    }

    /// Sends a code and logs in with it; returns the session body. Every login sends from
    /// DEVICE, so two logins need 60 s of server clock between them (the device cooldown).
    pub async fn login(&self, phone: &str) -> Value {
        assert_eq!(self.send_code(phone, DEVICE).await.status(), StatusCode::OK);
        let code = self.outbox_code(phone).await;
        let response = self.verify(phone, &code).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// A one-tap token from the dev carrier for `phone` on `carrier`.
    pub async fn carrier_token(&self, phone: &str, carrier: &str) -> String {
        let response = self
            .post(
                "/dev/carrier/token",
                json!({ "phone": phone, "carrier": carrier }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["expires_in_s"], 120);
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn one_tap(&self, carrier_token: &str) -> Response {
        self.post(
            "/v1/auth/one-tap",
            json!({ "carrier_token": carrier_token, "device_id": DEVICE }),
        )
        .await
    }

    pub async fn advance(&self, seconds: u64) -> i64 {
        let response = self
            .post("/dev/clock/advance", json!({ "seconds": seconds }))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["now"].as_i64().unwrap()
    }

    pub async fn me(&self, access_token: &str) -> Response {
        self.http
            .get(self.url("/v1/me"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/v1/auth/refresh",
            json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    pub async fn logout(&self, access_token: &str) -> Response {
        self.http
            .post(self.url("/v1/auth/logout"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}

pub fn access(session: &Value) -> String {
    session["access_token"].as_str().unwrap().to_owned()
}

/// Rows of `table` in the server's database (read while the server runs: WAL allows it).
pub fn count_rows(server: &TestServer, table: &str) -> i64 {
    rusqlite::Connection::open(server.db_path())
        .unwrap()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .unwrap()
}

/// The column names of `table` in the server's database, in order.
pub fn columns(server: &TestServer, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let mut statement = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    statement
        .query_map([table], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Starts a server for `config`: in dev mode with its own key file beside the database, in
/// production with a key file kept in a directory of its own next to the database's.
pub fn start(config: ServerConfig) -> std::io::Result<RunningServer> {
    let keys = (!config.dev).then(|| production_keys(&config.db_path));
    RunningServer::start_with_keys(config, keys)
}

/// The key file of a production server for the database at `db_path`, made the first time.
pub fn production_keys(db_path: &std::path::Path) -> KeySource {
    let dir = db_path.parent().unwrap().join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.keys");
    if !path.exists() {
        let key = || hex::encode(rand::random::<[u8; 32]>());
        std::fs::write(&path, format!("lookup {}\ndata 1 {}\n", key(), key())).unwrap();
    }
    KeySource::File(path)
}

/// The lookup key (phone, device and code HMACs) of a dev server: in its key file, not in
/// its database.
pub fn lookup_key(server: &TestServer) -> Vec<u8> {
    let mut path = server.db_path().into_os_string();
    path.push(".keys");
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("lookup "))
        .unwrap();
    hex::decode(line).unwrap()
}

pub fn config(dir: &TempDir, dev: bool) -> ServerConfig {
    ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("server.db"),
        dev,
        providers: Vec::new(),
    }
}

/// A solution to a `challenge_required` error's `challenge`.
pub fn solve(challenge: &Value) -> Value {
    use sha2::{Digest, Sha256};
    let token = challenge["token"].as_str().unwrap();
    let difficulty = challenge["difficulty"].as_u64().unwrap();
    let zero_bits = |nonce: &str| {
        let digest = Sha256::digest(format!("{token}:{nonce}"));
        let mut bits = 0u64;
        for byte in digest {
            bits += u64::from(byte.leading_zeros());
            if byte != 0 {
                break;
            }
        }
        bits
    };
    let nonce = (0u64..)
        .map(|n| n.to_string())
        .find(|nonce| zero_bits(nonce) >= difficulty)
        .unwrap();
    json!({ "token": token, "nonce": nonce })
}

/// A client whose requests come from `ip`, another loopback address (127.0.0.0/8): another
/// requester as the server sees it.
pub fn client_from(ip: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .local_address(Some(ip.parse().unwrap()))
        .build()
        .unwrap()
}

pub fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider; plain http still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Asserts the contract's error shape, status and code; returns the `error` object.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "expected {code}");
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert_eq!(content_type, "application/json");
    let body: Value = response.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(!message.is_empty());
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    error.clone()
}

/// Asserts a 429 `rate_limited` whose wait is in `expected_wait`; returns the wait.
pub async fn assert_rate_limited(
    response: reqwest::Response,
    expected_wait: std::ops::RangeInclusive<i64>,
) -> i64 {
    let retry_header: i64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let error = assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let retry_after = error["retry_after_s"].as_i64().unwrap();
    assert!(expected_wait.contains(&retry_after), "{retry_after}");
    assert_eq!(retry_header, retry_after);
    retry_after
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A new account's nickname: `MedCircle user` and a tag of four letters, no digit of anything
/// (a phone's digits would identify its holder).
pub fn assert_default_nickname(nickname: &Value) {
    let nickname = nickname.as_str().unwrap();
    let tag = nickname
        .strip_prefix("MedCircle user ")
        .unwrap_or_else(|| panic!("{nickname}"));
    assert!(
        tag.len() == 4 && tag.bytes().all(|b| b.is_ascii_uppercase()),
        "{nickname}"
    );
    assert!(!nickname.bytes().any(|b| b.is_ascii_digit()), "{nickname}");
}
