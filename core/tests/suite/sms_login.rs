//! SMS login end to end against the reference server over real HTTP on loopback, with the
//! real secure store (keyutils on Linux) and SQLCipher databases.

use crate::common::{Harness, files_under};
use medcircle_core::{AuthError, ConsentPurpose, EndReason, NetworkProblem, SessionState};

#[tokio::test]
async fn nothing_but_the_policy_is_requested_before_consent() {
    let h = Harness::start();
    let client = h.client("app").await;
    let auth = client.auth();
    let refused = auth.request_sms_code("13800138000".into()).await;
    assert_eq!(
        refused,
        Err(AuthError::ConsentRequired {
            purpose: ConsentPurpose::PrivacyPolicy
        })
    );
    let refused = auth
        .verify_sms_code("13800138000".into(), "123456".into())
        .await;
    assert!(matches!(refused, Err(AuthError::ConsentRequired { .. })));
    assert!(h.requests().await.is_empty());

    let consent = client.consent();
    assert!(consent.status().await.unwrap().needs_acceptance);
    let policy = consent.fetch_policy().await.unwrap();
    assert_eq!(policy.hash.len(), 64);
    assert!(!policy.sections.is_empty());
    assert_eq!(
        h.requests().await,
        vec![("GET".to_string(), "/v1/policy".to_string())]
    );

    let status = consent.accept(policy.version.clone()).await.unwrap();
    assert_eq!(
        status.accepted_version.as_deref(),
        Some(policy.version.as_str())
    );
    assert!(!status.needs_acceptance);
    let sent = auth.request_sms_code("13800138000".into()).await.unwrap();
    assert_eq!((sent.cooldown_s, sent.expires_in_s), (60, 300));
}

#[tokio::test]
async fn only_a_policy_that_was_shown_can_be_accepted_and_acceptance_persists() {
    let h = Harness::start();
    let client = h.client("app").await;
    let refused = client.consent().accept("2026-11-01".into()).await;
    assert!(matches!(
        refused,
        Err(medcircle_core::ConsentError::PolicyNotShown { .. })
    ));
    let policy = client.consent().fetch_policy().await.unwrap();
    client
        .consent()
        .accept(policy.version.clone())
        .await
        .unwrap();
    drop(client);

    let reopened = h.client("app").await;
    let status = reopened.consent().status().await.unwrap();
    assert_eq!(status.accepted_version, Some(policy.version));
    reopened
        .auth()
        .request_sms_code("13800138001".into())
        .await
        .expect("the gate stays open after a restart");
}

#[tokio::test]
async fn login_whoami_logout_journey_with_observed_state() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let mut updates = auth.session_updates();
    assert_eq!(updates.next().await.unwrap(), SessionState::LoggedOut);

    auth.request_sms_code("+86 138 0013 8000".into())
        .await
        .unwrap();
    let code = h.outbox_code("13800138000").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        auth.verify_sms_code("13800138000".into(), wrong.into())
            .await,
        Err(AuthError::WrongCode { attempts_left: 4 })
    );
    let user = auth
        .verify_sms_code("13800138000".into(), code.clone())
        .await
        .unwrap();
    assert_eq!(user.phone_masked, "138****8000");
    assert!(user.id.starts_with("u_"));

    assert_eq!(
        updates.next().await.unwrap(),
        SessionState::LoggedIn { user: user.clone() }
    );
    assert_eq!(auth.whoami().await.unwrap(), user);

    // The code is single use.
    assert_eq!(
        auth.verify_sms_code("13800138000".into(), code).await,
        Err(AuthError::CodeExpired)
    );

    let accounts = h.data_dir("app").join("accounts");
    assert!(!files_under(&accounts).is_empty());
    let outcome = auth.logout().await.unwrap();
    assert!(outcome.revoked_on_server);
    assert_eq!(updates.next().await.unwrap(), SessionState::LoggedOut);
    assert_eq!(auth.whoami().await, Err(AuthError::NotLoggedIn));
    assert_eq!(auth.logout().await, Err(AuthError::NotLoggedIn));
    assert!(
        files_under(&accounts).is_empty(),
        "the account's database files are gone"
    );
    assert_eq!(h.count_requests("/v1/auth/logout").await, 1);
}

