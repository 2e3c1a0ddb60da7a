//! Dev-mode-only routes (`--dev`): the SMS outbox, the movable clock, the request log, the
//! stored browsing events, publishing a new privacy policy version, the carrier issuing
//! one-tap tokens, the stored device reports, and the reset that empties everything (and
//! loads a scenario).
//! Without dev mode these routes are not mounted at all.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::{Shared, lock};
use crate::carrier::{self, TOKEN_TTL_S};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::phone::Phone;
use crate::policy::Draft;
use crate::scenario::{self, Loaded, Scenario, ScenarioError};
use crate::{events, retention, risk};

/// In-memory only, so clear codes never reach the disk.
#[derive(Default)]
pub struct DevState {
    outbox: Mutex<HashMap<String, Delivered>>,
    requests: Mutex<Vec<Recorded>>,
}

#[derive(Clone, Serialize)]
pub struct Delivered {
    phone: String,
    code: String,
    sent_at: i64,
}

#[derive(Clone, Serialize)]
struct Recorded {
    method: String,
    path: String,
    at: i64,
}

impl DevState {
    /// Forgets every code and recorded request (a dev reset).
    pub fn clear(&self) {
        lock(&self.outbox).clear();
        lock(&self.requests).clear();
    }

    /// Stands in for the SMS gateway: keeps the last code sent to each phone.
    pub fn deliver(&self, phone: &Phone, code: &str, sent_at: i64) {
        let delivered = Delivered {
            phone: phone.as_str().to_owned(),
            code: code.to_owned(),
            sent_at,
        };
        lock(&self.outbox).insert(delivered.phone.clone(), delivered);
    }
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    phone: String,
}

/// `GET /dev/sms/outbox?phone=…`: the last code sent to a phone.
pub async fn outbox(
    State(state): State<Shared>,
    query: Result<Query<OutboxQuery>, QueryRejection>,
) -> Result<Json<Delivered>, ApiError> {
    let Query(query) =
        query.map_err(|_| ApiError::InvalidRequest("expected the query parameter phone".into()))?;
    let phone = Phone::parse(&query.phone)?;
    let dev = state.dev.as_ref().ok_or(ApiError::NotFound)?;
    lock(&dev.outbox)
        .get(phone.as_str())
        .cloned()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Deserialize)]
pub struct AdvanceRequest {
    seconds: u32,
}

/// `POST /dev/clock/advance`: moves the server clock forward.
pub async fn advance_clock(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<AdvanceRequest>,
) -> Json<Value> {
    let now = state.clock.advance(request.seconds);
    tracing::info!(seconds = request.seconds, now, "dev clock advanced");
    // What a server would have swept meanwhile.
    retention::run(&state).await;
    Json(json!({ "now": now }))
}

/// `GET /dev/requests`: every non-dev request received, in arrival order.
pub async fn requests(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let dev = state.dev.as_ref().ok_or(ApiError::NotFound)?;
    let requests = lock(&dev.requests).clone();
    Ok(Json(json!({ "requests": requests })))
}

/// `GET /dev/events`: every stored browsing event, in arrival order, as stored.
pub async fn events(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let events = events::all(&*state.db().await)?;
    Ok(Json(json!({ "events": events })))
}

/// `GET /dev/risk/devices`: every stored device report, with its user, in arrival order.
pub async fn risk_devices(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let devices = risk::all(&*state.db().await)?;
    Ok(Json(json!({ "devices": devices })))
}

#[derive(Deserialize)]
pub struct CarrierTokenRequest {
    phone: String,
    carrier: String,
}

/// `POST /dev/carrier/token`: plays the carrier, whose SDK would hand the app a signed token
/// for the SIM's number.
pub async fn carrier_token(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<CarrierTokenRequest>,
) -> Result<Json<Value>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    carrier::check_name(&request.carrier)?;
    let token = state
        .carrier
        .issue(&phone, &request.carrier, state.clock.now());
    tracing::info!(%phone, carrier = %request.carrier, "dev carrier token issued");
    Ok(Json(json!({ "token": token, "expires_in_s": TOKEN_TTL_S })))
}

/// `POST /dev/policy/publish`: makes a new privacy policy version the one in force, until
/// the server restarts.
pub async fn publish_policy(
    State(state): State<Shared>,
    ApiJson(draft): ApiJson<Draft>,
) -> Result<Json<Value>, ApiError> {
    let published = state.policy.publish(draft)?;
    tracing::info!(version = %published.version, hash = %published.hash, "dev policy published");
    Ok(Json(
        json!({ "version": published.version, "hash": published.hash }),
    ))
}

/// `POST /dev/reset`: empties the database (but the dictionaries), forgets what dev mode and
/// the limits keep in memory, puts the clock and the policy back as at start, then loads the
/// scenario in the body, if any (JSON, or TOML as `application/toml`). A scenario that does
/// not load changes nothing.
pub async fn reset(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Loaded>, ApiError> {
    let body = body.map_err(|_| ApiError::BodyTooLarge)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let scenario = Scenario::from_body(content_type, &body).map_err(scenario_error)?;
    let loaded = scenario::apply(
        &mut *state.writer().await,
        &state.keyed,
        &state.policy,
        &scenario,
        Clock::default().now(),
        true,
    )
    .map_err(scenario_error)?;
    state.clock.reset();
    state.quotas.clear();
    state.challenges.clear();
    if let Some(dev) = &state.dev {
        dev.clear();
    }
    tracing::info!(
        accounts = loaded.accounts.len(),
        posts = loaded.posts.len(),
        "dev reset"
    );
    Ok(Json(loaded))
}

fn scenario_error(error: ScenarioError) -> ApiError {
    match error {
        ScenarioError::Invalid(message) => ApiError::InvalidRequest(message),
        ScenarioError::Database(error) => error.into(),
    }
}

/// Middleware: records each request in dev mode (the witness that a client sent nothing
/// before consent). Dev routes are left out so that inspecting the log does not change it.
pub async fn record(State(state): State<Shared>, req: Request, next: Next) -> Response {
    if let Some(dev) = &state.dev {
        let path = req.uri().path();
        if path != "/dev" && !path.starts_with("/dev/") {
            let recorded = Recorded {
                method: req.method().to_string(),
                path: path.to_owned(),
                at: state.clock.now(),
            };
            lock(&dev.requests).push(recorded);
        }
    }
    next.run(req).await
}
