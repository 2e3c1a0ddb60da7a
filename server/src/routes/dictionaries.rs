//! `GET /v1/dictionaries/units` and `GET /v1/dictionaries/units/{unit_id}/departments`: the
//! server dictionaries a user picks their unit and department from.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::dictionaries::{self, Entry, QUERY_MAX_CHARS};
use crate::error::ApiError;
use crate::limit;
use crate::routes::session::caller;

#[derive(Deserialize)]
pub struct UnitQuery {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
pub struct Units {
    units: Vec<Entry>,
}

#[derive(Serialize)]
pub struct Departments {
    departments: Vec<Entry>,
}

/// `GET /v1/dictionaries/units?q=…&limit=…`: units whose name contains `q`, by name.
pub async fn units(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<UnitQuery>, QueryRejection>,
) -> Result<Json<Units>, ApiError> {
    let conn = state.db().await;
    caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query
        .map_err(|_| ApiError::InvalidRequest("a query parameter has the wrong type".into()))?;
    let limit = limit::parse(query.limit.as_deref())?;
    let text = query.q.unwrap_or_default();
    if text.chars().count() > QUERY_MAX_CHARS {
        return Err(ApiError::InvalidRequest(format!(
            "q must be at most {QUERY_MAX_CHARS} characters"
        )));
    }
    let units = dictionaries::search_units(&conn, text.trim(), limit)?;
    Ok(Json(Units { units }))
}

/// `GET /v1/dictionaries/units/{unit_id}/departments`: the unit's departments.
pub async fn departments(
    State(state): State<Shared>,
    headers: HeaderMap,
    unit_id: Result<Path<String>, PathRejection>,
) -> Result<Json<Departments>, ApiError> {
    let conn = state.db().await;
    caller(&conn, &headers, state.clock.now())?;
    // Only a segment that is not valid UTF-8 is rejected, and no unit has such an id.
    let Path(unit_id) = unit_id.map_err(|_| ApiError::NotFound)?;
    if !dictionaries::unit_exists(&conn, &unit_id)? {
        return Err(ApiError::NotFound);
    }
    let departments = dictionaries::departments(&conn, &unit_id)?;
    Ok(Json(Departments { departments }))
}
