//! SMS pumping and victim lockout: limits count per requester (its address; the tests use
//! other loopback addresses as other requesters), a phone that had several codes today asks
//! for a challenge instead of refusing, and wrong guesses lock only whoever made them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, assert_error, client_from, solve};

const ATTACKER: &str = "127.0.0.2";

async fn send(
    server: &TestServer,
    http: &reqwest::Client,
    phone: &str,
    device: &str,
) -> reqwest::Response {
    http.post(server.url("/v1/auth/sms/send"))
        .json(&json!({ "phone": phone, "device_id": device }))
        .send()
        .await
        .unwrap()
}

async fn guess(server: &TestServer, http: &reqwest::Client, code: &str) -> reqwest::Response {
    http.post(server.url("/v1/auth/sms/verify"))
        .json(&json!({ "phone": PHONE, "code": code, "device_id": "device-1" }))
        .send()
        .await
        .unwrap()
}

fn wrong(code: &str) -> &'static str {
    if code == "000000" { "000001" } else { "000000" }
}

#[tokio::test]
async fn one_requester_cannot_send_codes_to_many_phones() {
    let server = TestServer::dev();
    let attacker = client_from(ATTACKER);
    for n in 0..10 {
        let phone = format!("139000000{n:02}");
        let sent = send(&server, &attacker, &phone, &format!("device-{n}")).await;
        assert_eq!(sent.status(), StatusCode::OK, "phone {n}");
    }
    let refused = send(&server, &attacker, "13900000010", "device-10").await;
    let error = assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(error["retry_after_s"].as_i64().unwrap() > 86_000, "{error}");
    // Anyone else still can.
    assert_eq!(
        send(&server, &server.http, "13900000010", "device-x")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn one_requester_has_an_hourly_budget_whatever_phones_and_devices_it_names() {
    let server = TestServer::dev();
    let attacker = client_from(ATTACKER);
    for n in 0..20 {
        let phone = format!("139000000{:02}", n % 10);
        let sent = server
            .send_code_solving(&attacker, &phone, &format!("device-{n}"))
            .await;
        assert_eq!(sent.status(), StatusCode::OK, "send {n}");
        server.advance(61).await;
    }
    let refused = send(&server, &attacker, "13900000001", "device-x").await;
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn a_flood_at_a_victims_number_leaves_its_owner_a_code_behind_a_challenge() {
    let server = TestServer::dev();
    let attacker = client_from(ATTACKER);
    for n in 0..10 {
        let sent = server
            .send_code_solving(&attacker, PHONE, &format!("fresh-{n}"))
            .await;
        assert_eq!(sent.status(), StatusCode::OK, "send {n}");
        server.advance(60).await;
    }
    let refused = send(&server, &attacker, PHONE, "fresh-x").await;
    assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // The owner is asked for a challenge, not refused.
    let held = send(&server, &server.http, PHONE, "owner-device").await;
    let error = assert_error(
        held,
        StatusCode::PRECONDITION_REQUIRED,
        "challenge_required",
    )
    .await;
    let challenge = &error["challenge"];
    assert_eq!(challenge["expires_in_s"], 300);
    assert!(
        challenge["difficulty"].as_u64().unwrap() >= 12,
        "{challenge}"
    );
    let body = |challenge: Value| json!({ "phone": PHONE, "device_id": "owner-device", "challenge": challenge });
    let unsolved = json!({ "token": challenge["token"], "nonce": "not-a-solution" });
    let bad = server.post("/v1/auth/sms/send", body(unsolved)).await;
    assert_error(bad, StatusCode::BAD_REQUEST, "invalid_challenge").await;
    let solution = solve(challenge);
    let sent = server
        .post("/v1/auth/sms/send", body(solution.clone()))
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = server.outbox_code(PHONE).await;
    assert_eq!(server.verify(PHONE, &code).await.status(), StatusCode::OK);
    // A solution is good once.
    server.advance(60).await;
    let replayed = server.post("/v1/auth/sms/send", body(solution)).await;
    assert_error(replayed, StatusCode::BAD_REQUEST, "invalid_challenge").await;
}

#[tokio::test]
async fn wrong_guesses_lock_the_guesser_not_the_owner() {
    let server = TestServer::dev();
    assert_eq!(
        server.send_code(PHONE, "device-1").await.status(),
        StatusCode::OK
    );
    let code = server.outbox_code(PHONE).await;
    let attacker = client_from(ATTACKER);
    for left in (0..5).rev() {
        let response = guess(&server, &attacker, wrong(&code)).await;
        if left == 0 {
            assert_error(response, StatusCode::LOCKED, "code_locked").await;
        } else {
            let error =
                assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "wrong_code").await;
            assert_eq!(error["attempts_left"], left);
        }
    }
    // Even the right code, from the locked-out guesser, is refused.
    assert_error(
        guess(&server, &attacker, &code).await,
        StatusCode::LOCKED,
        "code_locked",
    )
    .await;
    assert_eq!(
        guess(&server, &server.http, &code).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_code_killed_by_many_guessers_can_be_replaced_at_once() {
    let server = TestServer::dev();
    assert_eq!(
        server.send_code(PHONE, "device-1").await.status(),
        StatusCode::OK
    );
    let code = server.outbox_code(PHONE).await;
    for n in 2..6 {
        let guesser = client_from(&format!("127.0.0.{n}"));
        for _ in 0..5 {
            guess(&server, &guesser, wrong(&code)).await;
        }
    }
    assert_error(
        guess(&server, &server.http, &code).await,
        StatusCode::LOCKED,
        "code_locked",
    )
    .await;
    // No cooldown for a phone whose code is dead: its owner gets a new one now.
    assert_eq!(
        server.send_code(PHONE, "device-2").await.status(),
        StatusCode::OK
    );
    let fresh = server.outbox_code(PHONE).await;
    assert_eq!(
        guess(&server, &server.http, &fresh).await.status(),
        StatusCode::OK
    );
}
