//! `POST /v1/auth/oauth`: login with an ID token from a trusted OpenID provider, obtained by
//! the app (authorization code flow with PKCE). Answers exactly what an SMS login answers.
//! Binding copies the profile from the ID token or, when it has none, from the provider's
//! userinfo, asked here with the access token the app sends; a binding that would copy
//! nothing is refused, so none is ever recorded.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::Deserialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::logins::{Method, Origin};
use crate::oidc::id_token::{Profile, Verified};
use crate::pool;
use crate::quota::Budget;
use crate::routes::session::SessionBody;
use crate::{ident, identities, place, sessions, users};

/// Profile values longer than this are not copied.
const MAX_AVATAR_URL_BYTES: usize = 2048;

#[derive(Deserialize)]
pub struct OAuthRequest {
    provider: String,
    id_token: String,
    nonce: String,
    install_id: String,
    /// Whether to copy the provider's nickname and picture into the profile.
    bind_profile: bool,
    /// The provider's access token, for its userinfo when the ID token has no profile claims.
    #[serde(default)]
    access_token: Option<String>,
}

pub async fn log_in(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<OAuthRequest>,
) -> Result<Json<SessionBody>, ApiError> {
    ident::device_id("install_id", &request.install_id)?;
    if request.nonce.is_empty() {
        return Err(ApiError::InvalidRequest("nonce must not be empty".into()));
    }
    let requester = state.keyed.requester(peer.ip());
    let now = state.clock.now();
    state.quotas.take(Budget::OauthLogins, &requester, 1, now)?;
    // Awaited with no lock held: the provider may be this very server.
    let verified = state
        .oidc
        .verify(
            &request.provider,
            &request.id_token,
            &request.nonce,
            state.clock.now(),
        )
        .await
        .inspect_err(|error| {
            // The reason only: never the token nor its claims.
            tracing::info!(reason = %error, "id token refused");
        })?;
    let bound = if request.bind_profile {
        Some(bound_profile(&state, &request, &verified).await?)
    } else {
        None
    };
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    identities::redeem(&tx, &verified, now)?;
    let (issuer, subject) = (&verified.issuer, &verified.subject);
    let user_id = match identities::user_of(&tx, issuer, subject)? {
        Some(user_id) => user_id,
        None => {
            let user = users::create_without_phone(&tx, now)?;
            identities::link(&tx, issuer, subject, &user.id)?;
            user.id
        }
    };
    if let Some(profile) = &bound {
        users::bind_profile(
            &tx,
            &user_id,
            profile.nickname.as_deref(),
            profile.picture.as_deref(),
        )?;
        identities::bound(&tx, issuer, subject, now)?;
    }
    let origin = Origin {
        method: Method::Provider,
        install_id: Some(&request.install_id),
        place: place::coarse(peer.ip()),
    };
    let tokens = sessions::start(&tx, &user_id, now, &origin)?;
    let user = users::get(&tx, &user_id)?.ok_or(ApiError::Internal)?;
    tx.commit()?;
    tracing::info!(
        user = %user_id,
        provider = %request.provider,
        bound = request.bind_profile,
        "logged in with an id token"
    );
    Ok(Json(SessionBody::new(tokens, user)))
}

/// What binding copies: the ID token's profile claims, else userinfo's; only valid values,
/// and at least one of them. Awaited with no lock held, like the verification.
async fn bound_profile(
    state: &Shared,
    request: &OAuthRequest,
    verified: &Verified,
) -> Result<Profile, ApiError> {
    let fetched;
    let profile = match &request.access_token {
        Some(access_token) if verified.profile.is_empty() => {
            fetched = state
                .oidc
                .userinfo_profile(&request.provider, verified, access_token)
                .await?;
            &fetched
        }
        _ => &verified.profile,
    };
    let copied = Profile {
        nickname: profile
            .nickname
            .as_deref()
            .map(str::trim)
            .filter(|nickname| users::is_valid_nickname(nickname))
            .map(str::to_owned),
        picture: profile.picture.clone().filter(|url| web_url(url)),
    };
    if copied.is_empty() {
        return Err(ApiError::NothingToBind);
    }
    Ok(copied)
}

/// An absolute http(s) URL of reasonable length: what the app can load as an avatar.
fn web_url(raw: &str) -> bool {
    raw.len() <= MAX_AVATAR_URL_BYTES
        && url::Url::parse(raw).is_ok_and(|url| matches!(url.scheme(), "https" | "http"))
}
