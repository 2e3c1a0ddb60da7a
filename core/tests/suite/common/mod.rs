//! A reference server on loopback per test, clients with their own data directories (and so
//! their own secure-store entries, in the real platform store), and the server's dev hooks.

pub mod clock;
pub mod images;
pub mod oidc_provider;
pub mod proxy;
pub mod third_party;
pub mod wechat_sdk;

use std::path::PathBuf;
use std::sync::Arc;

pub use images::png;
use medcircle_core::{
    CancelToken, CertificateKind, CertificationStatus, Client, ClientConfig, ConsentPurpose,
    Delivery, FeedClient, LocalPostId, OAuthProviderConfig, UploadProgress, UserProfile,
};
use medcircle_server::{OidcProvider, RunningServer, ServerConfig};
use serde_json::Value;
use tempfile::TempDir;

pub struct Harness {
    pub server: Option<RunningServer>,
    pub url: String,
    pub dir: TempDir,
    http: reqwest::Client,
}

impl Harness {
    pub fn start() -> Harness {
        Harness::start_trusting(vec![])
    }

    /// A server that also trusts `providers`' ID tokens (besides its own dev provider's).
    pub fn start_trusting(providers: Vec<OidcProvider>) -> Harness {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.path().join("server.db"),
            dev: true,
            providers,
        })
        .unwrap();
        Harness {
            url: server.url().to_string(),
            server: Some(server),
            dir,
            http: reqwest::Client::new(),
        }
    }

    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config(&self, name: &str) -> ClientConfig {
        ClientConfig {
            server_url: self.url.clone(),
            data_dir: self.data_dir(name).to_string_lossy().into_owned(),
            dev: true,
            spki_pins: vec![],
            oauth_providers: vec![self.dev_provider()],
            extra_trust_anchors: vec![],
        }
    }

    /// The reference server's own OpenID provider, as a client registers it.
    pub fn dev_provider(&self) -> OAuthProviderConfig {
        OAuthProviderConfig {
            name: "dev".into(),
            issuer: format!("{}/dev/oidc", self.url),
            client_id: "medcircle-app".into(),
            redirect_uri: "com.medcircle.app:/oauth/callback".into(),
        }
    }

    pub async fn client(&self, name: &str) -> Client {
        Client::open(self.config(name)).await.unwrap()
    }

    /// A client whose user has accepted the current policy.
    pub async fn consented_client(&self, name: &str) -> Client {
        self.consented_client_with(self.config(name)).await
    }

    /// A client opened with `config` whose user has accepted the current policy.
    pub async fn consented_client_with(&self, config: ClientConfig) -> Client {
        let client = Client::open(config).await.unwrap();
        Self::accept_policy(&client).await;
        client
    }

    async fn accept_policy(client: &Client) {
        let policy = client.consent().fetch_policy().await.unwrap();
        client.consent().accept(policy.version).await.unwrap();
    }

    /// A client on `clock` whose user has accepted the current policy.
    pub async fn consented_client_on(&self, name: &str, clock: Arc<clock::TestClock>) -> Client {
        let client = Client::open_with(
            self.config(name),
            keyring_core::mock::Store::new().unwrap(),
            clock,
        )
        .await
        .unwrap();
        Self::accept_policy(&client).await;
        client
    }

    pub async fn login(&self, client: &Client, phone: &str) -> UserProfile {
        client.auth().request_sms_code(phone.into()).await.unwrap();
        let code = self.outbox_code(phone).await;
        client
            .auth()
            .verify_sms_code(phone.into(), code)
            .await
            .unwrap()
    }

    /// Posts `body` to a dev endpoint, which must succeed; its answer (null when it has none).
    pub async fn dev_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn get_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// How often the dev WeChat-style provider was asked to exchange a code and for a profile.
    pub async fn wechat_calls(&self) -> (u64, u64) {
        let calls = self.get_json("/dev/wechat/calls").await;
        (
            calls["access_token"].as_u64().unwrap(),
            calls["userinfo"].as_u64().unwrap(),
        )
    }

    pub async fn outbox_code(&self, phone: &str) -> String {
        let body = self
            .get_json(&format!("/dev/sms/outbox?phone={phone}"))
            .await;
        body["code"].as_str().expect("a code was sent").to_string()
    }

    /// Publishes a new policy version on the dev server (the built-in text plus one section).
    pub async fn publish_policy(&self, version: &str, changes: &[&str], purposes: &[&str]) {
        self.dev_post(
            "/dev/policy/publish",
            serde_json::json!({
                "version": version,
                "changes": changes,
                "purposes": purposes,
                "section": { "id": "update", "title": "Update", "text": changes.join(" ") },
            }),
        )
        .await;
    }

    /// Plays the browser: starts a web login; returns (id, QR payload, poll token).
    pub async fn start_web_login(&self) -> (String, String, String) {
        let body: Value = self
            .http
            .post(format!("{}/web/login", self.url))
            .header("user-agent", "Mozilla/5.0 (TestBrowser)")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let field = |k: &str| body[k].as_str().unwrap().to_string();
        (field("id"), field("payload"), field("poll_token"))
    }

    /// What the browser's page sees.
    pub async fn web_login_status(&self, id: &str, poll: &str) -> Value {
        self.get_json(&format!("/web/login/{id}/status?poll={poll}"))
            .await
    }

    /// Plays the operator: publishes a security notice to `user_id`, or to everyone.
    pub async fn publish_notice(&self, user_id: Option<&str>, kind: &str, title: &str) {
        self.dev_post(
            "/dev/notices",
            serde_json::json!({
                "user_id": user_id, "kind": kind, "title": title,
                "body": "What happened and what it means.", "action": "What to do.",
            }),
        )
        .await;
    }

    /// Sets (or with `None` lifts) the lowest app version the server serves.
    pub async fn set_minimum_version(&self, version: Option<&str>) {
        self.dev_post(
            "/dev/minimum-version",
            serde_json::json!({ "version": version }),
        )
        .await;
    }

    pub async fn advance_clock(&self, seconds: u64) {
        self.dev_post(
            "/dev/clock/advance",
            serde_json::json!({ "seconds": seconds }),
        )
        .await;
    }

    /// Every feedback ticket as the server keeps it (contact in clear, versions, photos).
    pub async fn received_feedback(&self) -> Vec<Value> {
        self.get_json("/dev/help/tickets").await["tickets"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Plays the support team replying to a ticket.
    pub async fn reply_to_ticket(&self, id: &str, body: &str) {
        self.dev_post(
            &format!("/dev/help/tickets/{id}/replies"),
            serde_json::json!({ "body": body }),
        )
        .await;
    }

    /// Every API request the server received, as (method, path).
    pub async fn requests(&self) -> Vec<(String, String)> {
        let body = self.get_json("/dev/requests").await;
        body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["method"].as_str().unwrap().to_string(),
                    r["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub async fn count_requests(&self, path: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|(_, p)| p == path)
            .count()
    }

    /// Plays the user at the dev provider: signs in as `subject` (or denies, with `None`) and
    /// returns the address the browser is sent back to.
    pub async fn authorize(&self, authorization_url: &str, subject: Option<&str>) -> String {
        let extra = match subject {
            Some(subject) => format!("&dev_subject={subject}"),
            None => "&dev_decision=deny".into(),
        };
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = browser
            .get(format!("{authorization_url}{extra}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302, "{:?}", response.text().await);
        response.headers()["location"].to_str().unwrap().to_string()
    }

    /// A token the dev carrier signs for `phone`, as the carrier SDK would hand it over.
    pub async fn carrier_token(&self, phone: &str) -> String {
        let body: Value = self
            .http
            .post(format!("{}/dev/carrier/token", self.url))
            .json(&serde_json::json!({ "phone": phone, "carrier": "China Mobile" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// Starts a third-party login and plays the user signing in as `subject` at the dev
    /// provider: the address the browser is sent back to.
    pub async fn sign_in_at_provider(&self, client: &Client, subject: &str) -> String {
        let started = client.auth().start_oauth_login("dev".into()).await.unwrap();
        self.authorize(&started.authorization_url, Some(subject))
            .await
    }

    /// The dev reviewer's decision on a certification application.
    pub async fn decide_certification(&self, user_id: &str, approve: bool, reason: Option<&str>) {
        let response = self
            .http
            .post(format!("{}/dev/certification/decide", self.url))
            .json(&serde_json::json!({ "user_id": user_id, "approve": approve, "reason": reason }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// Every application as the dev server holds it (never the ID number).
    pub async fn certifications(&self) -> Vec<Value> {
        let body = self.get_json("/dev/certifications").await;
        match body {
            Value::Array(items) => items,
            other => other["certifications"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Grants the identity verification consent, uploads one certificate photo and applies.
    pub async fn certify(&self, client: &Client) -> CertificationStatus {
        client
            .consent()
            .grant(ConsentPurpose::IdentityVerification)
            .await
            .unwrap();
        let certification = client.certification();
        let photo = certification
            .upload_photo(
                CertificateKind::Physician,
                png(4096),
                Arc::new(NoProgress),
                CancelToken::new(),
            )
            .await
            .unwrap();
        certification
            .submit(ID_NUMBER.into(), vec![photo.photo_id])
            .await
            .unwrap()
    }

    /// Counts of the server's posts, comments and idempotency records.
    pub async fn feed_stats(&self) -> Value {
        self.get_json("/dev/feed/stats").await
    }

    /// Deletes a post as its author would, behind the client's back.
    pub async fn delete_post_behind(&self, post_id: &str) {
        let response = self
            .http
            .post(format!("{}/dev/posts/{post_id}/delete", self.url))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// A client behind a fault proxy of its own, its user past the policy.
    pub async fn consented_behind_a_proxy(&self) -> (proxy::FaultProxy, Client) {
        let proxy = proxy::FaultProxy::start(&self.url);
        let client = self.client_via("app", &proxy.url).await;
        let policy = client.consent().fetch_policy().await.unwrap();
        client.consent().accept(policy.version).await.unwrap();
        (proxy, client)
    }

    /// As `consented_behind_a_proxy`, logged in as `phone`.
    pub async fn logged_in_behind_a_proxy(&self, phone: &str) -> (proxy::FaultProxy, Client) {
        let (proxy, client) = self.consented_behind_a_proxy().await;
        self.login(&client, phone).await;
        (proxy, client)
    }

    /// How many posts the server holds.
    pub async fn server_posts(&self) -> i64 {
        self.feed_stats().await["posts"].as_i64().unwrap()
    }

    /// A client that reaches the server through `via` (a fault proxy's URL).
    pub async fn client_via(&self, name: &str, via: &str) -> Client {
        let mut config = self.config(name);
        config.server_url = via.to_string();
        Client::open(config).await.unwrap()
    }

    pub fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }
}

/// A valid mainland ID number (its check character is an X).
pub const ID_NUMBER: &str = "11010519491231002X";

pub struct NoProgress;

impl UploadProgress for NoProgress {
    fn progress(&self, _sent: u64, _total: u64) {}
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// A post whose photo upload was cancelled before it began: it waits in the outbox, failed
/// ("cancelled"), for retry, edit or discard.
pub async fn failed_post(feed: &FeedClient, text: &str) -> LocalPostId {
    let cancel = CancelToken::new();
    cancel.cancel();
    let item = feed
        .publish(text.into(), vec![png(4096)], Arc::new(NoProgress), cancel)
        .await
        .unwrap();
    let Delivery::Failed { local_id, reason } = item.delivery else {
        panic!("{:?}", item.delivery)
    };
    assert_eq!(reason, "cancelled");
    local_id
}
