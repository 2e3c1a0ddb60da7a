use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, columns, count_rows};

const OURS: &str = "pseudonym-ours-0001";
const OURS_OLD: &str = "pseudonym-ours-0000";
const THEIRS: &str = "pseudonym-theirs-01";

async fn request(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server
        .call(
            Method::POST,
            "/v1/me/deletion-requests",
            Some(token),
            Some(body),
        )
        .await
}

async fn post_events(server: &TestServer, pseudonym: &str, targets: &[&str]) {
    let events: Vec<_> = targets
        .iter()
        .map(|target| json!({ "kind": "view", "target": target, "at": 1_800_000_000 }))
        .collect();
    let response = server
        .post(
            "/v1/events",
            json!({ "pseudonym": pseudonym, "events": events }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

fn pseudonyms_of(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["pseudonym"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_request_is_accepted_once_and_listed() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let body = json!({
        "purpose": "precise_location",
        "requested_at": 1_800_000_000,
        "request_id": "del-1",
    });
    for _ in 0..2 {
        let response = request(&server, &token, body.clone()).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "request_id": "del-1", "status": "accepted" })
        );
    }
    assert_eq!(count_rows(&server, "deletion_requests"), 1);

    let later = json!({
        "purpose": "third_party_sharing",
        "requested_at": 1_800_000_500,
        "request_id": "del-2",
    });
    let earlier = json!({
        "purpose": "identity_verification",
        "requested_at": 1_700_000_000,
        "request_id": "del-3",
    });
    for body in [later, earlier] {
        let response = request(&server, &token, body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let listed = server
        .expect(
            Method::GET,
            "/v1/me/deletion-requests",
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        listed,
        json!({ "requests": [
            { "request_id": "del-3", "purpose": "identity_verification",
              "requested_at": 1_700_000_000, "status": "accepted" },
            { "request_id": "del-1", "purpose": "precise_location",
              "requested_at": 1_800_000_000, "status": "accepted" },
            { "request_id": "del-2", "purpose": "third_party_sharing",
              "requested_at": 1_800_000_500, "status": "accepted" },
        ] })
    );

    // Request ids are per user: another account's "del-1" is its own request.
    server.advance(60).await;
    let stranger = access(&server.login("13912345678").await);
    let theirs = request(&server, &stranger, body).await;
    assert_eq!(theirs.status(), StatusCode::ACCEPTED);
    assert_eq!(count_rows(&server, "deletion_requests"), 4);
    let listed = server
        .expect(
            Method::GET,
            "/v1/me/deletion-requests",
            &stranger,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed["requests"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn personalisation_deletes_the_users_interest_tags_at_once() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    server.advance(60).await;
    let stranger = access(&server.login("13912345678").await);
    let tags = |token: String| {
        let server = &server;
        async move {
            let body = server
                .expect(
                    Method::GET,
                    "/v1/me/interests",
                    &token,
                    None,
                    StatusCode::OK,
                )
                .await;
            body["tags"].as_array().unwrap().len()
        }
    };
    assert_eq!(tags(token.clone()).await, 3);

    let response = request(
        &server,
        &token,
        json!({ "purpose": "personalisation", "requested_at": 1_800_000_000, "request_id": "p-1" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(tags(token).await, 0);
    assert_eq!(tags(stranger).await, 3, "only the requester's tags go");
    assert_eq!(count_rows(&server, "interests"), 3);
}

#[tokio::test]
async fn browsing_records_deletes_the_events_of_the_pseudonyms_sent_and_a_retry_changes_nothing() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    post_events(&server, OURS_OLD, &["article/1", "article/2"]).await;
    post_events(&server, OURS, &["article/3"]).await;
    post_events(&server, THEIRS, &["article/4"]).await;
    assert_eq!(server.dev_events().await.len(), 4);

    let body = json!({
        "purpose": "browsing_records",
        "requested_at": 1_800_000_000,
        "request_id": "browse-1",
        "pseudonyms": [OURS_OLD, OURS],
    });
    let response = request(&server, &token, body.clone()).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let left = server.dev_events().await;
    assert_eq!(pseudonyms_of(&left), [THEIRS]);
    assert_eq!(left[0]["target"], "article/4");

    // A retry of the same request is answered the same and deletes nothing new.
    post_events(&server, OURS, &["article/5"]).await;
    let retry = request(&server, &token, body).await;
    assert_eq!(retry.status(), StatusCode::ACCEPTED);
    assert_eq!(
        retry.json::<Value>().await.unwrap(),
        json!({ "request_id": "browse-1", "status": "accepted" })
    );
    assert_eq!(pseudonyms_of(&server.dev_events().await), [THEIRS, OURS]);
    assert_eq!(count_rows(&server, "deletion_requests"), 1);

    // The pseudonyms are not kept with the request.
    let listed = server
        .expect(
            Method::GET,
            "/v1/me/deletion-requests",
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        listed["requests"][0].as_object().unwrap().len(),
        4,
        "{listed}"
    );
    assert_eq!(
        columns(&server, "deletion_requests"),
        ["user_id", "request_id", "purpose", "requested_at"]
    );
}

#[tokio::test]
async fn invalid_requests_are_422() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for body in [
        json!({ "purpose": "marketing", "requested_at": 1, "request_id": "a" }),
        json!({ "purpose": "personalisation", "requested_at": 1, "request_id": "" }),
        json!({ "purpose": "personalisation", "requested_at": 1, "request_id": "a/b" }),
        json!({ "purpose": "personalisation", "requested_at": 1, "request_id": "x".repeat(65) }),
        json!({ "purpose": "personalisation", "requested_at": "soon", "request_id": "a" }),
        json!({ "purpose": "personalisation", "requested_at": 1 }),
        json!({ "purpose": "personalisation", "requested_at": 1, "request_id": "a",
                "pseudonyms": [OURS] }),
        json!({ "purpose": "browsing_records", "requested_at": 1, "request_id": "a",
                "pseudonyms": ["short"] }),
        json!({ "purpose": "browsing_records", "requested_at": 1, "request_id": "a",
                "pseudonyms": vec![OURS; 51] }),
    ] {
        let response = request(&server, &token, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    assert_eq!(count_rows(&server, "deletion_requests"), 0);
}
