use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use medcircle_server::{RunningServer, ServerConfig};
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const PHONE: &str = "13800138000";
pub const DEVICE: &str = "device-1";

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
        let server = RunningServer::start(config(&dir, dev)).unwrap();
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

    /// Sends a code and logs in with it; returns the session body.
    pub async fn login(&self, phone: &str) -> Value {
        assert_eq!(self.send_code(phone, DEVICE).await.status(), StatusCode::OK);
        let code = self.outbox_code(phone).await;
        let response = self.verify(phone, &code).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
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

pub fn config(dir: &TempDir, dev: bool) -> ServerConfig {
    ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("server.db"),
        dev,
    }
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

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}
