//! `POST /v1/auth/oauth`: login with an ID token from a trusted OpenID provider, obtained by
//! the app (authorization code flow with PKCE). Answers exactly what an SMS login answers.
//! Binding copies the profile from the ID token or, when it has none, from the provider's
//! userinfo, asked here with the access token the app sends; a binding that would copy
//! nothing is refused, so none is ever recorded.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::Deserialize;
use utoipa::ToSchema;

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

#[derive(Deserialize, ToSchema)]
#[schema(as = OAuthLoginRequest)]
pub struct OAuthRequest {
    /// A configured provider's name; `dev` in dev mode.
    #[schema(examples("dev"))]
    provider: String,
    id_token: String,
    /// The nonce the app put in the authorization request.
    #[schema(min_length = 1)]
    nonce: String,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    install_id: String,
    /// Whether to copy the provider's nickname and picture into the profile.
    bind_profile: bool,
    /// The provider's access token, for its userinfo when the ID token has no profile claims.
    #[serde(default)]
    #[schema(nullable = false)]
    access_token: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/auth/oauth",
    operation_id = "oauthLogin",
    tag = "auth",
    summary = "Log in with a third-party ID token",
    description = "Login with an OpenID Connect provider the server trusts: the app runs the authorization code flow with PKCE (S256) and a nonce against the provider, then sends the ID token it got here. The server fetches the provider's metadata (`{issuer}/.well-known/openid-configuration`, whose `issuer` must be the configured one) and then its `jwks_uri` over HTTPS (plain HTTP only to a loopback host), caches the key set per provider and fetches it again once when a token names an unknown `kid`. It checks: compact JWS signed with ES256 or RS256 (`none` and every other alg refused) by the key named by `kid` (or the set's only key), `iss` is the provider's issuer, `aud` is the provider's client id or an array containing it (with more than one entry, `azp` must be the client id; a present `azp` must always be), `exp` not more than 60 s past, `iat` not more than 60 s ahead, and `nonce` equal to the body's. Each token logs in once (remembered by issuer and `jti`, else a digest of the signed part, until it expires). The account is the one linked to the token's (iss, sub); the first login creates one with no phone (`phone_masked` empty), the default nickname (`MedCircle user` and four random letters), no avatar and the starting interest tags. With `bind_profile: true` the token's `nickname` (else `name`) and `picture` (an http(s) URL) replace the profile's nickname and `avatar_url`; when the token has none of these claims and the body carries the provider's `access_token`, the server asks the provider's `userinfo_endpoint` (from its metadata) with it and takes them from there, provided userinfo's `sub` is the token's (OpenID Connect Core 5.3). A binding that would copy neither a valid nickname nor an avatar is refused (`nothing_to_bind`) and nothing is recorded. With `false` neither claim is stored or logged and `access_token` is ignored. Providers are configured with `--oidc-provider NAME=ISSUER_URL,CLIENT_ID`; in dev mode `dev` is always the server's own provider (issuer `{server}/dev/oidc`, client `medcircle-app`). Neither the token nor its claims are logged. The answer is exactly an SMS login's.",
    request_body(content = OAuthRequest),
    responses(
        (status = 200, description = "Logged in: the same body as POST /v1/auth/sms/verify.", body = crate::routes::session::SessionBody),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `unknown_provider`: No provider of this name is configured.", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_id_token`: The token is malformed, not ES256/RS256, its signature does not verify under the provider's keys, or its iss, aud, azp or iat is wrong; the message says which check failed. `id_token_expired`: `exp` is more than 60 s past. `nonce_mismatch`: The token has no `nonce`, or not the one in the body. `id_token_used`: This token already logged in once.", body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, `install_id` is not 1-64 characters of [A-Za-z0-9_-], or `nonce` is empty. `nothing_to_bind`: `bind_profile` is true but neither the ID token nor the provider's userinfo has a valid nickname or an http(s) avatar URL; log in without binding.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 30 third-party logins per requester (network address) in 10 minutes. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s)."))),
        (status = 502, description = "`provider_unavailable`: The provider's metadata, keys or (when binding needs it) userinfo cannot be fetched (also: no `userinfo_endpoint`, or the provider refuses the access token) (unreachable, 10 s timeout, not 2xx, over 256 KiB, not JSON, another issuer, or plain HTTP to a non-loopback host).", body = crate::error::ErrorBody)
    )
)]
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
    let (issuer, subject) = (&verified.issuer, &verified.subject);
    let linked = Linked {
        provider: &request.provider,
        issuer,
        subject,
        install_id: &request.install_id,
        peer: peer.ip(),
    };
    let session = sign_in(&state, &linked, bound.as_ref(), |tx, now| {
        identities::redeem(tx, &verified, now)
    })
    .await?;
    Ok(Json(session))
}

/// A provider's account, as the server links it: `subject` in `issuer`'s namespace, and the
/// app installation logging in with it.
pub(super) struct Linked<'a> {
    pub provider: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub install_id: &'a str,
    pub peer: IpAddr,
}

/// Logs in the account linked to the provider's account, made now if there is none, in one
/// transaction that first runs `first` (what spends the proof), copies `bound` into the
/// profile and records the binding. The answer is an SMS login's.
pub(super) async fn sign_in(
    state: &Shared,
    linked: &Linked<'_>,
    bound: Option<&Profile>,
    first: impl FnOnce(&rusqlite::Connection, i64) -> Result<(), ApiError>,
) -> Result<SessionBody, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    first(&tx, now)?;
    let (issuer, subject) = (linked.issuer, linked.subject);
    let user_id = match identities::user_of(&tx, issuer, subject)? {
        Some(user_id) => user_id,
        None => {
            let user = users::create_without_phone(&tx, now)?;
            identities::link(&tx, issuer, subject, &user.id)?;
            user.id
        }
    };
    if let Some(profile) = bound {
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
        install_id: Some(linked.install_id),
        place: place::coarse(linked.peer),
    };
    let tokens = sessions::start(&tx, &user_id, now, &origin)?;
    let user = users::get(&tx, &user_id)?.ok_or(ApiError::Internal)?;
    tx.commit()?;
    tracing::info!(
        user = %user_id,
        provider = %linked.provider,
        bound = bound.is_some(),
        "logged in with a third-party account"
    );
    Ok(SessionBody::new(tokens, user))
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
    copied(profile)
}

/// What binding may copy of a provider's `profile`: only valid values, and at least one of
/// them; else `nothing_to_bind`, so no binding that copies nothing is ever recorded.
pub(super) fn copied(profile: &Profile) -> Result<Profile, ApiError> {
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
