use std::fs;

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode, header};
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{
    DEMO_AUTHORS, DEVICE, PHONE, TestServer, access, assert_error, count_rows, unix_now,
};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, written independently of the server's.
fn encode(bytes: &[u8]) -> String {
    let mut bits = 0u32;
    let mut held = 0;
    let mut text = String::new();
    for &byte in bytes {
        bits = (bits << 8) | u32::from(byte);
        held += 8;
        while held >= 6 {
            held -= 6;
            text.push(char::from(ALPHABET[((bits >> held) & 0x3f) as usize]));
        }
    }
    if held > 0 {
        text.push(char::from(ALPHABET[((bits << (6 - held)) & 0x3f) as usize]));
    }
    text
}

pub fn decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut held = 0;
    let mut bytes = Vec::new();
    for character in text.bytes() {
        let value = ALPHABET.iter().position(|&c| c == character).unwrap();
        bits = (bits << 6) | u32::try_from(value).unwrap();
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push(u8::try_from((bits >> held) & 0xff).unwrap());
        }
    }
    bytes
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn secret_in(server: &TestServer, table: &str) -> Vec<u8> {
    Connection::open(server.db_path())
        .unwrap()
        .query_row(&format!("SELECT secret FROM {table}"), [], |row| row.get(0))
        .unwrap()
}

/// A token signed with `key`, as the carrier would sign it.
fn sign(key: &[u8], payload: &Value) -> String {
    let payload = serde_json::to_vec(payload).unwrap();
    format!("{}.{}", encode(&payload), encode(&hmac(key, &payload)))
}

async fn assert_refused(response: reqwest::Response, code: &str) {
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_error(response, StatusCode::UNAUTHORIZED, code).await;
}

#[tokio::test]
async fn dev_token_is_a_carrier_signed_payload_and_logs_in() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Mobile").await;

    // `<payload>.<signature>`: the payload is the carrier's claims, signed with the carrier key.
    let (payload, signature) = token.split_once('.').unwrap();
    let claims: Value = serde_json::from_slice(&decode(payload)).unwrap();
    let keys: Vec<_> = claims.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["carrier", "exp", "nonce", "phone"], "{claims}");
    assert_eq!(claims["phone"], PHONE);
    assert_eq!(claims["carrier"], "China Mobile");
    let exp = claims["exp"].as_i64().unwrap();
    assert!((exp - unix_now() - 120).abs() <= 5, "{claims}");
    let nonce = claims["nonce"].as_str().unwrap();
    assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()));
    let carrier_key = secret_in(&server, "carrier_key");
    let server_secret = crate::common::lookup_key(&server);
    assert_eq!(carrier_key.len(), 32);
    assert_ne!(carrier_key, server_secret);
    assert_eq!(decode(signature), hmac(&carrier_key, &decode(payload)));
    assert_eq!(encode(&decode(payload)), payload);

    let response = server.one_tap(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let login: Value = response.json().await.unwrap();
    let keys: Vec<_> = login.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "carrier",
            "expires_in_s",
            "refresh_token",
            "user"
        ]
    );
    assert_eq!(login["carrier"], "China Mobile");
    assert_eq!(login["expires_in_s"], 900);
    let access_token = access(&login);
    assert!(access_token.starts_with("mca_") && access_token.len() == 68);
    let refresh_token = login["refresh_token"].as_str().unwrap();
    assert!(refresh_token.starts_with("mcr_") && refresh_token.len() == 68);
    let user = &login["user"];
    assert_eq!(user["phone_masked"], "138****8000");
    crate::common::assert_default_nickname(&user["nickname"]);
    let created_at = user["created_at"].as_i64().unwrap();
    assert!((created_at - unix_now()).abs() <= 5, "{created_at}");

    // The tokens are a session like any other.
    let me = server.me(&access_token).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(&me.json::<Value>().await.unwrap(), user);
    let interests = server
        .expect(
            Method::GET,
            "/v1/me/interests",
            &access_token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        interests["tags"].as_array().unwrap().len(),
        3,
        "{interests}"
    );
    let refreshed = server.refresh(refresh_token).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(&refreshed["user"], user);
    assert!(refreshed.get("carrier").is_none(), "{refreshed}");

    // The same phone by SMS is the same account.
    let by_sms = server.login(PHONE).await;
    assert_eq!(&by_sms["user"], user);
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS + 1);
    let export = server
        .expect(
            Method::GET,
            "/v1/me/export",
            &access(&by_sms),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(export["sessions"].as_array().unwrap().len(), 2, "{export}");
}

