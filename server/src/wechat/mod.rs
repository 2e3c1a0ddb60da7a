//! Third-party login with OAuth 2.0 providers that are not OpenID providers, in WeChat's API
//! (QQ and Weibo share the flow but not the endpoints: each would need its own exchange here,
//! the core's side serves them as it is): the app's SDK hands the app an authorization code, the
//! app sends it here, and this server exchanges it at the provider with the app id and the app
//! secret (`GET /sns/oauth2/access_token`), which only a server can keep. The answer names the
//! account (`unionid` where the provider gives one, else `openid`); the profile
//! (`GET /sns/userinfo`) is asked only when the user agreed to bind. In dev mode
//! `dev_provider` plays such a provider.

pub mod dev_provider;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::Mutex;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::app::lock;
use crate::error::ApiError;
use crate::oidc::id_token::Profile;
use crate::outbound;
use dev_provider::DevWechat;

/// WeChat's API host: where a provider without a base URL is asked.
pub const WECHAT_API: &str = "https://api.weixin.qq.com";
/// How long an exchanged code's answer is kept for a retry of a login that did not finish (a
/// binding refused for want of a profile, then declined): the provider's codes live 10 minutes
/// at most. A login that finishes spends it.
const KEEP_EXCHANGED_S: i64 = 600;

/// A provider the app's SDK logs in with: `app_id` and its secret at `base_url`.
#[derive(Clone, PartialEq, Eq)]
pub struct WechatProvider {
    /// What the app sends as `provider`.
    pub name: String,
    pub app_id: String,
    pub secret: String,
    /// Without a trailing slash, e.g. `https://api.weixin.qq.com`.
    pub base_url: String,
}

/// Never the secret.
impl fmt::Debug for WechatProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatProvider")
            .field("name", &self.name)
            .field("app_id", &self.app_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

const FORM: &str = "expected NAME=APP_ID,file:PATH|env:VAR[,BASE_URL]";

/// `NAME=APP_ID,SECRET[,BASE_URL]`, the form of `--wechat-provider`: the secret is read from a
/// file (`file:PATH`, trailing whitespace dropped) or an environment variable (`env:VAR`),
/// never given on the command line, where any process could read it.
impl FromStr for WechatProvider {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let (name, rest) = raw.split_once('=').ok_or(FORM)?;
        let mut parts = rest.splitn(3, ',');
        let app_id = parts.next().unwrap_or_default();
        let source = parts.next().ok_or(FORM)?;
        let base_url = parts
            .next()
            .unwrap_or(WECHAT_API)
            .trim_end_matches('/')
            .to_owned();
        if !crate::ident::is_valid(name, 1..=32) {
            return Err("NAME must be 1 to 32 characters of A-Z, a-z, 0-9, _ and -".into());
        }
        if !crate::ident::is_valid(app_id, 1..=64) {
            return Err("APP_ID must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -".into());
        }
        if !url::Url::parse(&base_url).is_ok_and(|url| outbound::allowed(&url)) {
            return Err("BASE_URL must be https (or http to a loopback host)".into());
        }
        let secret = match source.split_once(':') {
            Some(("file", path)) => std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the secret file {path}: {error}"))?,
            Some(("env", var)) => std::env::var(var)
                .map_err(|_| format!("the environment variable {var} holds no secret"))?,
            _ => return Err(FORM.into()),
        };
        let secret = secret.trim_end().to_owned();
        if secret.is_empty() {
            return Err(format!("the secret of {name} is empty"));
        }
        Ok(WechatProvider {
            name: name.to_owned(),
            app_id: app_id.to_owned(),
            secret,
            base_url,
        })
    }
}

