//! WeChat-style login in a terminal. The terminal has no WeChat app: its SDK (`ProviderSdk`)
//! plays that app with the dev server's WeChat-style provider (`/dev/wechat/authorize`),
//! asking the user here whether to agree, as whom; the core then checks the state and asks
//! about binding, as on a phone.

use std::sync::Arc;

use medcircle_core::{Client, LoginEvent, LoginStep, ProviderError, ProviderSdk, SdkAuthorization};
use serde_json::json;

use crate::commands::{emit_user, prompt};
use crate::output::Output;

/// The scope of a mobile app's WeChat login: the account and its profile.
const SCOPE: &str = "snsapi_userinfo";
/// The dev provider's app the server trusts as `wechat`.
pub(crate) const DEV_APP_ID: &str = "wxd0medcircle0app";

/// What the user does in the (stand-in) WeChat app, when given on the command line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum InApp {
    Agree,
    Deny,
    Cancel,
}

pub(crate) struct WechatArgs {
    pub(crate) provider: String,
    pub(crate) app_id: String,
    pub(crate) user: Option<String>,
    pub(crate) in_app: Option<InApp>,
    pub(crate) bind: Option<bool>,
}

/// The terminal's stand-in for the WeChat app and its SDK.
struct TerminalWechat {
    server: String,
    app_id: String,
    user: Option<String>,
    in_app: Option<InApp>,
}

impl TerminalWechat {
    fn answer(&self, scope: &str, state: &str) -> Result<SdkAuthorization, String> {
        let in_app = match self.in_app {
            Some(in_app) => in_app,
            None => match prompt(
                "WeChat: let MedCircle log in with your account? [y]es / [n]o / [c]ancel: ",
            )?
            .to_ascii_lowercase()
            .as_str()
            {
                "y" | "yes" => InApp::Agree,
                "n" | "no" => InApp::Deny,
                _ => InApp::Cancel,
            },
        };
        let (user, decision) = match in_app {
            InApp::Agree => {
                let user = match &self.user {
                    Some(user) => user.clone(),
                    None => prompt("WeChat account (dev user, e.g. doctor-li): ")?,
                };
                (user, "")
            }
            InApp::Deny => ("nobody".to_string(), "&decision=deny"),
            InApp::Cancel => ("nobody".to_string(), "&decision=cancel"),
        };
        // Everything in the query is URL-safe as checked: no encoding needed.
        if !valid(&user) || !valid(&self.app_id) || !valid(state) || !valid(scope) {
            return Err("the account must be 1 to 64 of A-Z, a-z, 0-9, _ and -".into());
        }
        let path = format!(
            "/dev/wechat/authorize?appid={}&scope={scope}&state={state}&user={user}{decision}",
            self.app_id
        );
        let answer = crate::dev_server::request(&self.server, "GET", &path, None)?;
        let echoed = answer["state"].as_str().unwrap_or_default().to_string();
        match answer["errCode"].as_i64() {
            Some(0) => Ok(SdkAuthorization::Code {
                code: answer["code"].as_str().unwrap_or_default().to_string(),
                state: echoed,
            }),
            Some(-2) => Ok(SdkAuthorization::Cancelled),
            Some(-4) => Ok(SdkAuthorization::Denied {
                reason: "ERR_AUTH_DENIED".into(),
            }),
            _ => Err(format!("the dev WeChat provider refused: {answer}")),
        }
    }
}

fn valid(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[async_trait::async_trait]
impl ProviderSdk for TerminalWechat {
    async fn authorize(
        &self,
        scope: String,
        state: String,
    ) -> Result<SdkAuthorization, ProviderError> {
        self.answer(&scope, &state)
            .map_err(|detail| ProviderError::Failed { detail })
    }
}

/// `login wechat`: the login screen's way, with the terminal as the WeChat app.
pub(crate) async fn login(
    client: &Client,
    server: &str,
    dev: bool,
    args: WechatArgs,
    out: &Output,
) -> Result<(), String> {
    if !dev {
        return Err(
            "the terminal has no WeChat app: `login wechat` plays it with the dev server's \
             provider (--dev)"
                .into(),
        );
    }
    let sdk = TerminalWechat {
        server: server.to_string(),
        app_id: args.app_id,
        user: args.user,
        in_app: args.in_app,
    };
    let auth = client.auth();
    auth.add_sdk_provider(args.provider.clone(), SCOPE.into(), Arc::new(sdk));
    let flow = auth.login_flow();
    let screen = flow
        .send(LoginEvent::ChooseProvider {
            provider: args.provider.clone(),
        })
        .await;
    if let Some(error) = screen.error {
        return Err(error.to_string());
    }
    let LoginStep::ConfirmBinding { account } = screen.step else {
        out.emit(
            "wechat_cancelled",
            "login cancelled in WeChat; nothing changed",
            json!({ "ok": true, "provider": args.provider, "cancelled": true }),
        );
        return Ok(());
    };
    out.emit(
        "wechat_authorized",
        &format!(
            "{} authorized the login; it can share your nickname and avatar",
            account.provider
        ),
        json!({ "ok": true, "provider": account.provider }),
    );
    let bind = match args.bind {
        Some(bind) => bind,
        None => prompt("use them in your MedCircle profile? [y/N] ")?.eq_ignore_ascii_case("y"),
    };
    let screen = flow
        .send(LoginEvent::DecideBinding { bind_profile: bind })
        .await;
    match (screen.step, screen.error) {
        (LoginStep::LoggedIn { user }, _) => {
            emit_user(out, "login", "logged in as", &user);
            Ok(())
        }
        (_, Some(error)) => Err(error.to_string()),
        (step, None) => Err(format!("unexpected login step {step:?}")),
    }
}
