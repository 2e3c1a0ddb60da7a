use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows, unix_now};

fn report() -> Value {
    json!({
        "model": "Pixel 8",
        "os": "android",
        "os_version": "15",
        "app_version": "1.4.0",
        "network_type": "wifi",
        "carrier": "China Mobile",
        "install_id": "install-7f3a9c",
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut report = report();
    report[field] = value;
    report
}

async fn send(server: &TestServer, token: Option<&str>, body: Value) -> reqwest::Response {
    server
        .call(Method::POST, "/v1/risk/device", token, Some(body))
        .await
}

async fn witness(server: &TestServer) -> Vec<Value> {
    let response = server.get("/dev/risk/devices").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["devices"].as_array().unwrap().clone()
}

async fn export(server: &TestServer, token: &str) -> Value {
    server
        .expect(Method::GET, "/v1/me/export", token, None, StatusCode::OK)
        .await
}

#[tokio::test]
async fn reports_are_stored_under_the_user_and_shown_only_to_them_and_the_witness() {
    let server = TestServer::dev();
    assert_eq!(witness(&server).await, Vec::<Value>::new());
    let first = server.login(PHONE).await;
    let first_id = first["user"]["id"].clone();
    let token = server.carrier_token("13912345678", "China Unicom").await;
    let second: Value = server.one_tap(&token).await.json().await.unwrap();
    let second_id = second["user"]["id"].clone();

    let response = send(&server, Some(&access(&first)), report()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let received_first = unix_now();
    server.advance(30).await;
    let ios = json!({
        "model": "iPhone 15",
        "os": "ios",
        "os_version": "18.1",
        "app_version": "1.4.0",
        "network_type": "cellular",
        "carrier": null,
        "install_id": "ios_install_1",
    });
    let response = send(&server, Some(&access(&second)), ios.clone()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Without a SIM the carrier may also be left out: stored as null.
    let mut linux = with("os", json!("linux"));
    linux["network_type"] = json!("ethernet");
    linux.as_object_mut().unwrap().remove("carrier");
    let response = send(&server, Some(&access(&first)), linux.clone()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let seen = witness(&server).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    let at = |i: usize| seen[i]["received_at"].as_i64().unwrap();
    assert!((at(0) - received_first).abs() <= 5, "{seen:?}");
    assert!(
        (30..=32).contains(&(at(1) - at(0))),
        "server clock: {seen:?}"
    );
    assert!((0..=2).contains(&(at(2) - at(1))), "{seen:?}");
    let witnessed = |user: &Value, report: &Value, received_at: i64| {
        let mut expected = report.clone();
        expected["user_id"] = user.clone();
        expected["received_at"] = json!(received_at);
        expected["carrier"] = report.get("carrier").cloned().unwrap_or(Value::Null);
        expected
    };
    assert_eq!(seen[0], witnessed(&first_id, &report(), at(0)));
    assert_eq!(seen[1], witnessed(&second_id, &ios, at(1)));
    assert_eq!(seen[2], witnessed(&first_id, &linux, at(2)));
    assert_eq!(seen[0].as_object().unwrap().len(), 9);

    // The export holds the user's own reports, without the user id.
    let devices = |i: usize| {
        let mut device = seen[i].clone();
        device.as_object_mut().unwrap().remove("user_id");
        device
    };
    let mine = export(&server, &access(&first)).await;
    assert_eq!(mine["devices"], json!([devices(0), devices(2)]));
    let theirs = export(&server, &access(&second)).await;
    assert_eq!(theirs["devices"], json!([devices(1)]));
    let text = serde_json::to_string(&mine).unwrap();
    assert!(!text.contains("user_id"), "{text}");
    assert!(!text.contains("ios_install_1"), "{text}");

    // Nothing else returns them.
    for path in ["/v1/me", "/v1/me/consents", "/v1/me/interests"] {
        let body = server
            .expect(Method::GET, path, &access(&first), None, StatusCode::OK)
            .await;
        assert!(!body.to_string().contains("install-7f3a9c"), "{path}");
    }

    // Deleting the account deletes its reports, and only its.
    let deleted = server
        .call(Method::DELETE, "/v1/me", Some(&access(&first)), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(count_rows(&server, "risk_devices"), 1);
    assert_eq!(witness(&server).await, [seen[1].clone()]);
}

#[tokio::test]
async fn reporting_needs_a_valid_access_token_before_anything_else() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let refresh = login["refresh_token"].as_str().unwrap();
    for token in [None, Some("mca_unknown"), Some(refresh)] {
        for body in [report(), json!({ "os": "nope" })] {
            let response = send(&server, token, body).await;
            assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
            assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
        }
    }
    let bare = server
        .call(Method::POST, "/v1/risk/device", None, None)
        .await;
    assert_error(bare, StatusCode::UNAUTHORIZED, "invalid_token").await;
    server.advance(901).await;
    let expired = send(&server, Some(&access(&login)), report()).await;
    assert_error(expired, StatusCode::UNAUTHORIZED, "token_expired").await;
    assert_eq!(count_rows(&server, "risk_devices"), 0);
}

#[tokio::test]
async fn bad_fields_are_422_and_store_nothing() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let cases = [
        (with("os", json!("windows")), "os"),
        (with("os", json!("Android")), "os"),
        (with("network_type", json!("5g")), "network_type"),
        (with("network_type", json!("WIFI")), "network_type"),
        (with("model", json!("")), "model"),
        (with("model", json!("m".repeat(65))), "model"),
        (with("os_version", json!("")), "os_version"),
        (with("os_version", json!("1".repeat(33))), "os_version"),
        (with("app_version", json!("1".repeat(33))), "app_version"),
        (with("carrier", json!("")), "carrier"),
        (with("carrier", json!("c".repeat(65))), "carrier"),
        (with("install_id", json!("install 1")), "install_id"),
        (with("install_id", json!("")), "install_id"),
        (with("install_id", json!("i".repeat(65))), "install_id"),
        (with("os", json!(1)), ""),
        (with("carrier", json!(42)), ""),
        (json!({ "model": "Pixel 8" }), "missing field"),
    ];
    for (body, hint) in cases {
        let response = send(&server, Some(&token), body.clone()).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(hint), "{body}: {message}");
    }
    let malformed = server
        .http
        .post(server.url("/v1/risk/device"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"model\":")
        .send()
        .await
        .unwrap();
    assert_error(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
    assert_eq!(count_rows(&server, "risk_devices"), 0);

    // The limits themselves are accepted, in characters.
    let mut longest = with("model", json!("型".repeat(64)));
    longest["os_version"] = json!("1".repeat(32));
    longest["app_version"] = json!("1".repeat(32));
    longest["carrier"] = json!("c".repeat(64));
    longest["install_id"] = json!("i".repeat(64));
    longest["os"] = json!("other");
    longest["network_type"] = json!("unknown");
    let response = send(&server, Some(&token), longest.clone()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for network_type in ["none", "cellular"] {
        let response = send(
            &server,
            Some(&token),
            with("network_type", json!(network_type)),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let devices = witness(&server).await;
    assert_eq!(devices.len(), 3);
    assert_eq!(devices[0]["model"], longest["model"]);
}

#[tokio::test]
async fn without_dev_there_is_no_witness_but_reports_are_taken() {
    let server = TestServer::production();
    let response = server.get("/dev/risk/devices").await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = send(&server, None, report()).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}
