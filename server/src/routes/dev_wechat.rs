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
pub async fn calls(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    Ok(Json(provider(&state)?.calls()))
}
