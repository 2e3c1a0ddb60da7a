use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{DEVICE, PHONE, TestServer, assert_error, unix_now};

#[tokio::test]
async fn requests_are_recorded_in_order_without_dev_paths_or_query_strings() {
    let server = TestServer::dev();
    let empty: Value = server.get("/dev/requests").await.json().await.unwrap();
    assert_eq!(empty, json!({ "requests": [] }));

    server.get("/v1/policy").await;
    server.send_code(PHONE, DEVICE).await;
    server.outbox_code(PHONE).await;
    server.get("/v1/nowhere?phone=13800138000").await;
    server.advance(10).await;
    server.get("/v1/me").await;

    let response = server.get("/dev/requests").await;
    assert_eq!(response.status(), StatusCode::OK);
    let log: Value = response.json().await.unwrap();
    let requests = log["requests"].as_array().unwrap();
    let seen: Vec<_> = requests
        .iter()
        .map(|r| (r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/v1/policy"),
            ("POST", "/v1/auth/sms/send"),
            ("GET", "/v1/nowhere"),
            ("GET", "/v1/me"),
        ]
    );
    let first = requests[0]["at"].as_i64().unwrap();
    let last = requests[3]["at"].as_i64().unwrap();
    assert!((first - unix_now()).abs() <= 5, "{first}");
    assert!(
        (10..=12).contains(&(last - first)),
        "recorded on the server clock: {first} {last}"
    );
}

#[tokio::test]
async fn clock_advance_moves_server_time() {
    let server = TestServer::dev();
    let now = server.advance(0).await;
    assert!((now - unix_now()).abs() <= 2, "{now}");
    let later = server.advance(3600).await;
    assert!((3600..=3602).contains(&(later - now)), "{now} {later}");
}

#[tokio::test]
async fn outbox_holds_the_last_code_per_phone() {
    let server = TestServer::dev();
    let none = server.get(&format!("/dev/sms/outbox?phone={PHONE}")).await;
    assert_error(none, StatusCode::NOT_FOUND, "not_found").await;

    server.send_code(PHONE, DEVICE).await;
    let response = server.get(&format!("/dev/sms/outbox?phone={PHONE}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let entry: Value = response.json().await.unwrap();
    assert_eq!(entry["phone"], PHONE);
    assert!((entry["sent_at"].as_i64().unwrap() - unix_now()).abs() <= 5);
    let entry = entry.as_object().unwrap();
    assert_eq!(entry.len(), 3);

    let other = server.get("/dev/sms/outbox?phone=13912345678").await;
    assert_error(other, StatusCode::NOT_FOUND, "not_found").await;
    let invalid = server.get("/dev/sms/outbox?phone=123").await;
    assert_error(invalid, StatusCode::BAD_REQUEST, "invalid_phone").await;
    let missing = server.get("/dev/sms/outbox").await;
    assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
}