#[tokio::test]
async fn an_account_made_by_sms_is_found_by_one_tap() {
    let server = TestServer::dev();
    let by_sms = server.login("13912345678").await;
    let token = server.carrier_token("13912345678", "China Broadnet").await;
    let response = server.one_tap(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let login: Value = response.json().await.unwrap();
    assert_eq!(login["user"], by_sms["user"]);
    assert_eq!(login["carrier"], "China Broadnet");

    // Another phone is another account.
    let token = server.carrier_token(PHONE, "China Telecom").await;
    let other: Value = server.one_tap(&token).await.json().await.unwrap();
    assert_ne!(other["user"]["id"], by_sms["user"]["id"]);
    assert_eq!(other["user"]["phone_masked"], "138****8000");
    assert_eq!(other["carrier"], "China Telecom");
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS + 2);
}

#[tokio::test]
async fn a_token_expires_after_120_s() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Unicom").await;
    server.advance(121).await;
    assert_refused(server.one_tap(&token).await, "carrier_token_expired").await;
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS);
    assert_eq!(count_rows(&server, "carrier_nonces"), 0);

    // Issued on the server clock: a token minted now is good again.
    let fresh = server.carrier_token(PHONE, "China Unicom").await;
    server.advance(100).await;
    assert_eq!(server.one_tap(&fresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_logs_in_once() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Mobile").await;
    let first = server.one_tap(&token).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_refused(server.one_tap(&token).await, "carrier_token_used").await;
    server.advance(60).await;
    assert_refused(server.one_tap(&token).await, "carrier_token_used").await;
    // The refusal ended nothing: the session from the first use still works.
    assert_eq!(server.me(&access(&first)).await.status(), StatusCode::OK);
    assert_eq!(count_rows(&server, "sessions"), 1);
    assert_eq!(count_rows(&server, "carrier_nonces"), 1);

    // Past its expiry a replay is refused as expired, and its nonce can go.
    server.advance(61).await;
    assert_refused(server.one_tap(&token).await, "carrier_token_expired").await;
    let other = server.carrier_token(PHONE, "China Mobile").await;
    assert_eq!(server.one_tap(&other).await.status(), StatusCode::OK);
    assert_eq!(count_rows(&server, "carrier_nonces"), 1, "pruned");
    assert_refused(server.one_tap(&token).await, "carrier_token_expired").await;
}

#[tokio::test]
async fn tampered_forged_or_garbage_tokens_are_invalid() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Mobile").await;
    let (payload, signature) = token.split_once('.').unwrap();
    let claims: Value = serde_json::from_slice(&decode(payload)).unwrap();

    let mut tampered_claims = claims.clone();
    tampered_claims["phone"] = json!("13912345678");
    let tampered_payload = format!(
        "{}.{signature}",
        encode(&serde_json::to_vec(&tampered_claims).unwrap())
    );
    let mut later = claims.clone();
    later["exp"] = json!(claims["exp"].as_i64().unwrap() + 3600);
    let extended = format!(
        "{}.{signature}",
        encode(&serde_json::to_vec(&later).unwrap())
    );
    let mut signature_bytes = decode(signature);
    signature_bytes[0] ^= 1;
    let tampered_signature = format!("{payload}.{}", encode(&signature_bytes));
    let other = server.carrier_token(PHONE, "China Mobile").await;
    let swapped = format!("{payload}.{}", other.split_once('.').unwrap().1);
    let under_server_secret = sign(&crate::common::lookup_key(&server), &claims);
    let under_another_key = sign(&[7; 32], &claims);
    let carrier_key = secret_in(&server, "carrier_key");
    let signed_garbage = sign(&carrier_key, &json!({ "phone": PHONE }));
    let signed_bad_phone = sign(
        &carrier_key,
        &json!({ "phone": "23800138000", "carrier": "China Mobile",
                 "exp": claims["exp"], "nonce": "0123456789abcdef0123456789abcdef" }),
    );

    for bad in [
        tampered_payload.as_str(),
        &extended,
        &tampered_signature,
        &swapped,
        &under_server_secret,
        &under_another_key,
        &signed_garbage,
        &signed_bad_phone,
        payload,
        signature,
        &format!("{token}.{signature}"),
        &format!("{payload}={signature}"),
        &format!("{token}="),
        "",
        ".",
        "garbage",
        "not.base64!",
        "mca_0000000000000000000000000000000000000000000000000000000000000000",
        &"A".repeat(10_000),
    ] {
        assert_refused(server.one_tap(bad).await, "invalid_carrier_token").await;
    }
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS);
    assert_eq!(count_rows(&server, "carrier_nonces"), 0);

    // None of that used the real token up.
    let login = server.one_tap(&token).await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["user"]["phone_masked"], "138****8000");

    // What the carrier key signs is what the carrier vouches for.
    let vouched = sign(
        &carrier_key,
        &json!({ "phone": "13912345678", "carrier": "China Telecom",
                 "exp": claims["exp"], "nonce": "0123456789abcdef0123456789abcdef" }),
    );
    let login: Value = server.one_tap(&vouched).await.json().await.unwrap();
    assert_eq!(login["user"]["phone_masked"], "139****5678");
    assert_eq!(login["carrier"], "China Telecom");
}

