//! `POST /v1/auth/refresh`, `POST /v1/auth/logout`, `GET /v1/me`: using a session; and
//! starting one, whatever the login method.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::keyed::Keyed;
use crate::logins::{self, Origin};
use crate::phone::Phone;
use crate::sessions::{self, ACCESS_TTL_S, Authenticated, Rotation, Tokens};
use crate::users::{self, User};
use crate::{place, pool};

/// What a login or a refresh returns.
#[derive(Serialize, ToSchema)]
#[schema(as = Session)]
pub struct SessionBody {
    /// Bearer token for the API; valid 900 s.
    #[schema(pattern = "^mca_[0-9a-f]{64}$")]
    access_token: String,
    #[schema(pattern = "^mcr_[0-9a-f]{64}$")]
    refresh_token: String,
    #[schema(schema_with = crate::openapi::fields::access_expires_in_s)]
    expires_in_s: i64,
    user: User,
}

impl SessionBody {
    pub fn new(tokens: Tokens, user: User) -> Self {
        SessionBody {
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            expires_in_s: ACCESS_TTL_S,
            user,
        }
    }
}

/// Logs in as the account of `phone`, which its first login creates whatever the method
/// (SMS code or carrier one-tap): one phone, one account.
pub fn log_in(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    now: i64,
    origin: &Origin<'_>,
) -> rusqlite::Result<SessionBody> {
    let user = users::find_or_create(conn, keyed, phone, now)?;
    let tokens = sessions::start(conn, &user.id, now, origin)?;
    tracing::info!(user = %user.id, %phone, method = ?origin.method, "logged in");
    Ok(SessionBody::new(tokens, user))
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    operation_id = "refreshSession",
    tag = "auth",
    summary = "Rotate the session tokens",
    description = "Exchanges a refresh token for a new access AND refresh token. The old refresh token stops working; the old access token stays valid until it expires. Presenting an already-rotated refresh token revokes every token of that login (the session family).",
    request_body(content = RefreshRequest),
    responses(
        (status = 200, description = "New tokens.", body = SessionBody),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_token`: The bearer or refresh token is missing, unknown, revoked or (refresh) expired, or a rotated refresh token was replayed (which revokes its whole session family). `session_revoked`: The session was signed out from another session of the account. `forced_logout`: The operator ended the account's sessions.", body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
pub async fn refresh(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<SessionBody>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let outcome = match sessions::rotate(&tx, &request.refresh_token, now)? {
        Rotation::Rotated {
            user_id,
            family,
            tokens,
        } => {
            let user = users::get(&tx, &user_id)?.ok_or(ApiError::InvalidToken)?;
            logins::seen_at(&tx, &family, place::coarse(peer.ip()))?;
            Ok(SessionBody::new(tokens, user))
        }
        Rotation::Refused => Err(ApiError::InvalidToken),
        Rotation::Revoked(revoker) => Err(revoker.refusal()),
    };
    // Commit refusals too: a replayed token's family revocation must stick.
    tx.commit()?;
    outcome.map(Json)
}

#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "Log out",
    description = "Revokes the session of the bearer access token: its access and refresh tokens, and every earlier token of the same login. No body.",
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Logged out."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    sessions::revoke_family(&conn, &session.family)?;
    tracing::info!(user = %session.user_id, "logged out");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/me",
    operation_id = "getMe",
    tag = "account",
    summary = "The logged-in user",
    description = "The account of the bearer access token.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The user.", body = crate::users::User),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn me(State(state): State<Shared>, headers: HeaderMap) -> Result<Json<User>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    users::get(&conn, &session.user_id)?
        .map(Json)
        .ok_or(ApiError::InvalidToken)
}

/// The session of the request's bearer access token. Handlers with a body call this before
/// looking at the body, so a request without a valid token is 401 whatever else is wrong.
pub fn caller(conn: &Connection, headers: &HeaderMap, now: i64) -> Result<Authenticated, ApiError> {
    sessions::authenticate(conn, bearer(headers)?, now)
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(ApiError::InvalidToken)
}