/// What the provider answered for a code: whose account it is and a token for its profile.
#[derive(Clone, Deserialize)]
pub struct Exchanged {
    access_token: String,
    pub openid: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// The provider's refusal, in WeChat's shape (HTTP 200 with an `errcode`).
#[derive(Deserialize)]
struct Refusal {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// An answer that is either what was asked or a refusal.
#[derive(Deserialize)]
#[serde(untagged)]
enum Answer<T> {
    Refused(Refusal),
    Given(T),
}

#[derive(Deserialize)]
struct Userinfo {
    openid: String,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    headimgurl: Option<String>,
}

/// The trusted providers, codes recently exchanged, and (dev mode) the dev provider.
pub struct Wechat {
    providers: HashMap<String, WechatProvider>,
    http: reqwest::Client,
    /// By a digest of provider and code, until the login they were for succeeds.
    exchanged: Mutex<HashMap<[u8; 32], (Exchanged, i64)>>,
    pub dev: Option<DevWechat>,
}

impl Wechat {
    /// Trusts `providers`, and with a `dev` provider also its apps, under their dev names.
    pub fn new(providers: &[WechatProvider], dev: Option<DevWechat>) -> io::Result<Self> {
        let mut trusted: HashMap<_, _> = providers
            .iter()
            .map(|provider| (provider.name.clone(), provider.clone()))
            .collect();
        if let Some(dev) = &dev {
            for provider in dev.trusted() {
                trusted.insert(provider.name.clone(), provider);
            }
        }
        Ok(Wechat {
            providers: trusted,
            http: outbound::client().map_err(io::Error::other)?,
            exchanged: Mutex::new(HashMap::new()),
            dev,
        })
    }

    fn provider(&self, name: &str) -> Result<&WechatProvider, ApiError> {
        self.providers.get(name).ok_or(ApiError::UnknownProvider)
    }

    /// The namespace the provider's ids live in: a `unionid` is the same across every app of
    /// one developer at the provider, an `openid` only within one app.
    pub fn namespace(&self, name: &str, exchanged: &Exchanged) -> Result<String, ApiError> {
        let provider = self.provider(name)?;
        Ok(match &exchanged.unionid {
            Some(_) => format!("{}#unionid", provider.base_url),
            None => format!("{}#openid:{}", provider.base_url, provider.app_id),
        })
    }

