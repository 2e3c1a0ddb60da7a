//! `POST /v1/auth/oauth/code`: login with an authorization code the app's SDK of an OAuth 2.0
//! provider in WeChat's shape gave the app. The server exchanges it with the app secret, keys
//! the account on the provider's stable id (unionid, else openid; stored as a keyed hash), and
//! asks the provider's userinfo only when the user agreed to bind. Answers exactly what an SMS
//! login answers.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::Deserialize;
use utoipa::ToSchema;

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
#[derive(Deserialize, ToSchema)]
#[schema(as = CodeLoginRequest)]
pub struct CodeLoginRequest {
    /// The configured provider's name, e.g. `wechat`.
    #[schema(examples("wechat"))]
    provider: String,
    /// The authorization code the provider's app SDK returned.
    #[schema(min_length = 1, max_length = 512)]
    code: String,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    install_id: String,
    /// Whether to copy the provider's nickname and avatar into the profile.
    bind_profile: bool,
}

#[utoipa::path(
    post,
    path = "/v1/auth/oauth/code",
    operation_id = "oauthCodeLogin",
    tag = "auth",
    summary = "Log in with a third-party authorization code (WeChat-style providers)",
    description = "Login with an OAuth 2.0 provider speaking WeChat's API, which is not an OpenID provider: the provider's app SDK gives the app an authorization code (the app checks the state it echoes), and the app sends the code here. The server exchanges it at the provider with the app id and the app secret (`GET {base}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`; refusals are HTTP 200 with `errcode`: 40029 invalid, 40163 already used, 42003 expired give `invalid_authorization_code`, anything else `provider_unavailable`). The account is the one linked to the provider's `unionid` where the answer has one (shared by every app of one developer there), else its `openid` (one app's), stored only as a keyed hash; the first login creates one as for `POST /v1/auth/oauth`. With `bind_profile: true`, and only then, the server asks `GET {base}/sns/userinfo?access_token&openid` and copies `nickname` and `headimgurl` (an http(s) URL) into the profile; a binding that would copy neither is refused (`nothing_to_bind`) and nothing is recorded; the exchanged code's answer is kept for 10 minutes so that the same code can log in without binding. A code logs in once. Providers are configured with `--wechat-provider NAME=APP_ID,file:PATH|env:VAR[,BASE_URL]`; in dev mode `wechat` and `wechat-web` are the dev provider's two apps (`/dev/wechat`). Neither the code, the secret nor the provider's ids are logged. The answer is exactly an SMS login's.",
    request_body(content = CodeLoginRequest),
    responses(
        (status = 200, description = "Logged in: the same body as POST /v1/auth/sms/verify.", body = SessionBody),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `unknown_provider`: No provider of this name is configured.", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_authorization_code`: The provider refused the code: unknown, expired or already used (the message says which). Get a new code from the provider's app.", body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, `install_id` is not 1-64 characters of [A-Za-z0-9_-], or `code` is not 1 to 512 bytes. `nothing_to_bind`: `bind_profile` is true but the provider's userinfo has neither a valid nickname nor an http(s) avatar URL; log in without binding.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 30 third-party logins per requester (network address) in 10 minutes. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s)."))),
        (status = 502, description = "`provider_unavailable`: The provider cannot be reached or refuses the exchange or userinfo for another reason than the code (unreachable, 10 s timeout, not 2xx, over 256 KiB, not JSON, a wrong app secret).", body = crate::error::ErrorBody)
    )
)]
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
        install_id: &request.install_id,
        peer: peer.ip(),
    };
    // Spent in the sign-in's transaction: two logins racing with one code make one session.
    let session = sign_in(&state, &linked, bound.as_ref(), |_, _| {
        wechat.spend(&request.provider, &request.code)
    })
    .await?;
    Ok(Json(session))
}
