//! `/dev/wechat/*` (dev mode only): the dev WeChat-style provider's endpoints (the authorize
//! step the shells' scripted SDKs call, the token and userinfo endpoints in WeChat's shape)
//! and how often each was asked. Its protocol logic lives in `wechat::dev_provider`; this
//! module speaks HTTP. WeChat answers refusals with 200 and an `errcode`, and so does this.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use crate::app::Shared;
use crate::error::ApiError;
use crate::wechat::dev_provider::{AuthorizeQuery, DevWechat, TokenQuery, UserinfoQuery};

fn provider(state: &Shared) -> Result<&DevWechat, ApiError> {
    state.wechat.dev.as_ref().ok_or(ApiError::NotFound)
}

/// A query that does not parse, as the provider answers it.
fn malformed() -> Json<Value> {
    Json(json!({ "errcode": 44002, "errmsg": "malformed or repeated parameters" }))
}

/// `GET /dev/wechat/authorize`: plays the provider's app answering the SDK.
#[utoipa::path(
    get,
    path = "/dev/wechat/authorize",
    operation_id = "devWechatAuthorize",
    tag = "dev",
    summary = "Dev WeChat-style provider: the provider app's answer to the SDK",
    description = "Plays the provider's app answering the app's SDK (WeChat's `SendAuth.Resp`): for the registered `appid` (`wxd0medcircle0app`, trusted as `wechat`; `wxd0medcircle0web`, trusted as `wechat-web`), scope `snsapi_userinfo` and the `state`, `errCode` 0 with a `code` for the dev `user` (1 to 64 of `[A-Za-z0-9_-]`), its `state` echoed; `decision=cancel` gives -2, `decision=deny` -4, without a code. `nickname` sets the profile's nickname, `bare=true` gives an account with neither nickname nor avatar, `no_unionid=true` one without a unionid. Codes last 10 minutes on the server's clock and are single use. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(AuthorizeQuery),
    responses(
        (status = 200, description = "The provider's answer; its refusals too are 200, with `errcode` and `errmsg` (WeChat's shape).", body = Object),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn authorize(
    State(state): State<Shared>,
    query: Result<Query<AuthorizeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let provider = provider(&state)?;
    Ok(match query {
        Ok(Query(query)) => Json(provider.authorize(&query, state.clock.now())),
        Err(_) => malformed(),
    })
}

/// `GET /dev/wechat/sns/oauth2/access_token`
#[utoipa::path(
    get,
    path = "/dev/wechat/sns/oauth2/access_token",
    operation_id = "devWechatAccessToken",
    tag = "dev",
    summary = "Dev WeChat-style provider: code exchange",
    description = "WeChat's code exchange: `appid`, `secret` (the server's own, made at start), `code`, `grant_type=authorization_code` for `access_token`, `expires_in`, `refresh_token`, `openid`, `scope` and, unless the code was made with `no_unionid`, `unionid`. Refusals: 40013 unknown appid, 40125 wrong secret, 40002 grant type, 41008 no code, 40029 unknown code, 40163 code already used, 42003 code expired. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(TokenQuery),
    responses(
        (status = 200, description = "The provider's answer; its refusals too are 200, with `errcode` and `errmsg` (WeChat's shape).", body = Object),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn access_token(
    State(state): State<Shared>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let provider = provider(&state)?;
    Ok(match query {
        Ok(Query(query)) => Json(provider.access_token(&query, state.clock.now())),
        Err(_) => malformed(),
    })
}

/// `GET /dev/wechat/sns/userinfo`
#[utoipa::path(
    get,
    path = "/dev/wechat/sns/userinfo",
    operation_id = "devWechatUserinfo",
    tag = "dev",
    summary = "Dev WeChat-style provider: userinfo",
    description = "WeChat's userinfo: `access_token` and `openid` for `openid`, `nickname`, `headimgurl` (empty strings for a `bare` account), `sex`, `province`, `city`, `country`, `privilege` and `unionid` when there is one. Refusals: 40001 unknown access token, 42001 expired, 40003 another openid. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(UserinfoQuery),
    responses(
        (status = 200, description = "The provider's answer; its refusals too are 200, with `errcode` and `errmsg` (WeChat's shape).", body = Object),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn userinfo(
    State(state): State<Shared>,
    query: Result<Query<UserinfoQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let provider = provider(&state)?;
    Ok(match query {
        Ok(Query(query)) => Json(provider.userinfo(&query, state.clock.now())),
        Err(_) => malformed(),
    })
}

/// `GET /dev/wechat/calls`
#[utoipa::path(
    get,
    path = "/dev/wechat/calls",
    operation_id = "devWechatCalls",
    tag = "dev",
    summary = "Dev WeChat-style provider: calls counted",
    description = "How often the token and userinfo endpoints were asked since start: what tests read to show that a login without binding never asks for the profile. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The provider's answer; its refusals too are 200, with `errcode` and `errmsg` (WeChat's shape).", body = Object),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn calls(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    Ok(Json(provider(&state)?.calls()))
}
