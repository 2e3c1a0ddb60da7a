//! Third-party login against an OpenID Certified provider nobody on this project wrote
//! (panva's `oidc-provider`): profile claims only at userinfo, RFC 9207's `iss` in every
//! authorization response (and, in a second instance, announced but left out).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use medcircle_core::{AuthError, Client, LedgerEntry, LedgerFilter, LoginEvent, LoginStep};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::common::Harness;
use crate::common::oidc_provider::{CLIENT_ID, Iss, NAME, NodeProvider, REDIRECT_URI};
use crate::common::third_party::third_party_sharing_granted;

/// A server trusting `provider`, and a client that knows it, its policy accepted.
async fn app(provider: &NodeProvider) -> (Harness, Client) {
    let h = Harness::start_trusting(vec![provider.trusted()]);
    let mut config = h.config("app");
    config.oauth_providers.push(provider.config());
    let client = h.consented_client_with(config).await;
    (h, client)
}

fn query(url: &str, key: &str) -> Option<String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn ledger(client: &Client) -> Vec<LedgerEntry> {
    client
        .privacy()
        .ledger(LedgerFilter::default())
        .await
        .unwrap()
}

async fn sent(client: &Client, item: &str) -> bool {
    ledger(client).await.iter().any(|entry| entry.item == item)
}

/// Starts a login at the provider and signs in there as `login`: the callback.
async fn callback(provider: &NodeProvider, client: &Client, login: &str) -> String {
    let started = client.auth().start_oauth_login(NAME.into()).await.unwrap();
    provider.sign_in(&started.authorization_url, login).await
}

#[tokio::test]
async fn profile_claims_come_from_userinfo_and_binding_copies_them() {
    let provider = NodeProvider::start(Iss::Sent);
    let (h, client) = app(&provider).await;
    let auth = client.auth();
    let callback = callback(&provider, &client, "doctor-zhang").await;
    assert_eq!(query(&callback, "iss"), Some(provider.issuer.clone()));

    let account = auth.complete_oauth_login(callback).await.unwrap();
    assert_eq!(account.provider, NAME);
    assert_eq!(account.nickname.as_deref(), Some("doctor-zhang"));
    let avatar = "https://avatars.example/doctor-zhang.png";
    assert_eq!(account.avatar_url.as_deref(), Some(avatar));
    // The app asked the provider's userinfo, with the access token.
    let to_provider = ledger(&client)
        .await
        .into_iter()
        .find(|entry| entry.item == "oauth_access_token")
        .expect("the access token went to userinfo");
    assert_eq!(
        format!("http://{}", to_provider.destination),
        provider.issuer
    );
    assert!(to_provider.endpoint.contains("userinfo"), "{to_provider:?}");

    let user = auth.finish_oauth_login(true).await.unwrap();
    assert_eq!(user.nickname, "doctor-zhang");
    assert_eq!(user.avatar_url.as_deref(), Some(avatar));
    assert!(third_party_sharing_granted(&client).await);
    assert_eq!(auth.whoami().await.unwrap().nickname, "doctor-zhang");
    assert!(sent(&client, "provider_profile").await);
    drop(h);
}

#[tokio::test]
async fn an_announced_iss_missing_from_the_answer_is_refused_before_the_code_is_used() {
    let provider = NodeProvider::start(Iss::Omitted);
    let (_h, client) = app(&provider).await;
    let callback = callback(&provider, &client, "doctor-zhang").await;
    assert!(query(&callback, "code").is_some() && query(&callback, "iss").is_none());
    assert_eq!(
        client.auth().complete_oauth_login(callback).await,
        Err(AuthError::IssuerMissing)
    );
    assert!(!sent(&client, "oauth_authorization_code").await);
    assert!(matches!(
        client.auth().finish_oauth_login(false).await,
        Err(AuthError::InvalidCallback { .. })
    ));
}

#[tokio::test]
async fn an_answer_naming_another_issuer_is_refused() {
    let provider = NodeProvider::start(Iss::Sent);
    let (_h, client) = app(&provider).await;
    let genuine = callback(&provider, &client, "doctor-zhang").await;
    let mut url = Url::parse(&genuine).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "iss" {
                "https://evil.example".into()
            } else {
                v
            };
            (k.into_owned(), v.into_owned())
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(
        client.auth().complete_oauth_login(url.into()).await,
        Err(AuthError::IssuerMismatch {
            received: "https://evil.example".into()
        })
    );
    assert!(!sent(&client, "oauth_authorization_code").await);
}

