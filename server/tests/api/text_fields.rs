//! Free-text fields refuse text that shows nothing and text with hidden controls, alike
//! everywhere.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error};
use crate::feed::{publish, send};

const HIDDEN: [&str; 5] = [
    "\u{200b}",
    "\u{0000}",
    "a\u{0000}b",
    "\u{202e}txt.exe",
    "\u{3164}",
];

#[tokio::test]
async fn posts_and_comments_refuse_invisible_or_controlled_text() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for text in HIDDEN {
        let response = send(
            &server,
            Method::POST,
            "/v1/posts",
            &token,
            None,
            Some(json!({ "text": text })),
        )
        .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_text").await;
    }
    let post = publish(&server, &token, "Grand rounds at 8").await;
    let path = format!("/v1/posts/{}/comments", post["id"].as_str().unwrap());
    for text in HIDDEN {
        let response = send(
            &server,
            Method::POST,
            &path,
            &token,
            None,
            Some(json!({ "text": text })),
        )
        .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_text").await;
    }
    let fine = send(
        &server,
        Method::POST,
        &path,
        &token,
        None,
        Some(json!({ "text": "同意\n+1" })),
    )
    .await;
    assert_eq!(fine.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn device_reports_and_events_refuse_invisible_or_controlled_text() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let report = |model: &str| {
        json!({ "model": model, "os": "android", "os_version": "14", "app_version": "1.0.0",
                "network_type": "wifi", "carrier": null, "install_id": "install-1" })
    };
    for model in HIDDEN {
        let response = server
            .call(
                Method::POST,
                "/v1/risk/device",
                Some(&token),
                Some(report(model)),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    let fine = server
        .call(
            Method::POST,
            "/v1/risk/device",
            Some(&token),
            Some(report("Pixel 8")),
        )
        .await;
    assert_eq!(fine.status(), StatusCode::NO_CONTENT);
    for target in HIDDEN {
        let body = json!({ "pseudonym": "pseudonym-0123456789", "events": [{ "kind": "view", "target": target, "at": 1 }] });
        let response = server.post("/v1/events", body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn a_nickname_with_bidi_controls_is_not_bound() {
    let server = TestServer::dev();
    let response = server
        .get("/dev/oidc/mint?sub=spoofer&nonce=n&name=Dr.%E2%80%AEiL")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.unwrap();
    let session: Value = server
        .post(
            "/v1/auth/oauth",
            json!({ "provider": "dev", "id_token": token["id_token"], "nonce": "n",
                    "install_id": "install-1", "bind_profile": true }),
        )
        .await
        .json()
        .await
        .unwrap();
    crate::common::assert_default_nickname(&session["user"]["nickname"]);
}
