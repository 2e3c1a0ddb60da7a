//! Third-party login against the reference server's OpenID provider: discovery, PKCE, the
//! callback's checks, the exchange, the server's verification, and binding as a consent.

use crate::common::Harness;
use crate::common::third_party::{ledger_items, third_party_sharing_granted};
use medcircle_core::{AuthError, ConsentPurpose, LoginEvent, LoginStep};
use url::Url;

fn query(url: &str, key: &str) -> Option<String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn binding_copies_the_providers_nickname_and_avatar_and_records_the_consent() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    assert_eq!(auth.oauth_providers(), vec!["dev".to_string()]);

    let started = auth.start_oauth_login("dev".into()).await.unwrap();
    let url = &started.authorization_url;
    assert!(
        url.starts_with(&format!("{}/dev/oidc/authorize?", h.url)),
        "{url}"
    );
    assert_eq!(query(url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query(url, "code_challenge").unwrap().len(), 43);
    assert_eq!(query(url, "client_id").as_deref(), Some("medcircle-app"));
    assert!(query(url, "state").is_some() && query(url, "nonce").is_some());
    assert!(
        query(url, "scope")
            .unwrap()
            .split(' ')
            .any(|s| s == "openid")
    );

    let callback = h.authorize(url, Some("doctor-li")).await;
    let account = auth.complete_oauth_login(callback).await.unwrap();
    assert_eq!(account.provider, "dev");
    assert_eq!(account.nickname.as_deref(), Some("Dr. Demo"));
    let avatar = account
        .avatar_url
        .clone()
        .expect("the provider has a picture");

    assert!(!third_party_sharing_granted(&client).await);
    let user = auth.finish_oauth_login(true).await.unwrap();
    assert_eq!(user.nickname, "Dr. Demo");
    assert_eq!(user.avatar_url.as_deref(), Some(avatar.as_str()));
    assert!(
        third_party_sharing_granted(&client).await,
        "binding is a recorded consent"
    );
    assert_eq!(auth.whoami().await.unwrap().avatar_url, Some(avatar));
    let items = ledger_items(&client).await;
    for item in [
        "oauth_authorization_code",
        "oauth_id_token",
        "provider_profile",
    ] {
        assert!(items.iter().any(|i| i == item), "{item} in {items:?}");
    }

    // The same provider account finds the same MedCircle account.
    let again = h.consented_client("again").await;
    let callback = h.sign_in_at_provider(&again, "doctor-li").await;
    again.auth().complete_oauth_login(callback).await.unwrap();
    assert_eq!(
        again.auth().finish_oauth_login(false).await.unwrap().id,
        user.id
    );
}

#[tokio::test]
async fn declining_binding_logs_in_with_a_default_profile_and_shares_nothing() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let callback = h.sign_in_at_provider(&client, "doctor-wang").await;
    auth.complete_oauth_login(callback).await.unwrap();
    let user = auth.finish_oauth_login(false).await.unwrap();
    assert_ne!(user.nickname, "Dr. Demo");
    assert_eq!(user.avatar_url, None);
    assert!(!third_party_sharing_granted(&client).await);
    assert!(
        !ledger_items(&client)
            .await
            .iter()
            .any(|i| i == "provider_profile")
    );
    assert_eq!(auth.whoami().await.unwrap().avatar_url, None);
}

#[tokio::test]
async fn an_answer_to_another_request_is_refused_and_spends_the_authorization() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let callback = h.sign_in_at_provider(&client, "doctor-li").await;
    let state = query(&callback, "state").unwrap();
    let forged = callback.replace(&state, "forged-state");
    assert!(matches!(
        auth.complete_oauth_login(forged).await,
        Err(AuthError::InvalidCallback { .. })
    ));
    // The genuine answer no longer counts either: one authorization, one attempt.
    assert!(matches!(
        auth.complete_oauth_login(callback).await,
        Err(AuthError::InvalidCallback { .. })
    ));
    assert!(
        !ledger_items(&client)
            .await
            .iter()
            .any(|i| i == "oauth_authorization_code"),
        "the code was never sent to the provider"
    );
    assert!(matches!(
        auth.finish_oauth_login(true).await,
        Err(AuthError::InvalidCallback { .. })
    ));
}