#[tokio::test]
async fn the_session_survives_a_restart_and_a_logout_survives_too() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138002").await;
    drop(client);

    let reopened = h.client("app").await;
    match reopened.auth().session_state() {
        SessionState::LoggedIn { user: restored } => assert_eq!(restored, user),
        other => panic!("expected a restored session, got {other:?}"),
    }
    assert_eq!(reopened.auth().whoami().await.unwrap().id, user.id);
    reopened.auth().logout().await.unwrap();
    drop(reopened);

    let again = h.client("app").await;
    assert_eq!(again.auth().session_state(), SessionState::LoggedOut);
}

#[tokio::test]
async fn phone_and_code_are_validated_locally_before_any_request() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    assert!(matches!(
        auth.request_sms_code("12345".into()).await,
        Err(AuthError::InvalidPhone { .. })
    ));
    assert!(matches!(
        auth.request_sms_code("12800138000".into()).await,
        Err(AuthError::InvalidPhone { .. })
    ));
    assert_eq!(
        auth.verify_sms_code("13800138000".into(), "12a".into())
            .await,
        Err(AuthError::InvalidCode)
    );
    assert_eq!(h.count_requests("/v1/auth/sms/send").await, 0);
    assert_eq!(h.count_requests("/v1/auth/sms/verify").await, 0);
}

#[tokio::test]
async fn cooldown_and_expiry_are_typed() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    auth.request_sms_code("13800138003".into()).await.unwrap();
    match auth.request_sms_code("13800138003".into()).await {
        Err(AuthError::RateLimited { retry_after_s }) => {
            assert!((1..=60).contains(&retry_after_s), "{retry_after_s}")
        }
        other => panic!("expected a cooldown, got {other:?}"),
    }
    // The cooldown is per device as well: another phone from the same install waits too.
    assert!(matches!(
        auth.request_sms_code("13800138004".into()).await,
        Err(AuthError::RateLimited { .. })
    ));
    h.advance_clock(301).await;
    let code = h.outbox_code("13800138003").await;
    assert_eq!(
        auth.verify_sms_code("13800138003".into(), code).await,
        Err(AuthError::CodeExpired)
    );
    auth.request_sms_code("13800138003".into())
        .await
        .expect("a new code after the cooldown");
}

#[tokio::test]
async fn five_wrong_codes_lock_the_code() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    auth.request_sms_code("13800138005".into()).await.unwrap();
    let code = h.outbox_code("13800138005").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempts_left in [4, 3, 2, 1] {
        assert_eq!(
            auth.verify_sms_code("13800138005".into(), wrong.into())
                .await,
            Err(AuthError::WrongCode { attempts_left })
        );
    }
    assert_eq!(
        auth.verify_sms_code("13800138005".into(), wrong.into())
            .await,
        Err(AuthError::CodeLocked)
    );
    assert_eq!(
        auth.verify_sms_code("13800138005".into(), code).await,
        Err(AuthError::CodeLocked),
        "even the right code is refused once locked"
    );
    assert_eq!(auth.session_state(), SessionState::LoggedOut);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_for_many_concurrent_calls() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138006").await;
    h.advance_clock(901).await;

    let calls = (0..8).map(|_| {
        let auth = client.auth();
        tokio::spawn(async move { auth.whoami().await })
    });
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().id, user.id);
    }
    assert_eq!(h.count_requests("/v1/auth/refresh").await, 1);

    // The rotated tokens were persisted: a restart uses them without another refresh.
    drop(client);
    let reopened = h.client("app").await;
    reopened.auth().whoami().await.unwrap();
    assert_eq!(h.count_requests("/v1/auth/refresh").await, 1);
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session_saying_why_and_wipes_the_account() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138007").await;
    // Past the refresh token's 30 days: the server refuses the refresh.
    h.advance_clock(31 * 24 * 3600).await;
    assert_eq!(client.auth().whoami().await, Err(AuthError::SessionExpired));
    assert_eq!(
        client.auth().session_state(),
        SessionState::Ended {
            user,
            unsent: 0,
            reason: EndReason::RefreshRefused
        }
    );
    assert!(files_under(&h.data_dir("app").join("accounts")).is_empty());
    drop(client);
    let reopened = h.client("app").await;
    assert_eq!(reopened.auth().session_state(), SessionState::LoggedOut);
}

#[tokio::test]
async fn logout_without_the_server_still_wipes_locally() {
    let mut h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138008").await;
    h.stop_server();
    let outcome = client.auth().logout().await.unwrap();
    assert!(!outcome.revoked_on_server);
    assert_eq!(client.auth().session_state(), SessionState::LoggedOut);
    assert!(files_under(&h.data_dir("app").join("accounts")).is_empty());
}

