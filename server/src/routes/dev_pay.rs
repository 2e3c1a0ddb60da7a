//! `/dev/pay/*` (dev mode only): the dev gateways' side. The "SDK" that completes, cancels or
//! fails a pay request and sends the gateway's notification when the test chooses; a
//! notification sent late, forged or altered; a refund; WeChat Pay's API down; the refused
//! notifications.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::payments::dev_gateway::{
    self, Delivery, DevKeys, NotifyMode, SdkAnswer, SdkResult, Tamper,
};
use crate::payments::notifications::{self, SecurityEvent};
use crate::payments::orders::{self, Order, Status};
use crate::payments::wechat_pay::NotificationHeaders;
use crate::payments::{PayRequest, entitlements};
use crate::pool;
use crate::routes::purchases::{Incoming, receive};

async fn deliver(state: &Shared, delivery: &Delivery) -> Result<(), String> {
    let incoming = match delivery {
        Delivery::Alipay { body } => Incoming::Alipay(body),
        Delivery::Wechat {
            timestamp,
            nonce,
            signature,
            body,
        } => Incoming::Wechat(
            NotificationHeaders {
                timestamp,
                nonce,
                signature,
            },
            body,
        ),
    };
    receive(state, incoming)
        .await
        .map(drop)
        .map_err(|refusal| refusal.as_str().to_owned())
}

#[derive(Deserialize, ToSchema)]
pub struct SdkPayment {
    /// The pay request exactly as `POST /v1/orders` gave it.
    pay_request: PayRequest,
    result: SdkResult,
    /// When the gateway notifies the server of a payment (default `now`).
    #[serde(default)]
    notify: NotifyMode,
}

#[utoipa::path(
    post,
    path = "/dev/pay/sdk",
    operation_id = "devPaySdk",
    tag = "dev",
    summary = "Dev gateways: the payment SDK",
    description = "Plays the gateway's app taking the pay request (its merchant signature checked as the gateway checks it): `succeed`, `processing` (Alipay 8000), `cancel` or `fail`, answered as the SDK answers (`resultStatus` for Alipay, `errCode` for WeChat Pay). A payment's signed notification goes to the server before the answer (`now`), twice (`twice`), or not yet (`held`: `POST /dev/pay/notify` sends it). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = SdkPayment),
    responses(
        (status = 200, description = "The SDK's answer.", body = SdkAnswer),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: The gateway refuses the pay request (signature, app, prepay id), or a field is missing.", body = crate::error::ErrorBody)
    )
)]
pub async fn sdk(
    State(state): State<Shared>,
    body: Result<ApiJson<SdkPayment>, ApiError>,
) -> Result<Json<SdkAnswer>, ApiError> {
    let gateway = state.payments.dev()?;
    let ApiJson(body) = body?;
    let (answer, deliveries) = gateway.complete(
        &body.pay_request,
        body.result,
        body.notify,
        state.clock.now(),
    )?;
    for delivery in &deliveries {
        if let Err(reason) = deliver(&state, delivery).await {
            tracing::warn!(%reason, "the dev gateway's notification was refused");
        }
    }
    Ok(Json(answer))
}

#[derive(Deserialize, ToSchema)]
pub struct NotifyRequest {
    order_number: String,
    #[serde(default)]
    tamper: Tamper,
}

#[derive(Serialize, ToSchema)]
pub struct NotifyOutcome {
    /// What was sent, as the server received it.
    notification: Delivery,
    accepted: bool,
    /// Why the server refused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    refusal: Option<String>,
}

