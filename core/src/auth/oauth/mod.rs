//! Third-party login with OpenID Connect (authorization code + PKCE, RFC 8252): discovery,
//! the authorization URL, the callback (state, and the issuer of RFC 9207), the code exchange
//! at the provider, then the ID token handed to our server, which verifies it. The provider's
//! nickname and avatar come from the ID token or, when it leaves them out, from userinfo; they
//! reach the profile only when the user authorizes binding, which is recorded as a consent.
//! For userinfo's claims the server gets the provider's access token and asks the provider
//! itself: it never takes a profile on the app's word. Providers that are not OpenID providers
//! (WeChat, QQ, Weibo) log in through their app SDK instead (`sdk.rs`), with the same binding
//! decision.

mod callback;
mod discovery;
mod id_token;
mod pkce;
mod sdk;
mod userinfo;

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};
use url::Url;

use super::{AuthArea, AuthError, UserProfile};
use crate::config::OAuthProviderConfig;
use crate::net::{ApiCode, Endpoint, Net, NetError};
use crate::policy::ConsentPurpose;
use crate::store::settings;
use discovery::ProviderMetadata;
pub(crate) use sdk::SdkProvider;
pub use sdk::{ProviderSdk, SdkAuthorization};

/// The app settings key of the authorization in progress (kept across a process death while
/// the user is in the browser).
const PENDING: &str = "oauth_pending";
/// After this, an unfinished authorization is abandoned.
const PENDING_TTL_S: i64 = 600;
/// A provider's nickname as shown, at most.
const MAX_NICKNAME_CHARS: usize = 64;

/// Where to send the user: open it in the system browser (or a custom tab), never a web view.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct OAuthAuthorization {
    pub provider: String,
    pub authorization_url: String,
}

/// What binding would copy from the provider into the profile: show it, then ask.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ProviderAccount {
    pub provider: String,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

pub(crate) struct OAuthProviders {
    configured: Vec<OAuthProviderConfig>,
    dev: bool,
    /// Providers whose app SDK the shell registered, by name.
    sdks: RwLock<HashMap<String, SdkProvider>>,
    /// Discovery documents, fetched once per run.
    metadata: tokio::sync::Mutex<HashMap<String, ProviderMetadata>>,
    /// The provider's answer, in memory only, until the user decides on binding.
    awaiting_binding: Mutex<Option<ProviderAnswer>>,
}

struct ProviderAnswer {
    provider: String,
    proof: Proof,
    /// Whether binding would copy anything, as far as the app can tell.
    has_profile: bool,
}

/// What the server logs in with.
enum Proof {
    /// An OpenID provider's ID token, which the server verifies.
    IdToken {
        id_token: String,
        nonce: String,
        /// Only when the profile shown came from userinfo: the server fetches it again with it.
        access_token: Option<String>,
    },
    /// The code an app SDK gave, which the server exchanges at the provider.
    Code { code: String },
}

#[derive(Serialize, Deserialize)]
struct PendingAuthorization {
    provider: String,
    state: String,
    nonce: String,
    verifier: String,
    started_at: i64,
}

#[derive(Deserialize)]
struct ProviderTokens {
    id_token: String,
    #[serde(default)]
    access_token: Option<String>,
}

#[derive(Serialize)]
struct CodeLoginRequest<'a> {
    provider: &'a str,
    code: &'a str,
    install_id: &'a str,
    bind_profile: bool,
}

#[derive(Serialize)]
struct LoginRequest<'a> {
    provider: &'a str,
    id_token: &'a str,
    nonce: &'a str,
    install_id: &'a str,
    bind_profile: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

impl OAuthProviders {
    pub(crate) fn new(configured: Vec<OAuthProviderConfig>, dev: bool) -> Self {
        Self {
            configured,
            dev,
            sdks: RwLock::default(),
            metadata: tokio::sync::Mutex::default(),
            awaiting_binding: Mutex::default(),
        }
    }

    /// The OpenID providers configured, then the SDK providers registered (sorted).
    pub(crate) fn names(&self) -> Vec<String> {
        let mut sdks: Vec<_> = self.sdks().keys().cloned().collect();
        sdks.sort();
        let configured = self.configured.iter().map(|p| p.name.clone());
        configured.chain(sdks).collect()
    }

    fn sdks(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, SdkProvider>> {
        self.sdks.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Logs in with `name` through `provider`'s SDK from now on.
    pub(crate) fn add_sdk(&self, name: String, provider: SdkProvider) {
        self.sdks
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name, provider);
    }

    /// Whether `name` logs in through an app SDK rather than the browser.
    pub(crate) fn is_sdk(&self, name: &str) -> bool {
        self.sdks().contains_key(name)
    }

    fn sdk(&self, name: &str) -> Result<SdkProvider, AuthError> {
        self.sdks()
            .get(name)
            .cloned()
            .ok_or_else(|| AuthError::UnknownProvider { name: name.into() })
    }

    fn config(&self, name: &str) -> Result<&OAuthProviderConfig, AuthError> {
        self.configured
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AuthError::UnknownProvider { name: name.into() })
    }

