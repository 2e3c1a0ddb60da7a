//! `POST /v1/auth/oauth/code` against the dev WeChat-style provider (`/dev/wechat`), over real
//! HTTP: the server exchanges the code, keys the account on the unionid (else the openid),
//! asks for the profile only when the user agreed to bind, and refuses spent, expired and
//! foreign codes.

use medcircle_server::Options;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestServer, assert_default_nickname, assert_error, count_rows};

const APP: &str = "wxd0medcircle0app";
const WEB_APP: &str = "wxd0medcircle0web";

/// What the provider's app hands the SDK for `user` of `app_id`, `extra` added to the query.
async fn authorize(server: &TestServer, app_id: &str, user: &str, extra: &str) -> Value {
    let path = format!(
        "/dev/wechat/authorize?appid={app_id}&scope=snsapi_userinfo&state=s-1&user={user}{extra}"
    );
    server.get(&path).await.json().await.unwrap()
}

async fn code(server: &TestServer, app_id: &str, user: &str, extra: &str) -> String {
    let answer = authorize(server, app_id, user, extra).await;
    assert_eq!(answer["errCode"], 0, "{answer}");
    assert_eq!(answer["state"], "s-1");
    answer["code"].as_str().unwrap().to_owned()
}

async fn log_in(server: &TestServer, provider: &str, code: &str, bind: bool) -> reqwest::Response {
    let body = json!({
        "provider": provider,
        "code": code,
        "install_id": "install-1",
        "bind_profile": bind,
    });
    server.post("/v1/auth/oauth/code", body).await
}

