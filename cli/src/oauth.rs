//! Third-party login in a terminal: print the provider's URL, take back the URL the browser
//! was sent to (or, with `--as`, play the user at the dev provider), then ask about binding.
//! Providers come from `--oauth-provider`, and with `--dev` the dev server's own.

use medcircle_core::{Client, OAuthProviderConfig};
use serde_json::json;

use crate::commands::{emit_user, prompt};
use crate::output::Output;

/// Where providers send the browser back unless the option says otherwise: the app's
/// private-use scheme (RFC 8252).
const DEFAULT_REDIRECT_URI: &str = "com.medcircle.app:/oauth/callback";

/// `NAME=ISSUER_URL,CLIENT_ID[,REDIRECT_URI]`, as `--oauth-provider` takes it.
pub(crate) fn parse_provider(raw: &str) -> Result<OAuthProviderConfig, String> {
    let (name, rest) = raw
        .split_once('=')
        .ok_or("expected NAME=ISSUER_URL,CLIENT_ID[,REDIRECT_URI]")?;
    let mut parts = rest.split(',').map(str::trim);
    let (Some(issuer), Some(client_id)) = (parts.next(), parts.next()) else {
        return Err("expected NAME=ISSUER_URL,CLIENT_ID[,REDIRECT_URI]".into());
    };
    let redirect_uri = parts.next().unwrap_or(DEFAULT_REDIRECT_URI);
    if parts.next().is_some() {
        return Err("at most NAME=ISSUER_URL,CLIENT_ID,REDIRECT_URI".into());
    }
    let name = name.trim();
    if name.is_empty() || issuer.is_empty() || client_id.is_empty() || redirect_uri.is_empty() {
        return Err("NAME, ISSUER_URL and CLIENT_ID must not be empty".into());
    }
    Ok(OAuthProviderConfig {
        name: name.to_string(),
        issuer: issuer.to_string(),
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
    })
}

/// The providers the core gets: those given, and with `dev` the dev server's own as `dev`
/// unless one was given under that name.
pub(crate) fn providers(
    given: &[OAuthProviderConfig],
    server: &str,
    dev: bool,
) -> Vec<OAuthProviderConfig> {
    let mut providers = given.to_vec();
    if dev && !given.iter().any(|p| p.name == "dev") {
        providers.push(OAuthProviderConfig {
            name: "dev".into(),
            issuer: format!("{}/dev/oidc", server.trim_end_matches('/')),
            client_id: "medcircle-app".into(),
            redirect_uri: DEFAULT_REDIRECT_URI.into(),
        });
    }
    providers
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_option_reads_name_issuer_client_and_redirect() {
        let acme = parse_provider("acme=https://id.acme.example,medcircle").unwrap();
        assert_eq!(acme.name, "acme");
        assert_eq!(acme.issuer, "https://id.acme.example");
        assert_eq!(acme.client_id, "medcircle");
        assert_eq!(acme.redirect_uri, DEFAULT_REDIRECT_URI);
        let own =
            parse_provider("acme=https://id.acme.example,app,https://app.example/cb").unwrap();
        assert_eq!(own.redirect_uri, "https://app.example/cb");
        for bad in [
            "acme",
            "acme=https://id.acme.example",
            "=https://id.acme.example,app",
            "acme=,app",
            "acme=https://id.acme.example,app,https://a/cb,extra",
        ] {
            assert!(parse_provider(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_dev_provider_joins_only_in_dev_mode_and_yields_to_a_given_one() {
        let acme = parse_provider("acme=https://id.acme.example,app").unwrap();
        let names = |providers: Vec<OAuthProviderConfig>| -> Vec<String> {
            providers.into_iter().map(|p| p.name).collect()
        };
        assert_eq!(
            names(providers(
                std::slice::from_ref(&acme),
                "http://127.0.0.1:1",
                false
            )),
            ["acme"]
        );
        assert_eq!(
            names(providers(&[acme], "http://127.0.0.1:1/", true)),
            ["acme", "dev"]
        );
        let own_dev = parse_provider("dev=https://qa.example/dev/oidc,app").unwrap();
        let chosen = providers(std::slice::from_ref(&own_dev), "http://127.0.0.1:1", true);
        assert_eq!(chosen, [own_dev]);
    }
}