    /// Exchanges `code` at the provider called `name`, or returns what an earlier attempt of
    /// this login got for it. Awaited with no lock held.
    pub async fn exchange(&self, name: &str, code: &str, now: i64) -> Result<Exchanged, ApiError> {
        let provider = self.provider(name)?;
        let key = digest(name, code);
        {
            let mut exchanged = lock(&self.exchanged);
            exchanged.retain(|_, (_, until)| *until >= now);
            if let Some((known, _)) = exchanged.get(&key) {
                return Ok(known.clone());
            }
        }
        let url = format!("{}/sns/oauth2/access_token", provider.base_url);
        let query = [
            ("appid", provider.app_id.as_str()),
            ("secret", provider.secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ];
        let answer = outbound::get_json(&self.http, &url, &query, None).await;
        let exchanged: Exchanged = given(provider, answer, "the code exchange")?;
        if exchanged.openid.is_empty() || exchanged.access_token.is_empty() {
            tracing::warn!(provider = %provider.name, "the code exchange named no account");
            return Err(ApiError::ProviderUnavailable);
        }
        lock(&self.exchanged).insert(key, (exchanged.clone(), now + KEEP_EXCHANGED_S));
        Ok(exchanged)
    }

    /// Takes the code's exchanged answer for the one login it makes: another login with the
    /// same code, even one running at the same time, is refused; a later one goes to the
    /// provider, which refuses it too.
    pub fn spend(&self, name: &str, code: &str) -> Result<(), ApiError> {
        lock(&self.exchanged)
            .remove(&digest(name, code))
            .map(|_| ())
            .ok_or(ApiError::InvalidAuthorizationCode(
                "the code was already used",
            ))
    }

    /// The account's nickname and avatar, from the provider's userinfo, if it is about the
    /// account the code named.
    pub async fn profile(&self, name: &str, exchanged: &Exchanged) -> Result<Profile, ApiError> {
        let provider = self.provider(name)?;
        let url = format!("{}/sns/userinfo", provider.base_url);
        let query = [
            ("access_token", exchanged.access_token.as_str()),
            ("openid", exchanged.openid.as_str()),
        ];
        let answer = outbound::get_json(&self.http, &url, &query, None).await;
        let userinfo: Userinfo = given(provider, answer, "userinfo")?;
        if userinfo.openid != exchanged.openid {
            tracing::warn!(provider = %provider.name, "userinfo is about another account");
            return Err(ApiError::ProviderUnavailable);
        }
        // The provider answers empty strings for what the account does not have.
        let present = |value: Option<String>| value.filter(|value| !value.trim().is_empty());
        Ok(Profile {
            nickname: present(userinfo.nickname),
            picture: present(userinfo.headimgurl),
        })
    }
}

/// The answer, or the error the app is told: a refused code is the user's to get again,
/// anything else is the provider's or this configuration's (logged with its code, never with
/// the query, which holds the secret).
fn given<T>(
    provider: &WechatProvider,
    answer: Result<Answer<T>, outbound::Unavailable>,
    what: &str,
) -> Result<T, ApiError> {
    match answer {
        Ok(Answer::Given(value)) => Ok(value),
        Ok(Answer::Refused(refusal)) => {
            tracing::info!(
                provider = %provider.name,
                errcode = refusal.errcode,
                errmsg = %refusal.errmsg,
                "{what} refused"
            );
            Err(match refusal.errcode {
                40029 => ApiError::InvalidAuthorizationCode("invalid code"),
                40163 => ApiError::InvalidAuthorizationCode("the code was already used"),
                42003 => ApiError::InvalidAuthorizationCode("the code has expired"),
                _ => ApiError::ProviderUnavailable,
            })
        }
        Err(error) => {
            tracing::warn!(provider = %provider.name, %error, "{what} failed");
            Err(ApiError::ProviderUnavailable)
        }
    }
}

fn digest(name: &str, code: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([0]);
    hash.update(code.as_bytes());
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_provider_flags_with_the_secret_from_a_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "file-secret\n").unwrap();
        let parsed: WechatProvider = format!("wechat=wx123,file:{}", file.display())
            .parse()
            .unwrap();
        assert_eq!(parsed.name, "wechat");
        assert_eq!(parsed.app_id, "wx123");
        assert_eq!(parsed.secret, "file-secret");
        assert_eq!(parsed.base_url, WECHAT_API);
        assert!(!format!("{parsed:?}").contains("file-secret"));
        // SAFETY: no other test reads or writes this variable.
        unsafe { std::env::set_var("MEDCIRCLE_TEST_QQ_SECRET", "env-secret") };
        let parsed: WechatProvider = "qq=101,env:MEDCIRCLE_TEST_QQ_SECRET,http://127.0.0.1:9/"
            .parse()
            .unwrap();
        assert_eq!(parsed.secret, "env-secret");
        assert_eq!(parsed.base_url, "http://127.0.0.1:9");
        for bad in [
            "wechat",
            "wechat=wx123",
            "wechat=wx123,plain-secret",
            "wechat=wx123,env:MEDCIRCLE_TEST_NOT_SET",
            "we chat=wx123,env:MEDCIRCLE_TEST_QQ_SECRET",
            "wechat=wx123,env:MEDCIRCLE_TEST_QQ_SECRET,http://example.com",
            "wechat=,env:MEDCIRCLE_TEST_QQ_SECRET",
        ] {
            assert!(bad.parse::<WechatProvider>().is_err(), "{bad}");
        }
    }

    #[test]
    fn refused_codes_are_the_user_s_and_other_refusals_the_provider_s() {
        let provider = WechatProvider {
            name: "wechat".into(),
            app_id: "wx1".into(),
            secret: "s".into(),
            base_url: WECHAT_API.into(),
        };
        let refused = |errcode| {
            let answer: Result<Answer<Exchanged>, _> = Ok(Answer::Refused(Refusal {
                errcode,
                errmsg: String::new(),
            }));
            given(&provider, answer, "test").err().unwrap().code()
        };
        for errcode in [40029, 40163, 42003] {
            assert_eq!(refused(errcode), "invalid_authorization_code");
        }
        for errcode in [40125, 40013, -1] {
            assert_eq!(refused(errcode), "provider_unavailable");
        }
        let answer: Answer<Exchanged> = serde_json::from_str(
            r#"{"access_token":"a","expires_in":7200,"refresh_token":"r","openid":"o","scope":"snsapi_userinfo"}"#,
        )
        .unwrap();
        assert!(matches!(
            answer,
            Answer::Given(Exchanged { unionid: None, .. })
        ));
        let answer: Answer<Exchanged> =
            serde_json::from_str(r#"{"errcode":40029,"errmsg":"invalid code"}"#).unwrap();
        assert!(matches!(
            answer,
            Answer::Refused(Refusal { errcode: 40029, .. })
        ));
    }
}
