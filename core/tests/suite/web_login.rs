//! Scan-to-login on the web and the step-up it needs, against the reference server: the test
//! plays the browser (its page's JSON twin) and the phone (the core).

use crate::common::Harness;
use medcircle_core::{AuthError, PrivacyError};

#[tokio::test]
async fn the_phone_confirms_a_browser_after_seeing_who_asks() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138090").await;
    let (id, payload, poll) = h.start_web_login().await;
    assert_eq!(h.web_login_status(&id, &poll).await["status"], "pending");

    let request = client.auth().scan_web_login(payload.clone()).await.unwrap();
    assert_eq!(request.id, id);
    assert_eq!(request.browser, "Mozilla/5.0 (TestBrowser)");
    assert_eq!(request.place, "Loopback");
    assert!(request.expires_at > request.requested_at);
    assert_eq!(h.web_login_status(&id, &poll).await["status"], "scanned");

    client.auth().confirm_web_login(id.clone()).await.unwrap();
    let status = h.web_login_status(&id, &poll).await;
    assert_eq!(status["status"], "confirmed");
    assert_eq!(status["session"]["user_id"], user.id.as_str());

    assert_eq!(
        client.auth().scan_web_login(payload).await,
        Err(AuthError::WebLoginUsed),
        "a code is single use"
    );
    assert_eq!(
        client.auth().confirm_web_login(id).await,
        Err(AuthError::WebLoginUsed)
    );
}

#[tokio::test]
async fn declining_leaves_the_browser_logged_out() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138091").await;
    let (id, payload, poll) = h.start_web_login().await;
    client.auth().scan_web_login(payload).await.unwrap();
    client.auth().decline_web_login(id.clone()).await.unwrap();
    let status = h.web_login_status(&id, &poll).await;
    assert_eq!(status["status"], "declined");
    assert!(status["session"].is_null());
}

#[tokio::test]
async fn hostile_codes_never_reach_the_server_and_stale_ones_are_typed() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138092").await;
    let auth = client.auth();
    let (id, _, _) = h.start_web_login().await;
    for hostile in [
        format!("https://evil.example/web-login?id={id}&v=1"),
        format!("medcircle://web-login?id={id}&v=1&next=https://evil.example"),
        "medcircle://web-login?id=wl_zz&v=1".to_string(),
        "x".repeat(10_000),
    ] {
        assert!(matches!(
            auth.scan_web_login(hostile).await,
            Err(AuthError::InvalidQrCode { .. })
        ));
    }
    assert_eq!(h.count_requests(&format!("/v1/web-logins/{id}")).await, 0);

    let unknown = "medcircle://web-login?id=wl_0123456789abcdef0123456789abcdef&v=1";
    assert_eq!(
        auth.scan_web_login(unknown.into()).await,
        Err(AuthError::WebLoginNotFound)
    );
    let (_, payload, _) = h.start_web_login().await;
    h.advance_clock(121).await;
    assert_eq!(
        auth.scan_web_login(payload).await,
        Err(AuthError::WebLoginExpired)
    );
}

#[tokio::test]
async fn sensitive_actions_need_a_recent_authentication() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let phone = "13800138093";
    h.login(&client, phone).await;
    h.advance_clock(301).await;
    let auth = client.auth();

    let (id, payload, poll) = h.start_web_login().await;
    auth.scan_web_login(payload).await.unwrap();
    assert_eq!(
        auth.confirm_web_login(id.clone()).await,
        Err(AuthError::ReauthRequired)
    );
    assert_eq!(
        client.privacy().delete_account().await,
        Err(PrivacyError::ReauthRequired)
    );

    assert!(matches!(
        auth.request_reauth_code("13900139093".into()).await,
        Err(AuthError::InvalidPhone { .. })
    ));
    auth.request_reauth_code(phone.into()).await.unwrap();
    let code = h.outbox_code(phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        auth.reauthenticate(phone.into(), wrong.into()).await,
        Err(AuthError::WrongCode { attempts_left: 4 })
    );
    auth.reauthenticate(phone.into(), code).await.unwrap();
    auth.confirm_web_login(id.clone()).await.unwrap();
    assert_eq!(h.web_login_status(&id, &poll).await["status"], "confirmed");
    client.privacy().delete_account().await.unwrap();
}

#[tokio::test]
async fn scanning_needs_a_logged_in_phone() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let (_, payload, _) = h.start_web_login().await;
    assert_eq!(
        client.auth().scan_web_login(payload).await,
        Err(AuthError::NotLoggedIn)
    );
}
