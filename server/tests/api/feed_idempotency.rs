use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error};
use crate::feed::{id, send, stats, two_users};
use crate::feed_photos::{png, upload};

const REPLAY: &str = "Idempotent-Replay";

/// `POST /v1/posts` with `body` as `token`, under the Idempotency-Key `key`.
async fn create(server: &TestServer, token: &str, key: &str, body: Value) -> Response {
    send(
        server,
        Method::POST,
        "/v1/posts",
        token,
        Some(key),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_answer_without_acting_again() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let body = json!({ "text": "Only once, please" });
    let first = create(&server, &token, "post-1", body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get(REPLAY).is_none());
    let first: Value = first.json().await.unwrap();

    let again = create(&server, &token, "post-1", body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()[REPLAY], "true");
    assert_eq!(
        again.headers()[reqwest::header::CONTENT_TYPE],
        "application/json"
    );
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(
        stats(&server).await,
        json!({ "posts": 41, "comments": 12, "idempotency_keys": 1 })
    );

    // The same key for another request is refused, whatever differs.
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/posts",
            Some(json!({ "text": "Something else" })),
        ),
        (
            Method::POST,
            "/v1/posts",
            Some(json!({ "text": "Only once, please", "photo_ids": ["ph_0000000000000000"] })),
        ),
        (
            Method::PUT,
            &*format!("/v1/posts/{}/like", id(&first)),
            None,
        ),
    ] {
        let response = send(&server, method, path, &token, Some("post-1"), body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;
    }
    assert_eq!(stats(&server).await["posts"], 41);
}

#[tokio::test]
async fn keys_belong_to_a_user_and_expire_after_24_hours() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let body = json!({ "text": "Same key, two users" });
    for session in [&first, &second] {
        let response = create(&server, &access(session), "shared", body.clone()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(response.headers().get(REPLAY).is_none());
    }
    assert_eq!(stats(&server).await["posts"], 42);

    server.advance(86_400).await;
    let refreshed = server
        .refresh(first["refresh_token"].as_str().unwrap())
        .await;
    let token = access(&refreshed.json::<Value>().await.unwrap());
    assert_eq!(stats(&server).await["idempotency_keys"], 0);
    let response = create(&server, &token, "shared", json!({ "text": "new day" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get(REPLAY).is_none());
    assert_eq!(stats(&server).await["posts"], 43);
}

#[tokio::test]
async fn malformed_keys_are_refused_and_failures_keep_nothing() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for key in ["has space", "ключ", "a.b", &"k".repeat(65)] {
        let response = create(&server, &token, key, json!({ "text": "x" })).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
    }
    let long = "K_-9".repeat(16);
    let response = create(&server, &token, &long, json!({ "text": "x" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // A refused request stores no answer: fixed, the same key then acts.
    let response = create(&server, &token, "retry", json!({ "text": "" })).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_text").await;
    let response = create(&server, &token, "retry", json!({ "text": "fixed" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        stats(&server).await,
        json!({ "posts": 42, "comments": 12, "idempotency_keys": 2 })
    );
}

#[tokio::test]
async fn every_feed_write_replays() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));

    let uploaded = upload(&server, &mine, "image/png", png(3, 2), Some("photo")).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let photo: Value = uploaded.json().await.unwrap();
    let again = upload(&server, &mine, "image/png", png(3, 2), Some("photo")).await;
    assert_eq!(again.headers()[REPLAY], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), photo);
    let other = upload(&server, &mine, "image/png", png(3, 3), Some("photo")).await;
    assert_error(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(crate::common::count_rows(&server, "photos"), 1);

    let post = crate::feed::publish(&server, &theirs, "to react to").await;
    let post = id(&post);
    let comments = format!("/v1/posts/{post}/comments");
    let writes = [
        (
            Method::PUT,
            format!("/v1/posts/{post}/like"),
            None,
            StatusCode::OK,
        ),
        (
            Method::PUT,
            format!("/v1/posts/{post}/collect"),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            format!("/v1/posts/{post}/share"),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            comments.clone(),
            Some(json!({ "text": "once" })),
            StatusCode::CREATED,
        ),
        (
            Method::DELETE,
            format!("/v1/posts/{post}/collect"),
            None,
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("/v1/posts/{post}/like"),
            None,
            StatusCode::OK,
        ),
    ];
    for (i, (method, path, body, status)) in writes.into_iter().enumerate() {
        let key = format!("write-{i}");
        let first = send(
            &server,
            method.clone(),
            &path,
            &mine,
            Some(&key),
            body.clone(),
        )
        .await;
        assert_eq!(first.status(), status, "{method} {path}");
        let first = first.bytes().await.unwrap();
        let second = send(&server, method.clone(), &path, &mine, Some(&key), body).await;
        assert_eq!(second.status(), status, "{method} {path}");
        assert_eq!(second.headers()[REPLAY], "true", "{method} {path}");
        assert_eq!(second.bytes().await.unwrap(), first, "{method} {path}");
    }
    let listed = crate::feed::get(&server, &mine, &comments).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // A delete replays its 204 rather than answering 404 the second time.
    let comment = format!("/v1/comments/{}", id(&listed["items"][0]));
    let post_path = format!("/v1/posts/{post}");
    for (path, token) in [(&comment, &mine), (&post_path, &theirs)] {
        for replay in [false, true] {
            let response = send(&server, Method::DELETE, path, token, Some("delete"), None).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "{path}");
            assert_eq!(response.headers().get(REPLAY).is_some(), replay, "{path}");
            assert!(
                response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .is_none()
            );
        }
    }
}

#[tokio::test]
async fn concurrent_repeats_act_once() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let body = json!({ "text": "Sent five times at once" });
    let once = || create(&server, &token, "burst", body.clone());
    let (a, b, c, d, e) = tokio::join!(once(), once(), once(), once(), once());
    let mut posts = Vec::new();
    let mut replays = 0;
    for response in [a, b, c, d, e] {
        assert_eq!(response.status(), StatusCode::CREATED);
        replays += usize::from(response.headers().get(REPLAY).is_some());
        posts.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(replays, 4);
    assert!(posts.iter().all(|post| *post == posts[0]));
    assert_eq!(stats(&server).await["posts"], 41);
}