#[tokio::test]
async fn an_unreachable_server_is_reported_as_offline() {
    let mut h = Harness::start();
    let client = h.client("app").await;
    h.stop_server();
    let error = client.consent().fetch_policy().await.unwrap_err();
    assert_eq!(
        error,
        medcircle_core::ConsentError::Network {
            problem: NetworkProblem::Offline
        }
    );
}

#[tokio::test]
async fn a_login_whose_caller_gives_up_still_completes() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    auth.request_sms_code("13800138009".into()).await.unwrap();
    let code = h.outbox_code("13800138009").await;
    let mut updates = auth.session_updates();
    updates.next().await.unwrap();

    // The caller drops its future at once, as a cancelled coroutine would.
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_micros(1),
        auth.verify_sms_code("13800138009".into(), code),
    )
    .await;
    assert!(abandoned.is_err(), "the caller gave up before the answer");

    let state = tokio::time::timeout(std::time::Duration::from_secs(10), updates.next())
        .await
        .expect("the login finished on the core's runtime")
        .unwrap();
    assert!(matches!(state, SessionState::LoggedIn { .. }));
    drop(client);
    let reopened = h.client("app").await;
    assert!(matches!(
        reopened.auth().session_state(),
        SessionState::LoggedIn { .. }
    ));
}

/// Logs `phone` in through `proxy`, which keeps the answer: the refresh token the server gave.
async fn login_keeping_the_refresh_token(
    h: &Harness,
    proxy: &crate::common::proxy::FaultProxy,
    client: &medcircle_core::Client,
    phone: &str,
) -> String {
    proxy.record("/v1/auth/sms/verify");
    h.login(client, phone).await;
    let answer = proxy.recorded_bodies().pop().unwrap();
    let tokens: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    tokens["refresh_token"].as_str().unwrap().to_string()
}

/// What the server answers to a refresh with `token` (without using it if it is void).
async fn refresh_status(h: &Harness, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/v1/auth/refresh", h.url))
        .json(&serde_json::json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_offline_logout_is_revoked_on_the_server_when_the_network_returns() {
    use crate::common::proxy::{Fault, FaultProxy};
    let h = Harness::start();
    let proxy = FaultProxy::start(&h.url);
    let accept = |client: medcircle_core::Client| async move {
        let policy = client.consent().fetch_policy().await.unwrap();
        client.consent().accept(policy.version).await.unwrap();
        client
    };

    // Offline, then never back: the server still honours the token (the control).
    let kept = accept(h.client_via("kept", &proxy.url).await).await;
    let kept_token = login_keeping_the_refresh_token(&h, &proxy, &kept, "13800138091").await;
    proxy.set(Fault::Down);
    assert!(!kept.auth().logout().await.unwrap().revoked_on_server);
    assert_eq!(kept.auth().session_state(), SessionState::LoggedOut);
    kept.close(10_000).await;
    assert_eq!(refresh_status(&h, &kept_token).await, 200);

    // Offline, then the app starts again with the network back: revoked.
    proxy.set(Fault::None);
    let phone = accept(h.client_via("phone", &proxy.url).await).await;
    let token = login_keeping_the_refresh_token(&h, &proxy, &phone, "13800138092").await;
    proxy.set(Fault::Down);
    let outcome = phone.auth().logout().await.unwrap();
    assert!(!outcome.revoked_on_server, "nothing reached the server");
    assert_eq!(phone.auth().session_state(), SessionState::LoggedOut);
    phone.close(10_000).await;
    drop(phone);
    proxy.set(Fault::None);
    let restarted = h.client_via("phone", &proxy.url).await;
    restarted.close(10_000).await;
    assert_eq!(
        refresh_status(&h, &token).await,
        401,
        "the logout reached the server after all"
    );
}

/// The server asks a proof of work before a sixth code to one phone in a day; the client
/// solves it and sends again, and the user just gets the code.
#[tokio::test]
async fn a_sixth_code_in_a_day_costs_a_proof_of_work_the_client_does_itself() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let phone = "13800138401";
    for _ in 0..6 {
        client.auth().request_sms_code(phone.into()).await.unwrap();
        h.advance_clock(61).await;
    }
    assert_eq!(
        h.count_requests("/v1/auth/sms/send").await,
        7,
        "the sixth twice"
    );
    let code = h.outbox_code(phone).await;
    client
        .auth()
        .verify_sms_code(phone.into(), code)
        .await
        .unwrap();
}
