use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{TestServer, assert_error};

const TEXT: &str = include_str!("../../policy/privacy-policy.txt");

const PURPOSES: [&str; 6] = [
    "privacy_policy",
    "personalisation",
    "browsing_records",
    "precise_location",
    "identity_verification",
    "third_party_sharing",
];

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A valid publish body for `version`, with an extra section.
fn draft(version: &str) -> Value {
    json!({
        "version": version,
        "changes": ["Adds how long we keep browsing records.", "Drops third-party sharing."],
        "purposes": ["privacy_policy", "personalisation", "browsing_records"],
        "section": {
            "id": "retention",
            "title": "5. How long we keep your information",
            "text": "Browsing records are kept for 30 days.\n\nInterest tags until you delete them.",
        },
    })
}

async fn publish(server: &TestServer, body: Value) -> Response {
    server.post("/dev/policy/publish", body).await
}

/// The policy in force, its ETag checked against its hash.
async fn current(server: &TestServer) -> Value {
    let response = server.get("/v1/policy").await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let policy: Value = response.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", policy["hash"].as_str().unwrap()));
    policy
}

#[tokio::test]
async fn policy_is_served_with_the_hash_of_its_exact_text() {
    let server = TestServer::production();
    let response = server.get("/v1/policy").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let hash = hex::encode(Sha256::digest(TEXT.as_bytes()));
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(etag, format!("\"{hash}\""));

    let policy: Value = response.json().await.unwrap();
    assert_eq!(policy["version"], "2026-11-01");
    assert_eq!(policy["hash"], hash);
    assert_eq!(policy["title"], "MedCircle Privacy Policy");
    assert_eq!(policy["purposes"], json!(PURPOSES));
    assert_eq!(policy["changes"], json!([]));
    assert_eq!(policy["previous_version"], Value::Null);
    assert_eq!(policy.as_object().unwrap().len(), 7, "{policy}");
    let sections = policy["sections"].as_array().unwrap();
    let ids: Vec<_> = sections.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "introduction",
            "scope",
            "how-we-collect-and-use",
            "account-information",
            "function-and-service",
            "purpose",
            "sharing-transfer-disclosure",
            "protection",
        ]
    );
    assert_eq!(sections[1]["title"], "1. Scope");
    assert_eq!(sections[3]["title"], "Account information related");
    let account = sections[3]["text"].as_str().unwrap();
    assert!(
        account.starts_with("(1) Account registration and login"),
        "{account}"
    );
    assert!(account.contains("mobile phone SMS verification code"));
    for section in sections {
        assert!(!section["text"].as_str().unwrap().is_empty(), "{section}");
    }
}