    fn answer(&self) -> std::sync::MutexGuard<'_, Option<ProviderAnswer>> {
        self.awaiting_binding
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    async fn metadata(
        &self,
        net: &Net,
        provider: &OAuthProviderConfig,
    ) -> Result<ProviderMetadata, AuthError> {
        let mut cache = self.metadata.lock().await;
        if let Some(known) = cache.get(&provider.name) {
            return Ok(known.clone());
        }
        let url = discovery::configuration_url(&provider.issuer, self.dev)?;
        let request = Endpoint::OidcDiscovery.request().at(url);
        let document: ProviderMetadata = net
            .send(&request, None)
            .await
            .and_then(|answer| answer.json())
            .map_err(provider_error)?;
        let checked = document.checked(&provider.issuer, self.dev)?;
        cache.insert(provider.name.clone(), checked.clone());
        Ok(checked)
    }
}

/// Builds the authorization URL and remembers what the callback must match.
impl AuthArea {
    pub(in crate::auth) async fn start_oauth(
        &self,
        name: &str,
    ) -> Result<OAuthAuthorization, AuthError> {
        let providers = &self.oauth;
        let provider = providers.config(name)?;
        let metadata = providers.metadata(&self.platform.net, provider).await?;
        let pending = PendingAuthorization {
            provider: provider.name.clone(),
            state: pkce::random_token(),
            nonce: pkce::random_token(),
            verifier: pkce::random_token(),
            started_at: self.platform.now(),
        };
        let mut url = Url::parse(&metadata.authorization_endpoint).map_err(|e| {
            AuthError::ProviderMisconfigured {
                reason: e.to_string(),
            }
        })?;
        url.query_pairs_mut().extend_pairs([
            ("response_type", "code"),
            ("client_id", provider.client_id.as_str()),
            ("redirect_uri", provider.redirect_uri.as_str()),
            ("scope", "openid profile"),
            ("state", pending.state.as_str()),
            ("nonce", pending.nonce.as_str()),
            (
                "code_challenge",
                pkce::challenge(&pending.verifier).as_str(),
            ),
            ("code_challenge_method", "S256"),
        ]);
        let json = serde_json::to_string(&pending).expect("a pending authorization serialises");
        settings::set(&self.platform.app_db.conn(), PENDING, &json)?;
        providers.answer().take();
        tracing::info!(provider = name, "third-party authorization started");
        Ok(OAuthAuthorization {
            provider: provider.name.clone(),
            authorization_url: url.into(),
        })
    }

