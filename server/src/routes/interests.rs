//! `GET /v1/me/interests`, `DELETE /v1/me/interests/{id}`, `DELETE /v1/me/interests`: the
//! tags personalisation works from.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::interests::{self, Tag};
use crate::routes::session::caller;

#[derive(Serialize, ToSchema)]
#[schema(as = InterestTags)]
pub struct Tags {
    tags: Vec<Tag>,
}

#[utoipa::path(
    get,
    path = "/v1/me/interests",
    operation_id = "getInterests",
    tag = "interests",
    summary = "The interest tags",
    description = "The tags personalisation works from. A new account starts with three, chosen from Cardiology, Oncology, Medical education, Neurology and Pediatrics by its id.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The tags.", body = Tags),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn list(State(state): State<Shared>, headers: HeaderMap) -> Result<Json<Tags>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let tags = interests::list(&conn, &session.user_id)?;
    Ok(Json(Tags { tags }))
}

#[utoipa::path(
    delete,
    path = "/v1/me/interests/{id}",
    operation_id = "deleteInterest",
    tag = "interests",
    summary = "Delete one interest tag",
    description = "Deletes one of the user's tags.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^t_[0-9a-f]{16}$")
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`not_found`: The user has no tag with this id (another user's tag included).", body = crate::error::ErrorBody)
    )
)]
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

#[utoipa::path(
    delete,
    path = "/v1/me/interests",
    operation_id = "deleteAllInterests",
    tag = "interests",
    summary = "Delete every interest tag",
    description = "Deletes all the user's tags (none left is not an error).",
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn delete_all(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    interests::delete_all(&conn, &session.user_id)?;
    Ok(StatusCode::NO_CONTENT)
}
