//! The dev WeChat-style provider ("DevWeChat"), dev mode only: an OAuth 2.0 provider in
//! WeChat's shape, so QA, tests and the shells' scripted SDKs have one to log in with. Its
//! authorize step stands in for the provider's app (what its SDK returns to ours: a code and
//! the state, or the user's cancel or refusal); its token and userinfo endpoints answer as
//! WeChat's do, refusals included (HTTP 200 with `errcode`). Two apps of one developer are
//! registered, so one user has two openids and one unionid. Codes last 10 minutes on the
//! server's clock and are single use; everything lives in memory and dies with the server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa::IntoParams;

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::WechatProvider;
use crate::app::lock;
use crate::{base64url, ident};

/// The scope of a mobile app's WeChat login: the account and its profile.
pub const SCOPE: &str = "snsapi_userinfo";
/// The registered apps: the mobile app the server trusts as `wechat`, and the same
/// developer's second app (as a website's login would be), trusted as `wechat-web`.
pub const APPS: [(&str, &str); 2] = [
    ("wechat", "wxd0medcircle0app"),
    ("wechat-web", "wxd0medcircle0web"),
];
const CODE_TTL_S: i64 = 600;
const ACCESS_TOKEN_TTL_S: i64 = 7200;
pub const DEFAULT_NICKNAME: &str = "微信医生";

/// `GET /dev/wechat/authorize`'s query: what the app's SDK asks, and (dev only) who the user
/// is and what they do in the provider's app.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizeQuery {
    pub appid: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    /// Who signs in: 1 to 64 of `[A-Za-z0-9_-]`.
    pub user: Option<String>,
    pub nickname: Option<String>,
    /// `true`: the account has no nickname or avatar to share.
    #[serde(default)]
    pub bare: bool,
    /// `true`: the app is not tied to a developer account, so no unionid is given.
    #[serde(default)]
    pub no_unionid: bool,
    /// `cancel` (the user went back) or `deny` (the user refused).
    pub decision: Option<String>,
}

/// `GET /dev/wechat/sns/oauth2/access_token`'s query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    pub appid: Option<String>,
    pub secret: Option<String>,
    pub code: Option<String>,
    pub grant_type: Option<String>,
}

/// `GET /dev/wechat/sns/userinfo`'s query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserinfoQuery {
    pub access_token: Option<String>,
    pub openid: Option<String>,
}

/// Who a code or an access token is for.
#[derive(Clone)]
struct Grant {
    app_id: String,
    user: String,
    nickname: String,
    bare: bool,
    unionid: bool,
    expires_at: i64,
}

pub struct DevWechat {
    base_url: String,
    /// By app id: each app's secret, made at start.
    secrets: HashMap<&'static str, String>,
    codes: Mutex<HashMap<String, Grant>>,
    /// Codes already exchanged, until they would have expired: answered `40163`.
    used: Mutex<HashMap<String, i64>>,
    tokens: Mutex<HashMap<String, Grant>>,
    token_calls: AtomicU64,
    userinfo_calls: AtomicU64,
}

/// WeChat's refusal: HTTP 200 with `errcode` and `errmsg`.
fn refusal(errcode: i64, errmsg: &str) -> Value {
    json!({ "errcode": errcode, "errmsg": errmsg })
}

fn random() -> String {
    base64url::encode(&rand::random::<[u8; 24]>())
}

/// A stable, opaque id of `what` for `user` (in `scope`).
fn id_of(prefix: &str, scope: &str, user: &str) -> String {
    let digest = Sha256::digest(format!("{scope}:{user}").as_bytes());
    format!("{prefix}{}", &base64url::encode(&digest)[..27])
}

impl DevWechat {
    /// The provider of the server at `base_url`.
    pub fn new(base_url: &str) -> Self {
        DevWechat {
            base_url: format!("{base_url}/dev/wechat"),
            secrets: APPS.iter().map(|(_, app_id)| (*app_id, random())).collect(),
            codes: Mutex::default(),
            used: Mutex::default(),
            tokens: Mutex::default(),
            token_calls: AtomicU64::new(0),
            userinfo_calls: AtomicU64::new(0),
        }
    }

    /// Its apps as the server trusts them, under their names.
    pub fn trusted(&self) -> Vec<WechatProvider> {
        APPS.iter()
            .map(|(name, app_id)| WechatProvider {
                name: (*name).to_owned(),
                app_id: (*app_id).to_owned(),
                secret: self.secrets[app_id].clone(),
                base_url: self.base_url.clone(),
            })
            .collect()
    }

    /// The openid `user` has in the app `app_id`.
    pub fn openid(app_id: &str, user: &str) -> String {
        id_of("o", app_id, user)
    }

    /// The unionid `user` has across the developer's apps.
    pub fn unionid(user: &str) -> String {
        id_of("u", "developer", user)
    }

