//! Getting in and staying in: SMS-code login, the session (tokens in the secure store,
//! single-flight refresh, logout), and the session state a shell observes.

mod device;
mod flow;
mod oauth;
mod one_tap;
mod phone;
mod reauth;
mod session;
mod sms;
mod web_login;

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::watch;

pub use device::{DeviceInfo, DeviceInfoProvider, DeviceOs, NetworkType};
pub use flow::{LoginEvent, LoginFlow, LoginScreen, LoginStep};
pub(crate) use oauth::OAuthProviders;
pub use oauth::{OAuthAuthorization, ProviderAccount};
pub(crate) use session::Session;
pub use web_login::WebLoginRequest;

use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::net::{ApiError, NetError, NetworkProblem};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct UserProfile {
    pub id: String,
    /// Only ever the masked form (138****8000): the full number is not kept on the phone.
    pub phone_masked: String,
    pub nickname: String,
    /// From a third-party account, only if the user authorized binding.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The institution, once the account is completed.
    #[serde(default)]
    pub unit: Option<Named>,
    #[serde(default)]
    pub department: Option<Named>,
}

/// An entry of a server dictionary (a unit, a department).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum SessionState {
    LoggedOut,
    LoggedIn { user: UserProfile },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SmsCodeSent {
    /// Seconds before another code may be requested.
    pub cooldown_s: u32,
    /// Seconds the code stays valid.
    pub expires_in_s: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LogoutOutcome {
    /// False when the server could not be reached: the local session is wiped regardless,
    /// and the server-side session dies with its tokens' expiry.
    pub revoked_on_server: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum AuthError {
    #[error("invalid phone number: {reason}")]
    InvalidPhone { reason: String },
    #[error("the code must be 6 digits")]
    InvalidCode,
    #[error("wrong code, {attempts_left} attempts left")]
    WrongCode { attempts_left: u32 },
    #[error("the code has expired or was already used; request a new one")]
    CodeExpired,
    #[error("too many wrong attempts; request a new code")]
    CodeLocked,
    /// The carrier's token is malformed or not genuine: fall back to SMS login.
    #[error("the carrier could not confirm this phone; log in with an SMS code")]
    CarrierTokenInvalid,
    #[error("the carrier token has expired; try again")]
    CarrierTokenExpired,
    #[error("the carrier token was already used; try again")]
    CarrierTokenUsed,
    /// A sensitive action needs a recent authentication: re-verify with an SMS code
    /// (`request_reauth_code`, `reauthenticate`), then retry.
    #[error("confirm it is you: re-authenticate, then try again")]
    ReauthRequired,
    /// The scanned code is not a MedCircle web login code, or is malformed.
    #[error("{reason}")]
    InvalidQrCode { reason: String },
    #[error("this web login does not exist")]
    WebLoginNotFound,
    #[error("this web login has expired; reload the page")]
    WebLoginExpired,
    #[error("this web login was already answered")]
    WebLoginUsed,
    #[error("no login provider named {name}")]
    UnknownProvider { name: String },
    /// The provider's configuration is unusable (wrong issuer, plain http, no PKCE).
    #[error("the login provider is misconfigured: {reason}")]
    ProviderMisconfigured { reason: String },
    /// The provider (or the user there) refused the login.
    #[error("the login provider refused: {reason}")]
    ProviderDenied { reason: String },
    /// The callback URL is not the answer to this app's request (or is malformed).
    #[error("{reason}")]
    InvalidCallback { reason: String },
    /// The third-party authorization took too long or was already used: start again.
    #[error("the authorization has expired; start again")]
    AuthorizationExpired,
    /// The server did not accept the provider's ID token.
    #[error("the login provider's answer was refused: {reason}")]
    IdTokenRejected { reason: String },
    /// The login screen sent an event its current step does not take (a shell bug).
    #[error("{reason}")]
    UnexpectedLoginEvent { reason: String },
    #[error("too many requests; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error("consent required: {purpose:?}")]
    ConsentRequired { purpose: ConsentPurpose },
    #[error("not logged in")]
    NotLoggedIn,
    /// The server ended the session (revoked, expired refresh token): log in again.
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<NetError> for AuthError {
    fn from(error: NetError) -> Self {
        match error {
            NetError::ConsentRequired { purpose } => AuthError::ConsentRequired { purpose },
            NetError::RateLimited { retry_after_s } => AuthError::RateLimited { retry_after_s },
            NetError::Unauthorized { code } => match code.as_str() {
                "invalid_carrier_token" => AuthError::CarrierTokenInvalid,
                "carrier_token_expired" => AuthError::CarrierTokenExpired,
                "carrier_token_used" => AuthError::CarrierTokenUsed,
                "invalid_id_token" | "id_token_expired" | "nonce_mismatch" | "id_token_used" => {
                    AuthError::IdTokenRejected { reason: code }
                }
                _ => AuthError::SessionExpired,
            },
            NetError::Refused { status, error } => refused(status, error),
            other => AuthError::Network {
                problem: other.into(),
            },
        }
    }
}

/// A session's failure as another area sees it when an authorized call fails.
pub(crate) enum SessionFailure {
    NotLoggedIn,
    /// Log in again.
    Ended,
    /// Includes a refused token refresh (rate limited): not the end of the session.
    Network(NetworkProblem),
    Storage(String),
}

impl AuthError {
    pub(crate) fn into_session_failure(self) -> SessionFailure {
        match self {
            AuthError::NotLoggedIn => SessionFailure::NotLoggedIn,
            AuthError::Storage { detail } => SessionFailure::Storage(detail),
            AuthError::Network { problem } => SessionFailure::Network(problem),
            AuthError::RateLimited { retry_after_s } => {
                SessionFailure::Network(NetError::RateLimited { retry_after_s }.into())
            }
            _ => SessionFailure::Ended,
        }
    }
}

/// Part of every login: the risk report, then consent decisions made on other devices come
/// back and what was decided here while logged out goes out. Failures wait for next time.
async fn after_login(inner: &Inner) {
    device::report(inner).await;
    if let Err(error) = crate::consent::sync_now(inner).await {
        tracing::info!(%error, "consent sync after login postponed");
    }
}

/// The server's refusals this area has a typed error for.
fn refused(status: u16, error: ApiError) -> AuthError {
    match error.code.as_str() {
        "invalid_phone" => AuthError::InvalidPhone {
            reason: error.message,
        },
        "wrong_code" => AuthError::WrongCode {
            attempts_left: error.attempts_left.unwrap_or(0),
        },
        "code_expired" => AuthError::CodeExpired,
        "code_locked" => AuthError::CodeLocked,
        "reauth_required" => AuthError::ReauthRequired,
        "phone_mismatch" => AuthError::InvalidPhone {
            reason: "this is not the signed-in account's phone".into(),
        },
        "not_found" => AuthError::WebLoginNotFound,
        "unknown_provider" => AuthError::UnknownProvider {
            name: error.message,
        },
        "web_login_expired" => AuthError::WebLoginExpired,
        "web_login_used" => AuthError::WebLoginUsed,
        _ => AuthError::Network {
            problem: NetError::Refused { status, error }.into(),
        },
    }
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        AuthError::Storage {
            detail: error.to_string(),
        }
    }
}

/// The authentication area of a [`crate::Client`].
#[derive(Clone)]
pub struct AuthClient {
    inner: Arc<Inner>,
}

impl AuthClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Asks the server to text a login code to `phone` (a mainland mobile number).
    pub async fn request_sms_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { sms::request_code(&inner, &phone).await })
            .await
    }

    /// Checks the code; on success the session is stored and the state becomes logged in.
    pub async fn verify_sms_code(
        &self,
        phone: String,
        code: String,
    ) -> Result<UserProfile, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let user = sms::verify_code(&inner, &phone, &code).await?;
                after_login(&inner).await;
                Ok(user)
            })
            .await
    }

    /// Logs in with the token the carrier SDK yields for this phone's number.
    pub async fn login_with_carrier_token(&self, token: String) -> Result<UserProfile, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let user = one_tap::login(&inner, &token).await?;
                after_login(&inner).await;
                Ok(user)
            })
            .await
    }

    /// The third-party login providers this app offers.
    pub fn oauth_providers(&self) -> Vec<String> {
        self.inner.oauth.names()
    }

    /// Starts a third-party login: open the returned URL in the system browser, then pass
    /// the URL the provider redirects to to `complete_oauth_login`.
    pub async fn start_oauth_login(
        &self,
        provider: String,
    ) -> Result<OAuthAuthorization, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { oauth::start(&inner, &provider).await })
            .await
    }

    /// Checks the provider's callback and collects its answer. Returns what binding would
    /// copy into the profile: ask the user, then call `finish_oauth_login`.
    pub async fn complete_oauth_login(
        &self,
        callback_url: String,
    ) -> Result<ProviderAccount, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { oauth::complete(&inner, &callback_url).await })
            .await
    }

    /// Logs in; `bind_profile` is the user's explicit answer to copying the provider's
    /// nickname and avatar (recorded as third-party sharing consent).
    pub async fn finish_oauth_login(&self, bind_profile: bool) -> Result<UserProfile, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let user = oauth::finish(&inner, bind_profile).await?;
                after_login(&inner).await;
                Ok(user)
            })
            .await
    }

    /// Texts a fresh code to the signed-in account's phone, for a sensitive action.
    pub async fn request_reauth_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { reauth::request_code(&inner, &phone).await })
            .await
    }

    /// Proves a recent authentication with that code; sensitive actions are then allowed for
    /// a few minutes.
    pub async fn reauthenticate(&self, phone: String, code: String) -> Result<(), AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { reauth::verify(&inner, &phone, &code).await })
            .await
    }

    /// The phone scanned a web login code: checks it is ours, then asks the server who is
    /// asking. Show the answer and let the user confirm or decline.
    pub async fn scan_web_login(&self, payload: String) -> Result<WebLoginRequest, AuthError> {
        let id = web_login::parse_payload(&payload)?;
        let inner = self.inner.clone();
        self.inner
            .run(async move { web_login::details(&inner, &id).await })
            .await
    }

    /// Logs the browser in (a sensitive action: may need `reauthenticate` first).
    pub async fn confirm_web_login(&self, id: String) -> Result<(), AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { web_login::answer(&inner, &id, true).await })
            .await
    }

    pub async fn decline_web_login(&self, id: String) -> Result<(), AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { web_login::answer(&inner, &id, false).await })
            .await
    }

    /// Registers the shell's access to device information, sent for risk control at login.
    pub fn set_device_info_provider(&self, provider: Arc<dyn DeviceInfoProvider>) {
        *self
            .inner
            .device_info_provider
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// The signed-in user, as the server knows them now.
    pub async fn whoami(&self) -> Result<UserProfile, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { inner.session.whoami(&inner).await })
            .await
    }

    /// Revokes the session on the server and wipes the account's tokens, key and database.
    pub async fn logout(&self) -> Result<LogoutOutcome, AuthError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { inner.session.logout(&inner).await })
            .await
    }

    pub fn session_state(&self) -> SessionState {
        self.inner.session.state()
    }

    /// A receiver whose current value is the state now; it changes with every transition.
    pub fn session_updates(&self) -> watch::Receiver<SessionState> {
        self.inner.session.subscribe()
    }
}
