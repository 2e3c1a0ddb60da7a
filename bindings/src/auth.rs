use std::sync::Arc;

use medcircle_core::{
    AuthClient, AuthError, Client, DeviceInfoProvider, LogoutOutcome, OAuthAuthorization,
    ProviderAccount, ProviderSdk, SessionState, SmsCodeSent, UserProfile, WebLoginRequest,
};

use crate::login::Login;
use crate::task::{TaskHandle, observe};

/// Follows the session: the first call carries the current state, then every transition.
#[uniffi::export(foreign)]
pub trait SessionListener: Send + Sync {
    fn on_update(&self, state: SessionState);
}

/// Login, session and logout.
#[derive(uniffi::Object)]
pub struct Auth {
    client: Client,
    auth: AuthClient,
}

impl Auth {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            auth: client.auth(),
            client,
        }
    }
}

#[uniffi::export]
impl Auth {
    pub async fn request_sms_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        self.auth.request_sms_code(phone).await
    }

    pub async fn verify_sms_code(
        &self,
        phone: String,
        code: String,
    ) -> Result<UserProfile, AuthError> {
        self.auth.verify_sms_code(phone, code).await
    }

    /// Logs in with the token the carrier SDK yields for this phone's number.
    pub async fn login_with_carrier_token(&self, token: String) -> Result<UserProfile, AuthError> {
        self.auth.login_with_carrier_token(token).await
    }

    /// Texts a fresh code to the signed-in account's phone, for a sensitive action.
    pub async fn request_reauth_code(&self, phone: String) -> Result<SmsCodeSent, AuthError> {
        self.auth.request_reauth_code(phone).await
    }

    pub async fn reauthenticate(&self, phone: String, code: String) -> Result<(), AuthError> {
        self.auth.reauthenticate(phone, code).await
    }

    /// The text of a scanned web login QR code: checked, then the requester from the server.
    pub async fn scan_web_login(&self, payload: String) -> Result<WebLoginRequest, AuthError> {
        self.auth.scan_web_login(payload).await
    }

    pub async fn confirm_web_login(&self, id: String) -> Result<(), AuthError> {
        self.auth.confirm_web_login(id).await
    }

    pub async fn decline_web_login(&self, id: String) -> Result<(), AuthError> {
        self.auth.decline_web_login(id).await
    }

    /// Registers the shell's access to device information, sent for risk control at login.
    pub fn set_device_info_provider(&self, provider: Arc<dyn DeviceInfoProvider>) {
        self.auth.set_device_info_provider(provider);
    }

    pub async fn whoami(&self) -> Result<UserProfile, AuthError> {
        self.auth.whoami().await
    }

    pub async fn logout(&self) -> Result<LogoutOutcome, AuthError> {
        self.auth.logout().await
    }

    pub async fn logout_discarding_unsent(&self) -> Result<LogoutOutcome, AuthError> {
        self.auth.logout_discarding_unsent().await
    }

    pub fn session_state(&self) -> SessionState {
        self.auth.session_state()
    }

    /// Calls `listener` with the current state now, then with every change, until the
    /// returned handle is cancelled or dropped.
    pub fn observe_session(&self, listener: Arc<dyn SessionListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.auth.session_updates(), move |state| {
            listener.on_update(state)
        })
    }

    /// A login screen's state machine: send it what the user did, render what it returns.
    pub fn login_flow(&self) -> Arc<Login> {
        Arc::new(Login::new(self.client.clone(), self.auth.login_flow()))
    }

    /// The third-party login providers this app offers.
    pub fn oauth_providers(&self) -> Vec<String> {
        self.auth.oauth_providers()
    }

    /// Open the returned URL in the system browser (or a custom tab), never a web view.
    pub async fn start_oauth_login(
        &self,
        provider: String,
    ) -> Result<OAuthAuthorization, AuthError> {
        self.auth.start_oauth_login(provider).await
    }

    /// The URL the provider redirected to; returns what binding would copy: ask the user.
    pub async fn complete_oauth_login(
        &self,
        callback_url: String,
    ) -> Result<ProviderAccount, AuthError> {
        self.auth.complete_oauth_login(callback_url).await
    }

    /// Logs in with `name` through the provider's app SDK (WeChat, QQ, Weibo) from now on,
    /// asking for `scope` (WeChat: `snsapi_userinfo`); `name` is also a `ChooseProvider`.
    pub fn add_sdk_provider(&self, name: String, scope: String, sdk: Arc<dyn ProviderSdk>) {
        self.auth.add_sdk_provider(name, scope, sdk);
    }

    /// The provider's app authorizes through the SDK; returns what binding concerns: ask the
    /// user, then `finish_oauth_login`. `LoginCancelled` when the user went back.
    pub async fn authorize_with_sdk(&self, provider: String) -> Result<ProviderAccount, AuthError> {
        self.auth.authorize_with_sdk(provider).await
    }

    pub async fn finish_oauth_login(&self, bind_profile: bool) -> Result<UserProfile, AuthError> {
        self.auth.finish_oauth_login(bind_profile).await
    }
}
