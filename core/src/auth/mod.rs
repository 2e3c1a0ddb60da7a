//! Getting in and staying in: SMS code (`sms.rs`), carrier one-tap (`one_tap.rs`),
//! third-party login with OpenID Connect or a provider's app SDK (`oauth/`), scan-to-login on the web
//! (`web_login.rs`), the login state machine a screen renders (`flow.rs`), step-up
//! re-authentication (`reauth.rs`), the device report for risk control (`device.rs`) and
//! logout. The session itself (tokens, refresh, the account's store) is the account layer's.

mod challenge;
mod device;
mod flow;
mod oauth;
mod one_tap;
mod phone;
mod reauth;
mod sms;
mod web_login;

use std::sync::{Arc, RwLock};

use serde::Deserialize;

pub use device::{DeviceInfo, DeviceInfoProvider, DeviceOs, NetworkType};
pub use flow::{LoginEvent, LoginFlow, LoginScreen, LoginStep};
pub use oauth::{OAuthAuthorization, ProviderAccount, ProviderSdk, SdkAuthorization};
pub use web_login::WebLoginRequest;

use crate::account::{
    Account, AreaError, ConsentRecorder, Failure, SessionState, TokenResponse, UserProfile,
    area_error,
};
use crate::config::OAuthProviderConfig;
use crate::net::{ApiCode, ApiError, Endpoint, NetworkProblem, Request};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::ConsentPurpose;
use crate::updates::Updates;
use oauth::{OAuthProviders, SdkProvider};

/// For the fuzz targets: what the auth area reads from outside.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing {
    pub(crate) use super::oauth::fuzzing::code as oauth_code;

    pub(crate) fn web_login_id(payload: &str) -> Option<String> {
        super::web_login::parse_payload(payload).ok()
    }

    pub(crate) fn answers(bytes: &[u8]) {
        let _ = serde_json::from_slice::<super::SmsCodeSent>(bytes);
        let _ = serde_json::from_slice::<super::WebLoginRequest>(bytes);
        super::oauth::fuzzing::answers(bytes);
    }
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
    /// The provider announced that it names itself in every answer (RFC 9207), and this one
    /// does not: it may come from another provider (a mix-up). Start again.
    #[error("the login answer does not name its provider; start again")]
    IssuerMissing,
    /// The answer names another provider than the one this login went to (a mix-up): start
    /// again, and do not trust `received`.
    #[error("the login answer came from another provider ({received}); start again")]
    IssuerMismatch { received: String },
    /// Binding was chosen but the provider shares neither a nickname nor an avatar: log in
    /// without binding.
    #[error("the provider shares no nickname or avatar to bind")]
    NothingToBind,
    /// The third-party authorization took too long or was already used (for a provider's app:
    /// the provider said its code expired or was used): start again.
    #[error("the authorization has expired; start again")]
    AuthorizationExpired,
    /// The user went back from the provider's app without deciding: nothing happened, show
    /// the ways in again.
    #[error("the login was cancelled")]
    LoginCancelled,
    /// The provider's app could not be asked (not installed, too old, or its SDK failed):
    /// offer another way in.
    #[error("the login provider's app is unavailable: {detail}")]
    ProviderAppFailed { detail: String },
    /// The server did not accept the provider's ID token.
    #[error("the login provider's answer was refused: {reason}")]
    IdTokenRejected { reason: String },
    /// The login screen sent an event its current step does not take (a shell bug).
    #[error("{reason}")]
    UnexpectedLoginEvent { reason: String },
    #[error("too many requests; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    /// The server asked for a proof of work before another code and did not accept one (or
    /// asked for more than a phone should do): try again later.
    #[error("the server would not send another code now; try again later")]
    ChallengeNotSolved,
    #[error("consent required: {purpose:?}")]
    ConsentRequired { purpose: ConsentPurpose },
    #[error("not logged in")]
    NotLoggedIn,
    /// A logout would discard items the server has not received yet: ask the user, then
    /// `logout_discarding_unsent`, or let them go out first.
    #[error("{count} item(s) not sent yet would be lost")]
    UnsentWouldBeLost { count: u32 },
    /// The server ended the session (revoked, expired refresh token): log in again.
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for AuthError {
    fn network(problem: NetworkProblem) -> Self {
        AuthError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        AuthError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        AuthError::NotLoggedIn
    }

    fn session_expired() -> Self {
        AuthError::SessionExpired
    }

    fn consent_required(purpose: ConsentPurpose) -> Self {
        AuthError::ConsentRequired { purpose }
    }

    fn rate_limited(retry_after_s: u64) -> Self {
        AuthError::RateLimited { retry_after_s }
    }

    fn unauthorized(code: &ApiCode) -> Option<Self> {
        Some(match code {
            ApiCode::InvalidCarrierToken => AuthError::CarrierTokenInvalid,
            ApiCode::CarrierTokenExpired => AuthError::CarrierTokenExpired,
            ApiCode::CarrierTokenUsed => AuthError::CarrierTokenUsed,
            ApiCode::InvalidIdToken
            | ApiCode::IdTokenExpired
            | ApiCode::NonceMismatch
            | ApiCode::IdTokenUsed => AuthError::IdTokenRejected {
                reason: code.to_string(),
            },
            ApiCode::InvalidAuthorizationCode => AuthError::AuthorizationExpired,
            _ => return None,
        })
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match &error.code {
            ApiCode::InvalidPhone => AuthError::InvalidPhone {
                reason: error.message.clone(),
            },
            ApiCode::WrongCode => AuthError::WrongCode {
                attempts_left: error.attempts_left.unwrap_or(0),
            },
            ApiCode::CodeExpired => AuthError::CodeExpired,
            ApiCode::CodeLocked => AuthError::CodeLocked,
            ApiCode::ReauthRequired => AuthError::ReauthRequired,
            ApiCode::PhoneMismatch => AuthError::InvalidPhone {
                reason: "this is not the signed-in account's phone".into(),
            },
            ApiCode::NotFound => AuthError::WebLoginNotFound,
            ApiCode::UnknownProvider => AuthError::UnknownProvider {
                name: error.message.clone(),
            },
            ApiCode::NothingToBind => AuthError::NothingToBind,
            ApiCode::WebLoginExpired => AuthError::WebLoginExpired,
            ApiCode::WebLoginUsed => AuthError::WebLoginUsed,
            _ => return None,
        })
    }
}

