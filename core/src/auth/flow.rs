//! Login as a state machine: the shell sends events (what the user did) and renders the
//! screen that comes back (where the login stands, whether it is busy, what went wrong).
//! Which event is allowed where is decided by one pure function, tested on its own.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use super::{AuthClient, AuthError, ProviderAccount, SessionState, UserProfile};
use crate::updates::Updates;

/// Where the login stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LoginStep {
    /// Choose a way in: phone number (SMS code), carrier one-tap, or a login provider.
    Start,
    /// A code was texted; enter it. Another may be requested after `cooldown_s`.
    EnterSmsCode {
        phone_masked: String,
        cooldown_s: u32,
        expires_in_s: u32,
    },
    /// Open `authorization_url` in the system browser; pass the redirect back as
    /// `ProviderCallback`.
    ProviderAuthorization {
        provider: String,
        authorization_url: String,
    },
    /// The provider answered: ask whether its nickname and avatar may be copied.
    ConfirmBinding {
        account: ProviderAccount,
    },
    LoggedIn {
        user: UserProfile,
    },
}

/// What a user did on the login screen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LoginEvent {
    RequestSmsCode {
        phone: String,
    },
    ResendSmsCode,
    SubmitSmsCode {
        code: String,
    },
    CarrierToken {
        token: String,
    },
    ChooseProvider {
        provider: String,
    },
    ProviderCallback {
        url: String,
    },
    DecideBinding {
        bind_profile: bool,
    },
    /// Abandon the current way in and choose again.
    Back,
}

/// Everything a login screen renders.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LoginScreen {
    pub step: LoginStep,
    /// A request is in flight: disable the inputs.
    pub busy: bool,
    /// Why the last event failed; the step stays where it was.
    pub error: Option<AuthError>,
}

/// What an allowed event asks the flow to do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    SendCode(String),
    ResendCode,
    VerifyCode(String),
    OneTap(String),
    Authorize(String),
    Callback(String),
    Bind(bool),
    Restart,
}

/// The transition table: which event each step accepts.
fn action(step: &LoginStep, event: LoginEvent) -> Result<Action, AuthError> {
    use LoginEvent as E;
    use LoginStep as S;
    Ok(match (step, event) {
        (S::Start, E::RequestSmsCode { phone }) => Action::SendCode(phone),
        (S::Start, E::CarrierToken { token }) => Action::OneTap(token),
        (S::Start | S::ProviderAuthorization { .. }, E::ChooseProvider { provider }) => {
            Action::Authorize(provider)
        }
        (S::EnterSmsCode { .. }, E::ResendSmsCode) => Action::ResendCode,
        (S::EnterSmsCode { .. }, E::SubmitSmsCode { code }) => Action::VerifyCode(code),
        (S::ProviderAuthorization { .. }, E::ProviderCallback { url }) => Action::Callback(url),
        (S::ConfirmBinding { .. }, E::DecideBinding { bind_profile }) => Action::Bind(bind_profile),
        (
            S::EnterSmsCode { .. } | S::ProviderAuthorization { .. } | S::ConfirmBinding { .. },
            E::Back,
        ) => Action::Restart,
        (step, event) => {
            return Err(AuthError::UnexpectedLoginEvent {
                reason: format!(
                    "{} does not apply at {}",
                    event_name(&event),
                    step_name(step)
                ),
            });
        }
    })
}

/// Where a failed action leaves the login: where it was, unless what it needed is spent. A
/// provider's authorization is single-use, so a failed callback spends it; the provider's
/// answer survives a failed binding only when the network failed.
fn after_failure(step: LoginStep, failed: &Action, error: &AuthError) -> LoginStep {
    let spent = match failed {
        Action::Callback(_) => true,
        Action::Bind(_) => !super::oauth::keeps_the_answer(error),
        _ => false,
    };
    if spent { LoginStep::Start } else { step }
}

fn step_name(step: &LoginStep) -> &'static str {
    match step {
        LoginStep::Start => "the start",
        LoginStep::EnterSmsCode { .. } => "code entry",
        LoginStep::ProviderAuthorization { .. } => "provider authorization",
        LoginStep::ConfirmBinding { .. } => "the binding question",
        LoginStep::LoggedIn { .. } => "logged in",
    }
}

/// Names only: events carry phone numbers, codes and tokens, which never go into messages.
fn event_name(event: &LoginEvent) -> &'static str {
    match event {
        LoginEvent::RequestSmsCode { .. } => "requesting a code",
        LoginEvent::ResendSmsCode => "resending the code",
        LoginEvent::SubmitSmsCode { .. } => "submitting a code",
        LoginEvent::CarrierToken { .. } => "one-tap login",
        LoginEvent::ChooseProvider { .. } => "choosing a provider",
        LoginEvent::ProviderCallback { .. } => "the provider's callback",
        LoginEvent::DecideBinding { .. } => "the binding decision",
        LoginEvent::Back => "going back",
    }
}

