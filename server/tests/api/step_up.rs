use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, assert_rate_limited, unix_now};

const OTHER_PHONE: &str = "13900139000";

async fn delete_account(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .call(Method::DELETE, "/v1/me", Some(token), None)
        .await
}

async fn reauth_send(server: &TestServer, token: &str, phone: &str) -> reqwest::Response {
    server
        .call(
            Method::POST,
            "/v1/auth/reauth/sms/send",
            Some(token),
            Some(json!({ "phone": phone })),
        )
        .await
}

async fn reauth_verify(
    server: &TestServer,
    token: &str,
    phone: &str,
    code: &str,
) -> reqwest::Response {
    server
        .call(
            Method::POST,
            "/v1/auth/reauth/sms/verify",
            Some(token),
            Some(json!({ "phone": phone, "code": code })),
        )
        .await
}

#[tokio::test]
async fn a_fresh_login_may_delete_the_account() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    // The window is 300 s; one second of slack for the wall clock ticking meanwhile.
    server.advance(299).await;
    assert_eq!(
        delete_account(&server, &access(&session)).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn an_old_login_must_step_up_before_deleting_the_account() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    server.advance(301).await;
    assert_error(
        delete_account(&server, &token).await,
        StatusCode::FORBIDDEN,
        "reauth_required",
    )
    .await;
    // The bearer is checked first.
    assert_error(
        delete_account(&server, "mca_nope").await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let response = reauth_send(&server, &token, PHONE).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "cooldown_s": 60, "expires_in_s": 300 }));
    let code = server.outbox_code(PHONE).await;

    let wrong = if code == "000000" { "000001" } else { "000000" };
    let error = assert_error(
        reauth_verify(&server, &token, PHONE, wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_code",
    )
    .await;
    assert_eq!(error["attempts_left"], 4);
    assert_error(
        delete_account(&server, &token).await,
        StatusCode::FORBIDDEN,
        "reauth_required",
    )
    .await;

    let before = unix_now();
    let response = reauth_verify(&server, &token, PHONE, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let auth_time = body["auth_time"].as_i64().unwrap();
    assert!(auth_time >= before + 301, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "no new tokens: {body}");
    // The code was single use.
    assert_error(
        reauth_verify(&server, &token, PHONE, &code).await,
        StatusCode::GONE,
        "code_expired",
    )
    .await;

    assert_eq!(
        delete_account(&server, &token).await.status(),
        StatusCode::NO_CONTENT
    );
}

async fn export(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .call(Method::GET, "/v1/me/export", Some(token), None)
        .await
}

#[tokio::test]
async fn an_old_login_must_step_up_before_exporting_the_account() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    assert_eq!(export(&server, &token).await.status(), StatusCode::OK);
    server.advance(301).await;
    assert_error(
        export(&server, &token).await,
        StatusCode::FORBIDDEN,
        "reauth_required",
    )
    .await;
    assert_eq!(
        reauth_send(&server, &token, PHONE).await.status(),
        StatusCode::OK
    );
    let code = server.outbox_code(PHONE).await;
    assert_eq!(
        reauth_verify(&server, &token, PHONE, &code).await.status(),
        StatusCode::OK
    );
    assert_eq!(export(&server, &token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn step_up_only_for_the_accounts_own_phone() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    server.advance(301).await;
    assert_error(
        reauth_send(&server, &token, OTHER_PHONE).await,
        StatusCode::FORBIDDEN,
        "phone_mismatch",
    )
    .await;
    assert_eq!(
        server
            .get(&format!("/dev/sms/outbox?phone={OTHER_PHONE}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "nothing was sent to the other phone"
    );
    assert_error(
        reauth_send(&server, &token, "12345").await,
        StatusCode::BAD_REQUEST,
        "invalid_phone",
    )
    .await;
    assert_error(
        reauth_send(&server, "mca_nope", OTHER_PHONE).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // The other phone's own login code does not step this account up.
    server.send_code(OTHER_PHONE, "device-2").await;
    let other_code = server.outbox_code(OTHER_PHONE).await;
    assert_error(
        reauth_verify(&server, &token, OTHER_PHONE, &other_code).await,
        StatusCode::FORBIDDEN,
        "phone_mismatch",
    )
    .await;

    // Same limits as the login send: the phone's cooldown holds.
    assert_eq!(
        reauth_send(&server, &token, PHONE).await.status(),
        StatusCode::OK
    );
    // 60 s from the first send, one less if the wall clock ticked between the two.
    assert_rate_limited(reauth_send(&server, &token, PHONE).await, 59..=60).await;
}

#[tokio::test]
async fn a_refresh_is_not_an_authentication() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    server.advance(301).await;
    let response = server
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: Value = response.json().await.unwrap();
    let token = access(&refreshed);
    assert_error(
        delete_account(&server, &token).await,
        StatusCode::FORBIDDEN,
        "reauth_required",
    )
    .await;

    // A step-up counts for the whole login, refreshed pairs included.
    reauth_send(&server, &token, PHONE).await;
    let code = server.outbox_code(PHONE).await;
    assert_eq!(
        reauth_verify(&server, &access(&session), PHONE, &code)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        delete_account(&server, &token).await.status(),
        StatusCode::NO_CONTENT
    );
}
