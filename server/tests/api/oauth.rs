use std::collections::HashMap;

use medcircle_server::ServerConfig;
use reqwest::{StatusCode, header, redirect};
use serde_json::{Value, json};
use url::Url;

use crate::common::{self, TestServer, access, assert_error, count_rows};

const CLIENT_ID: &str = "medcircle-app";
const REDIRECT_URI: &str = "com.medcircle.app:/oauth/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A client that shows redirects instead of following them, as the app's browser tab would.
fn no_redirects() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_url(server: &TestServer, nonce: &str, extra: &[(&str, &str)]) -> Url {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile"),
        ("state", "st/8 ü&x"),
        ("nonce", nonce),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    Url::parse_with_params(&server.url("/dev/oidc/authorize"), params).unwrap()
}

/// The query of the app's redirect URI the provider sent the browser to.
async fn redirected(response: reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?")),
        "{location}"
    );
    Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn token_request(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    server
        .http
        .post(server.url("/dev/oidc/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Signs in at the dev provider as `subject` and returns the ID token its token endpoint gives.
async fn sign_in(server: &TestServer, subject: &str, nonce: &str) -> String {
    let url = authorize_url(server, nonce, &[("dev_subject", subject)]);
    let back = redirected(no_redirects().get(url).send().await.unwrap()).await;
    assert_eq!(back["state"], "st/8 ü&x");
    let response = token_request(
        server,
        &[
            ("grant_type", "authorization_code"),
            ("code", &back["code"]),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid profile");
    assert!(body["access_token"].as_str().unwrap().len() >= 32);
    body["id_token"].as_str().unwrap().to_owned()
}

async fn mint(server: &TestServer, query: &str) -> String {
    let response = server.get(&format!("/dev/oidc/mint?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["id_token"].as_str().unwrap().to_owned()
}

async fn log_in(
    server: &TestServer,
    provider: &str,
    id_token: &str,
    nonce: &str,
    bind: bool,
) -> reqwest::Response {
    server
        .post(
            "/v1/auth/oauth",
            json!({ "provider": provider, "id_token": id_token, "nonce": nonce,
                    "install_id": "install-1", "bind_profile": bind }),
        )
        .await
}

#[tokio::test]
async fn the_dev_provider_publishes_standard_metadata_and_its_key() {
    let server = TestServer::dev();
    let issuer = server.url("/dev/oidc");
    let metadata: Value = server
        .get("/dev/oidc/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["none"],
            "grant_types_supported": ["authorization_code"],
            "authorization_response_iss_parameter_supported": true,
        })
    );
    let jwks: Value = server.get("/dev/oidc/jwks").await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    for (field, value) in [
        ("kty", "EC"),
        ("crv", "P-256"),
        ("alg", "ES256"),
        ("use", "sig"),
    ] {
        assert_eq!(key[field], value, "{field}");
    }
    assert_eq!(key["x"].as_str().unwrap().len(), 43);
    assert_eq!(key["y"].as_str().unwrap().len(), 43);

    // The key is the database's: a restart keeps it.
    let kid = key["kid"].clone();
    let TestServer {
        server: running,
        dir,
        http,
    } = server;
    running.shutdown();
    let again = common::start(common::config(&dir, true)).unwrap();
    let jwks: Value = http
        .get(format!("{}/dev/oidc/jwks", again.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], kid);
}

#[tokio::test]
async fn authorize_token_and_login_round_trip() {
    let server = TestServer::dev();
    let users_before = count_rows(&server, "users");

    // Without a decision: the sign-in page, linking back to this request.
    let page = no_redirects()
        .get(authorize_url(&server, "nonce-1", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in to DevID"), "{html}");
    assert!(
        html.contains(">Allow as Dr. Demo</a>") && html.contains(">Deny</a>"),
        "{html}"
    );
    assert!(html.contains("&amp;dev_subject=demo-doctor\""), "{html}");
    assert!(html.contains("&amp;dev_decision=deny\""), "{html}");

    let id_token = sign_in(&server, "demo-doctor", "nonce-1").await;
    let response = log_in(&server, "dev", &id_token, "nonce-1", false).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    let mut keys: Vec<_> = session.as_object().unwrap().keys().cloned().collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["access_token", "expires_in_s", "refresh_token", "user"]
    );
    assert_eq!(session["expires_in_s"], 900);
    let user = &session["user"];
    crate::common::assert_default_nickname(&user["nickname"]);
    assert_eq!(user["phone_masked"], "");
    assert_eq!(user["avatar_url"], Value::Null);
    assert_eq!(count_rows(&server, "users"), users_before + 1);
    let me: Value = server.me(&access(&session)).await.json().await.unwrap();
    assert_eq!(&me, user);

    // The same token again is a replay.
    let replay = log_in(&server, "dev", &id_token, "nonce-1", false).await;
    assert_error(replay, StatusCode::UNAUTHORIZED, "id_token_used").await;

    // Signing in again is the same account.
    let second = sign_in(&server, "demo-doctor", "nonce-2").await;
    let again: Value = log_in(&server, "dev", &second, "nonce-2", false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["user"]["id"], user["id"]);
    assert_eq!(count_rows(&server, "users"), users_before + 1);

    // Neither the request log nor the database keeps the token.
    let requests = server.get("/dev/requests").await.text().await.unwrap();
    assert!(requests.contains("/v1/auth/oauth"), "{requests}");
    assert!(!requests.contains(&id_token[..40]), "{requests}");
}

#[tokio::test]
async fn the_provider_refuses_bad_requests_without_or_with_a_redirect() {
    let server = TestServer::dev();
    let http = no_redirects();
    for (name, value) in [
        ("client_id", "other-app"),
        ("redirect_uri", "https://evil.example/cb"),
    ] {
        let mut url = authorize_url(&server, "n", &[]);
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .map(|(k, v)| {
                if k == name {
                    (k, value.to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        assert!(response.headers().get(header::LOCATION).is_none());
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"].is_string() && body["error_description"].is_string(),
            "{body}"
        );
    }
    let denied = http
        .get(authorize_url(&server, "n", &[("dev_decision", "deny")]))
        .send()
        .await
        .unwrap();
    let back = redirected(denied).await;
    assert_eq!(back["error"], "access_denied");
    assert_eq!(back["state"], "st/8 ü&x");
    let plain = http
        .get(authorize_url(
            &server,
            "n",
            &[("code_challenge_method", "plain")],
        ))
        .send()
        .await
        .unwrap();
    // A repeated parameter is itself malformed: not redirected.
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);

    let wrong_verifier = {
        let url = authorize_url(&server, "n", &[("dev_subject", "demo-doctor")]);
        let code = redirected(http.get(url).send().await.unwrap()).await["code"].clone();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", &"x".repeat(43)),
        ];
        token_request(&server, &form).await
    };
    assert_eq!(wrong_verifier.status(), StatusCode::BAD_REQUEST);
    assert_eq!(wrong_verifier.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = wrong_verifier.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let grant = token_request(&server, &[("grant_type", "password")]).await;
    let body: Value = grant.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn forged_expired_or_misdirected_tokens_are_refused() {
    let server = TestServer::dev();
    let issuer = server.url("/dev/oidc");
    for (query, code) in [
        ("sub=a&nonce=n&sign=bad", "invalid_id_token"),
        ("sub=a&nonce=n&aud=another-app", "invalid_id_token"),
        ("sub=a&nonce=n&iss=https://evil.example", "invalid_id_token"),
        ("sub=a&nonce=n&exp_in=-61", "id_token_expired"),
        ("sub=a&nonce=other", "nonce_mismatch"),
        ("sub=a", "nonce_mismatch"),
    ] {
        let token = mint(&server, query).await;
        let response = log_in(&server, "dev", &token, "n", false).await;
        let error = assert_error(response, StatusCode::UNAUTHORIZED, code).await;
        assert!(
            !error["message"].as_str().unwrap().contains(&token),
            "{query}"
        );
    }
    // Unsigned: the real claims with alg none.
    let genuine = mint(&server, "sub=a&nonce=n").await;
    let payload = genuine.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIn0.{payload}.");
    let response = log_in(&server, "dev", &unsigned, "n", false).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_id_token").await;

    // Valid when minted, expired once the server clock passes exp plus the leeway.
    let token = mint(&server, "sub=a&nonce=n&exp_in=600").await;
    server.advance(661).await;
    let response = log_in(&server, "dev", &token, "n", false).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "id_token_expired").await;

    let response = log_in(&server, "acme", &genuine, "n", false).await;
    assert_error(response, StatusCode::BAD_REQUEST, "unknown_provider").await;
    assert!(issuer.starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn binding_copies_the_profile_and_not_binding_keeps_nothing_of_it() {
    let server = TestServer::dev();
    let issuer = server.url("/dev/oidc");
    let token = mint(&server, "sub=bound-doctor&nonce=n&name=Dr.%20Li%20Wei").await;
    let session: Value = log_in(&server, "dev", &token, "n", true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["nickname"], "Dr. Li Wei");
    assert_eq!(
        session["user"]["avatar_url"],
        format!("{issuer}/avatars/bound-doctor.png")
    );
    let export: Value = server
        .http
        .get(server.url("/v1/me/export"))
        .bearer_auth(access(&session))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["user"], session["user"]);
    let identities = export["oauth_identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["issuer"], issuer);
    assert_eq!(identities[0]["subject"], "bound-doctor");
    assert!(identities[0]["bound_at"].is_i64());

    let token = mint(
        &server,
        "sub=private-doctor&nonce=n&name=Dr.%20Zhang%20Unbound",
    )
    .await;
    let session: Value = log_in(&server, "dev", &token, "n", false)
        .await
        .json()
        .await
        .unwrap();
    crate::common::assert_default_nickname(&session["user"]["nickname"]);
    assert_eq!(session["user"]["avatar_url"], Value::Null);
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let bound_at: Option<i64> = conn
        .query_row(
            "SELECT bound_at FROM oauth_identities WHERE subject = 'private-doctor'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(bound_at, None);
    let mut everything = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", server.db_path().display())) {
            everything.extend(bytes);
        }
    }
    let needle = b"Zhang Unbound";
    assert!(
        !everything
            .windows(needle.len())
            .any(|window| window == needle)
    );
}

#[tokio::test]
async fn any_provider_works_through_its_metadata_and_an_unreachable_one_is_502() {
    // A dev server plays a third-party provider for a production server.
    let provider = TestServer::dev();
    let issuer = provider.url("/dev/oidc");
    let dir = tempfile::tempdir().unwrap();
    let trusting = common::start(ServerConfig {
        providers: vec![
            format!("partner={issuer},{CLIENT_ID}").parse().unwrap(),
            "down=http://127.0.0.1:9/oidc,medcircle-app"
                .parse()
                .unwrap(),
            "plain=http://example.com/oidc,medcircle-app"
                .parse()
                .unwrap(),
        ],
        ..common::config(&dir, false)
    })
    .unwrap();
    let server = TestServer {
        server: trusting,
        dir,
        http: common::client(),
    };
    let token = sign_in(&provider, "partner-user", "n").await;
    let response = log_in(&server, "partner", &token, "n", false).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The dev provider exists only on a dev server.
    let response = log_in(&server, "dev", &token, "n", false).await;
    assert_error(response, StatusCode::BAD_REQUEST, "unknown_provider").await;
    for name in ["down", "plain"] {
        let response = log_in(&server, name, &token, "n", false).await;
        assert_error(response, StatusCode::BAD_GATEWAY, "provider_unavailable").await;
    }
    let missing = server
        .get("/dev/oidc/.well-known/openid-configuration")
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
}
