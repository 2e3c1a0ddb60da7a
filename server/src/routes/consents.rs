//! `PUT /v1/me/consents` and `GET /v1/me/consents`: the user's consent history, so that it
//! follows them to a new device.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::consents::{self, Record};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;

const MAX_RECORDS: usize = 100;

#[derive(Deserialize, ToSchema)]
#[schema(as = ConsentUpload)]
pub struct PutRequest {
    #[schema(min_items = 1, max_items = 100)]
    records: Vec<Record>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ConsentUploadResponse)]
pub struct PutResponse {
    /// How many records were new (ones already stored are not counted).
    #[schema(minimum = 0)]
    stored: usize,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ConsentHistory)]
pub struct History {
    /// Ordered by decided_at, then upload order.
    records: Vec<Record>,
}

#[utoipa::path(
    put,
    path = "/v1/me/consents",
    operation_id = "putConsents",
    tag = "consent",
    summary = "Upload consent records",
    description = "Appends consent decisions to the user's history, so that they follow the user to a new device. Idempotent: a record whose record_id the user already has is not stored again, nor is a record without record_id identical in purpose, granted, policy_version and decided_at to one without record_id already stored for the user (or earlier in the same body). The bearer token is checked before the body: without a valid one the answer is 401 whatever the body.",
    security(("bearerAuth" = [])),
    request_body(content = PutRequest),
    responses(
        (status = 200, description = "Stored.", body = PutResponse),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; records is empty or holds more than 100; a purpose is not one of the six purposes; a policy_version is empty or longer than 64 characters; a record_id is not 32 lowercase hexadecimal digits.", body = crate::error::ErrorBody)
    )
)]
pub async fn put(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<ApiJson<PutRequest>, ApiError>,
) -> Result<Json<PutResponse>, ApiError> {
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let ApiJson(request) = body?;
    if !(1..=MAX_RECORDS).contains(&request.records.len()) {
        return Err(ApiError::InvalidRequest(format!(
            "records must hold 1 to {MAX_RECORDS} records"
        )));
    }
    for record in &request.records {
        record.validate()?;
    }
    let tx = pool::immediate(&mut conn)?;
    let stored = consents::append(&tx, &session.user_id, &request.records)?;
    tx.commit()?;
    tracing::info!(user = %session.user_id, stored, "consent records stored");
    Ok(Json(PutResponse { stored }))
}

#[utoipa::path(
    get,
    path = "/v1/me/consents",
    operation_id = "getConsents",
    tag = "consent",
    summary = "The consent history",
    description = "Every consent record stored for the user, ordered by decided_at, then upload order.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The history.", body = History),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<History>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let records = consents::history(&conn, &session.user_id)?;
    Ok(Json(History { records }))
}
