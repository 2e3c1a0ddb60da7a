//! `POST /v1/events` and `POST /v1/events/forget`: pseudonymous browsing and click records.
//! Neither takes a bearer token, and neither looks at one if sent: events are never linked
//! to an account.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::pool;
use crate::quota::Budget;

const MAX_EVENTS: usize = 200;
pub const MAX_FORGET: usize = 50;

#[derive(Deserialize, ToSchema)]
#[schema(as = EventBatch)]
pub struct Batch {
    /// A client-chosen random id, rotated on withdrawal; never derived from the account or device.
    #[schema(pattern = "^[A-Za-z0-9_-]{16,64}$", examples("p-4f9c2a7e1b3d5f60"))]
    pseudonym: String,
    #[schema(min_items = 1, max_items = 200)]
    events: Vec<Event>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = EventBatchAccepted)]
pub struct Accepted {
    #[schema(minimum = 1)]
    accepted: usize,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ForgetEventsRequest)]
pub struct ForgetRequest {
    #[schema(schema_with = crate::openapi::fields::pseudonyms_to_forget)]
    pseudonyms: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ForgetEventsResponse)]
pub struct Forgotten {
    /// How many events were deleted.
    #[schema(minimum = 0)]
    deleted: usize,
}

#[utoipa::path(
    post,
    path = "/v1/events",
    operation_id = "recordEvents",
    tag = "events",
    summary = "Record browsing and click events",
    description = "Pseudonymous: no bearer token is needed, and one sent is ignored, so events are stored with the pseudonym only and never linked to an account. A target containing something shaped like a mainland mobile number (1[3-9] and nine more digits, anywhere) is refused.",
    request_body(content = Batch),
    responses(
        (status = 202, description = "Stored.", body = Accepted),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; pseudonym is not 16-64 characters of [A-Za-z0-9_-]; events is empty or holds more than 200; a kind is not view or click; a target is empty or longer than 128 characters. `personal_data_refused`: A target contains a phone number; nothing in the batch is stored.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 1000 events (counted one by one, not by batch) per requester (network address) in an hour. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
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

#[utoipa::path(
    post,
    path = "/v1/events/forget",
    operation_id = "forgetEvents",
    tag = "events",
    summary = "Forget events by pseudonym",
    description = "Deletes every event stored under these pseudonyms (the client rotates its pseudonym and asks to forget the old ones when browsing-records consent is withdrawn). No bearer token; one sent is ignored.",
    request_body(content = ForgetRequest),
    responses(
        (status = 200, description = "Deleted.", body = Forgotten),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; pseudonyms is empty or holds more than 50; a pseudonym is not 16-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
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