    /// What the provider's app hands back to the app's SDK: WeChat's `SendAuth.Resp` as JSON
    /// (`errCode` 0 with `code` and `state`; -2 cancelled; -4 denied), or a refusal of the
    /// request itself.
    pub fn authorize(&self, query: &AuthorizeQuery, now: i64) -> Value {
        let Some(app_id) = query
            .appid
            .as_deref()
            .filter(|app_id| self.secrets.contains_key(app_id))
        else {
            return refusal(40013, "invalid appid");
        };
        if query.scope.as_deref() != Some(SCOPE) {
            return refusal(40117, "invalid scope: snsapi_userinfo expected");
        }
        let Some(state) = query.state.as_deref().filter(|state| state.len() <= 1024) else {
            return refusal(41001, "state is required (at most 1 KiB)");
        };
        let answer = |err_code: i64, code: Option<&str>| json!({ "errCode": err_code, "code": code, "state": state });
        match query.decision.as_deref() {
            None => {}
            Some("cancel") => return answer(-2, None),
            Some("deny") => return answer(-4, None),
            Some(_) => return refusal(41001, "decision must be cancel or deny"),
        }
        let Some(user) = query
            .user
            .as_deref()
            .filter(|user| ident::is_valid(user, 1..=64))
        else {
            return refusal(41001, "user must be 1 to 64 of A-Z, a-z, 0-9, _ and -");
        };
        let nickname = query.nickname.as_deref().unwrap_or(DEFAULT_NICKNAME);
        if nickname.chars().count() > 64 || nickname.chars().any(char::is_control) {
            return refusal(41001, "nickname must be at most 64 characters");
        }
        let code = random();
        let mut codes = lock(&self.codes);
        codes.retain(|_, grant| grant.expires_at >= now);
        codes.insert(
            code.clone(),
            Grant {
                app_id: app_id.to_owned(),
                user: user.to_owned(),
                nickname: nickname.to_owned(),
                bare: query.bare,
                unionid: !query.no_unionid,
                expires_at: now + CODE_TTL_S,
            },
        );
        answer(0, Some(&code))
    }

