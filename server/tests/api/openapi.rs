use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::common::TestServer;

const DOCUMENT: &str = include_str!("../../openapi.json");

/// Every (method, path, dev-only) operation the committed document lists.
fn documented() -> Vec<(Method, String, bool)> {
    let document: Value = serde_json::from_str(DOCUMENT).unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let dev_only = operation["x-dev-only"].as_bool().unwrap_or(false);
            operations.push((method, path.clone(), dev_only));
        }
    }
    operations
}

/// The served document is generated from the handlers; the committed copy is for readers and
/// must be that document: `cargo xtask openapi` (this test with `MEDCIRCLE_BLESS=1`) rewrites it.
#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let server = TestServer::production();
    let response = server.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let served: Value = response.json().await.unwrap();
    if std::env::var_os("MEDCIRCLE_BLESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
        std::fs::write(path, text).unwrap();
        return;
    }
    let committed: Value = serde_json::from_str(DOCUMENT).unwrap();
    assert_eq!(
        served, committed,
        "server/openapi.json is stale: run `cargo xtask openapi`"
    );
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    for dev in [true, false] {
        let server = if dev {
            TestServer::dev()
        } else {
            TestServer::production()
        };
        let operations = documented();
        // The mall: 11 operations and 4 dev hooks; the help center: 6 and 3; buying: 8 and 6.
        assert_eq!(operations.len(), 84 + 15 + 9 + 14);
        for (method, path, dev_only) in operations {
            let mut request = server.http.request(method.clone(), server.url(&path));
            if method == Method::POST {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body("{}");
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if dev_only && !dev {
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
                assert_eq!(body["error"]["code"], "not_found");
            } else {
                // A handler may answer 404 for the literal `{id}` (e.g. `post_not_found`, or the
                // share page's HTML), but never the router's own `not_found`.
                assert!(
                    body["error"]["code"] != "not_found"
                        && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} (dev: {dev}) answered {status}: {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_error_code_the_server_uses_is_in_the_error_schema() {
    let document: Value = serde_json::from_str(DOCUMENT).unwrap();
    let codes = &document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        ["enum"];
    let codes: Vec<_> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "malformed_json",
        "invalid_request",
        "body_too_large",
        "unsupported_media_type",
        "not_found",
        "method_not_allowed",
        "invalid_phone",
        "rate_limited",
        "code_expired",
        "wrong_code",
        "code_locked",
        "invalid_token",
        "token_expired",
        "invalid_carrier_token",
        "carrier_token_expired",
        "carrier_token_used",
        "unknown_provider",
        "invalid_id_token",
        "id_token_expired",
        "nonce_mismatch",
        "id_token_used",
        "provider_unavailable",
        "invalid_authorization_code",
        "nothing_to_bind",
        "invalid_kind",
        "invalid_id_number",
        "photos_required",
        "already_certified",
        "reason_required",
        "personal_data_refused",
        "version_exists",
        "reauth_required",
        "phone_mismatch",
        "web_login_expired",
        "web_login_used",
        "department_not_in_unit",
        "post_not_found",
        "comment_not_found",
        "photo_not_found",
        "not_author",
        "invalid_text",
        "invalid_photo",
        "too_many_photos",
        "too_large",
        "photo_too_large_dimensions",
        "unsupported_image",
        "invalid_image",
        "invalid_query",
        "invalid_cursor",
        "invalid_idempotency_key",
        "idempotency_key_reused",
        "challenge_required",
        "invalid_challenge",
        "uri_too_long",
        "headers_too_large",
        "internal",
        "session_revoked",
        "forced_logout",
        "current_session",
        "item_not_found",
        "address_not_found",
        "redemption_not_found",
        "out_of_stock",
        "insufficient_points",
        "limit_reached",
        "address_invalid",
        "not_cancellable",
        "article_not_found",
        "ticket_not_found",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    assert_eq!(codes.len(), 59 + 8 + 2 + 5);
}
