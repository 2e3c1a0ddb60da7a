//! Third-party login through a provider's app SDK (WeChat's shape) against the reference
//! server's dev WeChat-style provider, with a scripted SDK: the state checked, the code
//! exchanged by the server, binding as a consent, the profile asked for only to bind, the
//! account keyed on the unionid, and every refusal a typed error the login screen shows.

use std::sync::Arc;

use crate::common::Harness;
use crate::common::third_party::{ledger_items, third_party_sharing_granted};
use crate::common::wechat_sdk::{APP, DEFAULT_NICKNAME, Script, ScriptedSdk, WEB_APP};
use medcircle_core::{
    AuthError, Client, ConsentPurpose, LoginEvent, LoginFlow, LoginScreen, LoginStep, UserProfile,
};

const CODE_LOGIN: &str = "/v1/auth/oauth/code";

/// A consented client that logs in with `provider` through `sdk`.
async fn client_with(h: &Harness, name: &str, provider: &str, sdk: &Arc<ScriptedSdk>) -> Client {
    let client = h.consented_client(name).await;
    client
        .auth()
        .add_sdk_provider(provider.into(), "snsapi_userinfo".into(), sdk.clone());
    client
}

async fn choose(flow: &Arc<LoginFlow>, provider: &str) -> LoginScreen {
    flow.send(LoginEvent::ChooseProvider {
        provider: provider.into(),
    })
    .await
}

async fn decide(flow: &Arc<LoginFlow>, bind_profile: bool) -> LoginScreen {
    flow.send(LoginEvent::DecideBinding { bind_profile }).await
}

fn logged_in(screen: LoginScreen) -> UserProfile {
    match screen.step {
        LoginStep::LoggedIn { user } => user,
        other => panic!("not logged in: {other:?}, {:?}", screen.error),
    }
}

/// Through the login screen: the provider's app, then the binding question, then `bind`.
async fn log_in(client: &Client, provider: &str, bind: bool) -> UserProfile {
    let flow = client.auth().login_flow();
    let asked = choose(&flow, provider).await;
    assert_eq!(asked.error, None);
    let LoginStep::ConfirmBinding { account } = asked.step else {
        panic!("no binding question: {asked:?}");
    };
    assert_eq!(account.provider, provider);
    logged_in(decide(&flow, bind).await)
}

#[tokio::test]
async fn binding_copies_the_nickname_and_avatar_after_the_consent() {
    let h = Harness::start();
    let sdk = Arc::new(ScriptedSdk::signing_in(&h.url, "li"));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    assert_eq!(client.auth().oauth_providers(), ["dev", "wechat"]);

    let user = log_in(&client, "wechat", true).await;
    assert_eq!(user.nickname, DEFAULT_NICKNAME);
    let avatar = user.avatar_url.clone().unwrap();
    assert!(avatar.ends_with("/dev/wechat/avatars/li.png"), "{avatar}");
    assert_eq!(*sdk.scopes.lock().unwrap(), ["snsapi_userinfo"]);
    assert!(third_party_sharing_granted(&client).await);
    assert_eq!(h.wechat_calls().await, (1, 1));
    let items = ledger_items(&client).await;
    for item in ["oauth_authorization_code", "provider_profile"] {
        assert!(items.iter().any(|i| i == item), "{item} in {items:?}");
    }
    assert_eq!(
        client.auth().whoami().await.unwrap().avatar_url,
        Some(avatar)
    );
}

#[tokio::test]
async fn declining_logs_in_without_asking_the_provider_for_the_profile() {
    let h = Harness::start();
    let sdk = Arc::new(ScriptedSdk::signing_in(&h.url, "wang"));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let user = log_in(&client, "wechat", false).await;
    assert_ne!(user.nickname, DEFAULT_NICKNAME);
    assert_eq!(user.avatar_url, None);
    assert!(!third_party_sharing_granted(&client).await);
    assert_eq!(h.wechat_calls().await, (1, 0), "no userinfo call");
    assert!(
        !ledger_items(&client)
            .await
            .iter()
            .any(|i| i == "provider_profile")
    );
}

