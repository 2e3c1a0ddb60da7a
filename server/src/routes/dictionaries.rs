//! `GET /v1/dictionaries/units` and `GET /v1/dictionaries/units/{unit_id}/departments`: the
//! server dictionaries a user picks their unit and department from.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::dictionaries::{self, Entry, QUERY_MAX_CHARS};
use crate::error::ApiError;
use crate::limit;
use crate::routes::session::caller;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Text the name must contain; at most 64 characters.
    #[param(max_length = 64, example = "协和")]
    q: Option<String>,
    /// At most this many items: a whole number from 1 to 50 (default 20). Anything else (0, 51, -1, ten) is 422 `invalid_request`, on every list alike.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Units {
    #[schema(max_items = 50)]
    units: Vec<Entry>,
}

#[derive(Serialize, ToSchema)]
pub struct Departments {
    departments: Vec<Entry>,
}

/// `GET /v1/dictionaries/units?q=…&limit=…`: units whose name contains `q`, by name.
#[utoipa::path(
    get,
    path = "/v1/dictionaries/units",
    operation_id = "searchUnits",
    tag = "dictionaries",
    summary = "Search the unit dictionary",
    description = "Units (hospitals and other institutions) from the server dictionary whose name contains `q`, sorted by name (SQLite binary order). Names are Chinese then English, e.g. `北京协和医院 Peking Union Medical College Hospital`; the match is a substring match, case-insensitive for ASCII letters, so `协和` and `peking` both work. `q` is trimmed; empty or missing, the first `limit` units by name. `%`, `_` and `\\` in `q` match themselves (no wildcards).",
    security(("bearerAuth" = [])),
    params(
        UnitQuery,
    ),
    responses(
        (status = 200, description = "The matching units.", body = Units),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 422, description = "`invalid_request`: `q` is longer than 64 characters, or `limit` is not an integer from 1 to 50.", body = crate::error::ErrorBody)
    )
)]
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
#[utoipa::path(
    get,
    path = "/v1/dictionaries/units/{unit_id}/departments",
    operation_id = "listUnitDepartments",
    tag = "dictionaries",
    summary = "Departments of a unit",
    description = "The departments of one unit from the server dictionary, in dictionary order. Each department belongs to exactly one unit (its id is not shared with other units).",
    security(("bearerAuth" = [])),
    params(
        ("unit_id" = String, Path, pattern = "^un_[0-9]+$")
    ),
    responses(
        (status = 200, description = "The unit's departments.", body = Departments),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`not_found`: No unit has this id.", body = crate::error::ErrorBody)
    )
)]
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