async fn logged_in(server: &TestServer, provider: &str, code: &str, bind: bool) -> Value {
    let response = log_in(server, provider, code, bind).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn calls(server: &TestServer) -> (u64, u64) {
    let calls: Value = server.get("/dev/wechat/calls").await.json().await.unwrap();
    (
        calls["access_token"].as_u64().unwrap(),
        calls["userinfo"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn one_unionid_is_one_account_and_the_profile_is_asked_only_to_bind() {
    let server = TestServer::dev();
    let declined = logged_in(
        &server,
        "wechat",
        &code(&server, APP, "li", "").await,
        false,
    )
    .await;
    assert_default_nickname(&declined["user"]["nickname"]);
    assert!(declined["user"]["avatar_url"].is_null());
    assert_eq!(calls(&server).await, (1, 0), "no userinfo without binding");

    // The same person through the developer's other app: another openid, the same unionid.
    let web_code = code(
        &server,
        WEB_APP,
        "li",
        "&nickname=%E6%9D%8E%E5%8C%BB%E7%94%9F",
    )
    .await;
    let bound = logged_in(&server, "wechat-web", &web_code, true).await;
    assert_eq!(bound["user"]["id"], declined["user"]["id"]);
    assert_eq!(bound["user"]["nickname"], "李医生");
    let avatar = bound["user"]["avatar_url"].as_str().unwrap();
    assert!(avatar.ends_with("/dev/wechat/avatars/li.png"), "{avatar}");
    assert_eq!(calls(&server).await, (2, 1));

    // The provider's ids are kept only as keyed hashes.
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let (namespace, subject, bound_at): (String, String, Option<i64>) = conn
        .query_row(
            "SELECT issuer, subject, bound_at FROM oauth_identities",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert!(namespace.ends_with("/dev/wechat#unionid"), "{namespace}");
    assert_eq!(subject.len(), 64, "a hex HMAC-SHA256: {subject}");
    assert!(bound_at.is_some());
    assert!(subject.bytes().all(|b| b.is_ascii_hexdigit()), "{subject}");
}

#[tokio::test]
async fn the_provider_s_app_answers_a_cancel_or_a_refusal_without_a_code() {
    let server = TestServer::dev();
    for (decision, err_code) in [("cancel", -2), ("deny", -4)] {
        let answer = authorize(&server, APP, "li", &format!("&decision={decision}")).await;
        assert_eq!(answer["errCode"], err_code);
        assert_eq!(answer["state"], "s-1");
        assert!(answer["code"].is_null());
    }
    assert_eq!(calls(&server).await, (0, 0));
}

#[tokio::test]
async fn without_a_unionid_each_app_s_openid_is_its_own_account() {
    let server = TestServer::dev();
    let first = code(&server, APP, "wang", "&no_unionid=true").await;
    let second = code(&server, WEB_APP, "wang", "&no_unionid=true").await;
    let app = logged_in(&server, "wechat", &first, false).await;
    let web = logged_in(&server, "wechat-web", &second, false).await;
    assert_ne!(app["user"]["id"], web["user"]["id"]);
    let again = code(&server, APP, "wang", "&no_unionid=true").await;
    let app_again = logged_in(&server, "wechat", &again, false).await;
    assert_eq!(app_again["user"]["id"], app["user"]["id"]);
    assert_eq!(count_rows(&server, "oauth_identities"), 2);
}

#[tokio::test]
async fn spent_expired_and_foreign_codes_are_refused() {
    let server = TestServer::dev();
    let code_once = code(&server, APP, "li", "").await;
    logged_in(&server, "wechat", &code_once, false).await;
    let again = log_in(&server, "wechat", &code_once, false).await;
    let body = assert_error(
        again,
        StatusCode::UNAUTHORIZED,
        "invalid_authorization_code",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("already used"));

    let old = code(&server, APP, "li", "").await;
    server.advance(601).await;
    let expired = log_in(&server, "wechat", &old, false).await;
    let body = assert_error(
        expired,
        StatusCode::UNAUTHORIZED,
        "invalid_authorization_code",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("expired"));

    // A code of the other app is not this app's.
    let foreign = code(&server, WEB_APP, "li", "").await;
    let refused = log_in(&server, "wechat", &foreign, false).await;
    assert_error(
        refused,
        StatusCode::UNAUTHORIZED,
        "invalid_authorization_code",
    )
    .await;
    let unknown = log_in(&server, "weibo", "abc", false).await;
    assert_error(unknown, StatusCode::BAD_REQUEST, "unknown_provider").await;
}

#[tokio::test]
async fn a_binding_that_copies_nothing_is_refused_and_the_code_still_logs_in_unbound() {
    let server = TestServer::dev();
    let bare = code(&server, APP, "zhao", "&bare=true").await;
    let refused = log_in(&server, "wechat", &bare, true).await;
    assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "nothing_to_bind").await;
    assert_eq!(count_rows(&server, "oauth_identities"), 0);
    let declined = logged_in(&server, "wechat", &bare, false).await;
    assert_default_nickname(&declined["user"]["nickname"]);
    let bound_at: Option<i64> = rusqlite::Connection::open(server.db_path())
        .unwrap()
        .query_row("SELECT bound_at FROM oauth_identities", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(bound_at, None, "no binding recorded");
    assert_eq!(calls(&server).await, (1, 1), "the code was exchanged once");
}

#[tokio::test]
async fn a_wrong_app_secret_is_the_provider_s_refusal_not_the_user_s() {
    let provider = TestServer::dev();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("wechat.secret");
    std::fs::write(&secret, "not-the-secret\n").unwrap();
    let configured = format!(
        "partner={APP},file:{},{}/dev/wechat",
        secret.display(),
        provider.server.url()
    );
    let server = TestServer::dev_with(Options {
        wechat_providers: vec![configured.parse().unwrap()],
        ..Options::default()
    });
    let code = code(&provider, APP, "li", "").await;
    let refused = log_in(&server, "partner", &code, false).await;
    assert_error(refused, StatusCode::BAD_GATEWAY, "provider_unavailable").await;
    // The provider refused the secret before looking at the code: it is still good.
    assert_eq!(calls(&provider).await, (1, 0));
}

/// Logins racing with one code make one session: the code is spent in the sign-in's
/// transaction, so the others are refused however their exchanges interleaved.
#[tokio::test]
async fn logins_racing_with_one_code_make_one_session() {
    let server = TestServer::dev();
    let code = code(&server, APP, "race", "").await;
    let (a, b, c) = tokio::join!(
        log_in(&server, "wechat", &code, false),
        log_in(&server, "wechat", &code, false),
        log_in(&server, "wechat", &code, false),
    );
    let statuses = [a.status(), b.status(), c.status()];
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "{statuses:?}");
    for response in [a, b, c] {
        if response.status() != StatusCode::OK {
            assert_error(
                response,
                StatusCode::UNAUTHORIZED,
                "invalid_authorization_code",
            )
            .await;
        }
    }
}
