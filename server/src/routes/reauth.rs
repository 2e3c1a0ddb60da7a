//! `POST /v1/auth/reauth/sms/send` and `POST /v1/auth/reauth/sms/verify`: step-up, a logged-in
//! user proving again, by an SMS code to their own phone, that they hold it, before a
//! sensitive action (deleting the account, confirming a web login).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, Shared};
use crate::challenge::Solution;
use crate::codes;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::phone::Phone;
use crate::pool;
use crate::rate_limit::Sender;
use crate::routes::session::caller;
use crate::routes::sms::{self, SendResponse};
use crate::sessions::{self, Authenticated};
use crate::users;

#[derive(Deserialize)]
pub struct SendRequest {
    phone: String,
    /// Needed only after a `challenge_required` answer.
    challenge: Option<Solution>,
}

pub async fn send(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<ApiJson<SendRequest>, ApiError>,
) -> Result<Json<SendResponse>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let ApiJson(request) = body?;
    let phone = own_phone(&state, &conn, &session, &request.phone)?;
    // The per-device cooldown applies per login: the body names no device.
    let device_id = format!("session-{}", session.family);
    let requester = state.keyed.requester(peer.ip());
    let sender = Sender {
        phone: &phone,
        device_id: &device_id,
        requester: &requester,
    };
    sms::issue_code(&state, &mut conn, &sender, request.challenge.as_ref(), now).map(Json)
}

#[derive(Deserialize)]
pub struct VerifyRequest {
    phone: String,
    code: String,
}

#[derive(Serialize)]
pub struct VerifyResponse {
    auth_time: i64,
}

pub async fn verify(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<ApiJson<VerifyRequest>, ApiError>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let ApiJson(request) = body?;
    let phone = own_phone(&state, &conn, &session, &request.phone)?;
    let tx = pool::immediate(&mut conn)?;
    let requester = state.keyed.requester(peer.ip());
    let check = codes::check(&tx, &state.keyed, &phone, &request.code, &requester, now)?;
    let outcome = sms::accepted(check);
    if outcome.is_ok() {
        sessions::reauthenticated(&tx, &session.family, now)?;
        tracing::info!(user = %session.user_id, "stepped up");
    }
    // Commit failures too: wrong attempts must count.
    tx.commit()?;
    outcome.map(|()| Json(VerifyResponse { auth_time: now }))
}

/// `raw` as a phone, if it is the caller's own (else 403 `phone_mismatch`).
fn own_phone(
    state: &AppState,
    conn: &Connection,
    session: &Authenticated,
    raw: &str,
) -> Result<Phone, ApiError> {
    let phone = Phone::parse(raw)?;
    if users::has_phone(conn, &state.keyed, &session.user_id, &phone)? {
        Ok(phone)
    } else {
        tracing::info!(user = %session.user_id, "step-up refused: not the account's phone");
        Err(ApiError::PhoneMismatch)
    }
}
