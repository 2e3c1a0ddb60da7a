//! `POST /v1/auth/oauth/code`: login with an authorization code the app's SDK of an OAuth 2.0
//! provider in WeChat's shape gave the app. The server exchanges it with the app secret, keys
//! the account on the provider's stable id (unionid, else openid; stored as a keyed hash), and
//! asks the provider's userinfo only when the user agreed to bind. Answers exactly what an SMS
//! login answers.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::Deserialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::ident;
use crate::quota::Budget;
use crate::routes::oauth::{Linked, copied, sign_in};
use crate::routes::session::SessionBody;

/// Far above any provider's code.
const MAX_CODE_BYTES: usize = 512;

/// The request body; the answer is `SessionBody`.
#[derive(Deserialize)]
pub struct CodeLoginRequest {
    provider: String,
    code: String,
    install_id: String,
    /// Whether to copy the provider's nickname and avatar into the profile.
    bind_profile: bool,
}

pub async fn log_in(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<CodeLoginRequest>,
) -> Result<Json<SessionBody>, ApiError> {
    ident::device_id("install_id", &request.install_id)?;
    if request.code.is_empty() || request.code.len() > MAX_CODE_BYTES {
        return Err(ApiError::InvalidRequest(format!(
            "code must be 1 to {MAX_CODE_BYTES} bytes"
        )));
    }
    let requester = state.keyed.requester(peer.ip());
    state
        .quotas
        .take(Budget::OauthLogins, &requester, 1, state.clock.now())?;
    let wechat = &state.wechat;
    // Awaited with no lock held: the provider may be this very server.
    let exchanged = wechat
        .exchange(&request.provider, &request.code, state.clock.now())
        .await?;
    let bound = if request.bind_profile {
        Some(copied(
            &wechat.profile(&request.provider, &exchanged).await?,
        )?)
    } else {
        None
    };
    let namespace = wechat.namespace(&request.provider, &exchanged)?;
    let id = exchanged.unionid.as_deref().unwrap_or(&exchanged.openid);
    let subject = state.keyed.provider_account(&namespace, id);
    let linked = Linked {
        provider: &request.provider,
        issuer: &namespace,
        subject: &subject,
    };
    let session = sign_in(&state, &linked, bound.as_ref(), |_, _| Ok(())).await?;
    wechat.spent(&request.provider, &request.code);
    Ok(Json(session))
}