#[tokio::test]
async fn policy_supports_conditional_requests() {
    let server = TestServer::production();
    let etag = server.get("/v1/policy").await.headers()[header::ETAG].clone();
    let unchanged = server
        .http
        .get(server.url("/v1/policy"))
        .header(header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()[header::ETAG], etag);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    let stale = server
        .http
        .get(server.url("/v1/policy"))
        .header(header::IF_NONE_MATCH, "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_published_version_replaces_the_built_in_one() {
    let server = TestServer::dev();
    let old_hash = sha256(TEXT);
    let response = publish(&server, draft("2027-01-01")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let published: Value = response.json().await.unwrap();

    // The new text: the built-in one, then the section's title and text as paragraphs.
    let text = format!(
        "{}\n\n5. How long we keep your information\n\n\
         Browsing records are kept for 30 days.\n\nInterest tags until you delete them.\n",
        TEXT.trim_end()
    );
    let hash = sha256(&text);
    assert_ne!(hash, old_hash);
    assert_eq!(published, json!({ "version": "2027-01-01", "hash": hash }));

    let policy = current(&server).await;
    assert_eq!(policy["version"], "2027-01-01");
    assert_eq!(policy["hash"], hash);
    assert_eq!(policy["title"], "MedCircle Privacy Policy");
    assert_eq!(
        policy["purposes"],
        json!(["privacy_policy", "personalisation", "browsing_records"])
    );
    assert_eq!(
        policy["changes"],
        json!([
            "Adds how long we keep browsing records.",
            "Drops third-party sharing."
        ])
    );
    assert_eq!(policy["previous_version"], "2026-11-01");
    let sections = policy["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 9);
    assert_eq!(sections[1]["id"], "scope");
    assert_eq!(
        sections[8],
        json!({
            "id": "retention",
            "title": "5. How long we keep your information",
            "text": "Browsing records are kept for 30 days.\n\nInterest tags until you delete them.",
        })
    );

    // A client holding the old version's ETag gets the new one.
    let revalidated = server
        .http
        .get(server.url("/v1/policy"))
        .header(header::IF_NONE_MATCH, format!("\"{old_hash}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::OK);
    assert_eq!(
        revalidated.headers()[header::ETAG],
        format!("\"{hash}\"").as_str()
    );
    let unchanged = server
        .http
        .get(server.url("/v1/policy"))
        .header(header::IF_NONE_MATCH, format!("\"{hash}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn publishing_twice_chains_previous_versions() {
    let server = TestServer::dev();
    let first = publish(&server, draft("2027-01-01")).await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = json!({
        "version": "v2.1_rc-1",
        "changes": ["Covers every purpose again."],
        "purposes": PURPOSES,
    });
    let response = publish(&server, second).await;
    assert_eq!(response.status(), StatusCode::OK);
    let published: Value = response.json().await.unwrap();

    let policy = current(&server).await;
    assert_eq!(policy["version"], "v2.1_rc-1");
    assert_eq!(policy["previous_version"], "2027-01-01");
    assert_eq!(policy["purposes"], json!(PURPOSES));
    assert_eq!(policy["changes"], json!(["Covers every purpose again."]));
    // Without a section, the text is the built-in one: not the previous version's.
    assert_eq!(policy["sections"].as_array().unwrap().len(), 8);
    assert_eq!(policy["hash"], sha256(TEXT));
    assert_eq!(published["hash"], policy["hash"]);
}

#[tokio::test]
async fn a_version_is_published_only_once() {
    let server = TestServer::dev();
    let built_in = publish(&server, draft("2026-11-01")).await;
    assert_error(built_in, StatusCode::CONFLICT, "version_exists").await;
    assert_eq!(
        publish(&server, draft("2027-01-01")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        publish(&server, draft("2027-01-02")).await.status(),
        StatusCode::OK
    );
    for taken in ["2026-11-01", "2027-01-01", "2027-01-02"] {
        let again = publish(&server, draft(taken)).await;
        assert_error(again, StatusCode::CONFLICT, "version_exists").await;
    }
    let policy = current(&server).await;
    assert_eq!(policy["version"], "2027-01-02");
    assert_eq!(policy["previous_version"], "2027-01-01");
}

#[tokio::test]
async fn invalid_drafts_are_refused_and_change_nothing() {
    let server = TestServer::dev();
    let before = current(&server).await;
    let invalid = [
        ("purposes", json!([])),
        ("purposes", json!(["personalisation"])),
        ("purposes", json!(["privacy_policy", "marketing"])),
        ("purposes", json!(["privacy_policy", "privacy_policy"])),
        ("purposes", json!(["privacy_policy", "Personalisation"])),
        ("purposes", json!("privacy_policy")),
        ("changes", json!([])),
        ("changes", json!([""])),
        ("changes", json!(["   "])),
        ("changes", json!(vec!["a change"; 21])),
        ("version", json!("")),
        ("version", json!("v".repeat(33))),
        ("version", json!("2027/01/01")),
        ("version", json!(20270101)),
        (
            "section",
            json!({ "id": "Retention", "title": "t", "text": "x" }),
        ),
        (
            "section",
            json!({ "id": "scope", "title": "t", "text": "x" }),
        ),
        (
            "section",
            json!({ "id": "retention", "title": " ", "text": "x" }),
        ),
        (
            "section",
            json!({ "id": "retention", "title": "t", "text": "" }),
        ),
        ("section", json!({ "id": "retention", "title": "t" })),
    ];
    for (field, value) in invalid {
        let mut body = draft("2027-01-01");
        body[field] = value;
        let response = publish(&server, body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    for missing in ["version", "changes", "purposes"] {
        let mut body = draft("2027-01-01");
        body.as_object_mut().unwrap().remove(missing);
        let response = publish(&server, body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    assert_eq!(current(&server).await, before);
    // The version of a refused draft is still free.
    assert_eq!(
        publish(&server, draft("2027-01-01")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn publishing_needs_dev_mode() {
    let server = TestServer::production();
    let response = publish(&server, draft("2027-01-01")).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let policy = current(&server).await;
    assert_eq!(policy["version"], "2026-11-01");
    assert_eq!(policy["hash"], sha256(TEXT));
}
