//! `POST /v1/auth/sms/send` and `POST /v1/auth/sms/verify`: SMS code login.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::{AppState, Shared};
use crate::challenge::{self, Solution};
use crate::codes::{self, Check};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::logins::{Method, Origin};
use crate::phone::Phone;
use crate::pool;
use crate::rate_limit::{self, COOLDOWN_S, Decision, Sender};
use crate::routes::session::{self, SessionBody};
use crate::{ident, place};

#[derive(Deserialize, ToSchema)]
#[schema(as = SmsSendRequest)]
pub struct SendRequest {
    /// Mainland China mobile number, 11 digits, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$", examples("13800138000"))]
    phone: String,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$", examples("install-7f3a9c"))]
    device_id: String,
    /// Needed only after a `challenge_required` answer.
    challenge: Option<Solution>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = SmsSendResponse)]
pub struct SendResponse {
    /// Seconds before another code may be requested for this phone or from this device.
    #[schema(schema_with = crate::openapi::fields::sms_cooldown_s)]
    cooldown_s: i64,
    #[schema(schema_with = crate::openapi::fields::sms_code_expires_in_s)]
    expires_in_s: i64,
}

#[utoipa::path(
    post,
    path = "/v1/auth/sms/send",
    operation_id = "sendSmsCode",
    tag = "auth",
    summary = "Send an SMS login code",
    description = "Sends a 6-digit code valid for 300 s, replacing any earlier code for the phone. Limits: one send per 60 s per phone and per device_id; at most 10 sends per phone per rolling 24 h.",
    request_body(content = SendRequest),
    responses(
        (status = 200, description = "Code sent.", body = SendResponse),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86). `invalid_challenge`: The challenge solution is wrong, expired (300 s), already used, or for another phone.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody),
        (status = 428, description = "`challenge_required`: This phone already had 5 codes in the last 24 h (from anyone): solve `challenge` and send the same request again with `challenge` set. Never refused for good: the owner of a number can always get a code this way.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: A limit is reached: a code was sent to this phone (unless its code was locked by wrong guesses) or from this device less than 60 s ago; or this requester (network address) sent 10 codes to this phone in 24 h, 20 codes in an hour, or codes to 10 other phones in 24 h; or the server sent 1000 codes in the last hour. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until a send may succeed (same as retry_after_s).")))
    )
)]
pub async fn send(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<Json<SendResponse>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    let device_id = ident::device_id("device_id", &request.device_id)?;
    let now = state.clock.now();
    let requester = state.keyed.requester(peer.ip());
    let sender = Sender {
        phone: &phone,
        device_id,
        requester: &requester,
    };
    let mut conn = state.writer().await;
    issue_code(&state, &mut conn, &sender, request.challenge.as_ref(), now).map(Json)
}

/// Sends a fresh code to the sender's phone unless a limit forbids it or a challenge is due
/// and not solved: the login send and the step-up send share it, and so share every limit.
pub fn issue_code(
    state: &AppState,
    conn: &mut Connection,
    sender: &Sender<'_>,
    solution: Option<&Solution>,
    now: i64,
) -> Result<SendResponse, ApiError> {
    let phone = sender.phone;
    let code = codes::generate();
    let tx = pool::immediate(conn)?;
    match rate_limit::decide(&tx, &state.keyed, sender, now)? {
        Decision::Send => {}
        Decision::Wait(retry_after_s) => {
            tracing::info!(%phone, retry_after_s, "sms code refused: rate limited");
            return Err(ApiError::RateLimited { retry_after_s });
        }
        Decision::Challenge => match solution {
            Some(solution) => state
                .challenges
                .redeem(&state.keyed, phone, solution, now)?,
            None => {
                tracing::info!(%phone, "sms code held: challenge required");
                let difficulty = if state.dev.is_some() {
                    challenge::DEV_DIFFICULTY
                } else {
                    challenge::DIFFICULTY
                };
                let challenge = challenge::issue(&state.keyed, phone, difficulty, now);
                return Err(ApiError::ChallengeRequired(challenge));
            }
        },
    }
    rate_limit::record(&tx, &state.keyed, sender, now)?;
    codes::store(&tx, &state.keyed, phone, &code, now)?;
    tx.commit()?;
    // No SMS gateway here: in dev mode the code goes to the outbox, otherwise nowhere.
    if let Some(dev) = &state.dev {
        dev.deliver(phone, &code, now);
    }
    tracing::info!(%phone, "sms code issued");
    Ok(SendResponse {
        cooldown_s: COOLDOWN_S,
        expires_in_s: codes::TTL_S,
    })
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SmsVerifyRequest)]
pub struct VerifyRequest {
    /// Mainland China mobile number, 11 digits, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$", examples("13800138000"))]
    phone: String,
    #[schema(examples("123456"))]
    code: String,
    /// Per-install pseudonymous id, used only for the per-device cooldown.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$", examples("install-7f3a9c"))]
    device_id: String,
}

#[utoipa::path(
    post,
    path = "/v1/auth/sms/verify",
    operation_id = "verifySmsCode",
    tag = "auth",
    summary = "Log in with an SMS code",
    description = "Checks the code (single use); creates the account on first login (nickname `MedCircle user` and four random letters, nothing of the phone) and starts a session. Five wrong tries lock the code until a new one is sent.",
    request_body(content = VerifyRequest),
    responses(
        (status = 200, description = "Logged in.", body = crate::routes::session::SessionBody),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86).", body = crate::error::ErrorBody),
        (status = 410, description = "`code_expired`: No outstanding code for this phone: never sent, expired (300 s) or already used.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-]. `wrong_code`: The code does not match; attempts_left tries remain before the code locks.", body = crate::error::ErrorBody),
        (status = 423, description = "`code_locked`: This requester (network address) made 5 wrong guesses at the current code, or everyone together made 20 (the code is then dead and a new one may be sent at once). Even the right code is then refused to that requester until a new code is sent.", body = crate::error::ErrorBody)
    )
)]
pub async fn verify(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> Result<Json<SessionBody>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    ident::device_id("device_id", &request.device_id)?;
    let now = state.clock.now();
    let requester = state.keyed.requester(peer.ip());
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let check = codes::check(&tx, &state.keyed, &phone, &request.code, &requester, now)?;
    let outcome = match accepted(check) {
        Ok(()) => {
            let origin = Origin {
                method: Method::Sms,
                install_id: Some(&request.device_id),
                place: place::coarse(peer.ip()),
            };
            Ok(session::log_in(&tx, &state.keyed, &phone, now, &origin)?)
        }
        Err(error) => Err(error),
    };
    // Commit failures too: wrong attempts must count.
    tx.commit()?;
    outcome.map(Json)
}

/// A code check's refusals as the API reports them (login and step-up alike).
pub fn accepted(check: Check) -> Result<(), ApiError> {
    match check {
        Check::Accepted => Ok(()),
        Check::Wrong { attempts_left } => Err(ApiError::WrongCode { attempts_left }),
        Check::Locked => Err(ApiError::CodeLocked),
        Check::Expired => Err(ApiError::CodeExpired),
    }
}