area_error!(AuthError);

pub(crate) struct AuthArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    oauth: OAuthProviders,
    device_info: RwLock<Option<Arc<dyn DeviceInfoProvider>>>,
    /// Binding a login provider's profile records its consent.
    consents: Arc<dyn ConsentRecorder>,
}

impl OnPlatform for AuthArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl AuthArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        providers: Vec<OAuthProviderConfig>,
        consents: Arc<dyn ConsentRecorder>,
    ) -> Self {
        let oauth = OAuthProviders::new(providers, platform.dev);
        Self {
            platform,
            account,
            oauth,
            device_info: RwLock::default(),
            consents,
        }
    }

    fn install_id(&self) -> Result<String, Failure> {
        Ok(crate::store::settings::install_id(
            &self.platform.app_db.conn(),
        )?)
    }

    /// A login request without a session: the answer is the new session.
    async fn log_in(&self, request: Request) -> Result<UserProfile, AuthError> {
        let response: TokenResponse = self.platform.net.send(&request, None).await?.json()?;
        let user = self.account.establish(response).await?;
        self.after_login().await;
        Ok(user)
    }

    /// Part of every login: the risk report, then each area's part (consent decisions made
    /// on other devices come back, what was decided here goes out), then logouts made
    /// offline before. Failures wait.
    async fn after_login(&self) {
        self.report_device().await;
        self.account.logged_in().await;
        if let Err(error) = self.account.deliver_revocations().await {
            tracing::info!(%error, "pending logouts postponed");
        }
    }

    async fn logout(&self, discard_unsent: bool) -> Result<LogoutOutcome, AuthError> {
        let unsent = self.account.unsent()?;
        if unsent > 0 && !discard_unsent {
            return Err(AuthError::UnsentWouldBeLost { count: unsent });
        }
        if matches!(self.account.state(), SessionState::Ended { .. }) {
            // The server ended that session already: only the kept account goes.
            self.account.end().await?;
            return Ok(LogoutOutcome {
                revoked_on_server: true,
            });
        }
        let revoked_on_server = match self.account.send(&Endpoint::Logout.request()).await {
            Ok(_) => true,
            Err(Failure::NotLoggedIn) => return Err(AuthError::NotLoggedIn),
            // The server already ended it: nothing left to revoke.
            Err(Failure::SessionEnded) => true,
            Err(error) => {
                let error = AuthError::from(error);
                if matches!(error, AuthError::SessionExpired) {
                    true
                } else {
                    tracing::warn!(%error, "server did not confirm logout; it will be told later");
                    false
                }
            }
        };
        if revoked_on_server {
            self.account.end().await?;
        } else {
            self.account.end_revoking_later().await?;
        }
        tracing::info!(revoked_on_server, "logged out");
        Ok(LogoutOutcome { revoked_on_server })
    }

    /// Tells the server of logouts made offline, in the background.
    pub(crate) fn deliver_revocations(self: &Arc<Self>) {
        let area = self.clone();
        self.platform.runtime.spawn_background(async move {
            if let Err(error) = area.account.deliver_revocations().await {
                tracing::info!(%error, "pending logouts postponed");
            }
        });
    }
}

