//! Third-party login with OpenID Connect: the providers this server trusts, by name, and
//! verifying the ID tokens they sign, with keys found through each provider's own metadata,
//! so any standards-compliant provider works; the profile from userinfo when an ID token
//! leaves it out. In dev mode `dev_provider` plays one.

pub mod dev_provider;
mod discovery;
pub mod id_token;
mod jwk;
mod jws;
mod pkce;
mod userinfo;

use std::collections::HashMap;
use std::io;
use std::str::FromStr;
use std::sync::Mutex;

use crate::app::lock;
use crate::error::ApiError;
use dev_provider::DevProvider;
use id_token::{Profile, Verified};
use jwk::JwkSet;

/// A provider whose ID tokens log users in: tokens issued by `issuer` for `client_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// What the app sends as `provider`.
    pub name: String,
    pub issuer: String,
    pub client_id: String,
}

/// `NAME=ISSUER_URL,CLIENT_ID`, the form of `--oidc-provider`.
impl FromStr for OidcProvider {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let (name, rest) = raw
            .split_once('=')
            .ok_or("expected NAME=ISSUER_URL,CLIENT_ID")?;
        let (issuer, client_id) = rest
            .rsplit_once(',')
            .ok_or("expected NAME=ISSUER_URL,CLIENT_ID")?;
        if !crate::ident::is_valid(name, 1..=32) {
            return Err("NAME must be 1 to 32 characters of A-Z, a-z, 0-9, _ and -".into());
        }
        if !url::Url::parse(issuer).is_ok_and(|url| matches!(url.scheme(), "https" | "http")) {
            return Err("ISSUER_URL must be an http(s) URL".into());
        }
        if client_id.is_empty() {
            return Err("CLIENT_ID must not be empty".into());
        }
        Ok(OidcProvider {
            name: name.to_owned(),
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
        })
    }
}

/// The least time between two requests for a provider's keys.
const ASK_AGAIN_AFTER_S: i64 = 60;

/// The trusted providers, the key sets fetched from them, and (dev mode) the dev provider.
pub struct Oidc {
    providers: HashMap<String, OidcProvider>,
    http: reqwest::Client,
    /// By issuer; replaced when a token names a key id the cached set lacks (key rotation).
    keys: Mutex<HashMap<String, JwkSet>>,
    /// When each issuer was last asked for its keys: tokens naming unknown keys (or a provider
    /// that is down) make the server ask at most once a minute, not once a request.
    asked_at: Mutex<HashMap<String, i64>>,
    pub dev: Option<DevProvider>,
}

impl Oidc {
    /// Trusts `providers`, and with a `dev` provider also trusts it as `dev`.
    pub fn new(providers: &[OidcProvider], dev: Option<DevProvider>) -> io::Result<Self> {
        let mut trusted: HashMap<_, _> = providers
            .iter()
            .map(|provider| (provider.name.clone(), provider.clone()))
            .collect();
        // The dev provider is this server: its keys are known without asking it (which over
        // TLS with a development CA its provider client would not even trust).
        let mut keys = HashMap::new();
        if let Some(dev) = &dev {
            trusted.insert("dev".into(), dev.trusted_as("dev"));
            let own = serde_json::to_value(dev.jwks()).and_then(serde_json::from_value::<JwkSet>);
            let own = own.map_err(io::Error::other)?;
            keys.insert(dev.issuer().to_owned(), own);
        }
        Ok(Oidc {
            providers: trusted,
            http: crate::outbound::client().map_err(io::Error::other)?,
            keys: Mutex::new(keys),
            asked_at: Mutex::new(HashMap::new()),
            dev,
        })
    }