/// One login screen's state machine. Events are handled one at a time, each to its end on the
/// core's runtime: a screen whose caller gave up still lands on the event's outcome.
pub struct LoginFlow {
    auth: AuthClient,
    screen: watch::Sender<LoginScreen>,
    /// The number a code was sent to: needed to verify, never shown in full.
    phone: Mutex<Option<String>>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl LoginFlow {
    pub(crate) fn new(auth: AuthClient) -> Self {
        let step = match auth.session_state() {
            SessionState::LoggedIn { user } => LoginStep::LoggedIn { user },
            SessionState::LoggedOut | SessionState::Ended { .. } => LoginStep::Start,
        };
        Self {
            auth,
            screen: watch::Sender::new(LoginScreen {
                step,
                busy: false,
                error: None,
            }),
            phone: Mutex::default(),
            one_at_a_time: tokio::sync::Mutex::default(),
        }
    }

    pub fn screen(&self) -> LoginScreen {
        self.screen.borrow().clone()
    }

    /// The screen now, then after every change.
    pub fn updates(&self) -> Updates<LoginScreen> {
        Updates::watching(self.screen.subscribe(), async {})
    }

    /// Handles what the user did and returns the screen to render.
    pub async fn send(self: &Arc<Self>, event: LoginEvent) -> LoginScreen {
        let flow = self.clone();
        let runtime = &self.auth.area().platform.runtime;
        runtime.run(async move { flow.handle(event).await }).await
    }

    async fn handle(&self, event: LoginEvent) -> LoginScreen {
        let _turn = self.one_at_a_time.lock().await;
        let step = self.screen().step;
        let action = match action(&step, event) {
            Ok(action) => action,
            Err(error) => return self.show(step, Some(error)),
        };
        self.screen.send_modify(|screen| {
            screen.busy = true;
            screen.error = None;
        });
        let kind = action.clone();
        match self.perform(action).await {
            Ok(next) => self.show(next, None),
            // Going back from the provider's app ends the attempt, and is no failure.
            Err(AuthError::LoginCancelled) => self.show(LoginStep::Start, None),
            Err(error) => self.show(after_failure(step, &kind, &error), Some(error)),
        }
    }

    fn show(&self, step: LoginStep, error: Option<AuthError>) -> LoginScreen {
        let screen = LoginScreen {
            step,
            busy: false,
            error,
        };
        self.screen.send_replace(screen.clone());
        screen
    }

    fn remembered_phone(&self) -> Result<String, AuthError> {
        self.phone
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(AuthError::UnexpectedLoginEvent {
                reason: "no code was requested".into(),
            })
    }

    async fn perform(&self, action: Action) -> Result<LoginStep, AuthError> {
        Ok(match action {
            Action::SendCode(phone) => {
                let sent = self.auth.request_sms_code(phone.clone()).await?;
                let phone_masked = super::phone::mask(&phone);
                *self.phone.lock().unwrap_or_else(PoisonError::into_inner) = Some(phone);
                LoginStep::EnterSmsCode {
                    phone_masked,
                    cooldown_s: sent.cooldown_s,
                    expires_in_s: sent.expires_in_s,
                }
            }
            Action::ResendCode => {
                let phone = self.remembered_phone()?;
                let sent = self.auth.request_sms_code(phone.clone()).await?;
                LoginStep::EnterSmsCode {
                    phone_masked: super::phone::mask(&phone),
                    cooldown_s: sent.cooldown_s,
                    expires_in_s: sent.expires_in_s,
                }
            }
            Action::VerifyCode(code) => {
                let phone = self.remembered_phone()?;
                let user = self.auth.verify_sms_code(phone, code).await?;
                self.phone
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                LoginStep::LoggedIn { user }
            }
            Action::OneTap(token) => LoginStep::LoggedIn {
                user: self.auth.login_with_carrier_token(token).await?,
            },
            Action::Authorize(provider) if self.auth.is_sdk_provider(provider.clone()) => {
                LoginStep::ConfirmBinding {
                    account: self.auth.authorize_with_sdk(provider).await?,
                }
            }
            Action::Authorize(provider) => {
                let started = self.auth.start_oauth_login(provider).await?;
                LoginStep::ProviderAuthorization {
                    provider: started.provider,
                    authorization_url: started.authorization_url,
                }
            }
            Action::Callback(url) => LoginStep::ConfirmBinding {
                account: self.auth.complete_oauth_login(url).await?,
            },
            Action::Bind(bind_profile) => LoginStep::LoggedIn {
                user: self.auth.finish_oauth_login(bind_profile).await?,
            },
            Action::Restart => {
                self.phone
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                LoginStep::Start
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_entry() -> LoginStep {
        LoginStep::EnterSmsCode {
            phone_masked: "138****8000".into(),
            cooldown_s: 60,
            expires_in_s: 300,
        }
    }

    fn authorizing() -> LoginStep {
        LoginStep::ProviderAuthorization {
            provider: "dev".into(),
            authorization_url: "https://id.example/authorize".into(),
        }
    }

    fn binding() -> LoginStep {
        LoginStep::ConfirmBinding {
            account: ProviderAccount {
                provider: "dev".into(),
                nickname: None,
                avatar_url: None,
            },
        }
    }

    #[test]
    fn each_way_in_starts_at_the_start() {
        let phone = LoginEvent::RequestSmsCode {
            phone: "13800138000".into(),
        };
        assert_eq!(
            action(&LoginStep::Start, phone),
            Ok(Action::SendCode("13800138000".into()))
        );
        let token = LoginEvent::CarrierToken { token: "t".into() };
        assert_eq!(
            action(&LoginStep::Start, token),
            Ok(Action::OneTap("t".into()))
        );
        let provider = LoginEvent::ChooseProvider {
            provider: "dev".into(),
        };
        assert_eq!(
            action(&LoginStep::Start, provider),
            Ok(Action::Authorize("dev".into()))
        );
    }

    #[test]
    fn a_code_is_only_taken_after_one_was_sent() {
        let submit = || LoginEvent::SubmitSmsCode {
            code: "123456".into(),
        };
        assert!(action(&LoginStep::Start, submit()).is_err());
        assert!(action(&authorizing(), submit()).is_err());
        assert_eq!(
            action(&code_entry(), submit()),
            Ok(Action::VerifyCode("123456".into()))
        );
        assert_eq!(
            action(&code_entry(), LoginEvent::ResendSmsCode),
            Ok(Action::ResendCode)
        );
    }

    #[test]
    fn binding_is_decided_only_when_asked() {
        let decide = || LoginEvent::DecideBinding { bind_profile: true };
        assert!(action(&LoginStep::Start, decide()).is_err());
        assert!(action(&authorizing(), decide()).is_err());
        assert_eq!(action(&binding(), decide()), Ok(Action::Bind(true)));
        let callback = || LoginEvent::ProviderCallback { url: "x".into() };
        assert!(action(&LoginStep::Start, callback()).is_err());
        assert_eq!(
            action(&authorizing(), callback()),
            Ok(Action::Callback("x".into()))
        );
    }

    #[test]
    fn back_leaves_every_way_in_but_not_the_start_or_a_session() {
        for step in [code_entry(), authorizing(), binding()] {
            assert_eq!(
                action(&step, LoginEvent::Back),
                Ok(Action::Restart),
                "{step:?}"
            );
        }
        assert!(action(&LoginStep::Start, LoginEvent::Back).is_err());
        let user = UserProfile {
            id: "u".into(),
            phone_masked: String::new(),
            nickname: String::new(),
            avatar_url: None,
            created_at: 0,
            unit: None,
            department: None,
        };
        let logged_in = LoginStep::LoggedIn { user };
        assert!(action(&logged_in, LoginEvent::Back).is_err());
        assert!(action(&logged_in, LoginEvent::RequestSmsCode { phone: "1".into() }).is_err());
    }

    #[test]
    fn a_spent_authorization_sends_the_login_back_to_the_start() {
        let callback = Action::Callback("x".into());
        let offline = AuthError::Network {
            problem: crate::net::NetworkProblem::Offline,
        };
        let denied = AuthError::ProviderDenied {
            reason: "access_denied".into(),
        };
        // The callback spent the authorization whatever went wrong after.
        assert_eq!(
            after_failure(authorizing(), &callback, &denied),
            LoginStep::Start
        );
        assert_eq!(
            after_failure(authorizing(), &callback, &offline),
            LoginStep::Start
        );
        // The provider's answer is kept for another try when the network failed, and for the
        // other decision when there is nothing to bind.
        let bind = Action::Bind(true);
        assert_eq!(after_failure(binding(), &bind, &offline), binding());
        assert_eq!(
            after_failure(binding(), &bind, &AuthError::NothingToBind),
            binding()
        );
        assert_eq!(
            after_failure(binding(), &bind, &AuthError::AuthorizationExpired),
            LoginStep::Start
        );
        let wrong = AuthError::WrongCode { attempts_left: 4 };
        let verify = Action::VerifyCode("000000".into());
        assert_eq!(after_failure(code_entry(), &verify, &wrong), code_entry());
        let restart = Action::Authorize("dev".into());
        assert_eq!(
            after_failure(authorizing(), &restart, &offline),
            authorizing()
        );
    }

    #[test]
    fn refusals_never_repeat_what_the_event_carried() {
        let error = action(
            &LoginStep::Start,
            LoginEvent::SubmitSmsCode {
                code: "654321".into(),
            },
        )
        .unwrap_err();
        assert!(!error.to_string().contains("654321"), "{error}");
    }
}
