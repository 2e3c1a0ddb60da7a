use reqwest::{StatusCode, header};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::TestServer;

const TEXT: &str = include_str!("../../policy/privacy-policy.txt");

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
