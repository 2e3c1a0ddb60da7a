//! `POST /v1/events` and `POST /v1/events/forget`: pseudonymous browsing and click records.
//! Neither takes a bearer token, and neither looks at one if sent: events are never linked
//! to an account.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::pool;
use crate::quota::Budget;

const MAX_EVENTS: usize = 200;
const MAX_FORGET: usize = 50;

#[derive(Deserialize)]
pub struct Batch {
    pseudonym: String,
    events: Vec<Event>,
}

#[derive(Serialize)]
pub struct Accepted {
    accepted: usize,
}

#[derive(Deserialize)]
pub struct ForgetRequest {
    pseudonyms: Vec<String>,
}

#[derive(Serialize)]
pub struct Forgotten {
    deleted: usize,
}

pub async fn record(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(batch): ApiJson<Batch>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    events::check_pseudonym(&batch.pseudonym)?;
    if !(1..=MAX_EVENTS).contains(&batch.events.len()) {
        return Err(ApiError::InvalidRequest(format!(
            "events must hold 1 to {MAX_EVENTS} events"
        )));
    }
    for event in &batch.events {
        event.validate()?;
    }
    let requester = state.keyed.requester(peer.ip());
    let weight = u64::try_from(batch.events.len()).unwrap_or(u64::MAX);
    let now = state.clock.now();
    state.quotas.take(Budget::Events, &requester, weight, now)?;
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    events::store(&tx, &batch.pseudonym, &batch.events, state.clock.now())?;
    tx.commit()?;
    let accepted = batch.events.len();
    tracing::info!(accepted, "events stored");
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted })))
}

pub async fn forget(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<ForgetRequest>,
) -> Result<Json<Forgotten>, ApiError> {
    if !(1..=MAX_FORGET).contains(&request.pseudonyms.len()) {
        return Err(ApiError::InvalidRequest(format!(
            "pseudonyms must hold 1 to {MAX_FORGET} pseudonyms"
        )));
    }
    for pseudonym in &request.pseudonyms {
        events::check_pseudonym(pseudonym)?;
    }
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let deleted = events::forget(&tx, &request.pseudonyms)?;
    tx.commit()?;
    tracing::info!(deleted, "events forgotten");
    Ok(Json(Forgotten { deleted }))
}
