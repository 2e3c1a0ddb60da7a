//! Third-party login in a terminal: print the provider's URL, take back the URL the browser
//! was sent to (or, with `--as`, play the user at the dev provider), then ask about binding.

use medcircle_core::Client;
use serde_json::json;

use crate::commands::{emit_user, prompt};
use crate::output::Output;

pub(crate) struct OAuthArgs {
    pub(crate) provider: String,
    pub(crate) callback: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) bind: Option<bool>,
}

pub(crate) async fn login(
    client: &Client,
    server: &str,
    args: OAuthArgs,
    out: &Output,
) -> Result<(), String> {
    let auth = client.auth();
    let started = auth
        .start_oauth_login(args.provider)
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "oauth_authorization",
        &format!(
            "open this in a browser and sign in:\n  {}",
            started.authorization_url
        ),
        json!({ "ok": true, "provider": started.provider,
                "authorization_url": started.authorization_url }),
    );
    let callback = match (args.callback, args.subject) {
        (Some(callback), _) => callback,
        (None, Some(subject)) => {
            crate::dev_server::approve_authorization(server, &started.authorization_url, &subject)?
        }
        (None, None) => prompt("paste the address the browser was sent back to: ")?,
    };
    let account = auth
        .complete_oauth_login(callback)
        .await
        .map_err(|e| e.to_string())?;
    let nickname = account.nickname.clone().unwrap_or_default();
    let avatar = account.avatar_url.clone().unwrap_or_default();
    out.emit(
        "oauth_account",
        &format!(
            "{} offers to share your nickname \"{nickname}\" and avatar {avatar}",
            account.provider
        ),
        json!({ "ok": true, "provider": account.provider, "nickname": account.nickname,
                "avatar_url": account.avatar_url }),
    );
    let bind = match args.bind {
        Some(bind) => bind,
        None => prompt("use them in your MedCircle profile? [y/N] ")?.eq_ignore_ascii_case("y"),
    };
    let user = auth
        .finish_oauth_login(bind)
        .await
        .map_err(|e| e.to_string())?;
    emit_user(out, "login", "logged in as", &user);
    Ok(())
}
