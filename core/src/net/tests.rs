//! Fault injection on a raw loopback socket: answers no real server would give on purpose.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// Serves each connection the next scripted raw response (the last one repeats) and counts
/// the requests it saw. `None` as a response means: accept, read, then never answer.
async fn raw_server(responses: Vec<Option<Vec<u8>>>) -> (Url, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let response = responses[n.min(responses.len() - 1)].clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let _ = socket.read(&mut buf).await;
                match response {
                    Some(bytes) => {
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (url, seen)
}

fn http(status: &str, headers: &[&str], body: &[u8]) -> Option<Vec<u8>> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Some(bytes)
}

#[derive(Default)]
struct RecordingLog(Mutex<Vec<Transmission>>);

impl TransmissionLog for RecordingLog {
    fn record(&self, sent: &[Transmission]) {
        self.0.lock().unwrap().extend_from_slice(sent);
    }
}

fn net_with_log(base: Url, consented: bool) -> (Net, Arc<RecordingLog>) {
    let gate = ConsentGate::default();
    gate.set_covered(&[ConsentPurpose::PrivacyPolicy]);
    gate.set(ConsentPurpose::PrivacyPolicy, consented);
    let log = Arc::new(RecordingLog::default());
    let context = NetContext {
        gate,
        versions: VersionGate::default(),
        ledger: log.clone(),
        clock: Arc::new(crate::clock::SystemClock),
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_millis(500),
    };
    let mut net = Net::new(base, &Trust::default(), context, timeouts).unwrap();
    net.retry.base = Duration::from_millis(5);
    (net, log)
}

fn net(base: Url, consented: bool) -> Net {
    net_with_log(base, consented).0
}

impl Net {
    /// One request to `endpoint`, its JSON answer decoded.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<&Value>,
        bearer: Option<&str>,
    ) -> Result<T, NetError> {
        let mut request = endpoint.request();
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(&request, bearer).await?.json()
    }
}

#[tokio::test]
async fn nothing_but_the_policy_leaves_before_consent() {
    let (url, seen) = raw_server(vec![http("200 OK", &[], b"{}")]).await;
    let net = net(url, false);
    let err = net
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        NetError::ConsentRequired {
            purpose: ConsentPurpose::PrivacyPolicy
        }
    ));
    assert_eq!(seen.load(Ordering::SeqCst), 0, "no connection was made");
    net.call::<Value>(Endpoint::Policy, None, None)
        .await
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let (url, _) = raw_server(vec![http("200 OK", &[], b"{\"version\": ")]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::Me, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Malformed(_)), "{err:?}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_by_length_and_by_stream() {
    let big = vec![b' '; MAX_RESPONSE_BYTES + 1];
    let (url, _) = raw_server(vec![http("200 OK", &[], &big)]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::Me, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::TooLarge(MAX_RESPONSE_BYTES)),
        "{err:?}"
    );

    // No content-length: the cap applies while streaming.
    let mut chunked = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
    chunked.extend_from_slice(&big);
    let (url, _) = raw_server(vec![Some(chunked)]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::Me, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::TooLarge(_)), "{err:?}");
}

#[tokio::test]
async fn idempotent_requests_retry_transient_failures() {
    let (url, seen) = raw_server(vec![
        http("503 Service Unavailable", &[], b""),
        http("502 Bad Gateway", &[], b"oops"),
        http("200 OK", &[], b"{\"ok\":true}"),
    ])
    .await;
    let value: Value = net(url, true).call(Endpoint::Me, None, None).await.unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_give_up_after_the_last_attempt() {
    let (url, seen) = raw_server(vec![http("503 Service Unavailable", &[], b"")]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::Me, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Server { status: 503, .. }));
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_server_error_keeps_the_code_its_body_names() {
    let body = br#"{"error":{"code":"payment_gateway_unavailable","message":"retry later"}}"#;
    let (url, _) = raw_server(vec![http("502 Bad Gateway", &[], body)]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            NetError::Server { status: 502, error } if error.code == ApiCode::PaymentGatewayUnavailable
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn non_idempotent_requests_are_sent_once() {
    let (url, seen) = raw_server(vec![http("503 Service Unavailable", &[], b"")]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Server { status: 503, .. }));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, _) = raw_server(vec![None]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Timeout), "{err:?}");
}

#[tokio::test]
async fn a_closed_port_is_offline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Offline(_)), "{err:?}");
}

#[tokio::test]
async fn rate_limits_carry_retry_after_from_body_or_header() {
    let body = br#"{"error":{"code":"rate_limited","message":"slow down","retry_after_s":42}}"#;
    let (url, _) = raw_server(vec![http("429 Too Many Requests", &[], body)]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::RateLimited { retry_after_s: 42 }));

    let (url, _) = raw_server(vec![http(
        "429 Too Many Requests",
        &["retry-after: 7"],
        b"busy",
    )])
    .await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::RateLimited { retry_after_s: 7 }));
}

