use reqwest::StatusCode;
use serde_json::json;

use crate::common::{DEVICE, PHONE, TestServer, assert_error, assert_rate_limited};

const OTHER_PHONE: &str = "13912345678";

#[tokio::test]
async fn cooldown_per_phone() {
    let server = TestServer::dev();
    assert_eq!(
        server.send_code(PHONE, "device-a").await.status(),
        StatusCode::OK
    );
    assert_rate_limited(server.send_code(PHONE, "device-b").await, 59..=60).await;
    server.advance(30).await;
    assert_rate_limited(server.send_code(PHONE, "device-b").await, 29..=30).await;
    server.advance(30).await;
    assert_eq!(
        server.send_code(PHONE, "device-b").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cooldown_per_device() {
    let server = TestServer::dev();
    assert_eq!(
        server.send_code(PHONE, "device-a").await.status(),
        StatusCode::OK
    );
    assert_rate_limited(server.send_code(OTHER_PHONE, "device-a").await, 59..=60).await;
    assert_eq!(
        server.send_code(OTHER_PHONE, "device-b").await.status(),
        StatusCode::OK
    );
    server.advance(60).await;
    assert_eq!(
        server.send_code("15000000000", "device-a").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn ten_sends_per_phone_per_requester_per_rolling_day() {
    let server = TestServer::dev();
    for i in 0..10 {
        let sent = server
            .send_code_solving(&server.http, PHONE, &format!("device-{i}"))
            .await;
        assert_eq!(sent.status(), StatusCode::OK, "send {i}");
        server.advance(60).await;
    }
    // Ten sends at t0, t0+60, … t0+540; now t0+600: the first leaves the window at t0+86400.
    let wait = 86_400 - 600;
    let retry_after =
        assert_rate_limited(server.send_code(PHONE, "device-x").await, wait - 60..=wait).await;
    assert_eq!(
        server.send_code(OTHER_PHONE, "device-y").await.status(),
        StatusCode::OK
    );
    server.advance(retry_after.try_into().unwrap()).await;
    assert_eq!(
        server
            .send_code_solving(&server.http, PHONE, "device-x")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn code_expires_after_300_s() {
    let server = TestServer::dev();
    server.send_code(PHONE, DEVICE).await;
    let code = server.outbox_code(PHONE).await;
    server.advance(301).await;
    assert_error(
        server.verify(PHONE, &code).await,
        StatusCode::GONE,
        "code_expired",
    )
    .await;
}

#[tokio::test]
async fn code_still_valid_just_before_expiry() {
    let server = TestServer::dev();
    server.send_code(PHONE, DEVICE).await;
    let code = server.outbox_code(PHONE).await;
    server.advance(298).await;
    assert_eq!(server.verify(PHONE, &code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_tries_lock_the_code_until_a_new_one_is_sent() {
    let server = TestServer::dev();
    server.send_code(PHONE, DEVICE).await;
    let code = server.outbox_code(PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempts_left in (1..=4).rev() {
        let error = assert_error(
            server.verify(PHONE, wrong).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_code",
        )
        .await;
        assert_eq!(error["attempts_left"], attempts_left);
    }
    assert_error(
        server.verify(PHONE, wrong).await,
        StatusCode::LOCKED,
        "code_locked",
    )
    .await;
    assert_error(
        server.verify(PHONE, &code).await,
        StatusCode::LOCKED,
        "code_locked",
    )
    .await;
    assert_error(
        server.verify(PHONE, wrong).await,
        StatusCode::LOCKED,
        "code_locked",
    )
    .await;

    server.advance(60).await;
    assert_eq!(
        server.send_code(PHONE, DEVICE).await.status(),
        StatusCode::OK
    );
    let fresh = server.outbox_code(PHONE).await;
    assert_eq!(server.verify(PHONE, &fresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn code_is_single_use() {
    let server = TestServer::dev();
    server.send_code(PHONE, DEVICE).await;
    let code = server.outbox_code(PHONE).await;
    assert_eq!(server.verify(PHONE, &code).await.status(), StatusCode::OK);
    assert_error(
        server.verify(PHONE, &code).await,
        StatusCode::GONE,
        "code_expired",
    )
    .await;
}

#[tokio::test]
async fn a_new_send_replaces_the_previous_code() {
    let server = TestServer::dev();
    server.send_code(PHONE, DEVICE).await;
    let first = server.outbox_code(PHONE).await;
    server.advance(60).await;
    server.send_code(PHONE, DEVICE).await;
    let second = server.outbox_code(PHONE).await;
    if first != second {
        let error = assert_error(
            server.verify(PHONE, &first).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_code",
        )
        .await;
        assert_eq!(error["attempts_left"], 4);
    }
    assert_eq!(server.verify(PHONE, &second).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn verify_without_a_sent_code_is_expired() {
    let server = TestServer::dev();
    assert_error(
        server.verify(PHONE, "123456").await,
        StatusCode::GONE,
        "code_expired",
    )
    .await;
}

#[tokio::test]
async fn invalid_phones_are_rejected() {
    let server = TestServer::dev();
    for phone in [
        "+8613800138000",
        "1380013800",
        "138001380001",
        "12800138000",
        "abcdefghijk",
        "",
    ] {
        assert_error(
            server.send_code(phone, DEVICE).await,
            StatusCode::BAD_REQUEST,
            "invalid_phone",
        )
        .await;
        assert_error(
            server.verify(phone, "123456").await,
            StatusCode::BAD_REQUEST,
            "invalid_phone",
        )
        .await;
    }
    // Rejected sends count for nothing: the real number is not in cooldown.
    assert_eq!(
        server.send_code(PHONE, DEVICE).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_device_ids_are_rejected() {
    let server = TestServer::dev();
    for device in [
        String::new(),
        "a".repeat(65),
        "has space".into(),
        "ümlaut".into(),
    ] {
        let error = assert_error(
            server.send_code(PHONE, &device).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
        assert!(error["message"].as_str().unwrap().contains("device_id"));
    }
    let longest = "a".repeat(64);
    assert_eq!(
        server.send_code(PHONE, &longest).await.status(),
        StatusCode::OK
    );
    let verify = server
        .post(
            "/v1/auth/sms/verify",
            json!({ "phone": PHONE, "code": "123456", "device_id": "" }),
        )
        .await;
    assert_error(verify, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
}
