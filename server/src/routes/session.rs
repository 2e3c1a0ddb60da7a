//! `POST /v1/auth/refresh`, `POST /v1/auth/logout`, `GET /v1/me`: using a session; and
//! starting one, whatever the login method.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

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
#[derive(Serialize)]
pub struct SessionBody {
    access_token: String,
    refresh_token: String,
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

#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

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
