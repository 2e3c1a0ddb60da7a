use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{DEMO_AUTHORS, PHONE, TestServer, access, assert_error, count_rows};

/// Every account route added with consents, deletion requests, interests, export, account
/// deletion, device reports, dictionaries and the profile, with a request that would be wrong
/// even with a token.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/v1/me/export", None),
        (Method::DELETE, "/v1/me", None),
        (Method::PUT, "/v1/me/consents", Some(json!({}))),
        (Method::GET, "/v1/me/consents", None),
        (
            Method::POST,
            "/v1/me/deletion-requests",
            Some(json!({ "purpose": "nope" })),
        ),
        (Method::GET, "/v1/me/deletion-requests", None),
        (Method::GET, "/v1/me/interests", None),
        (Method::DELETE, "/v1/me/interests", None),
        (Method::DELETE, "/v1/me/interests/t_0000000000000000", None),
        (
            Method::POST,
            "/v1/risk/device",
            Some(json!({ "os": "windows" })),
        ),
        (Method::GET, "/v1/dictionaries/units?q=协和&limit=0", None),
        (Method::GET, "/v1/dictionaries/units/un_0/departments", None),
        (
            Method::PUT,
            "/v1/me/profile",
            Some(json!({ "unit_id": "un_1", "department_id": "dp_7" })),
        ),
    ]
}

#[tokio::test]
async fn every_account_route_needs_a_valid_access_token_before_anything_else() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let refresh = login["refresh_token"].as_str().unwrap();
    for (method, path, body) in routes() {
        for token in [None, Some("mca_unknown"), Some(refresh)] {
            let response = server.call(method.clone(), path, token, body.clone()).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {token:?}"
            );
            assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
            assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
        }
        // Without a body at all (415 otherwise) it is still 401 first.
        let bare = server.call(method.clone(), path, None, None).await;
        assert_error(bare, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }

    server.advance(901).await;
    for (method, path, body) in routes() {
        let response = server
            .call(method.clone(), path, Some(&access(&login)), body)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_error(response, StatusCode::UNAUTHORIZED, "token_expired").await;
    }
    // Nothing was deleted by the refused calls.
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS + 1);
    assert_eq!(count_rows(&server, "interests"), 3);
}

#[tokio::test]
async fn event_routes_need_no_token() {
    let server = TestServer::dev();
    let events = server
        .call(
            Method::POST,
            "/v1/events",
            None,
            Some(json!({ "pseudonym": "p-0123456789abcdef",
                         "events": [{ "kind": "view", "target": "a", "at": 1 }] })),
        )
        .await;
    assert_eq!(events.status(), StatusCode::ACCEPTED);
    let forget = server
        .call(
            Method::POST,
            "/v1/events/forget",
            None,
            Some(json!({ "pseudonyms": ["p-0123456789abcdef"] })),
        )
        .await;
    assert_eq!(forget.status(), StatusCode::OK);
    assert_eq!(
        forget.json::<Value>().await.unwrap(),
        json!({ "deleted": 1 })
    );
}
