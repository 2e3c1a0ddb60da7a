//! `PUT /v1/me/consents` and `GET /v1/me/consents`: the user's consent history, so that it
//! follows them to a new device.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::consents::{self, Record};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;

const MAX_RECORDS: usize = 100;

#[derive(Deserialize)]
pub struct PutRequest {
    records: Vec<Record>,
}

#[derive(Serialize)]
pub struct PutResponse {
    stored: usize,
}

#[derive(Serialize)]
pub struct History {
    records: Vec<Record>,
}

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

pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<History>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let records = consents::history(&conn, &session.user_id)?;
    Ok(Json(History { records }))
}
