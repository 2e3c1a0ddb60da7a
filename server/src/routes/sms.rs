//! `POST /v1/auth/sms/send` and `POST /v1/auth/sms/verify`: SMS code login.

use axum::Json;
use axum::extract::State;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, Shared};
use crate::codes::{self, Check};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::ident;
use crate::phone::Phone;
use crate::pool;
use crate::rate_limit::{self, COOLDOWN_S};
use crate::routes::session::{self, SessionBody};

#[derive(Deserialize)]
pub struct SendRequest {
    phone: String,
    device_id: String,
}

#[derive(Serialize)]
pub struct SendResponse {
    cooldown_s: i64,
    expires_in_s: i64,
}

pub async fn send(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<Json<SendResponse>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    let device_id = ident::device_id("device_id", &request.device_id)?;
    let now = state.clock.now();
    let mut conn = state.db().await;
    issue_code(&state, &mut conn, &phone, device_id, now).map(Json)
}

/// Sends a fresh code to `phone` unless a cooldown or the daily cap forbids it: the login
/// send and the step-up send share it, and so share every limit.
pub fn issue_code(
    state: &AppState,
    conn: &mut Connection,
    phone: &Phone,
    device_id: &str,
    now: i64,
) -> Result<SendResponse, ApiError> {
    let code = codes::generate();
    let tx = pool::write(conn)?;
    if let Some(retry_after_s) = rate_limit::retry_after(&tx, &state.keyed, phone, device_id, now)?
    {
        tracing::info!(%phone, retry_after_s, "sms code refused: rate limited");
        return Err(ApiError::RateLimited { retry_after_s });
    }
    rate_limit::record(&tx, &state.keyed, phone, device_id, now)?;
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

#[derive(Deserialize)]
pub struct VerifyRequest {
    phone: String,
    code: String,
    device_id: String,
}

pub async fn verify(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> Result<Json<SessionBody>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    ident::device_id("device_id", &request.device_id)?;
    let now = state.clock.now();
    let mut conn = state.db().await;
    let tx = pool::write(&mut conn)?;
    let outcome = match accepted(codes::check(&tx, &state.keyed, &phone, &request.code, now)?) {
        Ok(()) => Ok(session::log_in(&tx, &state.keyed, &phone, now, "sms code")?),
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
