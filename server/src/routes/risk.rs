//! `POST /v1/risk/device`: what the app reports about its device, for risk control.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::risk::{self, DeviceReport};
use crate::routes::session::caller;

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
