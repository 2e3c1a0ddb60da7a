//! The client over TLS to the reference server on 127.0.0.1 under an IP SAN (no `localhost`
//! involved), as QA builds reach an emulator's host or a phone on the bench: trusting the
//! server's development CA as an extra anchor, refused without it, pinned to the dev CA's key
//! and refused when pinned to another key.

use base64::Engine;
use medcircle_core::{Client, ClientConfig, ConsentError, NetworkProblem};
use medcircle_server::{Options, RunningServer, ServerConfig, TlsSource};
use rcgen::PublicKeyData;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

struct TlsServer {
    server: RunningServer,
    dir: TempDir,
    ca_pem: String,
}

impl TlsServer {
    fn start() -> TlsServer {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start_with(
            ServerConfig {
                addr: "127.0.0.1:0".parse().unwrap(),
                db_path: dir.path().join("server.db"),
                dev: true,
                providers: vec![],
            },
            Options {
                tls: Some(TlsSource::DevCa {
                    names: vec!["127.0.0.1".into()],
                }),
                ..Options::default()
            },
        )
        .unwrap();
        let ca = server.tls().unwrap().ca_pem.clone().unwrap();
        TlsServer {
            ca_pem: std::fs::read_to_string(ca).unwrap(),
            server,
            dir,
        }
    }

    /// A release-like client (no dev mode: TLS only) with these anchors and pins.
    fn config(&self, name: &str, anchors: Vec<String>, pins: Vec<String>) -> ClientConfig {
        ClientConfig {
            server_url: self.server.url().to_owned(),
            data_dir: self.dir.path().join(name).to_string_lossy().into_owned(),
            dev: false,
            spki_pins: pins,
            oauth_providers: vec![],
            extra_trust_anchors: anchors,
        }
    }

    async fn client(&self, name: &str, anchors: Vec<String>, pins: Vec<String>) -> Client {
        Client::open(self.config(name, anchors, pins))
            .await
            .unwrap()
    }

    fn pin(&self) -> String {
        self.server.tls().unwrap().pin.clone()
    }

    /// The dev SMS outbox, read over the same TLS.
    async fn outbox_code(&self, phone: &str) -> String {
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).unwrap()])
            .build()
            .unwrap();
        let body: serde_json::Value = http
            .get(format!(
                "{}/dev/sms/outbox?phone={phone}",
                self.server.url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["code"].as_str().unwrap().to_owned()
    }
}

fn refused_as_insecure(result: Result<impl std::fmt::Debug, ConsentError>) {
    match result {
        Err(ConsentError::Network {
            problem: NetworkProblem::InsecureConnection { .. },
        }) => {}
        other => panic!("expected an insecure connection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_trusting_the_dev_ca_logs_in_over_tls_to_an_ip_address() {
    let server = TlsServer::start();
    let url = server.server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let client = server
        .client("trusting", vec![server.ca_pem.clone()], vec![])
        .await;
    let policy = client.consent().fetch_policy().await.unwrap();
    client.consent().accept(policy.version).await.unwrap();
    let phone = "13800138070";
    client.auth().request_sms_code(phone.into()).await.unwrap();
    let code = server.outbox_code(phone).await;
    let user = client
        .auth()
        .verify_sms_code(phone.into(), code)
        .await
        .unwrap();
    assert_eq!(user.phone_masked, "138****8070");
    client.close(5_000).await;
}

#[tokio::test]
async fn a_client_without_the_dev_ca_is_refused() {
    let server = TlsServer::start();
    let client = server.client("untrusting", vec![], vec![]).await;
    refused_as_insecure(client.consent().fetch_policy().await);
}

#[tokio::test]
async fn a_pin_on_the_dev_ca_key_passes_and_a_pin_on_another_key_fails() {
    let server = TlsServer::start();
    let anchors = vec![server.ca_pem.clone()];
    let pinned = server
        .client("pinned", anchors.clone(), vec![server.pin()])
        .await;
    pinned.consent().fetch_policy().await.unwrap();

    let other = rcgen::KeyPair::generate().unwrap();
    let other_pin = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(other.subject_public_key_info()));
    let mispinned = server
        .client("mispinned", anchors.clone(), vec![other_pin.clone()])
        .await;
    refused_as_insecure(mispinned.consent().fetch_policy().await);

    // A backup pin beside a wrong one still lets the right key through.
    let backup = server
        .client("backup", anchors, vec![other_pin, server.pin()])
        .await;
    backup.consent().fetch_policy().await.unwrap();
}