#[tokio::test]
async fn a_binding_that_would_copy_nothing_is_refused_and_not_recorded() {
    let provider = NodeProvider::start(Iss::Sent);
    let (_h, client) = app(&provider).await;
    let flow = client.auth().login_flow();
    let screen = flow
        .send(LoginEvent::ChooseProvider {
            provider: NAME.into(),
        })
        .await;
    let LoginStep::ProviderAuthorization {
        authorization_url, ..
    } = screen.step
    else {
        panic!("{screen:?}")
    };
    let url = provider.sign_in(&authorization_url, "nobody-1").await;
    let screen = flow.send(LoginEvent::ProviderCallback { url }).await;
    let LoginStep::ConfirmBinding { account } = &screen.step else {
        panic!("{screen:?}")
    };
    assert_eq!((&account.nickname, &account.avatar_url), (&None, &None));

    let screen = flow
        .send(LoginEvent::DecideBinding { bind_profile: true })
        .await;
    assert_eq!(screen.error, Some(AuthError::NothingToBind));
    assert!(matches!(screen.step, LoginStep::ConfirmBinding { .. }));
    assert!(!third_party_sharing_granted(&client).await);
    assert!(!sent(&client, "provider_profile").await);

    // The same screen takes the other decision.
    let screen = flow
        .send(LoginEvent::DecideBinding {
            bind_profile: false,
        })
        .await;
    let LoginStep::LoggedIn { user } = &screen.step else {
        panic!("{screen:?}")
    };
    assert!(user.nickname.starts_with("MedCircle user"), "{user:?}");
    assert_eq!(user.avatar_url, None);
    assert!(!third_party_sharing_granted(&client).await);
}

/// The provider's tokens for `login`, got as an app gets them (PKCE, nonce), with plain HTTP.
struct Tokens {
    id_token: String,
    access_token: String,
    nonce: String,
}

async fn tokens(provider: &NodeProvider, login: &str) -> Tokens {
    let http = reqwest::Client::new();
    let metadata: Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            provider.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut authorize = Url::parse(metadata["authorization_endpoint"].as_str().unwrap()).unwrap();
    authorize.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile"),
        ("state", "s"),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let callback = provider.sign_in(authorize.as_str(), login).await;
    let code = query(&callback, "code").unwrap();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", &verifier),
        ])
        .finish();
    let answer: Value = http
        .post(metadata["token_endpoint"].as_str().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Tokens {
        id_token: answer["id_token"].as_str().expect("an ID token").into(),
        access_token: answer["access_token"].as_str().unwrap().into(),
        nonce,
    }
}

fn id_token_claims(id_token: &str) -> Value {
    let payload = id_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn log_in(h: &Harness, id: &Tokens, access_token: Option<&str>, bind: bool) -> (u16, Value) {
    let mut body = json!({
        "provider": NAME,
        "id_token": id.id_token,
        "nonce": id.nonce,
        "install_id": "install-1",
        "bind_profile": bind,
    });
    if let Some(token) = access_token {
        body["access_token"] = token.into();
    }
    let response = reqwest::Client::new()
        .post(format!("{}/v1/auth/oauth", h.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_server_binds_userinfo_only_for_the_id_token_s_account_and_only_if_it_has_a_profile() {
    let provider = NodeProvider::start(Iss::Sent);
    let h = Harness::start_trusting(vec![provider.trusted()]);
    let zhang = tokens(&provider, "doctor-zhang").await;
    let claims = id_token_claims(&zhang.id_token);
    assert_eq!(claims["sub"], "doctor-zhang");
    for profile_claim in ["name", "nickname", "picture"] {
        assert!(claims.get(profile_claim).is_none(), "{claims}");
    }
    let wang = tokens(&provider, "doctor-wang").await;
    let nobody = tokens(&provider, "nobody-2").await;

    // Another account's access token: userinfo names another subject.
    let (status, body) = log_in(&h, &zhang, Some(&wang.access_token), true).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_id_token"))
    );
    // An account with nothing to copy: no binding, and the token is not spent by the refusal.
    let (status, body) = log_in(&h, &nobody, Some(&nobody.access_token), true).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("nothing_to_bind"))
    );
    let (status, body) = log_in(&h, &nobody, None, false).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["user"]["avatar_url"].is_null(), "{body}");

    let (status, body) = log_in(&h, &zhang, Some(&zhang.access_token), true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["nickname"], "doctor-zhang");
    assert_eq!(
        body["user"]["avatar_url"],
        "https://avatars.example/doctor-zhang.png"
    );
}
