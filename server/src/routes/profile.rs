//! `PUT /v1/me/profile`: completing the account with a unit and a department from the server
//! dictionaries.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::app::Shared;
use crate::dictionaries;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;
use crate::users::{self, User};

#[derive(Deserialize)]
pub struct ProfileRequest {
    unit_id: String,
    department_id: String,
}

/// Sets the caller's unit and department; answers the user as `GET /v1/me` does.
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
