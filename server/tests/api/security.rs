//! The security center's routes: the sessions list, signing sessions out (behind a recent
//! authentication) and what the signed-out session is told, notices (new-login alerts,
//! broadcasts, forced logouts) and the minimum version.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error};

/// Logs `phone` in from the app installation `device` (the code sent from it).
async fn login_from(server: &TestServer, phone: &str, device: &str) -> Value {
    assert_eq!(
        server.send_code(phone, device).await.status(),
        StatusCode::OK
    );
    let code = server.outbox_code(phone).await;
    let response = server
        .post(
            "/v1/auth/sms/verify",
            json!({ "phone": phone, "code": code, "device_id": device }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn sessions(server: &TestServer, token: &str) -> Vec<Value> {
    let body = server
        .expect(Method::GET, "/v1/me/sessions", token, None, StatusCode::OK)
        .await;
    body["sessions"].as_array().unwrap().clone()
}

async fn notices(server: &TestServer, token: &str) -> Value {
    server
        .expect(Method::GET, "/v1/me/notices", token, None, StatusCode::OK)
        .await
}

fn kinds(notices: &Value) -> Vec<String> {
    notices["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sessions_show_method_place_and_reported_device_and_the_current_one() {
    let server = TestServer::dev();
    let phone = login_from(&server, PHONE, "install-phone").await;
    server.advance(61).await;
    let tablet = login_from(&server, PHONE, "install-tablet").await;
    let report = json!({
        "model": "Pixel 8", "os": "android", "os_version": "15", "app_version": "1.4.0",
        "network_type": "wifi", "carrier": null, "install_id": "install-tablet",
    });
    server
        .expect(
            Method::POST,
            "/v1/risk/device",
            &access(&tablet),
            Some(report),
            StatusCode::NO_CONTENT,
        )
        .await;

    let listed = sessions(&server, &access(&phone)).await;
    assert_eq!(listed.len(), 2);
    let current: Vec<_> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current[0]["device"],
        Value::Null,
        "no report: unknown device"
    );
    let other = listed.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["device"]["model"], "Pixel 8");
    assert_eq!(other["device"]["app_version"], "1.4.0");
    for session in &listed {
        assert_eq!(session["login_method"], "sms");
        assert_eq!(session["place"], "Loopback");
    }
}

#[tokio::test]
async fn signing_another_session_out_needs_a_recent_login_and_its_refresh_learns_why() {
    let server = TestServer::dev();
    let lost = login_from(&server, PHONE, "install-lost").await;
    server.advance(61).await;
    let kept = login_from(&server, PHONE, "install-kept").await;
    let lost_id = sessions(&server, &access(&kept))
        .await
        .into_iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept_id = sessions(&server, &access(&kept))
        .await
        .into_iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let own = server
        .call(
            Method::DELETE,
            &format!("/v1/me/sessions/{kept_id}"),
            Some(&access(&kept)),
            None,
        )
        .await;
    assert_error(own, StatusCode::CONFLICT, "current_session").await;

    // Past the step-up window: refused until the holder proves it again.
    server.advance(301).await;
    let refresh = |session: &Value| session["refresh_token"].as_str().unwrap().to_owned();
    let kept: Value = server.refresh(&refresh(&kept)).await.json().await.unwrap();
    let path = format!("/v1/me/sessions/{lost_id}");
    let stale = server
        .call(Method::DELETE, &path, Some(&access(&kept)), None)
        .await;
    assert_error(stale, StatusCode::FORBIDDEN, "reauth_required").await;
    let others = server
        .call(
            Method::POST,
            "/v1/me/sessions/revoke-others",
            Some(&access(&kept)),
            None,
        )
        .await;
    assert_error(others, StatusCode::FORBIDDEN, "reauth_required").await;
    assert_eq!(sessions(&server, &access(&kept)).await.len(), 2);

    let fresh = login_from(&server, PHONE, "install-kept").await;
    server
        .expect(
            Method::DELETE,
            &path,
            &access(&fresh),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_error(
        server.me(&access(&lost)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_error(
        server.refresh(&refresh(&lost)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    let body = server
        .expect(
            Method::POST,
            "/v1/me/sessions/revoke-others",
            &access(&fresh),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["revoked"], 1, "the earlier login from the kept device");
    assert_eq!(sessions(&server, &access(&fresh)).await.len(), 1);
}

#[tokio::test]
async fn a_login_from_a_new_installation_alerts_the_account_and_a_known_one_does_not() {
    let server = TestServer::dev();
    let first = login_from(&server, PHONE, "install-a").await;
    assert!(kinds(&notices(&server, &access(&first)).await).is_empty());
    server.advance(61).await;
    login_from(&server, PHONE, "install-a").await;
    assert!(kinds(&notices(&server, &access(&first)).await).is_empty());
    server.advance(61).await;
    login_from(&server, PHONE, "install-b").await;
    let seen = notices(&server, &access(&first)).await;
    assert_eq!(kinds(&seen), ["new_login"]);
    assert!(
        seen["notices"][0]["body"]
            .as_str()
            .unwrap()
            .contains("Loopback")
    );
}

#[tokio::test]
async fn broadcasts_reach_everyone_and_a_forced_logout_ends_every_session() {
    let server = TestServer::dev();
    let published = server
        .post(
            "/dev/notices",
            json!({ "kind": "incident", "title": "Incident", "body": "What happened.",
                    "action": "Change nothing." }),
        )
        .await;
    assert_eq!(published.status(), StatusCode::OK);
    let session = login_from(&server, PHONE, "install-a").await;
    assert_eq!(
        kinds(&notices(&server, &access(&session)).await),
        ["incident"]
    );

    let user_id = session["user"]["id"].as_str().unwrap();
    let refused = server
        .post(
            "/dev/notices",
            json!({ "kind": "forced_logout", "title": "Signed out", "body": "By us.",
                    "action": "Log in again." }),
        )
        .await;
    assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    let forced = server
        .post(
            "/dev/notices",
            json!({ "user_id": user_id, "kind": "forced_logout", "title": "Signed out",
                    "body": "By us.", "action": "Log in again." }),
        )
        .await;
    assert_eq!(forced.status(), StatusCode::OK);
    assert_error(
        server
            .refresh(session["refresh_token"].as_str().unwrap())
            .await,
        StatusCode::UNAUTHORIZED,
        "forced_logout",
    )
    .await;
}

#[tokio::test]
async fn the_minimum_version_is_announced_with_the_notices() {
    let server = TestServer::dev();
    let session = login_from(&server, PHONE, "install-a").await;
    assert_eq!(
        notices(&server, &access(&session)).await["minimum_version"],
        Value::Null
    );
    let bad = server
        .post("/dev/minimum-version", json!({ "version": "2.x" }))
        .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    let set = server
        .post("/dev/minimum-version", json!({ "version": "99.0" }))
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let seen = notices(&server, &access(&session)).await;
    assert_eq!(seen["minimum_version"], "99.0");
    let public: Value = server
        .get("/v1/minimum-version")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["minimum_version"], "99.0", "no session needed");
    assert_eq!(kinds(&seen), ["minimum_version"]);
    server
        .post("/dev/minimum-version", json!({ "version": null }))
        .await;
    assert_eq!(
        notices(&server, &access(&session)).await["minimum_version"],
        Value::Null
    );
}

/// A login made before logins were recorded (no `logins` row: not listed) is still signed out
/// by "sign out all others", and its holder learns why even with an already-rotated token (its
/// last refresh answer lost).
#[tokio::test]
async fn signing_all_others_out_reaches_unlisted_logins_and_rotated_tokens_learn_why() {
    let server = TestServer::dev();
    let old = login_from(&server, PHONE, "install-old").await;
    let old_refresh = old["refresh_token"].as_str().unwrap().to_owned();
    let rotated: Value = server.refresh(&old_refresh).await.json().await.unwrap();
    assert!(rotated["refresh_token"].is_string());
    rusqlite::Connection::open(server.db_path())
        .unwrap()
        .execute("DELETE FROM logins", [])
        .unwrap();
    server.advance(61).await;
    let current = login_from(&server, PHONE, "install-new").await;
    assert_eq!(sessions(&server, &access(&current)).await.len(), 1);

    let body = server
        .expect(
            Method::POST,
            "/v1/me/sessions/revoke-others",
            &access(&current),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["revoked"], 1);
    assert_error(
        server.refresh(&old_refresh).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    let newest = rotated["refresh_token"].as_str().unwrap();
    assert_error(
        server.refresh(newest).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
}
