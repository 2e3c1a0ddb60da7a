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
use utoipa::IntoParams;
use utoipa::ToSchema;

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

#[derive(Clone, Serialize, ToSchema)]
#[schema(as = OutboxEntry)]
pub struct Delivered {
    /// Mainland China mobile number, 11 digits, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$", examples("13800138000"))]
    phone: String,
    #[schema(pattern = "^[0-9]{6}$")]
    code: String,
    /// Unix time in seconds.
    sent_at: i64,
}

#[derive(Clone, Serialize, ToSchema)]
#[schema(as = RecordedRequest)]
struct Recorded {
    #[schema(examples("POST"))]
    method: String,
    /// Without the query string.
    #[schema(examples("/v1/auth/sms/send"))]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    #[param(pattern = "^1[3-9][0-9]{9}$", example = "13800138000")]
    phone: String,
}

/// `GET /dev/sms/outbox?phone=…`: the last code sent to a phone.
#[utoipa::path(
    get,
    path = "/dev/sms/outbox",
    operation_id = "devSmsOutbox",
    tag = "dev",
    summary = "Last SMS code sent to a phone",
    description = "Stands in for the phone's SMS inbox: the last code sent to this phone (kept in memory only). 404 `not_found` if none was sent. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(
        OutboxQuery,
    ),
    responses(
        (status = 200, description = "The last code sent.", body = Delivered),
        (status = 400, description = "`invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86).", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
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

#[derive(Deserialize, ToSchema)]
#[schema(as = ClockAdvanceRequest)]
pub struct AdvanceRequest {
    #[schema(minimum = 0, maximum = 4_294_967_295.0)]
    seconds: u32,
}

/// The dev clock after an advance.
#[derive(Serialize, ToSchema)]
#[schema(as = ClockAdvanceResponse)]
pub struct Advanced {
    /// The server's time after the advance, Unix seconds.
    now: i64,
}

/// `POST /dev/clock/advance`: moves the server clock forward.
#[utoipa::path(
    post,
    path = "/dev/clock/advance",
    operation_id = "devAdvanceClock",
    tag = "dev",
    summary = "Move the server clock forward",
    description = "Shifts the clock used by every expiry, cooldown and rate limit, so tests need not sleep. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = AdvanceRequest),
    responses(
        (status = 200, description = "The new server time.", body = Advanced),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
pub async fn advance_clock(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<AdvanceRequest>,
) -> Json<Advanced> {
    let now = state.clock.advance(request.seconds);
    tracing::info!(seconds = request.seconds, now, "dev clock advanced");
    // What a server would have swept meanwhile.
    retention::run(&state).await;
    Json(Advanced { now })
}

#[derive(Serialize, ToSchema)]
pub struct RecordedRequests {
    requests: Vec<Recorded>,
}

/// `GET /dev/requests`: every non-dev request received, in arrival order.
#[utoipa::path(
    get,
    path = "/dev/requests",
    operation_id = "devRequests",
    tag = "dev",
    summary = "Requests received",
    description = "Every request received, in arrival order, excluding /dev/* paths; paths without query strings. The witness that a client sent nothing before consent. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The request log.", body = RecordedRequests),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn requests(State(state): State<Shared>) -> Result<Json<RecordedRequests>, ApiError> {
    let dev = state.dev.as_ref().ok_or(ApiError::NotFound)?;
    let requests = lock(&dev.requests).clone();
    Ok(Json(RecordedRequests { requests }))
}

#[derive(Serialize, ToSchema)]
pub struct StoredEvents {
    events: Vec<events::Stored>,
}

/// `GET /dev/events`: every stored browsing event, in arrival order, as stored.
#[utoipa::path(
    get,
    path = "/dev/events",
    operation_id = "devEvents",
    tag = "dev",
    summary = "Stored browsing events",
    description = "Every browsing event stored, in arrival order, exactly as stored (pseudonym, kind, target, at; there is nothing else to show). The witness of what the app sent. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The events.", body = StoredEvents),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn events(State(state): State<Shared>) -> Result<Json<StoredEvents>, ApiError> {
    let events = events::all(&*state.db().await)?;
    Ok(Json(StoredEvents { events }))
}

#[derive(Serialize, ToSchema)]
pub struct WitnessedDevices {
    devices: Vec<risk::Witnessed>,
}

/// `GET /dev/risk/devices`: every stored device report, with its user, in arrival order.
#[utoipa::path(
    get,
    path = "/dev/risk/devices",
    operation_id = "devRiskDevices",
    tag = "dev",
    summary = "Stored device reports",
    description = "Every device report stored, in arrival order, with the id of the user who sent it and when it arrived (server clock). The witness of what the app sent for risk control. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The reports.", body = WitnessedDevices),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn risk_devices(State(state): State<Shared>) -> Result<Json<WitnessedDevices>, ApiError> {
    let devices = risk::all(&*state.db().await)?;
    Ok(Json(WitnessedDevices { devices }))
}

#[derive(Deserialize, ToSchema)]
pub struct CarrierTokenRequest {
    /// Mainland China mobile number, 11 digits, without +86.
    #[schema(pattern = "^1[3-9][0-9]{9}$", examples("13800138000"))]
    phone: String,
    #[schema(schema_with = crate::openapi::fields::carrier)]
    carrier: String,
}