#[tokio::test]
async fn a_refusal_at_the_provider_and_hostile_callbacks_get_typed_errors() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let started = auth.start_oauth_login("dev".into()).await.unwrap();
    let denied = h.authorize(&started.authorization_url, None).await;
    assert!(matches!(
        auth.complete_oauth_login(denied).await,
        Err(AuthError::ProviderDenied { reason }) if reason.starts_with("access_denied")
    ));

    for hostile in [
        "https://evil.example/oauth/callback?code=x&state=y".to_string(),
        "not a url".to_string(),
        format!(
            "com.medcircle.app:/oauth/callback?code={}",
            "x".repeat(10_000)
        ),
    ] {
        auth.start_oauth_login("dev".into()).await.unwrap();
        assert!(
            matches!(
                auth.complete_oauth_login(hostile.clone()).await,
                Err(AuthError::InvalidCallback { .. })
            ),
            "{hostile:.60}"
        );
    }
    assert!(matches!(
        auth.start_oauth_login("nowhere".into()).await,
        Err(AuthError::UnknownProvider { .. })
    ));
}

#[tokio::test]
async fn a_code_older_than_the_provider_allows_means_starting_again() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let callback = h.sign_in_at_provider(&client, "doctor-li").await;
    h.advance_clock(120).await;
    assert_eq!(
        auth.complete_oauth_login(callback).await,
        Err(AuthError::AuthorizationExpired)
    );
}

#[tokio::test]
async fn nothing_reaches_a_provider_before_the_policy_is_accepted() {
    let h = Harness::start();
    let client = h.client("app").await;
    assert_eq!(
        client.auth().start_oauth_login("dev".into()).await,
        Err(AuthError::ConsentRequired {
            purpose: ConsentPurpose::PrivacyPolicy
        })
    );
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn the_login_flow_walks_a_third_party_login_by_events() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let flow = client.auth().login_flow();
    assert_eq!(flow.screen().step, LoginStep::Start);

    let screen = flow
        .send(LoginEvent::ChooseProvider {
            provider: "dev".into(),
        })
        .await;
    let LoginStep::ProviderAuthorization {
        authorization_url, ..
    } = screen.step
    else {
        panic!("{screen:?}")
    };
    // An event the step does not take changes nothing but the error.
    let screen = flow
        .send(LoginEvent::DecideBinding { bind_profile: true })
        .await;
    assert!(matches!(
        screen.error,
        Some(AuthError::UnexpectedLoginEvent { .. })
    ));
    assert!(matches!(
        screen.step,
        LoginStep::ProviderAuthorization { .. }
    ));

    let url = h.authorize(&authorization_url, Some("doctor-li")).await;
    let screen = flow.send(LoginEvent::ProviderCallback { url }).await;
    let LoginStep::ConfirmBinding { account } = &screen.step else {
        panic!("{screen:?}")
    };
    assert_eq!(account.nickname.as_deref(), Some("Dr. Demo"));
    let screen = flow
        .send(LoginEvent::DecideBinding { bind_profile: true })
        .await;
    let LoginStep::LoggedIn { user } = &screen.step else {
        panic!("{screen:?}")
    };
    assert_eq!(user.nickname, "Dr. Demo");
    assert!(!screen.busy && screen.error.is_none());
}

#[tokio::test]
async fn the_login_flow_walks_an_sms_login_and_keeps_the_step_on_a_wrong_code() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let flow = client.auth().login_flow();
    let mut updates = flow.updates();
    assert_eq!(updates.next().await.unwrap().step, LoginStep::Start);
    let phone = "13800138077";
    let screen = flow
        .send(LoginEvent::RequestSmsCode {
            phone: phone.into(),
        })
        .await;
    assert!(
        matches!(&screen.step, LoginStep::EnterSmsCode { phone_masked, .. } if phone_masked == "138****8077"),
        "{screen:?}"
    );
    // The observer sees the screen the event returned (after, perhaps, the busy one).
    loop {
        let seen = updates.next().await.unwrap();
        if !seen.busy {
            assert_eq!(seen, screen);
            break;
        }
    }

    let code = h.outbox_code(phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let screen = flow
        .send(LoginEvent::SubmitSmsCode { code: wrong.into() })
        .await;
    assert!(
        matches!(screen.error, Some(AuthError::WrongCode { .. })),
        "{screen:?}"
    );
    assert!(matches!(screen.step, LoginStep::EnterSmsCode { .. }));

    let screen = flow.send(LoginEvent::SubmitSmsCode { code }).await;
    assert!(
        matches!(screen.step, LoginStep::LoggedIn { .. }),
        "{screen:?}"
    );
    assert!(client.auth().login_flow().screen().step != LoginStep::Start);
}
