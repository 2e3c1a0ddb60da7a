use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, columns, count_rows};

const PSEUDONYM: &str = "p-4f9c2a7e1b3d5f60";

fn batch(pseudonym: &str, events: Vec<Value>) -> Value {
    json!({ "pseudonym": pseudonym, "events": events })
}

fn view(target: &str, at: i64) -> Value {
    json!({ "kind": "view", "target": target, "at": at })
}

#[tokio::test]
async fn events_are_accepted_without_a_token_and_stored_with_the_pseudonym_only() {
    let server = TestServer::dev();
    let events = vec![
        view("article/42", 1_800_000_000),
        json!({ "kind": "click", "target": "course/7/enrol", "at": 1_800_000_005 }),
    ];
    let response = server.post("/v1/events", batch(PSEUDONYM, events)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "accepted": 2 })
    );
    assert_eq!(
        server.dev_events().await,
        [
            json!({ "pseudonym": PSEUDONYM, "kind": "view", "target": "article/42",
                    "at": 1_800_000_000 }),
            json!({ "pseudonym": PSEUDONYM, "kind": "click", "target": "course/7/enrol",
                    "at": 1_800_000_005 }),
        ]
    );
}

#[tokio::test]
async fn a_bearer_token_sent_with_events_is_ignored() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let user_id = login["user"]["id"].as_str().unwrap().to_owned();
    let response = server
        .call(
            Method::POST,
            "/v1/events",
            Some(&access(&login)),
            Some(batch(PSEUDONYM, vec![view("article/1", 1)])),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // An invalid token does not matter either: the server never looks.
    let response = server
        .call(
            Method::POST,
            "/v1/events",
            Some("mca_not-a-token"),
            Some(batch(PSEUDONYM, vec![view("article/2", 2)])),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let events = server.dev_events().await;
    assert_eq!(events.len(), 2);
    for event in &events {
        assert_eq!(event.as_object().unwrap().len(), 4, "{event}");
        assert_eq!(event["pseudonym"], PSEUDONYM);
    }
    // The table cannot hold a link to an account, and no column holds the user id.
    assert_eq!(
        columns(&server, "events"),
        ["id", "pseudonym", "kind", "target", "at", "received_at"]
    );
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let linked: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events
             WHERE pseudonym = ?1 OR target = ?1 OR instr(target, ?1) > 0",
            [&user_id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(linked, 0);
}

#[tokio::test]
async fn a_phone_number_in_a_target_refuses_the_whole_batch() {
    let server = TestServer::dev();
    for target in [
        "doctor/13800138000",
        "call+8613912345678",
        "19912345678",
        "x15000000000123",
    ] {
        let response = server
            .post(
                "/v1/events",
                batch(PSEUDONYM, vec![view("article/1", 1), view(target, 2)]),
            )
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "personal_data_refused",
        )
        .await;
        assert!(
            !error["message"]
                .as_str()
                .unwrap()
                .contains(&target[target.len() - 11..]),
            "the refusal echoes the number: {error}"
        );
    }
    assert_eq!(server.dev_events().await, Vec::<Value>::new());
    assert_eq!(count_rows(&server, "events"), 0);

    // Digits that are not a mainland mobile are fine.
    for target in ["article/2026110112", "138-0013-8000", "12800138000"] {
        let response = server
            .post("/v1/events", batch(PSEUDONYM, vec![view(target, 1)]))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{target}");
    }
    assert_eq!(count_rows(&server, "events"), 3);
}

#[tokio::test]
async fn invalid_batches_are_422_and_oversized_ones_413() {
    let server = TestServer::dev();
    let one = || vec![view("article/1", 1)];
    for body in [
        batch("short", one()),
        batch(&"p".repeat(65), one()),
        batch("has spaces in it 123", one()),
        batch(PSEUDONYM, vec![]),
        batch(PSEUDONYM, (0..201).map(|i| view("article/1", i)).collect()),
        batch(
            PSEUDONYM,
            vec![json!({ "kind": "scroll", "target": "a", "at": 1 })],
        ),
        batch(PSEUDONYM, vec![view("", 1)]),
        batch(PSEUDONYM, vec![view(&"t".repeat(129), 1)]),
        batch(
            PSEUDONYM,
            vec![json!({ "kind": "view", "target": "a", "at": "now" })],
        ),
        json!({ "events": one() }),
    ] {
        let response = server.post("/v1/events", body.clone()).await;
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
    assert_eq!(count_rows(&server, "events"), 0);

    // The limits themselves are allowed: 200 events, 128-character targets, 64-char pseudonyms.
    let full = server
        .post(
            "/v1/events",
            batch(
                &"p".repeat(64),
                (0..200).map(|i| view(&"t".repeat(128), i)).collect(),
            ),
        )
        .await;
    assert_eq!(full.status(), StatusCode::ACCEPTED);
    assert_eq!(
        full.json::<Value>().await.unwrap(),
        json!({ "accepted": 200 })
    );

    let oversized = server
        .post(
            "/v1/events",
            batch(PSEUDONYM, vec![view(&"t".repeat(64 * 1024), 1)]),
        )
        .await;
    assert_error(oversized, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
}

#[tokio::test]
async fn forget_deletes_every_event_of_the_pseudonyms_sent() {
    let server = TestServer::dev();
    let old = "pseudonym-old-00001";
    let current = "pseudonym-new-00002";
    let other = "pseudonym-other-0003";
    for (pseudonym, count) in [(old, 2), (current, 1), (other, 1)] {
        let events = (0..count).map(|i| view("article/9", i)).collect();
        let response = server.post("/v1/events", batch(pseudonym, events)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }

    let forget =
        |pseudonyms: Value| server.post("/v1/events/forget", json!({ "pseudonyms": pseudonyms }));
    let response = forget(json!([old, current, "pseudonym-never-seen"])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "deleted": 3 })
    );
    let left = server.dev_events().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["pseudonym"], other);

    let again = forget(json!([old])).await;
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({ "deleted": 0 })
    );

    for invalid in [
        json!([]),
        json!(["short"]),
        json!(vec![old; 51]),
        json!("x"),
    ] {
        assert_error(
            forget(invalid).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    assert_eq!(count_rows(&server, "events"), 1);
}

#[tokio::test]
async fn the_events_witness_exists_only_in_dev_mode() {
    let server = TestServer::production();
    assert_error(
        server.get("/dev/events").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = server
        .post("/v1/events", batch(PSEUDONYM, vec![view("article/1", 1)]))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(count_rows(&server, "events"), 1);
}
