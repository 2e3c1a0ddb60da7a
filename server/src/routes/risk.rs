//! `POST /v1/risk/device`: what the app reports about its device, for risk control.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::risk::{self, DeviceReport};
use crate::routes::session::caller;

#[utoipa::path(
    post,
    path = "/v1/risk/device",
    operation_id = "reportDevice",
    tag = "risk",
    summary = "Report the device, for risk control",
    description = "Stores what the app reports about its device under the account of the bearer access token, for risk control only: no endpoint returns it except the account holder's export (`devices`) and, in dev mode, `GET /dev/risk/devices`. Every report is kept, in arrival order. The bearer token is checked before the body: without a valid one the answer is 401 whatever the body.",
    security(("bearerAuth" = [])),
    request_body(content = crate::risk::DeviceReport),
    responses(
        (status = 204, description = "Stored."),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; model or carrier is not 1-64 characters; os_version or app_version is not 1-32 characters; os is not android, ios, linux or other; network_type is not wifi, cellular, ethernet, none or unknown; install_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
pub async fn report_device(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<ApiJson<DeviceReport>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let ApiJson(report) = body?;
    report.validate()?;
    risk::store(&conn, &session.user_id, &session.family, &report, now)?;
    tracing::info!(user = %session.user_id, "device report stored");
    Ok(StatusCode::NO_CONTENT)
}
