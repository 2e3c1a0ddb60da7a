//! `GET /v1/me/interests`, `DELETE /v1/me/interests/{id}`, `DELETE /v1/me/interests`: the
//! tags personalisation works from.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::interests::{self, Tag};
use crate::routes::session::caller;

#[derive(Serialize)]
pub struct Tags {
    tags: Vec<Tag>,
}

pub async fn list(State(state): State<Shared>, headers: HeaderMap) -> Result<Json<Tags>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let tags = interests::list(&conn, &session.user_id)?;
    Ok(Json(Tags { tags }))
}

pub async fn delete_one(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    // Only a segment that is not valid UTF-8 is rejected, and no tag has such an id.
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    if interests::delete(&conn, &session.user_id, &id)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

pub async fn delete_all(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    interests::delete_all(&conn, &session.user_id)?;
    Ok(StatusCode::NO_CONTENT)
}
