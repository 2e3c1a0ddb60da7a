//! `POST /v1/auth/sms/send` and `POST /v1/auth/sms/verify`: SMS code login.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

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

#[derive(Deserialize)]
pub struct SendRequest {
    phone: String,
    device_id: String,
    /// Needed only after a `challenge_required` answer.
    challenge: Option<Solution>,
}

#[derive(Serialize)]
pub struct SendResponse {
    cooldown_s: i64,
    expires_in_s: i64,
}

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

#[derive(Deserialize)]
pub struct VerifyRequest {
    phone: String,
    code: String,
    device_id: String,
}

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
