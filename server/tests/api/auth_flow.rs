use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::common::{DEVICE, PHONE, TestServer, assert_error, unix_now};

fn assert_session(body: &Value) {
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    assert!(access.starts_with("mca_") && access.len() == 68, "{access}");
    assert!(
        refresh.starts_with("mcr_") && refresh.len() == 68,
        "{refresh}"
    );
    assert!(access[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(refresh[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["expires_in_s"], 900);
}

fn token(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

async fn assert_invalid_token(response: reqwest::Response) {
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn send_verify_me_refresh_reuse_and_logout() {
    let server = TestServer::dev();

    let sent = server.send_code(PHONE, DEVICE).await;
    assert_eq!(sent.status(), StatusCode::OK);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent, json!({ "cooldown_s": 60, "expires_in_s": 300 }));

    let code = server.outbox_code(PHONE).await;
    let login = server.verify(PHONE, &code).await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: Value = login.json().await.unwrap();
    assert_session(&login);
    let user = &login["user"];
    let id = user["id"].as_str().unwrap();
    assert!(id.starts_with("u_") && id.len() == 18, "{id}");
    assert!(id[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(user["phone_masked"], "138****8000");
    crate::common::assert_default_nickname(&user["nickname"]);
    let created_at = user["created_at"].as_i64().unwrap();
    assert!((created_at - unix_now()).abs() <= 5, "{created_at}");

    let me = server.me(&token(&login, "access_token")).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(&me, user);

    // Refresh rotates both tokens.
    let refreshed = server.refresh(&token(&login, "refresh_token")).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_session(&refreshed);
    assert_eq!(&refreshed["user"], user);
    assert_ne!(refreshed["access_token"], login["access_token"]);
    assert_ne!(refreshed["refresh_token"], login["refresh_token"]);
    let me = server.me(&token(&refreshed, "access_token")).await;
    assert_eq!(me.status(), StatusCode::OK);
    // The previous access token lives out its 15 minutes, so in-flight requests still succeed.
    let me = server.me(&token(&login, "access_token")).await;
    assert_eq!(me.status(), StatusCode::OK);

    // Replaying the rotated refresh token revokes the whole family, new tokens included.
    assert_invalid_token(server.refresh(&token(&login, "refresh_token")).await).await;
    assert_invalid_token(server.refresh(&token(&refreshed, "refresh_token")).await).await;
    assert_invalid_token(server.me(&token(&refreshed, "access_token")).await).await;
    assert_invalid_token(server.me(&token(&login, "access_token")).await).await;

    // A new login for the same phone is the same user; logout ends that session.
    server.advance(60).await;
    let again = server.login(PHONE).await;
    assert_eq!(&again["user"], user);
    let access = token(&again, "access_token");
    let logout = server.logout(&access).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(logout.bytes().await.unwrap().len(), 0);
    assert_invalid_token(server.me(&access).await).await;
    assert_invalid_token(server.refresh(&token(&again, "refresh_token")).await).await;
    assert_invalid_token(server.logout(&access).await).await;
}

/// The answer to a refresh is lost on the way: the client presents the token it still holds.
#[tokio::test]
async fn a_lost_refresh_answer_is_given_again_until_its_pair_is_used() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let old_refresh = token(&login, "refresh_token");

    let lost: Value = server.refresh(&old_refresh).await.json().await.unwrap();
    server.advance(30).await;
    let again = server.refresh(&old_refresh).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["access_token"], lost["access_token"]);
    assert_eq!(again["refresh_token"], lost["refresh_token"]);
    assert_eq!(again["user"], login["user"]);

    // Once the replacement is used, the old token is a replay again: the login ends.
    let me = server.me(&token(&again, "access_token")).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_invalid_token(server.refresh(&old_refresh).await).await;
    assert_invalid_token(server.me(&token(&again, "access_token")).await).await;
}

#[tokio::test]
async fn a_rotated_refresh_token_after_the_grace_revokes_the_login() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let old_refresh = token(&login, "refresh_token");
    let replacement: Value = server.refresh(&old_refresh).await.json().await.unwrap();

    server.advance(61).await;
    assert_invalid_token(server.refresh(&old_refresh).await).await;
    assert_invalid_token(server.me(&token(&replacement, "access_token")).await).await;
    assert_invalid_token(server.refresh(&token(&replacement, "refresh_token")).await).await;
}

#[tokio::test]
async fn a_rotated_replacement_ends_the_grace_of_the_pair_before_it() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let first: Value = server
        .refresh(&token(&login, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    let second = server.refresh(&token(&first, "refresh_token")).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    // The first replacement was used (rotated): its predecessor is a replay, not a retry.
    assert_invalid_token(server.refresh(&token(&login, "refresh_token")).await).await;
    assert_invalid_token(server.me(&token(&second, "access_token")).await).await;
}

#[tokio::test]
async fn missing_or_malformed_bearer_is_invalid_token() {
    let server = TestServer::dev();
    assert_invalid_token(server.get("/v1/me").await).await;
    assert_invalid_token(server.me(&format!("mca_{}", "0".repeat(64))).await).await;
    assert_invalid_token(server.me("").await).await;
    let basic = server
        .http
        .get(server.url("/v1/me"))
        .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_invalid_token(basic).await;
    let logout = server
        .http
        .post(server.url("/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_invalid_token(logout).await;
    assert_invalid_token(server.refresh("mcr_nonsense").await).await;
}

#[tokio::test]
async fn access_token_expires_after_900_s_and_refresh_recovers() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let access = token(&login, "access_token");

    // One second short of the lifetime, plus one of slack: a wall-clock second may tick
    // between the login and this request.
    server.advance(898).await;
    assert_eq!(server.me(&access).await.status(), StatusCode::OK);

    server.advance(2).await;
    let expired = server.me(&access).await;
    assert_eq!(expired.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_error(expired, StatusCode::UNAUTHORIZED, "token_expired").await;
    assert_error(
        server.logout(&access).await,
        StatusCode::UNAUTHORIZED,
        "token_expired",
    )
    .await;

    let refreshed = server.refresh(&token(&login, "refresh_token")).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    let me = server.me(&token(&refreshed, "access_token")).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_token_expires_after_30_days() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    server.advance(30 * 86_400 + 1).await;
    assert_invalid_token(server.refresh(&token(&login, "refresh_token")).await).await;
}

#[tokio::test]
async fn refresh_rejects_wrong_types_and_missing_fields() {
    let server = TestServer::dev();
    let wrong_type = server
        .post("/v1/auth/refresh", json!({ "refresh_token": 42 }))
        .await;
    assert_error(
        wrong_type,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    let missing = server.post("/v1/auth/refresh", json!({})).await;
    let error = assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    assert!(error["message"].as_str().unwrap().contains("refresh_token"));
}
