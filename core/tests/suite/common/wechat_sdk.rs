//! A scripted provider app SDK, as a shell implements `ProviderSdk` with WeChat's: it asks the
//! reference server's dev WeChat-style provider (`/dev/wechat/authorize`, which stands in for
//! the provider's app) with the scope and state the core gives, and answers as the SDK would.

use std::sync::Mutex;

use medcircle_core::{ProviderError, ProviderSdk, SdkAuthorization};
use serde_json::Value;

/// The dev provider's two apps of one developer: the server trusts them as `wechat` and
/// `wechat-web`.
pub const APP: &str = "wxd0medcircle0app";
pub const WEB_APP: &str = "wxd0medcircle0web";
/// The dev provider's nickname for a user who did not choose one.
pub const DEFAULT_NICKNAME: &str = "微信医生";

/// What the user does in the provider's app.
#[derive(Clone)]
pub enum Script {
    /// Agrees as `user`; `extra` goes into the dev provider's query (`&bare=true`, …).
    SignIn { user: String, extra: String },
    /// Goes back without deciding.
    Cancel,
    /// Refuses.
    Deny,
    /// Agrees as `user`, but the answer carries another state (another request's answer).
    OtherState { user: String },
    /// Hands back `code` again (a code already used).
    Replay { code: String },
    /// The SDK itself fails (the provider's app is not installed).
    Fail,
}

pub struct ScriptedSdk {
    server_url: String,
    app_id: &'static str,
    script: Mutex<Script>,
    /// The last code the provider's app gave.
    pub last_code: Mutex<Option<String>>,
    /// The scopes asked for, in order.
    pub scopes: Mutex<Vec<String>>,
}

impl ScriptedSdk {
    pub fn new(server_url: &str, app_id: &'static str, script: Script) -> Self {
        Self {
            server_url: server_url.to_owned(),
            app_id,
            script: Mutex::new(script),
            last_code: Mutex::default(),
            scopes: Mutex::default(),
        }
    }

    pub fn signing_in(server_url: &str, user: &str) -> Self {
        Self::new(
            server_url,
            APP,
            Script::SignIn {
                user: user.into(),
                extra: String::new(),
            },
        )
    }

    pub fn set(&self, script: Script) {
        *self.script.lock().unwrap() = script;
    }

    async fn ask(&self, scope: &str, state: &str, user: &str, extra: &str) -> Value {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/dev/wechat/authorize", self.server_url),
            [
                ("appid", self.app_id),
                ("scope", scope),
                ("state", state),
                ("user", user),
            ],
        )
        .unwrap();
        reqwest::get(format!("{url}{extra}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[async_trait::async_trait]
impl ProviderSdk for ScriptedSdk {
    async fn authorize(
        &self,
        scope: String,
        state: String,
    ) -> Result<SdkAuthorization, ProviderError> {
        self.scopes.lock().unwrap().push(scope.clone());
        let script = self.script.lock().unwrap().clone();
        let (user, extra, answer_state) = match script {
            Script::SignIn { user, extra } => (user, extra, state.clone()),
            Script::OtherState { user } => (user, String::new(), "another-request".into()),
            Script::Cancel => ("nobody".into(), "&decision=cancel".into(), state.clone()),
            Script::Deny => ("nobody".into(), "&decision=deny".into(), state.clone()),
            Script::Replay { code } => return Ok(SdkAuthorization::Code { code, state }),
            Script::Fail => {
                return Err(ProviderError::Failed {
                    detail: "WeChat is not installed".into(),
                });
            }
        };
        let answer = self.ask(&scope, &state, &user, &extra).await;
        assert_eq!(answer["state"].as_str(), Some(state.as_str()), "{answer}");
        Ok(match answer["errCode"].as_i64() {
            Some(0) => {
                let code = answer["code"].as_str().unwrap().to_owned();
                *self.last_code.lock().unwrap() = Some(code.clone());
                SdkAuthorization::Code {
                    code,
                    state: answer_state,
                }
            }
            Some(-2) => SdkAuthorization::Cancelled,
            Some(-4) => SdkAuthorization::Denied {
                reason: "ERR_AUTH_DENIED".into(),
            },
            _ => panic!("the dev provider refused: {answer}"),
        })
    }
}
