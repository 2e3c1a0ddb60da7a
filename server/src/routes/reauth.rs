//! `POST /v1/auth/reauth/sms/send` and `POST /v1/auth/reauth/sms/verify`: step-up, a logged-in
//! user proving again, by an SMS code to their own phone, that they hold it, before a
//! sensitive action (deleting the account, confirming a web login).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

#[derive(Deserialize, ToSchema)]
#[schema(as = ReauthSendRequest)]
pub struct SendRequest {
    /// The account's own phone, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    phone: String,
    /// Needed only after a `challenge_required` answer.
    challenge: Option<Solution>,
}

#[utoipa::path(
    post,
    path = "/v1/auth/reauth/sms/send",
    operation_id = "sendReauthCode",
    tag = "auth",
    summary = "Step-up: text a code to the account's own phone",
    description = "For a logged-in user about to take a sensitive action (DELETE /v1/me, POST /v1/web-logins/{id}/confirm) after the 300 s that follow a login. The client sends the phone again (the server keeps only its keyed hash and checks it is the account's); the code is sent exactly as by POST /v1/auth/sms/send: same store (one outstanding code per phone, replacing any earlier one), same 300 s lifetime, same 60 s per-phone cooldown and daily cap (the per-device cooldown applies per login), same dev outbox. The bearer is checked before the body.",
    security(("bearerAuth" = [])),
    request_body(content = SendRequest),
    responses(
        (status = 200, description = "Code sent.", body = crate::routes::sms::SendResponse),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86). `invalid_challenge`: The challenge solution is wrong, expired (300 s), already used, or for another phone.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`phone_mismatch`: The phone is a valid number but not the logged-in account's phone.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody),
        (status = 428, description = "`challenge_required`: This phone already had 5 codes in the last 24 h (from anyone): solve `challenge` and send the same request again with `challenge` set. Never refused for good: the owner of a number can always get a code this way.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: A limit is reached: a code was sent to this phone (unless its code was locked by wrong guesses) or from this device less than 60 s ago; or this requester (network address) sent 10 codes to this phone in 24 h, 20 codes in an hour, or codes to 10 other phones in 24 h; or the server sent 1000 codes in the last hour. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until a send may succeed (same as retry_after_s).")))
    )
)]
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

#[derive(Deserialize, ToSchema)]
#[schema(as = ReauthVerifyRequest)]
pub struct VerifyRequest {
    /// The account's own phone, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    phone: String,
    code: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ReauthVerified)]
pub struct VerifyResponse {
    /// Unix time in seconds (server clock): the login now counts as authenticated at this time.
    auth_time: i64,
}

#[utoipa::path(
    post,
    path = "/v1/auth/reauth/sms/verify",
    operation_id = "verifyReauthCode",
    tag = "auth",
    summary = "Step-up: verify the code",
    description = "Checks the code exactly as POST /v1/auth/sms/verify does (single use; five wrong tries lock it), but issues no tokens: on success the calling login (its current and future refreshed tokens) counts as authenticated now. The phone must be the account's.",
    security(("bearerAuth" = [])),
    request_body(content = VerifyRequest),
    responses(
        (status = 200, description = "Stepped up.", body = VerifyResponse),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86).", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`phone_mismatch`: The phone is a valid number but not the logged-in account's phone.", body = crate::error::ErrorBody),
        (status = 410, description = "`code_expired`: No outstanding code for this phone: never sent, expired (300 s) or already used.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type. `wrong_code`: The code does not match; attempts_left tries remain before the code locks.", body = crate::error::ErrorBody),
        (status = 423, description = "`code_locked`: This requester (network address) made 5 wrong guesses at the current code, or everyone together made 20 (the code is then dead and a new one may be sent at once). Even the right code is then refused to that requester until a new code is sent.", body = crate::error::ErrorBody)
    )
)]
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