#[utoipa::path(
    post,
    path = "/dev/pay/notify",
    operation_id = "devPayNotify",
    tag = "dev",
    summary = "Dev gateways: send a notification",
    description = "Sends the notification of the payment the dev SDK took for the order (again, if it was sent): as the gateway signs it, or `forge` (signed by another key), `alter` (changed after signing), `wrong_amount` or `wrong_merchant` (signed by the gateway). Answers whether the server accepted it. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = NotifyRequest),
    responses(
        (status = 200, description = "What the server did with it.", body = NotifyOutcome),
        (status = 404, description = "`not_found`: The dev gateway took no payment for this order.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn notify(
    State(state): State<Shared>,
    body: Result<ApiJson<NotifyRequest>, ApiError>,
) -> Result<Json<NotifyOutcome>, ApiError> {
    let gateway = state.payments.dev()?;
    let ApiJson(body) = body?;
    let delivery = gateway.notification(&body.order_number, body.tamper, state.clock.now())?;
    let refusal = deliver(&state, &delivery).await.err();
    Ok(Json(NotifyOutcome {
        notification: delivery,
        accepted: refusal.is_none(),
        refusal,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RefundRequest {
    order_number: String,
}

#[utoipa::path(
    post,
    path = "/dev/pay/refund",
    operation_id = "devPayRefund",
    tag = "dev",
    summary = "Dev gateways: refund an order",
    description = "Refunds a paid order: `refunded`, and what it gave is taken back (a membership's days). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = RefundRequest),
    responses(
        (status = 200, description = "The refunded order.", body = Order),
        (status = 404, description = "`order_not_found`: No order has this number. `not_found`: Not in dev mode.", body = crate::error::ErrorBody),
        (status = 409, description = "`order_not_refundable`: The order is not paid.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn refund(
    State(state): State<Shared>,
    body: Result<ApiJson<RefundRequest>, ApiError>,
) -> Result<Json<Order>, ApiError> {
    state.payments.dev()?;
    let ApiJson(body) = body?;
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let order = orders::get_any(&tx, &body.order_number)?.ok_or(ApiError::OrderNotFound)?;
    if order.status != Status::Paid {
        return Err(ApiError::OrderNotRefundable);
    }
    orders::set_status(&tx, &order.number, Status::Refunded, now)?;
    entitlements::revoke(&tx, &order.number, now)?;
    let order = orders::get_any(&tx, &order.number)?.ok_or(ApiError::Internal)?;
    tx.commit()?;
    tracing::info!(order = %order.number, "order refunded");
    Ok(Json(order))
}

#[derive(Deserialize, ToSchema)]
pub struct Outage {
    /// true: WeChat Pay's API refuses prepay orders until this is set false again.
    down: bool,
}

#[utoipa::path(
    post,
    path = "/dev/pay/outage",
    operation_id = "devPayOutage",
    tag = "dev",
    summary = "Dev gateways: WeChat Pay's API down or up",
    description = "While down, ordering with WeChat Pay answers 502 `payment_gateway_unavailable` and makes no order, as when production's prepay request to WeChat Pay fails. Alipay's pay request is signed by the server alone and is not affected. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = Outage),
    responses(
        (status = 204, description = "Set."),
        (status = 404, description = "`not_found`: Not in dev mode.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn outage(
    State(state): State<Shared>,
    body: Result<ApiJson<Outage>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let dev = state.payments.dev()?;
    let ApiJson(body) = body?;
    dev.set_down(body.down);
    tracing::info!(down = body.down, "dev WeChat Pay API");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SecurityEvents {
    events: Vec<SecurityEvent>,
}

#[utoipa::path(
    get,
    path = "/dev/pay/security-events",
    operation_id = "devPaySecurityEvents",
    tag = "dev",
    summary = "Refused payment notifications",
    description = "Every notification the server refused (forged, altered, mismatched), oldest first, as logged. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The refused notifications.", body = SecurityEvents),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn security_events(
    State(state): State<Shared>,
) -> Result<Json<SecurityEvents>, ApiError> {
    state.payments.dev()?;
    Ok(Json(SecurityEvents {
        events: notifications::security_events(&*state.db().await)?,
    }))
}

#[utoipa::path(
    get,
    path = "/dev/pay/keys",
    operation_id = "devPayKeys",
    tag = "dev",
    summary = "Dev gateways: their public keys",
    description = "The dev gateways' and the dev merchant's public keys (base64 X.509 DER, as Alipay's console shows them) and the APIv3 key, so their signatures can be checked with the gateways' own SDKs. Dev keys only, made at first use and never kept. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The keys.", body = DevKeys),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn keys(State(state): State<Shared>) -> Result<Json<DevKeys>, ApiError> {
    state.payments.dev()?;
    Ok(Json(dev_gateway::keys()))
}