/// A carrier one-tap token, as the carrier's SDK would hand it to the app.
#[derive(Serialize, ToSchema)]
pub struct CarrierToken {
    /// `<payload>.<signature>`, both unpadded base64url.
    #[schema(pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]
    token: String,
    #[schema(schema_with = crate::openapi::fields::carrier_token_expires_in_s)]
    expires_in_s: i64,
}

/// `POST /dev/carrier/token`: plays the carrier, whose SDK would hand the app a signed token
/// for the SIM's number.
#[utoipa::path(
    post,
    path = "/dev/carrier/token",
    operation_id = "devCarrierToken",
    tag = "dev",
    summary = "Issue a carrier one-tap token",
    description = "Plays the carrier: returns the token its SDK would hand the app for this phone on this carrier, for `POST /v1/auth/one-tap`. The token is `<payload>.<signature>`, both unpadded base64url; the payload is the JSON `{\"phone\",\"carrier\",\"exp\",\"nonce\"}` (exp: Unix seconds on the server clock, 120 s ahead; nonce: 32 random hex characters) and the signature HMAC-SHA256 over the payload bytes under the carrier key, a secret of the carrier's own generated at the server's first start, distinct from the server secret. Nothing is stored. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = CarrierTokenRequest),
    responses(
        (status = 200, description = "The token.", body = CarrierToken),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_phone`: The phone is not a mainland mobile number (^1[3-9]\\d{9}$; send it without +86).", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or carrier is not one of China Mobile, China Unicom, China Telecom, China Broadnet.", body = crate::error::ErrorBody)
    )
)]
pub async fn carrier_token(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<CarrierTokenRequest>,
) -> Result<Json<CarrierToken>, ApiError> {
    let phone = Phone::parse(&request.phone)?;
    carrier::check_name(&request.carrier)?;
    let token = state
        .carrier
        .issue(&phone, &request.carrier, state.clock.now());
    tracing::info!(%phone, carrier = %request.carrier, "dev carrier token issued");
    Ok(Json(CarrierToken {
        token,
        expires_in_s: TOKEN_TTL_S,
    }))
}

/// A version just published.
#[derive(Serialize, ToSchema)]
pub struct PolicyPublished {
    version: String,
    /// SHA-256 (hex) of the new version's full text; also its ETag.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    hash: String,
}

/// `POST /dev/policy/publish`: makes a new privacy policy version the one in force, until
/// the server restarts.
#[utoipa::path(
    post,
    path = "/dev/policy/publish",
    operation_id = "devPublishPolicy",
    tag = "dev",
    summary = "Publish a new privacy policy version",
    description = "Makes a new version the one `GET /v1/policy` serves: the built-in text with an optional extra section, the given changes and purposes, and previous_version set to the version it replaced. Kept in memory only: a restart serves the built-in version again. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = crate::policy::Draft),
    responses(
        (status = 200, description = "The version now in force.", body = PolicyPublished),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 409, description = "`version_exists`: A policy with this version has already been served (the built-in one included).", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; version is not 1-32 characters of [0-9A-Za-z._-]; changes is empty, holds more than 20, or one is blank or longer than 500 characters; purposes is empty, holds an unknown or repeated purpose, or lacks privacy_policy; section.id is not 1-64 characters of [a-z0-9-] or is a built-in section id; section.title is blank, longer than 200 characters or more than one line; section.text is blank.", body = crate::error::ErrorBody)
    )
)]
pub async fn publish_policy(
    State(state): State<Shared>,
    ApiJson(draft): ApiJson<Draft>,
) -> Result<Json<PolicyPublished>, ApiError> {
    let published = state.policy.publish(draft)?;
    tracing::info!(version = %published.version, hash = %published.hash, "dev policy published");
    Ok(Json(PolicyPublished {
        version: published.version.clone(),
        hash: published.hash.clone(),
    }))
}

/// `POST /dev/reset`: empties the database (but the dictionaries), forgets what dev mode and
/// the limits keep in memory, puts the clock and the policy back as at start, then loads the
/// scenario in the body, if any (JSON, or TOML as `application/toml`). A scenario that does
/// not load changes nothing.
#[utoipa::path(
    post,
    path = "/dev/reset",
    operation_id = "devReset",
    tag = "dev",
    summary = "Empty everything, then load a scenario",
    description = "Deletes every row but the unit and department dictionaries (accounts, sessions, posts, certifications, events, codes and limits), forgets what dev mode keeps in memory (the SMS outbox, the request log, solved challenges, per-requester budgets), puts the clock and the privacy policy back as at start, then loads the scenario in the body, if any: JSON, or TOML with `Content-Type: application/toml` (the format of `--scenario` files, see docs/QA.md). An empty body leaves the database empty. A scenario that does not load (an unknown field, a bad phone, an author who is not one of its accounts, …) is 422 `invalid_request` naming the entry, and changes nothing. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content((crate::scenario::Scenario = "application/json"), (String = "application/toml"))),
    responses(
        (status = 200, description = "What the scenario made: each account's user id, each post's id, the policy version in force.", body = crate::scenario::Loaded),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 1 MiB.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: The scenario does not load; the message names the entry.", body = crate::error::ErrorBody)
    )
)]
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
