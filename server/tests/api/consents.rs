use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows};

fn record(purpose: &str, granted: bool, decided_at: i64) -> Value {
    json!({
        "purpose": purpose,
        "granted": granted,
        "policy_version": "2026-11-01",
        "decided_at": decided_at,
    })
}

async fn put(server: &TestServer, token: &str, records: Vec<Value>) -> reqwest::Response {
    server
        .call(
            Method::PUT,
            "/v1/me/consents",
            Some(token),
            Some(json!({ "records": records })),
        )
        .await
}

async fn history(server: &TestServer, token: &str) -> Value {
    server
        .expect(Method::GET, "/v1/me/consents", token, None, StatusCode::OK)
        .await
}

#[tokio::test]
async fn records_round_trip_in_decision_order_and_follow_the_user_to_a_new_login() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    assert_eq!(history(&server, &token).await, json!({ "records": [] }));

    let uploaded = vec![
        record("personalisation", true, 1_800_000_300),
        record("privacy_policy", true, 1_800_000_000),
        record("browsing_records", false, 1_800_000_300),
    ];
    let response = put(&server, &token, uploaded.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "stored": 3 })
    );

    // By decided_at, then upload order for the tie.
    let expected = json!({ "records": [uploaded[1], uploaded[0], uploaded[2]] });
    assert_eq!(history(&server, &token).await, expected);

    // A second login (a new device) sees the same history.
    server.advance(60).await;
    let other_device = access(&server.login(PHONE).await);
    assert_eq!(history(&server, &other_device).await, expected);

    // Another account sees nothing of it.
    server.advance(60).await;
    let stranger = access(&server.login("13912345678").await);
    assert_eq!(history(&server, &stranger).await, json!({ "records": [] }));
}

#[tokio::test]
async fn identical_records_are_stored_once() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let granted = record("precise_location", true, 1_800_000_000);
    let withdrawn = record("precise_location", false, 1_800_000_100);

    let first = put(&server, &token, vec![granted.clone(), granted.clone()]).await;
    assert_eq!(first.json::<Value>().await.unwrap(), json!({ "stored": 1 }));
    let again = put(&server, &token, vec![granted.clone(), withdrawn.clone()]).await;
    assert_eq!(again.json::<Value>().await.unwrap(), json!({ "stored": 1 }));
    let retry = put(&server, &token, vec![withdrawn.clone(), granted.clone()]).await;
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({ "stored": 0 }));

    // Same decision under another policy version is a new record.
    let mut newer = granted.clone();
    newer["policy_version"] = json!("2027-01-01");
    let newer_put = put(&server, &token, vec![newer.clone()]).await;
    assert_eq!(
        newer_put.json::<Value>().await.unwrap(),
        json!({ "stored": 1 })
    );
    assert_eq!(
        history(&server, &token).await,
        json!({ "records": [granted, newer, withdrawn] })
    );
    assert_eq!(count_rows(&server, "consents"), 3);
}

/// A grant, a withdrawal and a grant again within one second are three decisions when each
/// has its own id; a repeated upload is known by the id; bad ids are refused.
#[tokio::test]
async fn decisions_with_ids_in_one_second_are_all_kept_and_once_each() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let decided = [true, false, true, false]
        .into_iter()
        .enumerate()
        .map(|(n, granted)| {
            let mut decision = record("browsing_records", granted, 1_800_000_000);
            decision["record_id"] = json!(format!("{n:032x}"));
            decision
        })
        .collect::<Vec<_>>();
    let first = put(&server, &token, decided.clone()).await;
    assert_eq!(first.json::<Value>().await.unwrap(), json!({ "stored": 4 }));
    let retry = put(&server, &token, decided.clone()).await;
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({ "stored": 0 }));
    assert_eq!(
        history(&server, &token).await,
        json!({ "records": decided }),
        "all four, in the order they were made: the last one, withdrawn, wins"
    );
    for bad in [
        "",
        "0123",
        &"A".repeat(32),
        &"0".repeat(33),
        &"g".repeat(32),
    ] {
        let mut decision = record("browsing_records", true, 1_800_000_001);
        decision["record_id"] = json!(bad);
        assert_error(
            put(&server, &token, vec![decision]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    assert_eq!(count_rows(&server, "consents"), 4);
}

#[tokio::test]
async fn invalid_purposes_sizes_and_types_are_422_and_store_nothing() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);

    let mixed = put(
        &server,
        &token,
        vec![
            record("personalisation", true, 1),
            record("marketing", true, 2),
        ],
    )
    .await;
    let error = assert_error(mixed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("third_party_sharing"),
        "{error}"
    );

    let empty = put(&server, &token, vec![]).await;
    assert_error(empty, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    let too_many = put(
        &server,
        &token,
        (0..101)
            .map(|i| record("personalisation", true, i))
            .collect(),
    )
    .await;
    assert_error(
        too_many,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    let mut wrong_type = record("personalisation", true, 1);
    wrong_type["granted"] = json!("yes");
    let wrong_type = put(&server, &token, vec![wrong_type]).await;
    assert_error(
        wrong_type,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    let mut no_version = record("personalisation", true, 1);
    no_version["policy_version"] = json!("");
    let no_version = put(&server, &token, vec![no_version]).await;
    assert_error(
        no_version,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;

    // Exactly 100 is allowed.
    let hundred = put(
        &server,
        &token,
        (0..100)
            .map(|i| record("personalisation", i % 2 == 0, i))
            .collect(),
    )
    .await;
    assert_eq!(
        hundred.json::<Value>().await.unwrap(),
        json!({ "stored": 100 })
    );
    assert_eq!(count_rows(&server, "consents"), 100);
}
