//! The mall's dev hooks: the operator adds goods and grants points, the supplier ships and the
//! carrier delivers. Dev mode only.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::mall::catalogue::{self, Draft, Item};
use crate::mall::points;
use crate::mall::redemptions::{self, Redemption};
use crate::pool;
use crate::routes::feed::id;

#[derive(Deserialize, ToSchema)]
pub struct Shipment {
    /// The logistics provider by name: it receives the address.
    #[schema(max_length = 100)]
    carrier: String,
    #[schema(max_length = 100)]
    tracking_number: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PointsGrant {
    user_id: String,
    amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PointsBalance {
    balance: i64,
}

#[utoipa::path(
    post,
    path = "/dev/mall/items",
    operation_id = "devAddMallItem",
    tag = "dev",
    summary = "Add an item to the catalogue",
    description = "Plays the operator: adds an item (title and supplier 1 to 100 characters, price at least 1, stock at least 0, limit per user at least 1). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = Draft),
    responses(
        (status = 201, description = "The item.", body = Item),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing, of the wrong type or out of range.", body = crate::error::ErrorBody)
    )
)]
pub async fn add_item(
    State(state): State<Shared>,
    body: Result<ApiJson<Draft>, ApiError>,
) -> Result<(StatusCode, Json<Item>), ApiError> {
    let ApiJson(draft) = body?;
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let item = catalogue::add(&tx, &draft)?;
    tx.commit()?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[utoipa::path(
    post,
    path = "/dev/points/grant",
    operation_id = "devGrantPoints",
    tag = "dev",
    summary = "Grant wheat grains",
    description = "Plays the operator: adds (or with a negative amount takes) wheat grains to an account's ledger, reason `grant`. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = PointsGrant),
    responses(
        (status = 200, description = "The balance afterwards.", body = PointsBalance),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or of the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn grant(
    State(state): State<Shared>,
    body: Result<ApiJson<PointsGrant>, ApiError>,
) -> Result<Json<PointsBalance>, ApiError> {
    let ApiJson(grant) = body?;
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    if crate::users::get(&tx, &grant.user_id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    let reference = format!("grant-{}", hex::encode(rand::random::<[u8; 8]>()));
    points::record(
        &tx,
        &grant.user_id,
        grant.amount,
        points::GRANT,
        &reference,
        now,
    )?;
    let balance = points::balance(&tx, &grant.user_id)?;
    tx.commit()?;
    Ok(Json(PointsBalance { balance }))
}

#[utoipa::path(
    post,
    path = "/dev/mall/redemptions/{id}/ship",
    operation_id = "devShipRedemption",
    tag = "dev",
    summary = "Ship a redemption",
    description = "Plays the supplier: a placed redemption ships with a carrier and a tracking number. The address is disclosed now to the carrier (logistics provider) and the supplier, and both disclosures are recorded for the account's export. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(("id" = String, Path, description = "A redemption id.")),
    request_body(content = Shipment),
    responses(
        (status = 200, description = "The redemption, shipped.", body = Redemption),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`redemption_not_found`: No redemption has this id. `not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 409, description = "`not_cancellable`: It is not placed (it shipped already, or was cancelled).", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or of the wrong type, or carrier or tracking number is not 1 to 100 visible characters.", body = crate::error::ErrorBody)
    )
)]
pub async fn ship(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
    body: Result<ApiJson<Shipment>, ApiError>,
) -> Result<Json<Redemption>, ApiError> {
    let id = id(path, ApiError::RedemptionNotFound)?;
    let ApiJson(shipment) = body?;
    let fits =
        |text: &str| text.chars().count() <= 100 && medcircle_rules::text::is_visible_line(text);
    if !fits(&shipment.carrier) || !fits(&shipment.tracking_number) {
        return Err(ApiError::InvalidRequest(
            "carrier and tracking_number must be 1 to 100 visible characters".into(),
        ));
    }
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let redemption =
        redemptions::ship(&tx, &id, &shipment.carrier, &shipment.tracking_number, now)?;
    tx.commit()?;
    Ok(Json(redemption))
}

#[utoipa::path(
    post,
    path = "/dev/mall/redemptions/{id}/deliver",
    operation_id = "devDeliverRedemption",
    tag = "dev",
    summary = "Deliver a redemption",
    description = "Plays the carrier: a shipped redemption is delivered. No body. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(("id" = String, Path, description = "A redemption id.")),
    responses(
        (status = 200, description = "The redemption, delivered.", body = Redemption),
        (status = 404, description = "`redemption_not_found`: No redemption has this id. `not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 409, description = "`not_cancellable`: It has not shipped, or was cancelled.", body = crate::error::ErrorBody)
    )
)]
pub async fn deliver(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Redemption>, ApiError> {
    let id = id(path, ApiError::RedemptionNotFound)?;
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let redemption = redemptions::deliver(&tx, &id, now)?;
    tx.commit()?;
    Ok(Json(redemption))
}