#[tokio::test]
async fn api_errors_keep_their_code_and_fields() {
    let body = br#"{"error":{"code":"wrong_code","message":"no","attempts_left":3}}"#;
    let (url, _) = raw_server(vec![http("422 Unprocessable Entity", &[], body)]).await;
    let err = net(url, true)
        .call::<Value>(Endpoint::SmsVerify, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    match err {
        NetError::Refused { status, error } => {
            assert_eq!(status, 422);
            assert_eq!(error.code, ApiCode::WrongCode);
            assert_eq!(error.attempts_left, Some(3));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn every_item_that_reached_the_server_is_in_the_ledger() {
    let (url, _) = raw_server(vec![
        http("503 Service Unavailable", &[], b""),
        http("200 OK", &[], b"{}"),
    ])
    .await;
    let (net, log) = net_with_log(url.clone(), true);
    net.call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    let sent = log.0.lock().unwrap().clone();
    let items: Vec<_> = sent.iter().map(|t| t.item).collect();
    assert_eq!(
        items,
        ["phone_number", "install_id"],
        "a refused request still carried them"
    );
    assert!(sent.iter().all(|t| t.endpoint == "/v1/auth/sms/send"
        && t.destination == format!("127.0.0.1:{}", url.port().unwrap())
        && t.purpose == ConsentPurpose::PrivacyPolicy));

    // The policy carries nothing personal; a request that never left records nothing.
    net.call::<Value>(Endpoint::Policy, None, None)
        .await
        .unwrap();
    let (offline, offline_log) = net_with_log(Url::parse("http://127.0.0.1:9/").unwrap(), true);
    offline
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(offline_log.0.lock().unwrap().is_empty());
    let (refused, refused_log) = net_with_log(url, false);
    refused
        .call::<Value>(Endpoint::SmsSend, Some(&serde_json::json!({})), None)
        .await
        .unwrap_err();
    assert!(refused_log.0.lock().unwrap().is_empty());
    assert_eq!(log.0.lock().unwrap().len(), 2);
}

/// A TLS server on loopback presenting `chain` (leaf first), answering `{}` to anything.
async fn tls_server(chain: &[&super::tls::tests::Made]) -> Url {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let certs: Vec<CertificateDer<'static>> = chain.iter().map(|c| c.der.clone()).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain[0].key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!(
        "https://localhost:{}/",
        listener.local_addr().unwrap().port()
    ))
    .unwrap();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0u8; 16 * 1024];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          content-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    url
}

fn pinned_net(base: Url, anchors: &[&super::tls::tests::Made], pins: &[&str]) -> Net {
    let trust = Trust {
        spki_pins: pins.iter().map(|p| p.to_string()).collect(),
        extra_anchors: anchors
            .iter()
            .map(|a| super::tls::tests::pem_of(&a.der))
            .collect(),
    };
    let gate = ConsentGate::default();
    gate.set_covered(&[ConsentPurpose::PrivacyPolicy]);
    gate.set(ConsentPurpose::PrivacyPolicy, true);
    let context = NetContext {
        gate,
        versions: VersionGate::default(),
        ledger: Arc::new(RecordingLog::default()),
        clock: Arc::new(crate::clock::SystemClock),
    };
    Net::new(base, &trust, context, Timeouts::default()).unwrap()
}

#[tokio::test]
async fn pins_hold_against_a_live_tls_server_and_only_for_the_api() {
    use super::tls::tests::Made;
    let root = Made::root();
    let intermediate = root.intermediate();
    let leaf = intermediate.leaf(&["localhost"]);
    let url = tls_server(&[&leaf, &intermediate]).await;
    let other = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);

    // Trusted through the extra anchor alone, then pinned at the root and at the leaf.
    for pins in [
        vec![],
        vec![root.pin.as_str()],
        vec![other.as_str(), leaf.pin.as_str()],
    ] {
        let net = pinned_net(url.clone(), &[&root], &pins);
        let answer: Value = net.call(Endpoint::Policy, None, None).await.unwrap();
        assert_eq!(answer, serde_json::json!({}), "{pins:?}");
    }
    let wrong = pinned_net(url.clone(), &[&root], &[&other]);
    let err = wrong
        .call::<Value>(Endpoint::Policy, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Insecure(_)), "{err:?}");
    // A login provider is not the API's server: the pins are not for it.
    let provider = Endpoint::OidcDiscovery
        .request()
        .at(url.join(".well-known/openid-configuration").unwrap());
    assert!(wrong.send(&provider, None).await.is_ok());

    // A rogue CA the phone trusts, its leaf for the same host, the real certificates
    // appended: refused, as the pins are not on the path that validates.
    let rogue_root = Made::root();
    let rogue_leaf = rogue_root.leaf(&["localhost"]);
    let rogue = tls_server(&[&rogue_leaf, &leaf, &intermediate]).await;
    let net = pinned_net(rogue, &[&root, &rogue_root], &[&leaf.pin, &root.pin]);
    let err = net
        .call::<Value>(Endpoint::Policy, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Insecure(_)), "{err:?}");
    // Without the anchor, the development CA is not trusted at all.
    let untrusted = pinned_net(url, &[], &[]);
    let err = untrusted
        .call::<Value>(Endpoint::Policy, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Insecure(_)), "{err:?}");
}