#[tokio::test]
async fn one_tap_bodies_follow_the_generic_rules() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Mobile").await;
    for (body, field) in [
        (json!({ "device_id": DEVICE }), "carrier_token"),
        (json!({ "carrier_token": token }), "device_id"),
    ] {
        let response = server.post("/v1/auth/one-tap", body).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    for body in [
        json!({ "carrier_token": 42, "device_id": DEVICE }),
        json!({ "carrier_token": token, "device_id": "bad device" }),
        json!({ "carrier_token": token, "device_id": "" }),
        json!({ "carrier_token": token, "device_id": "d".repeat(65) }),
        json!([token]),
    ] {
        let response = server.post("/v1/auth/one-tap", body).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
        assert!(
            !error["message"].as_str().unwrap().contains(&token),
            "{error}"
        );
    }
    let malformed = server
        .http
        .post(server.url("/v1/auth/one-tap"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"carrier_token\":")
        .send()
        .await
        .unwrap();
    assert_error(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
    let not_json = server
        .http
        .post(server.url("/v1/auth/one-tap"))
        .body(format!("carrier_token={token}"))
        .send()
        .await
        .unwrap();
    assert_error(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // A refused body did not use the token up.
    assert_eq!(server.one_tap(&token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_dev_carrier_checks_phone_and_carrier() {
    let server = TestServer::dev();
    for carrier in [
        "China Mobile",
        "China Unicom",
        "China Telecom",
        "China Broadnet",
    ] {
        let token = server.carrier_token(PHONE, carrier).await;
        assert_ne!(token, server.carrier_token(PHONE, carrier).await);
    }
    for phone in ["123", "+8613800138000", "12800138000", ""] {
        let response = server
            .post(
                "/dev/carrier/token",
                json!({ "phone": phone, "carrier": "China Mobile" }),
            )
            .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_phone").await;
    }
    for body in [
        json!({ "phone": PHONE, "carrier": "Vodafone" }),
        json!({ "phone": PHONE, "carrier": "china mobile" }),
        json!({ "phone": PHONE, "carrier": "" }),
        json!({ "phone": PHONE }),
        json!({ "carrier": "China Mobile" }),
        json!({ "phone": PHONE, "carrier": null }),
    ] {
        let response = server.post("/dev/carrier/token", body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    // Issuing stores nothing.
    assert_eq!(count_rows(&server, "carrier_nonces"), 0);
    assert_eq!(count_rows(&server, "users"), DEMO_AUTHORS);
}

#[tokio::test]
async fn without_dev_there_is_no_carrier_but_one_tap_verifies() {
    let server = TestServer::production();
    let response = server
        .post(
            "/dev/carrier/token",
            json!({ "phone": PHONE, "carrier": "China Mobile" }),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_refused(server.one_tap("garbage").await, "invalid_carrier_token").await;

    // A token the carrier key signs (a real carrier integration's) logs in.
    let token = sign(
        &secret_in(&server, "carrier_key"),
        &json!({ "phone": PHONE, "carrier": "China Unicom", "exp": unix_now() + 60,
                 "nonce": "0123456789abcdef0123456789abcdef" }),
    );
    let response = server.one_tap(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let login: Value = response.json().await.unwrap();
    assert_eq!(login["carrier"], "China Unicom");
    assert_refused(server.one_tap(&token).await, "carrier_token_used").await;
}

#[tokio::test]
async fn neither_the_phone_nor_the_token_is_stored_in_clear() {
    let server = TestServer::dev();
    let token = server.carrier_token(PHONE, "China Mobile").await;
    let login: Value = server.one_tap(&token).await.json().await.unwrap();
    let (payload, signature) = token.split_once('.').unwrap();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(content) = fs::read(format!("{}{suffix}", server.db_path().display())) {
            bytes.extend(content);
        }
    }
    let contains = |needle: &str| {
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    };
    assert!(
        !contains("138****8000"),
        "the phone's mask is in the database"
    );
    assert!(!contains(PHONE), "the clear phone is in the database");
    assert!(!contains(payload), "the token is in the database");
    assert!(!contains(signature), "the token is in the database");
    assert!(!contains(&access(&login)[4..]), "a clear access token");
}