    /// Verifies an ID token from the provider called `name`, sent with `nonce`: signature,
    /// issuer, audience, expiry, issue time and nonce. Awaits the provider when its keys are
    /// not cached; never holds a lock meanwhile.
    pub async fn verify(
        &self,
        name: &str,
        token: &str,
        nonce: &str,
        now: i64,
    ) -> Result<Verified, ApiError> {
        let provider = self.providers.get(name).ok_or(ApiError::UnknownProvider)?;
        let jws = jws::parse(token).map_err(|malformed| ApiError::InvalidIdToken(malformed.0))?;
        let cached = lock(&self.keys).get(&provider.issuer).cloned();
        let keys = match cached {
            Some(keys) if keys.select(jws.alg, jws.kid.as_deref()).is_some() => keys,
            _ if self.may_ask(&provider.issuer, now) => self.refresh(provider).await?,
            // Asked less than a minute ago: what that answer held is all there is.
            Some(keys) => keys,
            None => return Err(ApiError::ProviderUnavailable),
        };
        let key = keys
            .select(jws.alg, jws.kid.as_deref())
            .ok_or(ApiError::InvalidIdToken(
                "no key of the provider matches the token",
            ))?;
        if !key.verifies(jws.alg, jws.signing_input.as_bytes(), &jws.signature) {
            return Err(ApiError::InvalidIdToken("the signature does not verify"));
        }
        id_token::check(
            &jws.payload,
            jws.signing_input,
            &provider.issuer,
            &provider.client_id,
            nonce,
            now,
        )
    }

    /// The profile of the account `verified` names, from the userinfo of the provider called
    /// `name`, asked with `access_token` (OpenID Connect Core 5.3). Refused unless userinfo is
    /// about the ID token's subject: its answer is not signed, only `sub` ties the two.
    pub async fn userinfo_profile(
        &self,
        name: &str,
        verified: &Verified,
        access_token: &str,
    ) -> Result<Profile, ApiError> {
        let provider = self.providers.get(name).ok_or(ApiError::UnknownProvider)?;
        let answer: userinfo::Userinfo =
            discovery::fetch_userinfo(&self.http, &provider.issuer, access_token)
                .await
                .map_err(|error| {
                    tracing::info!(provider = %provider.name, %error, "userinfo unavailable");
                    ApiError::ProviderUnavailable
                })?;
        answer.profile_of(&verified.subject)
    }

    /// Whether `issuer` may be asked for its keys at `now`; if so, the asking is recorded first,
    /// so requests arriving meanwhile use what is cached.
    fn may_ask(&self, issuer: &str, now: i64) -> bool {
        let mut asked_at = lock(&self.asked_at);
        if asked_at
            .get(issuer)
            .is_some_and(|at| now.saturating_sub(*at) < ASK_AGAIN_AFTER_S)
        {
            return false;
        }
        asked_at.insert(issuer.to_owned(), now);
        true
    }

