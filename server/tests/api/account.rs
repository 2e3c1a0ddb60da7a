use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{DEMO_AUTHORS, PHONE, TestServer, access, assert_error, count_rows};

fn consent(purpose: &str, granted: bool, decided_at: i64) -> Value {
    json!({
        "purpose": purpose,
        "granted": granted,
        "policy_version": "2026-11-01",
        "decided_at": decided_at,
    })
}

async fn get(server: &TestServer, path: &str, token: &str) -> Value {
    server
        .expect(Method::GET, path, token, None, StatusCode::OK)
        .await
}

async fn put_consents(server: &TestServer, token: &str, records: Value) {
    server
        .expect(
            Method::PUT,
            "/v1/me/consents",
            token,
            Some(json!({ "records": records })),
            StatusCode::OK,
        )
        .await;
}

fn token(session: &Value, name: &str) -> String {
    session[name].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn export_holds_the_accounts_data_and_no_credentials() {
    let server = TestServer::dev();
    let first = server.login(PHONE).await;
    let user = first["user"].clone();
    put_consents(
        &server,
        &access(&first),
        json!([
            consent("privacy_policy", true, 1_800_000_000),
            consent("browsing_records", false, 1_800_000_100),
        ]),
    )
    .await;
    server
        .expect(
            Method::POST,
            "/v1/me/deletion-requests",
            &access(&first),
            Some(
                json!({ "purpose": "browsing_records", "requested_at": 1_800_000_100,
                         "request_id": "req-1" }),
            ),
            StatusCode::ACCEPTED,
        )
        .await;

    // A refresh continues the first login; a second login is logged out.
    server.advance(100).await;
    let refreshed = server.refresh(&token(&first, "refresh_token")).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    let second = server.login(PHONE).await;
    assert_eq!(
        server.logout(&access(&second)).await.status(),
        StatusCode::NO_CONTENT
    );

    let token_now = access(&refreshed);
    let response = server
        .call(Method::GET, "/v1/me/export", Some(&token_now), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let export: Value = serde_json::from_str(&text).unwrap();

    let keys: Vec<_> = export.as_object().unwrap().keys().cloned().collect();
    let mut expected_keys = [
        "user",
        "consents",
        "interests",
        "deletion_requests",
        "sessions",
        "logins",
        "notices",
        "devices",
        "certification",
        "oauth_identities",
        "posts",
        "comments",
        "address_disclosures",
        "help_tickets",
        "orders",
        "entitlements",
        "exported_at",
    ];
    expected_keys.sort_unstable();
    assert_eq!(keys, expected_keys);
    assert_eq!(export["user"], user);
    assert_eq!(export["devices"], json!([]));
    assert_eq!(export["address_disclosures"], json!([]));
    assert_eq!(
        export["consents"],
        get(&server, "/v1/me/consents", &token_now).await["records"]
    );
    assert_eq!(export["consents"].as_array().unwrap().len(), 2);
    assert_eq!(
        export["interests"],
        get(&server, "/v1/me/interests", &token_now).await["tags"]
    );
    assert_eq!(export["interests"].as_array().unwrap().len(), 3);
    assert_eq!(
        export["deletion_requests"],
        json!([{ "request_id": "req-1", "purpose": "browsing_records",
                 "requested_at": 1_800_000_100, "status": "accepted" }])
    );

    let exported_at = export["exported_at"].as_i64().unwrap();
    let created_at = user["created_at"].as_i64().unwrap();
    assert!(
        (100..=103).contains(&(exported_at - created_at)),
        "{export}"
    );
    let sessions = export["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{export}");
    // The refreshed first login, used by this very request (recorded to the minute).
    let last_used_at = sessions[0]["last_used_at"].as_i64().unwrap();
    assert!((0..60).contains(&(exported_at - last_used_at)), "{export}");
    assert_eq!(
        sessions[0],
        json!({ "created_at": created_at, "last_used_at": last_used_at, "revoked": false }),
    );
    assert_eq!(sessions[1]["revoked"], true);
    let second_at = sessions[1]["created_at"].as_i64().unwrap();
    assert!((100..=103).contains(&(second_at - created_at)), "{export}");
    assert_eq!(sessions[1].as_object().unwrap().len(), 3);
    // How each of them logged in, from which installation, and where: the first login is
    // the one the second installation's alert is about.
    let logins = export["logins"].as_array().unwrap();
    assert_eq!(logins.len(), 2, "{export}");
    for login in logins {
        assert_eq!(login["login_method"], "sms");
        assert_eq!(login["place"], "Loopback");
        assert!(login["install_id"].is_string(), "{login}");
    }
    assert_eq!(
        export["notices"],
        get(&server, "/v1/me/notices", &token_now).await["notices"]
    );

    for session in [&first, &refreshed, &second] {
        for name in ["access_token", "refresh_token"] {
            let secret = token(session, name);
            assert!(!text.contains(&secret), "a token is in the export");
            assert!(!text.contains(&secret[4..]), "a token is in the export");
        }
    }
    let server_secret = crate::common::lookup_key(&server);
    for forbidden in [
        "mca_",
        "mcr_",
        "hash",
        "phone_key",
        PHONE,
        &hex_of(&server_secret),
    ] {
        assert!(
            !text.contains(forbidden),
            "{forbidden} in the export: {text}"
        );
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn deleting_the_account_ends_every_session_and_frees_the_phone() {
    let server = TestServer::dev();
    let first = server.login(PHONE).await;
    server.advance(60).await;
    let second = server.login(PHONE).await;
    server.advance(60).await;
    let stranger = server.login("13912345678").await;
    let old_id = first["user"]["id"].as_str().unwrap().to_owned();
    put_consents(
        &server,
        &access(&first),
        json!([consent("personalisation", true, 1_800_000_000)]),
    )
    .await;
    server
        .expect(
            Method::POST,
            "/v1/me/deletion-requests",
            &access(&second),
            Some(
                json!({ "purpose": "precise_location", "requested_at": 1_800_000_000,
                         "request_id": "req-1" }),
            ),
            StatusCode::ACCEPTED,
        )
        .await;

    let deleted = server
        .call(Method::DELETE, "/v1/me", Some(&access(&second)), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(deleted.bytes().await.unwrap().is_empty());

    for session in [&first, &second] {
        let access = access(session);
        assert_error(
            server.me(&access).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
        let consents = server
            .call(Method::GET, "/v1/me/consents", Some(&access), None)
            .await;
        assert_error(consents, StatusCode::UNAUTHORIZED, "invalid_token").await;
        assert_error(
            server.refresh(&token(session, "refresh_token")).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
    let again = server
        .call(Method::DELETE, "/v1/me", Some(&access(&first)), None)
        .await;
    assert_error(again, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Only the stranger's rows are left.
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS + 1);
    assert_eq!(count_rows(&server, "sessions"), 1);
    assert_eq!(count_rows(&server, "interests"), 3);
    assert_eq!(count_rows(&server, "consents"), 0);
    assert_eq!(count_rows(&server, "deletion_requests"), 0);
    assert_eq!(server.me(&access(&stranger)).await.status(), StatusCode::OK);

    // The phone registers afresh.
    server.advance(60).await;
    let reborn = server.login(PHONE).await;
    let new_id = reborn["user"]["id"].as_str().unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(reborn["user"]["phone_masked"], "138****8000");
    let token_now = access(&reborn);
    assert_eq!(
        get(&server, "/v1/me/consents", &token_now).await,
        json!({ "records": [] })
    );
    assert_eq!(
        get(&server, "/v1/me/deletion-requests", &token_now).await,
        json!({ "requests": [] })
    );
    let export = get(&server, "/v1/me/export", &token_now).await;
    assert_eq!(export["user"]["id"], new_id);
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(export["interests"].as_array().unwrap().len(), 3);
}