    /// Checks the callback, trades the code for the provider's ID token, and returns what binding
    /// would copy. The authorization is single-use: whatever happens, it is spent.
    pub(in crate::auth) async fn complete_oauth(
        &self,
        callback_url: &str,
    ) -> Result<ProviderAccount, AuthError> {
        let taken = settings::take(&self.platform.app_db.conn(), PENDING)?;
        let pending: PendingAuthorization = taken
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| AuthError::InvalidCallback {
                reason: "no third-party login is in progress".into(),
            })?;
        if self.platform.now().saturating_sub(pending.started_at) > PENDING_TTL_S {
            return Err(AuthError::AuthorizationExpired);
        }
        let providers = &self.oauth;
        let provider = providers.config(&pending.provider)?;
        let metadata = providers.metadata(&self.platform.net, provider).await?;
        let issuer = callback::ExpectedIssuer {
            issuer: &metadata.issuer,
            always_named: metadata.authorization_response_iss_parameter_supported,
        };
        let code = callback::authorization_code(
            callback_url,
            &provider.redirect_uri,
            &pending.state,
            &issuer,
        )?;
        let token_url =
            Url::parse(&metadata.token_endpoint).map_err(|e| AuthError::ProviderMisconfigured {
                reason: e.to_string(),
            })?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", provider.redirect_uri.as_str()),
            ("client_id", provider.client_id.as_str()),
            ("code_verifier", pending.verifier.as_str()),
        ];
        let request = Endpoint::OidcToken.request().at(token_url).form(&form);
        let tokens: ProviderTokens = self
            .platform
            .net
            .send(&request, None)
            .await
            .and_then(|answer| answer.json())
            .map_err(provider_error)?;
        let claims = id_token::claims(&tokens.id_token)?;
        // The server checks it too; refusing here spares a round trip with a replayed token.
        if claims.nonce.as_deref() != Some(pending.nonce.as_str()) {
            return Err(AuthError::IdTokenRejected {
                reason: "the ID token is not for this login (nonce)".into(),
            });
        }
        // OpenID Connect Core 5.4: a compliant provider answers `profile` at userinfo only.
        let (claims, access_token) = match (&metadata.userinfo_endpoint, tokens.access_token) {
            (Some(endpoint), Some(access_token)) if !claims.has_profile() => {
                let subject = claims
                    .sub
                    .as_deref()
                    .ok_or_else(|| AuthError::IdTokenRejected {
                        reason: "the provider's ID token names no subject".into(),
                    })?;
                let net = &self.platform.net;
                let profile = userinfo::claims(net, endpoint, &access_token, subject).await?;
                (profile, Some(access_token))
            }
            _ => (claims, None),
        };
        // Shown to the user before binding: nothing in it may hide or reorder what it shows.
        let nickname = claims
            .nickname
            .or(claims.name)
            .map(|name| medcircle_rules::text::display_line(&name, MAX_NICKNAME_CHARS))
            .filter(|name| !name.is_empty());
        let account = ProviderAccount {
            provider: provider.name.clone(),
            nickname,
            avatar_url: claims.picture,
        };
        *providers.answer() = Some(ProviderAnswer {
            provider: provider.name.clone(),
            proof: Proof::IdToken {
                id_token: tokens.id_token,
                nonce: pending.nonce,
                access_token,
            },
            has_profile: account.nickname.is_some() || account.avatar_url.is_some(),
        });
        Ok(account)
    }

    /// Logs in with the provider's answer. Binding first records the user's consent to share
    /// the provider's profile; declining logs in with a default profile. Binding a profile that
    /// has nothing to copy is refused before anything is recorded, and the answer stays for
    /// the other decision.
    pub(in crate::auth) async fn finish_oauth(
        &self,
        bind_profile: bool,
    ) -> Result<UserProfile, AuthError> {
        let answer = self
            .oauth
            .answer()
            .take()
            .ok_or_else(|| AuthError::InvalidCallback {
                reason: "no third-party login is waiting for a decision".into(),
            })?;
        let result = self.log_in_with_provider(&answer, bind_profile).await;
        if result.as_ref().is_err_and(keeps_the_answer) {
            *self.oauth.answer() = Some(answer);
        }
        result
    }

    async fn log_in_with_provider(
        &self,
        answer: &ProviderAnswer,
        bind_profile: bool,
    ) -> Result<UserProfile, AuthError> {
        if bind_profile && !answer.has_profile {
            return Err(AuthError::NothingToBind);
        }
        let purpose = ConsentPurpose::ThirdPartySharing;
        let granted_now = bind_profile && self.consents.grant(purpose)?;
        let result = self.send_login(answer, bind_profile).await;
        // The server found nothing to copy: the consent given for it goes as it came.
        if granted_now && result == Err(AuthError::NothingToBind) {
            self.consents.revert_grant(purpose)?;
        }
        result
    }

    async fn send_login(
        &self,
        answer: &ProviderAnswer,
        bind_profile: bool,
    ) -> Result<UserProfile, AuthError> {
        let install_id = self.install_id()?;
        tracing::info!(provider = %answer.provider, bind_profile, "third-party login");
        let request = match &answer.proof {
            Proof::IdToken {
                id_token,
                nonce,
                access_token,
            } => {
                let endpoint = if bind_profile {
                    Endpoint::OAuthLoginBound
                } else {
                    Endpoint::OAuthLogin
                };
                endpoint.request().json(&LoginRequest {
                    provider: &answer.provider,
                    id_token,
                    nonce,
                    install_id: &install_id,
                    bind_profile,
                    access_token: access_token.as_deref().filter(|_| bind_profile),
                })
            }
            Proof::Code { code } => {
                let endpoint = if bind_profile {
                    Endpoint::OAuthCodeLoginBound
                } else {
                    Endpoint::OAuthCodeLogin
                };
                endpoint.request().json(&CodeLoginRequest {
                    provider: &answer.provider,
                    code,
                    install_id: &install_id,
                    bind_profile,
                })
            }
        };
        self.log_in(request).await
    }
}

/// Whether the provider's answer stays for another decision after `error`: offline or a server
/// failure (the same decision again), or nothing to bind (the other one).
pub(in crate::auth) fn keeps_the_answer(error: &AuthError) -> bool {
    matches!(error, AuthError::Network { .. } | AuthError::NothingToBind)
}

/// For the fuzz targets: the callback check, and every answer a provider gives.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing {
    pub(crate) fn code(raw: &str, redirect_uri: &str, state: &str) -> Option<String> {
        let issuer = super::callback::ExpectedIssuer {
            issuer: "https://id.example",
            always_named: true,
        };
        super::callback::authorization_code(raw, redirect_uri, state, &issuer).ok()
    }

    pub(crate) fn answers(bytes: &[u8]) {
        if let Ok(document) = serde_json::from_slice::<super::ProviderMetadata>(bytes) {
            let _ = document.checked("https://id.example", true);
        }
        let _ = serde_json::from_slice::<super::ProviderTokens>(bytes);
        let _ = super::id_token::claims(&String::from_utf8_lossy(bytes));
    }
}

/// The provider's refusals: a spent or expired code means starting again.
fn provider_error(error: NetError) -> AuthError {
    match error {
        NetError::Refused { error, .. } if error.code == ApiCode::InvalidGrant => {
            AuthError::AuthorizationExpired
        }
        NetError::Refused { error, .. } => AuthError::ProviderDenied {
            reason: format!("{}: {}", error.code, error.message),
        },
        other => other.into(),
    }
}
