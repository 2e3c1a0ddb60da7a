//! `PUT /v1/me/profile`: completing the account with a unit and a department from the server
//! dictionaries.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::dictionaries;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;
use crate::users::{self, User};

#[derive(Deserialize, ToSchema)]
#[schema(as = ProfileUpdate)]
pub struct ProfileRequest {
    #[schema(examples("un_1"))]
    unit_id: String,
    #[schema(examples("dp_1"))]
    department_id: String,
}

/// Sets the caller's unit and department; answers the user as `GET /v1/me` does.
#[utoipa::path(
    put,
    path = "/v1/me/profile",
    operation_id = "putProfile",
    tag = "account",
    summary = "Set the user's unit and department",
    description = "Completes the account with a unit and one of its departments, both from the server dictionaries (GET /v1/dictionaries/units, /v1/dictionaries/units/{unit_id}/departments). Answers the user as GET /v1/me does, now with `unit` and `department`. Setting them again replaces them.",
    security(("bearerAuth" = [])),
    request_body(content = ProfileRequest),
    responses(
        (status = 200, description = "The updated user.", body = crate::users::User),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or no unit or department has the id sent. `department_not_in_unit`: The department exists but belongs to another unit.", body = crate::error::ErrorBody)
    )
)]
pub async fn put(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<ApiJson<ProfileRequest>, ApiError>,
) -> Result<Json<User>, ApiError> {
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let ApiJson(request) = body?;
    let tx = pool::immediate(&mut conn)?;
    if !dictionaries::unit_exists(&tx, &request.unit_id)? {
        return Err(ApiError::InvalidRequest("unknown unit_id".into()));
    }
    let unit_of_department = dictionaries::unit_of_department(&tx, &request.department_id)?
        .ok_or_else(|| ApiError::InvalidRequest("unknown department_id".into()))?;
    if unit_of_department != request.unit_id {
        return Err(ApiError::DepartmentNotInUnit);
    }
    users::set_profile(
        &tx,
        &session.user_id,
        &request.unit_id,
        &request.department_id,
    )?;
    let user = users::get(&tx, &session.user_id)?.ok_or(ApiError::InvalidToken)?;
    tx.commit()?;
    tracing::info!(user = %session.user_id, unit = %request.unit_id, "profile updated");
    Ok(Json(user))
}