    async fn refresh(&self, provider: &OidcProvider) -> Result<JwkSet, ApiError> {
        let keys = discovery::fetch_keys(&self.http, &provider.issuer)
            .await
            .map_err(|error| {
                tracing::warn!(provider = %provider.name, %error, "provider keys unavailable");
                ApiError::ProviderUnavailable
            })?;
        lock(&self.keys).insert(provider.issuer.clone(), keys.clone());
        tracing::info!(provider = %provider.name, keys = keys.keys.len(), "provider keys fetched");
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::dev_provider::{self, IdTokenClaims};
    use super::*;
    use crate::base64url;

    const NOW: i64 = 1_800_000_000;
    const NONCE: &str = "n-0S6_WzA2Mj";
    /// Nothing listens there: a fetch fails at once.
    const NOWHERE: &str = "http://127.0.0.1:9";

    /// Trusts the dev provider of a server at NOWHERE (its keys known from the start).
    fn trusting_dev() -> Oidc {
        let key = dev_provider::generate_key().unwrap();
        let dev = DevProvider::new(NOWHERE, &key).unwrap();
        Oidc::new(&[], Some(dev)).unwrap()
    }

    fn dev(oidc: &Oidc) -> &DevProvider {
        oidc.dev.as_ref().unwrap()
    }

    /// A token from the dev provider, as its token endpoint would issue it at NOW, changed by
    /// `change`.
    fn token(oidc: &Oidc, change: impl FnOnce(&mut IdTokenClaims<'_>)) -> String {
        let dev = dev(oidc);
        let mut claims = IdTokenClaims {
            issuer: dev.issuer(),
            subject: "demo-doctor",
            audience: dev_provider::CLIENT_ID,
            nonce: Some(NONCE),
            name: "Dr. Demo",
            issued_at: NOW,
            expires_at: NOW + 600,
        };
        change(&mut claims);
        dev.id_token(&claims, None)
    }

    async fn verify(oidc: &Oidc, token: &str) -> Result<Verified, ApiError> {
        oidc.verify("dev", token, NONCE, NOW).await
    }

    async fn refused(oidc: &Oidc, token: &str) -> String {
        match verify(oidc, token).await {
            Ok(_) => panic!("accepted {token}"),
            Err(error) => error.code().to_owned(),
        }
    }

    /// `token` with its payload replaced by `claims`, signature kept.
    fn with_payload(token: &str, claims: &Value) -> String {
        let parts: Vec<_> = token.split('.').collect();
        let payload = base64url::encode(claims.to_string().as_bytes());
        format!("{}.{payload}.{}", parts[0], parts[2])
    }

    #[tokio::test]
    async fn accepts_a_token_the_provider_signed_for_this_app() {
        let oidc = trusting_dev();
        let verified = verify(&oidc, &token(&oidc, |_| {})).await.unwrap();
        assert_eq!(verified.issuer, format!("{NOWHERE}/dev/oidc"));
        assert_eq!(verified.subject, "demo-doctor");
        assert!(verified.token_id.starts_with("sha256:"));
        assert_eq!(verified.replay_until, NOW + 600 + id_token::LEEWAY_S);
        assert_eq!(verified.profile.nickname.as_deref(), Some("Dr. Demo"));
        let picture = format!("{NOWHERE}/dev/oidc/avatars/demo-doctor.png");
        assert_eq!(verified.profile.picture, Some(picture));
    }

    #[tokio::test]
    async fn refuses_a_bad_signature() {
        let oidc = trusting_dev();
        let forger = dev_provider::throwaway_key().unwrap();
        let claims = IdTokenClaims {
            issuer: dev(&oidc).issuer(),
            subject: "demo-doctor",
            audience: dev_provider::CLIENT_ID,
            nonce: Some(NONCE),
            name: "Dr. Demo",
            issued_at: NOW,
            expires_at: NOW + 600,
        };
        let forged = dev(&oidc).id_token(&claims, Some(&forger));
        assert_eq!(refused(&oidc, &forged).await, "invalid_id_token");
        // A real signature over other claims.
        let genuine = token(&oidc, |_| {});
        let altered = with_payload(&genuine, &json!({ "sub": "someone-else" }));
        assert_eq!(refused(&oidc, &altered).await, "invalid_id_token");
    }

    #[tokio::test]
    async fn refuses_another_audience_or_issuer() {
        let oidc = trusting_dev();
        let other_app = token(&oidc, |claims| claims.audience = "another-app");
        assert_eq!(refused(&oidc, &other_app).await, "invalid_id_token");
        let other_issuer = token(&oidc, |claims| claims.issuer = "https://evil.example");
        assert_eq!(refused(&oidc, &other_issuer).await, "invalid_id_token");
    }

    #[test]
    fn checks_audience_arrays_with_azp() {
        let check = |claims: Value| {
            let payload = claims.to_string();
            id_token::check(payload.as_bytes(), "x", "https://id", "app", "n", NOW)
                .map(|_| ())
                .map_err(|error| error.code())
        };
        let claims = |aud: Value, azp: Option<&str>| {
            let mut claims = json!({ "iss": "https://id", "sub": "s", "aud": aud, "exp": NOW + 1, "iat": NOW, "nonce": "n" });
            if let Some(azp) = azp {
                claims["azp"] = azp.into();
            }
            claims
        };
        assert_eq!(check(claims(json!(["app"]), None)), Ok(()));
        assert_eq!(check(claims(json!(["app", "other"]), Some("app"))), Ok(()));
        assert_eq!(
            check(claims(json!(["app", "other"]), None)),
            Err("invalid_id_token")
        );
        assert_eq!(
            check(claims(json!(["app", "other"]), Some("other"))),
            Err("invalid_id_token")
        );
        assert_eq!(
            check(claims(json!(["other"]), None)),
            Err("invalid_id_token")
        );
        assert_eq!(
            check(claims(json!("app"), Some("other"))),
            Err("invalid_id_token")
        );
        assert_eq!(check(claims(json!(7), None)), Err("invalid_id_token"));
    }

    #[tokio::test]
    async fn refuses_expired_tokens_after_a_minute_of_leeway() {
        let oidc = trusting_dev();
        let just = token(&oidc, |claims| claims.expires_at = NOW - 59);
        assert!(verify(&oidc, &just).await.is_ok());
        let expired = token(&oidc, |claims| claims.expires_at = NOW - 60);
        assert_eq!(refused(&oidc, &expired).await, "id_token_expired");
        let future = token(&oidc, |claims| claims.issued_at = NOW + 61);
        assert_eq!(refused(&oidc, &future).await, "invalid_id_token");
    }

    #[tokio::test]
    async fn refuses_another_or_no_nonce() {
        let oidc = trusting_dev();
        let other = token(&oidc, |claims| claims.nonce = Some("another"));
        assert_eq!(refused(&oidc, &other).await, "nonce_mismatch");
        let none = token(&oidc, |claims| claims.nonce = None);
        assert_eq!(refused(&oidc, &none).await, "nonce_mismatch");
    }

    #[tokio::test]
    async fn refuses_unsigned_tokens() {
        let oidc = trusting_dev();
        let genuine = token(&oidc, |_| {});
        let payload = genuine.split('.').nth(1).unwrap();
        for header in [
            json!({ "alg": "none" }),
            json!({ "alg": "HS256", "typ": "JWT" }),
        ] {
            let header = base64url::encode(header.to_string().as_bytes());
            for signature in ["", genuine.rsplit('.').next().unwrap()] {
                let unsigned = format!("{header}.{payload}.{signature}");
                assert_eq!(refused(&oidc, &unsigned).await, "invalid_id_token");
            }
        }
    }

    #[tokio::test]
    async fn unknown_providers_and_unreachable_keys() {
        let oidc = trusting_dev();
        let genuine = token(&oidc, |_| {});
        let error = oidc
            .verify("acme", &genuine, NONCE, NOW)
            .await
            .err()
            .unwrap();
        assert_eq!(error.code(), "unknown_provider");
        // A key id the cache lacks sends the server to the provider, which is not there.
        lock(&oidc.keys).clear();
        assert_eq!(refused(&oidc, &genuine).await, "provider_unavailable");
    }

    #[tokio::test]
    async fn unknown_key_ids_ask_the_provider_at_most_once_a_minute() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}/oidc", listener.local_addr().unwrap());
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = connections.clone();
        // A provider that answers nothing: each connection is one attempt to fetch its keys.
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(socket);
            }
        });
        let provider: OidcProvider = format!("down={issuer},app").parse().unwrap();
        let oidc = Oidc::new(&[provider], None).unwrap();
        let encode = |json: Value| base64url::encode(json.to_string().as_bytes());
        let forged = |kid: &str| {
            format!(
                "{}.{}.AAAA",
                encode(json!({ "alg": "ES256", "kid": kid })),
                encode(json!({}))
            )
        };
        let attempts = || connections.load(std::sync::atomic::Ordering::SeqCst);
        for (n, at) in [(0, NOW), (1, NOW + 1), (2, NOW + 59)] {
            let error = oidc
                .verify("down", &forged(&format!("kid-{n}")), NONCE, at)
                .await;
            assert_eq!(error.err().unwrap().code(), "provider_unavailable");
        }
        assert!(attempts() >= 1);
        let after_one_ask = attempts();
        let error = oidc.verify("down", &forged("kid-x"), NONCE, NOW + 59).await;
        assert_eq!(error.err().unwrap().code(), "provider_unavailable");
        assert_eq!(attempts(), after_one_ask, "asked again within the minute");
        let _ = oidc.verify("down", &forged("kid-y"), NONCE, NOW + 60).await;
        assert!(attempts() > after_one_ask, "not asked again after a minute");
    }

    #[tokio::test]
    async fn fetches_the_keys_again_through_the_metadata_when_a_kid_is_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let server = crate::RunningServer::start(crate::ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.path().join("server.db"),
            dev: true,
            providers: Vec::new(),
        })
        .unwrap();
        let issuer = format!("{}/dev/oidc", server.url());
        let provider: OidcProvider = format!("partner={issuer},medcircle-app").parse().unwrap();
        let oidc = Oidc::new(&[provider], None).unwrap();
        // What was cached before the provider rotated its key: another key, another kid.
        let before = DevProvider::new(server.url(), &dev_provider::generate_key().unwrap())
            .unwrap()
            .jwks();
        let before = serde_json::to_value(before).unwrap();
        lock(&oidc.keys).insert(issuer.clone(), serde_json::from_value(before).unwrap());
        let minted: Value = oidc
            .http
            .get(format!("{issuer}/mint?sub=rotated&nonce=n"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let now = crate::clock::Clock::default().now();
        let token = minted["id_token"].as_str().unwrap();
        let verified = oidc.verify("partner", token, "n", now).await.unwrap();
        assert_eq!(verified.subject, "rotated");
        let jws = jws::parse(token).unwrap();
        let cached = lock(&oidc.keys)[&issuer].clone();
        assert!(cached.select(jws.alg, jws.kid.as_deref()).is_some());
    }

    #[tokio::test]
    async fn verifies_rs256_with_the_providers_rsa_key() {
        // Signed with openssl by a 2048-bit key whose public half is N, e = 65537.
        const N: &str = "0jjXJxovhqbopykfbSegjm-NI4YP0LFy7rd-o6X6GqoM7M9m031uSfWxof7gV2oBNLnxDkjheZ6HTEsholU_Ir4rubiB8rZYX31aXYb4ocBTbZleKkav7zctvYXBJFQKHVmclaFX4_cbG-b8Acw0qNRKlF1d1L56yTQcN6SMPNj8WyydeXz20H-HaZ6_vF40-aes0uxk7vdond8fc3rh5Pnap4v6_MhnvCufAc5z-9GhWdFI8OFnvtDifk5EktFicE_T7MMBLX2DBryfPrxeGKDhml8NdG67H8oMCBOVnYn0hl-tqy3lytfKlf_LL9SGTXQGw1emofoPv5AS67gM0w";
        const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUiLCJzdWIiOiJyc2EtdXNlciIsImF1ZCI6Im1lZGNpcmNsZS1hcHAiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwibm9uY2UiOiJuLXJzYSJ9.E7njKQSdJ-hURlETC_0Cfue34SdcKiF-p3CXIJrOnO8NJNlq1A9ILsVc2vnRZyG35_APM9dbVfOkxtSaMqc85hdqWihVTpHybHDYv1_FkDBNrzeyeQDgyk_R9KFv0U_Rn02CIxelfANO0LOqMynUaqAfeeTMCYyekacmTPk11e0M5L45l6ciWB0UstroqFbTSWvZrlxh8khP1nJJsuWX6k71u3SIqjk1y4Epk6i_no7ZaScSKLYA9WOZ4UwVX_QygBXooRdhoy9gQq_c8snJfqXSVcxaG0FvCB6SsGT2eHSTDv9yOxmjAjNrhrwN1yzwRZESvC5AoHl-vOiE2Ij1QQ";
        let provider: OidcProvider = "acme=https://id.example,medcircle-app".parse().unwrap();
        let oidc = Oidc::new(&[provider], None).unwrap();
        let keys = json!({ "keys": [
            { "kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "AA", "y": "AA" },
            { "kty": "RSA", "kid": "rsa-1", "use": "sig", "n": N, "e": "AQAB" },
        ]});
        lock(&oidc.keys).insert(
            "https://id.example".into(),
            serde_json::from_value(keys).unwrap(),
        );
        let verified = oidc
            .verify("acme", TOKEN, "n-rsa", 1_700_000_000)
            .await
            .unwrap();
        assert_eq!(verified.subject, "rsa-user");
        let altered = with_payload(TOKEN, &json!({ "sub": "x" }));
        let error = oidc
            .verify("acme", &altered, "n-rsa", 1_700_000_000)
            .await
            .err()
            .unwrap();
        assert_eq!(error.code(), "invalid_id_token");
    }

    #[test]
    fn parses_provider_flags() {
        let provider: OidcProvider = "acme=https://id.acme.example/tenant,app,1".parse().unwrap();
        assert_eq!(provider.name, "acme");
        assert_eq!(provider.issuer, "https://id.acme.example/tenant,app");
        assert_eq!(provider.client_id, "1");
        for bad in [
            "acme",
            "acme=https://id.example",
            "=https://id.example,app",
            "a b=https://id.example,app",
            "acme=id.example,app",
            "acme=https://id.example,",
        ] {
            assert!(bad.parse::<OidcProvider>().is_err(), "{bad}");
        }
    }
}