/// The authentication area of a [`crate::Client`].
#[derive(Clone)]
pub struct AuthClient(Arc<AuthArea>);

impl AuthClient {
    pub(crate) fn new(area: Arc<AuthArea>) -> Self {
        Self(area)
    }

    /// Asks the server to text a login code to `phone` (a mainland mobile number).
    pub async fn request_sms_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        run(&self.0, |area| async move {
            area.request_sms_code(&phone).await
        })
        .await
    }

    /// Checks the code; on success the session is stored and the state becomes logged in.
    pub async fn verify_sms_code(
        &self,
        phone: String,
        code: String,
    ) -> Result<UserProfile, AuthError> {
        run(&self.0, |area| async move {
            area.verify_sms_code(&phone, &code).await
        })
        .await
    }

    /// Logs in with the token the carrier SDK yields for this phone's number.
    pub async fn login_with_carrier_token(&self, token: String) -> Result<UserProfile, AuthError> {
        run(&self.0, |area| async move { area.one_tap(&token).await }).await
    }

    /// The third-party login providers this app offers.
    pub fn oauth_providers(&self) -> Vec<String> {
        self.0.oauth.names()
    }

    /// Starts a third-party login: open the returned URL in the system browser, then pass
    /// the URL the provider redirects to to `complete_oauth_login`.
    pub async fn start_oauth_login(
        &self,
        provider: String,
    ) -> Result<OAuthAuthorization, AuthError> {
        run(
            &self.0,
            |area| async move { area.start_oauth(&provider).await },
        )
        .await
    }

    /// Checks the provider's callback and collects its answer. Returns what binding would
    /// copy into the profile: ask the user, then call `finish_oauth_login`.
    pub async fn complete_oauth_login(
        &self,
        callback_url: String,
    ) -> Result<ProviderAccount, AuthError> {
        run(&self.0, |area| async move {
            area.complete_oauth(&callback_url).await
        })
        .await
    }

    /// Logs in with `name` through the provider's app SDK (WeChat, QQ, Weibo: OAuth 2.0
    /// providers that are not OpenID providers) from now on, asking for `scope` (WeChat:
    /// `snsapi_userinfo`). Our server must know the provider by the same name.
    pub fn add_sdk_provider(&self, name: String, scope: String, sdk: Arc<dyn ProviderSdk>) {
        self.0.oauth.add_sdk(name, SdkProvider::new(scope, sdk));
    }

    /// Whether `provider` logs in through its app SDK (`authorize_with_sdk`) rather than the
    /// browser (`start_oauth_login`).
    pub fn is_sdk_provider(&self, provider: String) -> bool {
        self.0.oauth.is_sdk(&provider)
    }

    /// Has the provider's app authorize a login through the shell's SDK, and checks its
    /// answer. Returns what binding concerns (the server learns the nickname and avatar only
    /// if the user agrees): ask the user, then call `finish_oauth_login`. `LoginCancelled`
    /// when the user went back.
    pub async fn authorize_with_sdk(&self, provider: String) -> Result<ProviderAccount, AuthError> {
        run(&self.0, |area| async move {
            area.authorize_with_sdk(&provider).await
        })
        .await
    }

    /// Logs in; `bind_profile` is the user's explicit answer to copying the provider's
    /// nickname and avatar (recorded as third-party sharing consent).
    pub async fn finish_oauth_login(&self, bind_profile: bool) -> Result<UserProfile, AuthError> {
        run(&self.0, |area| async move {
            area.finish_oauth(bind_profile).await
        })
        .await
    }

    /// Texts a fresh code to the signed-in account's phone, for a sensitive action.
    pub async fn request_reauth_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        run(&self.0, |area| async move {
            area.request_reauth_code(&phone).await
        })
        .await
    }

    /// Proves a recent authentication with that code; sensitive actions are then allowed for
    /// a few minutes.
    pub async fn reauthenticate(&self, phone: String, code: String) -> Result<(), AuthError> {
        run(&self.0, |area| async move {
            area.reauthenticate(&phone, &code).await
        })
        .await
    }

    /// The phone scanned a web login code: checks it is ours, then asks the server who is
    /// asking. Show the answer and let the user confirm or decline.
    pub async fn scan_web_login(&self, payload: String) -> Result<WebLoginRequest, AuthError> {
        let id = web_login::parse_payload(&payload)?;
        run(
            &self.0,
            |area| async move { area.web_login_details(&id).await },
        )
        .await
    }

    /// Logs the browser in (a sensitive action: may need `reauthenticate` first).
    pub async fn confirm_web_login(&self, id: String) -> Result<(), AuthError> {
        run(&self.0, |area| async move {
            area.answer_web_login(&id, true).await
        })
        .await
    }

    pub async fn decline_web_login(&self, id: String) -> Result<(), AuthError> {
        run(&self.0, |area| async move {
            area.answer_web_login(&id, false).await
        })
        .await
    }

    /// Registers the shell's access to device information, sent for risk control at login.
    pub fn set_device_info_provider(&self, provider: Arc<dyn DeviceInfoProvider>) {
        *self
            .0
            .device_info
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// The signed-in user, as the server knows them now.
    pub async fn whoami(&self) -> Result<UserProfile, AuthError> {
        run(&self.0, |area| async move {
            let user: UserProfile = area.account.send(&Endpoint::Me.request()).await?.json()?;
            area.account.updated_profile(&user)?;
            Ok(user)
        })
        .await
    }

    /// Revokes the session on the server and wipes the account's tokens, key and database.
    /// Refuses with `UnsentWouldBeLost` while items wait to be sent (also those kept after the
    /// server ended the session).
    pub async fn logout(&self) -> Result<LogoutOutcome, AuthError> {
        run(&self.0, |area| async move { area.logout(false).await }).await
    }

    /// As `logout`, discarding whatever waits to be sent: after the user agreed to lose it.
    pub async fn logout_discarding_unsent(&self) -> Result<LogoutOutcome, AuthError> {
        run(&self.0, |area| async move { area.logout(true).await }).await
    }

    pub fn session_state(&self) -> SessionState {
        self.0.account.state()
    }

    /// The state now, then every transition.
    pub fn session_updates(&self) -> Updates<SessionState> {
        Updates::watching(self.0.account.subscribe(), async {})
    }

    /// A login screen's state machine, starting where the session stands.
    pub fn login_flow(&self) -> Arc<LoginFlow> {
        Arc::new(LoginFlow::new(self.clone()))
    }

    pub(crate) fn area(&self) -> &Arc<AuthArea> {
        &self.0
    }
}