#[tokio::test]
async fn cancelling_in_the_provider_s_app_ends_the_attempt_cleanly() {
    let h = Harness::start();
    let sdk = Arc::new(ScriptedSdk::new(&h.url, APP, Script::Cancel));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let flow = client.auth().login_flow();
    let screen = choose(&flow, "wechat").await;
    assert_eq!(screen.step, LoginStep::Start);
    assert_eq!(screen.error, None);
    assert_eq!(h.count_requests(CODE_LOGIN).await, 0);
    // The direct call says why, for a screen of its own.
    let direct = client.auth().authorize_with_sdk("wechat".into()).await;
    assert_eq!(direct, Err(AuthError::LoginCancelled));

    // Refusing, or an SDK that cannot run, are errors the screen shows at the start.
    sdk.set(Script::Deny);
    let screen = choose(&flow, "wechat").await;
    assert_eq!(screen.step, LoginStep::Start);
    assert_eq!(
        screen.error,
        Some(AuthError::ProviderDenied {
            reason: "ERR_AUTH_DENIED".into()
        })
    );
    sdk.set(Script::Fail);
    let screen = choose(&flow, "wechat").await;
    assert!(
        matches!(&screen.error, Some(AuthError::ProviderAppFailed { detail }) if detail.contains("not installed")),
        "{screen:?}"
    );
    assert_eq!(h.count_requests(CODE_LOGIN).await, 0);
    assert_eq!(h.wechat_calls().await, (0, 0));
    // A screen that never saw a code cannot decide a binding.
    assert!(matches!(
        client.auth().finish_oauth_login(false).await,
        Err(AuthError::InvalidCallback { .. })
    ));
}

#[tokio::test]
async fn an_answer_for_another_state_is_refused_before_the_code_leaves_the_app() {
    let h = Harness::start();
    let script = Script::OtherState { user: "li".into() };
    let sdk = Arc::new(ScriptedSdk::new(&h.url, APP, script));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let flow = client.auth().login_flow();
    let screen = choose(&flow, "wechat").await;
    assert_eq!(screen.step, LoginStep::Start);
    assert!(
        matches!(&screen.error, Some(AuthError::InvalidCallback { reason }) if reason.contains("state")),
        "{screen:?}"
    );
    assert_eq!(h.count_requests(CODE_LOGIN).await, 0);
    assert!(
        !ledger_items(&client)
            .await
            .iter()
            .any(|i| i == "oauth_authorization_code")
    );
}

#[tokio::test]
async fn an_expired_code_means_starting_again() {
    let h = Harness::start();
    let sdk = Arc::new(ScriptedSdk::signing_in(&h.url, "li"));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let flow = client.auth().login_flow();
    assert!(matches!(
        choose(&flow, "wechat").await.step,
        LoginStep::ConfirmBinding { .. }
    ));
    // The user left the binding question open longer than the provider's code lives.
    h.advance_clock(601).await;
    let screen = decide(&flow, false).await;
    assert_eq!(screen.error, Some(AuthError::AuthorizationExpired));
    assert_eq!(screen.step, LoginStep::Start);
    // Starting again works.
    let user = logged_in({
        choose(&flow, "wechat").await;
        decide(&flow, false).await
    });
    assert!(!user.id.is_empty());
}

