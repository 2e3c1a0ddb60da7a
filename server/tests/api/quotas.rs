//! Budgets on what costs the server storage or work: 429 `rate_limited` with Retry-After,
//! counted per requester (address) or per user; and size checks on every image.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::certification::{png, upload as upload_certificate};
use crate::common::{PHONE, TestServer, access, assert_error, assert_rate_limited, client_from};
use crate::feed_photos::upload as upload_photo;

#[tokio::test]
async fn browser_logins_are_budgeted_per_requester() {
    let server = TestServer::dev();
    let browser = client_from("127.0.0.3");
    let start = || browser.post(server.url("/web/login")).send();
    for n in 0..20 {
        assert_eq!(
            start().await.unwrap().status(),
            StatusCode::CREATED,
            "login {n}"
        );
    }
    assert_rate_limited(start().await.unwrap(), 590..=600).await;
    let page = browser.get(server.url("/web/login")).send().await.unwrap();
    assert_eq!(
        page.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the page starts one too"
    );
    let elsewhere = server
        .http
        .post(server.url("/web/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
    server.advance(600).await;
    assert_eq!(start().await.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn browsing_events_are_budgeted_per_requester_by_count() {
    let server = TestServer::dev();
    let sender = client_from("127.0.0.4");
    let batch = |n: usize| {
        let events: Vec<_> = (0..n)
            .map(|i| json!({ "kind": "view", "target": format!("post/{i}"), "at": 1 }))
            .collect();
        json!({ "pseudonym": "pseudonym-0123456789", "events": events })
    };
    let send = |n| sender.post(server.url("/v1/events")).json(&batch(n)).send();
    for _ in 0..10 {
        assert_eq!(send(100).await.unwrap().status(), StatusCode::ACCEPTED);
    }
    assert_rate_limited(send(1).await.unwrap(), 3_590..=3_600).await;
    assert_eq!(crate::common::count_rows(&server, "events"), 1_000);
}

#[tokio::test]
async fn certificate_photos_are_budgeted_per_user_and_checked_for_size() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let huge = upload_certificate(
        &server,
        &token,
        "physician",
        "image/png",
        png(4_000_000_000, 4_000_000_000),
    )
    .await;
    assert_error(huge, StatusCode::BAD_REQUEST, "photo_too_large_dimensions").await;
    let wide = upload_certificate(&server, &token, "physician", "image/png", png(4097, 10)).await;
    assert_error(wide, StatusCode::BAD_REQUEST, "photo_too_large_dimensions").await;
    for n in 0..10 {
        let uploaded =
            upload_certificate(&server, &token, "practising", "image/png", png(800, 600)).await;
        assert_eq!(uploaded.status(), StatusCode::CREATED, "upload {n}");
    }
    let refused =
        upload_certificate(&server, &token, "practising", "image/png", png(800, 600)).await;
    assert_rate_limited(refused, 86_000..=86_400).await;
    assert_eq!(
        crate::common::count_rows(&server, "certification_photos"),
        10
    );
}

#[tokio::test]
async fn post_photos_are_budgeted_per_user() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for n in 0..60 {
        let uploaded = upload_photo(&server, &token, "image/png", png(64, 64), None).await;
        assert_eq!(uploaded.status(), StatusCode::CREATED, "upload {n}");
    }
    let refused = upload_photo(&server, &token, "image/png", png(64, 64), None).await;
    assert_rate_limited(refused, 3_500..=3_600).await;
    // Reading is not budgeted.
    let limits = server.call(Method::GET, "/v1/limits", None, None).await;
    assert_eq!(limits.status(), StatusCode::OK);
}
