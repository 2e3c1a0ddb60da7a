//! Third-party login through a provider's app SDK, for OAuth 2.0 providers that are not OpenID
//! providers (WeChat; QQ and Weibo work the same way on this side). The shell's SDK asks the provider's
//! app with the scope and a state and returns a code with the state echoed, or the user's
//! cancel or refusal. The core checks the state; the code goes to our server, which exchanges
//! it with the app secret (a phone cannot keep one) and asks for the profile only when the
//! user agreed to bind.

use std::sync::Arc;
use std::time::Duration;

use super::super::{AuthArea, AuthError};
use super::{Proof, ProviderAccount, ProviderAnswer, pkce};
use crate::shell::ProviderError;

/// What the provider's app answered the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum SdkAuthorization {
    /// The user agreed: the authorization code, and the state the SDK echoed.
    Code { code: String, state: String },
    /// The user went back without deciding (WeChat: `ERR_USER_CANCEL`).
    Cancelled,
    /// The user or the provider refused (WeChat: `ERR_AUTH_DENIED`).
    Denied { reason: String },
}

/// Implemented by the shell with the provider's app SDK (WeChat's `SendAuth.Req`): ask for
/// `scope` with `state`, and return when the provider's app answers. A user who comes back
/// without answering is `Cancelled`: the login waits for this call, for `ANSWER_WITHIN` at
/// most.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
#[async_trait::async_trait]
pub trait ProviderSdk: Send + Sync {
    async fn authorize(
        &self,
        scope: String,
        state: String,
    ) -> Result<SdkAuthorization, ProviderError>;
}

/// How long the provider's app may take to answer: its codes live ten minutes at most, so a
/// later answer could not log in anyway, and a shell that never hears back (the user returned
/// by hand) must not hold the login screen for good. Past it the attempt is cancelled.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10 * 60);

/// A provider the app logs in with through its SDK.
#[derive(Clone)]
pub(crate) struct SdkProvider {
    pub(super) scope: String,
    pub(super) sdk: Arc<dyn ProviderSdk>,
}

impl SdkProvider {
    pub(crate) fn new(scope: String, sdk: Arc<dyn ProviderSdk>) -> Self {
        Self { scope, sdk }
    }
}

impl AuthArea {
    /// Has the provider's app authorize this login through the shell's SDK; returns what
    /// binding would copy (the server learns it only if the user agrees, so nothing yet).
    pub(in crate::auth) async fn authorize_with_sdk(
        &self,
        name: &str,
    ) -> Result<ProviderAccount, AuthError> {
        let provider = self.oauth.sdk(name)?;
        let state = pkce::random_token();
        self.oauth.answer().take();
        tracing::info!(
            provider = name,
            "third-party authorization through the provider's app"
        );
        let answered = ask(provider.sdk.as_ref(), &provider.scope, &state).await?;
        let code = checked(answered, &state)?;
        *self.oauth.answer() = Some(ProviderAnswer {
            provider: name.to_owned(),
            proof: Proof::Code { code },
            // Only the server can tell, after it asked the provider.
            has_profile: true,
        });
        Ok(ProviderAccount {
            provider: name.to_owned(),
            nickname: None,
            avatar_url: None,
        })
    }
}

/// The provider app's answer, or `LoginCancelled` when none came within `ANSWER_WITHIN`.
async fn ask(
    sdk: &dyn ProviderSdk,
    scope: &str,
    state: &str,
) -> Result<SdkAuthorization, AuthError> {
    tokio::time::timeout(ANSWER_WITHIN, sdk.authorize(scope.into(), state.into()))
        .await
        .map_err(|_| AuthError::LoginCancelled)?
        .map_err(|error| AuthError::ProviderAppFailed {
            detail: error.to_string(),
        })
}

/// The code, if the answer is to this login's request.
fn checked(answered: SdkAuthorization, expected_state: &str) -> Result<String, AuthError> {
    match answered {
        SdkAuthorization::Code { code, state } => {
            // The state first: only our own request's answer counts.
            if state != expected_state {
                return Err(AuthError::InvalidCallback {
                    reason: "state mismatch: this answer is not for this app's request".into(),
                });
            }
            if code.is_empty() || code.len() > 512 {
                return Err(AuthError::InvalidCallback {
                    reason: "the provider's app gave no usable code".into(),
                });
            }
            Ok(code)
        }
        SdkAuthorization::Cancelled => Err(AuthError::LoginCancelled),
        SdkAuthorization::Denied { reason } => Err(AuthError::ProviderDenied { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(code: &str, state: &str) -> SdkAuthorization {
        SdkAuthorization::Code {
            code: code.into(),
            state: state.into(),
        }
    }

    /// The provider's app never answers (the user came back by hand).
    struct Silent;

    #[async_trait::async_trait]
    impl ProviderSdk for Silent {
        async fn authorize(
            &self,
            _scope: String,
            _state: String,
        ) -> Result<SdkAuthorization, ProviderError> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_app_that_never_answers_cancels_the_attempt_after_the_time_limit() {
        let later = ANSWER_WITHIN + Duration::from_secs(60);
        let asked = tokio::time::timeout(later, ask(&Silent, "snsapi_userinfo", "s1")).await;
        assert_eq!(asked, Ok(Err(AuthError::LoginCancelled)));
    }

    #[test]
    fn only_a_code_for_our_state_is_taken() {
        assert_eq!(checked(code("c1", "s1"), "s1"), Ok("c1".into()));
        assert!(matches!(
            checked(code("c1", "s2"), "s1"),
            Err(AuthError::InvalidCallback { .. })
        ));
        assert!(matches!(
            checked(code("", "s1"), "s1"),
            Err(AuthError::InvalidCallback { .. })
        ));
        assert_eq!(
            checked(SdkAuthorization::Cancelled, "s1"),
            Err(AuthError::LoginCancelled)
        );
        assert_eq!(
            checked(
                SdkAuthorization::Denied {
                    reason: "no".into()
                },
                "s1"
            ),
            Err(AuthError::ProviderDenied {
                reason: "no".into()
            })
        );
    }
}