#[tokio::test]
async fn a_code_already_used_is_refused() {
    let h = Harness::start();
    let sdk = Arc::new(ScriptedSdk::signing_in(&h.url, "li"));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    log_in(&client, "wechat", false).await;
    let used = sdk.last_code.lock().unwrap().clone().unwrap();

    let other = h.consented_client("other").await;
    let replay = Arc::new(ScriptedSdk::new(&h.url, APP, Script::Replay { code: used }));
    other
        .auth()
        .add_sdk_provider("wechat".into(), "snsapi_userinfo".into(), replay);
    let flow = other.auth().login_flow();
    assert!(matches!(
        choose(&flow, "wechat").await.step,
        LoginStep::ConfirmBinding { .. }
    ));
    let screen = decide(&flow, true).await;
    assert_eq!(screen.error, Some(AuthError::AuthorizationExpired));
    assert_eq!(screen.step, LoginStep::Start);
    assert!(matches!(
        other.auth().session_state(),
        medcircle_core::SessionState::LoggedOut
    ));
}

#[tokio::test]
async fn one_unionid_from_two_apps_is_one_account_and_openids_alone_are_not() {
    let h = Harness::start();
    let app = Arc::new(ScriptedSdk::signing_in(&h.url, "li"));
    let web_script = Script::SignIn {
        user: "li".into(),
        extra: String::new(),
    };
    let web = Arc::new(ScriptedSdk::new(&h.url, WEB_APP, web_script));
    let first = log_in(&client_with(&h, "a", "wechat", &app).await, "wechat", false).await;
    let second = log_in(
        &client_with(&h, "b", "wechat-web", &web).await,
        "wechat-web",
        false,
    )
    .await;
    assert_eq!(first.id, second.id, "the same unionid");

    let no_unionid = |app_id| {
        let script = Script::SignIn {
            user: "zhang".into(),
            extra: "&no_unionid=true".into(),
        };
        Arc::new(ScriptedSdk::new(&h.url, app_id, script))
    };
    let (app, web) = (no_unionid(APP), no_unionid(WEB_APP));
    let first = log_in(&client_with(&h, "c", "wechat", &app).await, "wechat", false).await;
    let second = log_in(
        &client_with(&h, "d", "wechat-web", &web).await,
        "wechat-web",
        false,
    )
    .await;
    assert_ne!(first.id, second.id, "two openids, no unionid: two accounts");
    let again = log_in(&client_with(&h, "e", "wechat", &app).await, "wechat", false).await;
    assert_eq!(again.id, first.id, "the same openid");
}

#[tokio::test]
async fn a_binding_with_nothing_to_copy_is_refused_and_declining_still_logs_in() {
    let h = Harness::start();
    let script = Script::SignIn {
        user: "zhao".into(),
        extra: "&bare=true".into(),
    };
    let sdk = Arc::new(ScriptedSdk::new(&h.url, APP, script));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let flow = client.auth().login_flow();
    choose(&flow, "wechat").await;
    let refused = decide(&flow, true).await;
    assert_eq!(refused.error, Some(AuthError::NothingToBind));
    assert!(matches!(refused.step, LoginStep::ConfirmBinding { .. }));
    // The consent recorded for the binding went again with it, as a withdrawal.
    assert!(!third_party_sharing_granted(&client).await);
    let user = logged_in(decide(&flow, false).await);
    assert_eq!(user.avatar_url, None);
    assert_eq!(h.wechat_calls().await, (1, 1), "one code, exchanged once");
    let history = client.consent().sync().await;
    assert!(history.is_ok(), "{history:?}");
    assert!(!third_party_sharing_granted(&client).await);
}

#[tokio::test]
async fn a_consent_given_before_stays_when_there_is_nothing_to_bind() {
    let h = Harness::start();
    let script = Script::SignIn {
        user: "zhao".into(),
        extra: "&bare=true".into(),
    };
    let sdk = Arc::new(ScriptedSdk::new(&h.url, APP, script));
    let client = client_with(&h, "app", "wechat", &sdk).await;
    let purpose = ConsentPurpose::ThirdPartySharing;
    client.consent().grant(purpose).await.unwrap();
    let flow = client.auth().login_flow();
    choose(&flow, "wechat").await;
    let refused = decide(&flow, true).await;
    assert_eq!(refused.error, Some(AuthError::NothingToBind));
    assert!(third_party_sharing_granted(&client).await);
}