    /// `GET /sns/oauth2/access_token`: the code, with the app's id and secret, for an access
    /// token and the account's ids.
    pub fn access_token(&self, query: &TokenQuery, now: i64) -> Value {
        self.token_calls.fetch_add(1, Ordering::Relaxed);
        let Some(app_id) = query
            .appid
            .as_deref()
            .filter(|id| self.secrets.contains_key(id))
        else {
            return refusal(40013, "invalid appid");
        };
        if query.secret.as_deref() != Some(self.secrets[app_id].as_str()) {
            return refusal(40125, "invalid appsecret");
        }
        if query.grant_type.as_deref() != Some("authorization_code") {
            return refusal(40002, "invalid grant_type");
        }
        let Some(code) = query.code.as_deref().filter(|code| !code.is_empty()) else {
            return refusal(41008, "missing code");
        };
        let mut used = lock(&self.used);
        used.retain(|_, until| *until >= now);
        if used.contains_key(code) {
            return refusal(40163, "code been used");
        }
        let Some(grant) = lock(&self.codes).remove(code) else {
            return refusal(40029, "invalid code");
        };
        used.insert(code.to_owned(), grant.expires_at);
        if grant.app_id != app_id {
            return refusal(40029, "invalid code");
        }
        if now > grant.expires_at {
            return refusal(42003, "code expired");
        }
        let access_token = random();
        let mut answer = json!({
            "access_token": access_token,
            "expires_in": ACCESS_TOKEN_TTL_S,
            "refresh_token": random(),
            "openid": Self::openid(app_id, &grant.user),
            "scope": SCOPE,
        });
        if grant.unionid {
            answer["unionid"] = Self::unionid(&grant.user).into();
        }
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, grant| grant.expires_at >= now);
        tokens.insert(
            access_token,
            Grant {
                expires_at: now + ACCESS_TOKEN_TTL_S,
                ..grant
            },
        );
        answer
    }

    /// `GET /sns/userinfo`: the profile of the account an access token is for.
    pub fn userinfo(&self, query: &UserinfoQuery, now: i64) -> Value {
        self.userinfo_calls.fetch_add(1, Ordering::Relaxed);
        let token = query.access_token.as_deref().unwrap_or_default();
        let Some(grant) = lock(&self.tokens).get(token).cloned() else {
            return refusal(
                40001,
                "invalid credential, access_token is invalid or not latest",
            );
        };
        if now > grant.expires_at {
            return refusal(42001, "access_token expired");
        }
        let openid = Self::openid(&grant.app_id, &grant.user);
        if query.openid.as_deref() != Some(openid.as_str()) {
            return refusal(40003, "invalid openid");
        }
        let (nickname, avatar) = if grant.bare {
            (String::new(), String::new())
        } else {
            let avatar = format!("{}/avatars/{}.png", self.base_url, grant.user);
            (grant.nickname.clone(), avatar)
        };
        let mut answer = json!({
            "openid": openid,
            "nickname": nickname,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": avatar,
            "privilege": [],
        });
        if grant.unionid {
            answer["unionid"] = Self::unionid(&grant.user).into();
        }
        answer
    }

    /// How often each endpoint was asked since start: what tests check for calls that must
    /// not happen.
    pub fn calls(&self) -> Value {
        json!({
            "access_token": self.token_calls.load(Ordering::Relaxed),
            "userinfo": self.userinfo_calls.load(Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const APP: &str = APPS[0].1;

    fn provider() -> DevWechat {
        DevWechat::new("http://127.0.0.1:9")
    }

    fn authorize(user: &str) -> AuthorizeQuery {
        AuthorizeQuery {
            appid: Some(APP.into()),
            scope: Some(SCOPE.into()),
            state: Some("st-1".into()),
            user: Some(user.into()),
            ..AuthorizeQuery::default()
        }
    }

    fn code(provider: &DevWechat, query: &AuthorizeQuery) -> String {
        let answer = provider.authorize(query, NOW);
        assert_eq!(answer["errCode"], 0, "{answer}");
        assert_eq!(answer["state"], "st-1");
        answer["code"].as_str().unwrap().to_owned()
    }

    fn exchange(provider: &DevWechat, code: &str, at: i64) -> Value {
        let secret = provider.secrets[APP].clone();
        provider.access_token(
            &TokenQuery {
                appid: Some(APP.into()),
                secret: Some(secret),
                code: Some(code.into()),
                grant_type: Some("authorization_code".into()),
            },
            at,
        )
    }

    #[test]
    fn a_code_is_exchanged_once_for_the_user_s_ids_and_profile() {
        let provider = provider();
        let code = code(&provider, &authorize("li"));
        let answer = exchange(&provider, &code, NOW + 1);
        assert_eq!(answer["openid"], DevWechat::openid(APP, "li"));
        assert_eq!(answer["unionid"], DevWechat::unionid("li"));
        assert_eq!(answer["expires_in"], 7200);
        let profile = provider.userinfo(
            &UserinfoQuery {
                access_token: answer["access_token"].as_str().map(str::to_owned),
                openid: answer["openid"].as_str().map(str::to_owned),
            },
            NOW + 2,
        );
        assert_eq!(profile["nickname"], DEFAULT_NICKNAME);
        assert_eq!(
            profile["headimgurl"],
            "http://127.0.0.1:9/dev/wechat/avatars/li.png"
        );
        assert_eq!(exchange(&provider, &code, NOW + 3)["errcode"], 40163);
        assert_eq!(provider.calls()["access_token"], 2);
        assert_eq!(provider.calls()["userinfo"], 1);
        // Another app of the developer: another openid, the same unionid.
        assert_ne!(
            DevWechat::openid(APPS[1].1, "li"),
            DevWechat::openid(APP, "li")
        );
    }

    #[test]
    fn old_unknown_and_foreign_codes_and_wrong_secrets_are_refused() {
        let provider = provider();
        let old = code(&provider, &authorize("li"));
        assert_eq!(exchange(&provider, &old, NOW + 601)["errcode"], 42003);
        assert_eq!(exchange(&provider, "nope", NOW)["errcode"], 40029);
        let fresh = code(&provider, &authorize("li"));
        let wrong_secret = provider.access_token(
            &TokenQuery {
                appid: Some(APP.into()),
                secret: Some("wrong".into()),
                code: Some(fresh.clone()),
                grant_type: Some("authorization_code".into()),
            },
            NOW,
        );
        assert_eq!(wrong_secret["errcode"], 40125);
        // A wrong secret does not spend the code.
        assert!(exchange(&provider, &fresh, NOW)["openid"].is_string());
    }

    #[test]
    fn the_user_can_cancel_or_deny_and_bare_accounts_share_nothing() {
        let provider = provider();
        for (decision, err_code) in [("cancel", -2), ("deny", -4)] {
            let query = AuthorizeQuery {
                decision: Some(decision.into()),
                ..authorize("li")
            };
            let answer = provider.authorize(&query, NOW);
            assert_eq!(answer["errCode"], err_code);
            assert_eq!(answer["state"], "st-1");
            assert!(answer["code"].is_null());
        }
        let bare = AuthorizeQuery {
            bare: true,
            no_unionid: true,
            ..authorize("wang")
        };
        let answer = exchange(&provider, &code(&provider, &bare), NOW);
        assert!(answer.get("unionid").is_none());
        let profile = provider.userinfo(
            &UserinfoQuery {
                access_token: answer["access_token"].as_str().map(str::to_owned),
                openid: answer["openid"].as_str().map(str::to_owned),
            },
            NOW,
        );
        assert_eq!(profile["nickname"], "");
        assert_eq!(profile["headimgurl"], "");
        let unknown_app = AuthorizeQuery {
            appid: Some("wxother".into()),
            ..authorize("li")
        };
        assert_eq!(provider.authorize(&unknown_app, NOW)["errcode"], 40013);
    }
}
