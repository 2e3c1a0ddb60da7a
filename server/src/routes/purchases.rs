//! The shop: the catalogue, orders and what they give (`/v1/shop`, `/v1/orders`,
//! `/v1/me/entitlements`), and the gateways' notifications (`/v1/pay/notify/*`), the only
//! thing that makes an order paid.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::idempotency::{self, Idempotency, Reply};
use crate::payments::catalogue::{self, Product};
use crate::payments::entitlements::{self, Entitlements};
use crate::payments::notifications::{self, Applied, Expected};
use crate::payments::orders::{self, Order, Report};
use crate::payments::wechat_pay::{NotificationHeaders, PrepayOrder};
use crate::payments::{GatewayPayment, PayMethod, PayRequest, Refusal, alipay};
use crate::pool;
use crate::routes::session::caller;

#[derive(Serialize, ToSchema)]
pub struct Catalogue {
    products: Vec<Product>,
    /// A purchase above this many fen needs a recent authentication (403 `reauth_required`).
    reauth_above_fen: u64,
    /// The payment methods this server takes.
    methods: Vec<PayMethod>,
}

#[utoipa::path(
    get,
    path = "/v1/shop/products",
    operation_id = "listProducts",
    tag = "shop",
    summary = "The catalogue",
    description = "Membership plans and virtual goods, prices in integer fen (CNY), titles in Chinese and English; the step-up threshold and the payment methods taken. No session needed.",
    responses((status = 200, description = "The catalogue.", body = Catalogue))
)]
pub async fn products(State(state): State<Shared>) -> Json<Catalogue> {
    let payments = &state.payments;
    let methods = [PayMethod::Alipay, PayMethod::WechatPay]
        .into_iter()
        .filter(|method| match method {
            PayMethod::Alipay => payments.settings.alipay.is_some() || payments.dev.is_some(),
            PayMethod::WechatPay => {
                payments.settings.wechat_pay.is_some() || payments.dev.is_some()
            }
        })
        .collect();
    Json(Catalogue {
        products: catalogue::all().to_vec(),
        reauth_above_fen: payments.settings.reauth_above_fen,
        methods,
    })
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewOrder {
    #[schema(examples("member_month"))]
    product_id: String,
    method: PayMethod,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CreatedOrder)]
pub struct Created {
    order: Order,
    /// For the app's payment SDK, unchanged: signed by the server with the merchant's key.
    pay_request: PayRequest,
}

#[utoipa::path(
    post,
    path = "/v1/orders",
    operation_id = "createOrder",
    tag = "shop",
    summary = "Order a product",
    description = "Makes an order (status `created`, closed after 900 s unless paid) and the gateway's pay request for the app's SDK: Alipay's signed `orderString`, or WeChat Pay's signed app parameters. An amount above the catalogue's `reauth_above_fen` needs a login (or step-up) within the last 300 s.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Makes the request safe to retry: the first successful answer for this key (per user) is kept 24 h, and a repeat with the same body gets it again, with `Idempotent-Replay: true`, without making a second order.", pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = NewOrder),
    responses(
        (status = 201, description = "The order and its pay request.", body = Created, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key; absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The amount is above the step-up threshold and the session's login (or latest step-up) is more than 300 s old: step up, then retry.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 502, description = "`payment_gateway_unavailable`: WeChat Pay's prepay order failed (unreachable, refused, or an answer not signed by its platform key): retry later.", body = crate::error::ErrorBody),
        (status = 422, description = "`unknown_product`: No product has this id. `payment_method_unavailable`: This server takes no payments by this method. `idempotency_key_reused`: This Idempotency-Key was already used for another request. `invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn create(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Result<ApiJson<NewOrder>, ApiError>,
) -> Result<Reply, ApiError> {
    let now = state.clock.now();
    let session = caller(&*state.db().await, &headers, now)?;
    let ApiJson(body) = body?;
    let product = catalogue::find(&body.product_id).ok_or(ApiError::UnknownProduct)?;
    let payments = &state.payments;
    let (alipay, wechat) = (payments.alipay(), payments.wechat_pay());
    match body.method {
        PayMethod::Alipay if alipay.is_none() => return Err(ApiError::PaymentMethodUnavailable),
        PayMethod::WechatPay if wechat.is_none() => return Err(ApiError::PaymentMethodUnavailable),
        _ => {}
    }
    if u64::from(product.price_fen) > payments.settings.reauth_above_fen {
        session.require_recent_auth(now)?;
    }
    let canonical = serde_json::to_vec(&body).map_err(|_| ApiError::Internal)?;
    let key = Idempotency::of(&headers, &method, "/v1/orders", &[&canonical])?;
    let number = orders::new_number();
    let notify_url = payments.notify_url(body.method);
    // WeChat Pay's prepay order comes first, outside the transaction (it is a request to
    // WeChat Pay). A repeat answered from the idempotency store leaves its prepay unused: it
    // expires with the order's time limit at WeChat Pay.
    let prepay_id = match (body.method, &wechat) {
        (PayMethod::WechatPay, Some(merchant)) => {
            let order = PrepayOrder {
                number: &number,
                amount_fen: u64::from(product.price_fen),
                description: product.title_zh,
                notify_url: &notify_url,
                expires_at: now + orders::TIMEOUT_S,
            };
            Some(payments.wechat_prepay(merchant, &order, now).await?)
        }
        _ => None,
    };
    let mut conn = state.writer().await;
    idempotency::once(&mut conn, &session.user_id, key, now, |tx| {
        let order = orders::create(tx, &number, &session.user_id, product, body.method, now)?;
        let pay_request = match (body.method, &alipay, &wechat, prepay_id) {
            (PayMethod::Alipay, Some(merchant), _, _) => PayRequest::Alipay {
                order_string: merchant.order_string(
                    &order.number,
                    u64::from(order.amount_fen),
                    product.title_zh,
                    &notify_url,
                    orders::TIMEOUT_S / 60,
                    now,
                ),
            },
            (PayMethod::WechatPay, _, Some(merchant), Some(prepay_id)) => PayRequest::WechatPay {
                params: merchant.app_params(&prepay_id, now),
            },
            _ => return Err(ApiError::PaymentMethodUnavailable),
        };
        tracing::info!(user = %session.user_id, order = %order.number, product = product.id, method = body.method.as_str(), "order created");
        Ok(Reply::json(
            StatusCode::CREATED,
            &Created { order, pay_request },
        ))
    })
}

#[derive(Serialize, ToSchema)]
pub struct OrderList {
    /// Newest first.
    orders: Vec<Order>,
}

#[utoipa::path(
    get,
    path = "/v1/orders",
    operation_id = "listOrders",
    tag = "shop",
    summary = "The account's orders",
    description = "Every order of the account, newest first; unpaid orders past their time limit are closed first.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The orders.", body = OrderList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<OrderList>, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    orders::close_expired(&conn, now)?;
    Ok(Json(OrderList {
        orders: orders::list(&conn, &session.user_id)?,
    }))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{number}",
    operation_id = "getOrder",
    tag = "shop",
    summary = "One order",
    description = "The order as the server knows it: `paid` only after the gateway's verified notification. An unpaid order past its time limit is closed first.",
    security(("bearerAuth" = [])),
    params(("number" = String, Path, description = "The order number.")),
    responses(
        (status = 200, description = "The order.", body = Order),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`order_not_found`: No order of this account has this number.", body = crate::error::ErrorBody)
    )
)]
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    number: Result<Path<String>, PathRejection>,
) -> Result<Json<Order>, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let Path(number) = number.map_err(|_| ApiError::OrderNotFound)?;
    orders::close_expired(&conn, now)?;
    orders::get(&conn, &session.user_id, &number)?
        .map(Json)
        .ok_or(ApiError::OrderNotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct SdkResultReport {
    sdk: Report,
}

#[utoipa::path(
    post,
    path = "/v1/orders/{number}/report",
    operation_id = "reportSdkResult",
    tag = "shop",
    summary = "Report what the payment SDK answered",
    description = "`succeeded` moves a `created` order to `paying` (the server waits for the gateway's notification); `cancelled` and `failed` end an unpaid order so. Never makes an order paid; a final order stays as it is.",
    security(("bearerAuth" = [])),
    params(("number" = String, Path, description = "The order number.")),
    request_body(content = SdkResultReport),
    responses(
        (status = 200, description = "The order after the report.", body = Order),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`order_not_found`: No order of this account has this number.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn report(
    State(state): State<Shared>,
    headers: HeaderMap,
    number: Result<Path<String>, PathRejection>,
    body: Result<ApiJson<SdkResultReport>, ApiError>,
) -> Result<Json<Order>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let Path(number) = number.map_err(|_| ApiError::OrderNotFound)?;
    let ApiJson(body) = body?;
    let tx = pool::immediate(&mut conn)?;
    orders::close_expired(&tx, now)?;
    let order = orders::get(&tx, &session.user_id, &number)?.ok_or(ApiError::OrderNotFound)?;
    let next = orders::after_report(order.status, body.sdk);
    if next != order.status {
        orders::set_status(&tx, &number, next, now)?;
    }
    let order = orders::get(&tx, &session.user_id, &number)?.ok_or(ApiError::Internal)?;
    tx.commit()?;
    Ok(Json(order))
}

#[utoipa::path(
    get,
    path = "/v1/me/entitlements",
    operation_id = "getEntitlements",
    tag = "shop",
    summary = "What the account's paid orders give",
    description = "The membership's end (each membership purchase extends it; a refund takes its days back) and the virtual goods, from paid orders only: what a new device restores.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The entitlements.", body = Entitlements),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn entitlements(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Entitlements>, ApiError> {
    let now = state.clock.now();
    let conn = state.db().await;
    let session = caller(&conn, &headers, now)?;
    Ok(Json(entitlements::of(&conn, &session.user_id, now)?))
}

/// A notification's body as it reached the server, with what identifies its order when it
/// can be read without trusting it (for the security log).
pub enum Incoming<'a> {
    Alipay(&'a [u8]),
    Wechat(NotificationHeaders<'a>, &'a [u8]),
}

/// Verifies, checks and records a notification; a refusal is logged as a security event.
pub async fn receive(state: &Shared, incoming: Incoming<'_>) -> Result<Applied, Refusal> {
    let now = state.clock.now();
    let payments = &state.payments;
    let (method, verified): (PayMethod, Result<(GatewayPayment, String, String), Refusal>) =
        match &incoming {
            Incoming::Alipay(body) => (
                PayMethod::Alipay,
                payments
                    .alipay()
                    .ok_or(Refusal::NotConfigured)
                    .and_then(|merchant| {
                        let payment = merchant.verify_notification(body)?;
                        Ok((payment, merchant.app_id, merchant.seller_id))
                    }),
            ),
            Incoming::Wechat(headers, body) => (
                PayMethod::WechatPay,
                payments
                    .wechat_pay()
                    .ok_or(Refusal::NotConfigured)
                    .and_then(|merchant| {
                        let payment = merchant.verify_notification(headers, body, now)?;
                        Ok((payment, merchant.app_id, merchant.mch_id))
                    }),
            ),
        };
    let mut conn = state.writer().await;
    let outcome = pool::immediate(&mut conn)
        .map_err(|_| Refusal::Malformed)
        .and_then(|tx| {
            let (payment, app_id, merchant_id) = verified.clone()?;
            let expected = Expected {
                app_id: &app_id,
                merchant_id: &merchant_id,
            };
            let applied = notifications::apply(&tx, &expected, &payment, now)?;
            tx.commit().map_err(|_| Refusal::Malformed)?;
            Ok(applied)
        });
    if let Err(refusal) = outcome {
        // The order it names: from the verified payment, else (Alipay's form) read untrusted.
        let named = match (&verified, &incoming) {
            (Ok((payment, ..)), _) => Some(payment.order_number.clone()),
            (Err(_), Incoming::Alipay(body)) => alipay::decode(body).remove("out_trade_no"),
            _ => None,
        };
        if let Err(error) =
            notifications::record_refusal(&conn, method, refusal, named.as_deref(), now)
        {
            tracing::error!(%error, "the refused notification could not be recorded");
        }
    }
    outcome
}

#[utoipa::path(
    post,
    path = "/v1/pay/notify/alipay",
    operation_id = "alipayNotify",
    tag = "shop",
    summary = "Alipay's asynchronous notification",
    description = "Alipay posts the payment's result as a form, signed RSA2 (SHA256withRSA over the sorted parameters but `sign` and `sign_type`) with Alipay's key. Verified, then checked against the order (`app_id`, `seller_id`, `out_trade_no`, `total_amount`); recorded once. Answers `success` (Alipay stops retrying) or `fail`; a refusal is logged as a security event.",
    request_body(content = Object, content_type = "application/x-www-form-urlencoded", description = "Alipay's parameters (`app_id`, `out_trade_no`, `trade_no`, `trade_status`, `total_amount`, `seller_id`, `buyer_logon_id`, `sign_type`, `sign`, …), form-encoded."),
    responses(
        (status = 200, description = "`success` or `fail`, as Alipay expects.", body = String, content_type = "text/plain")
    )
)]
pub async fn alipay_notify(State(state): State<Shared>, body: Bytes) -> Response {
    let answer = match receive(&state, Incoming::Alipay(&body)).await {
        Ok(_) => "success",
        Err(_) => "fail",
    };
    ([(header::CONTENT_TYPE, "text/plain")], answer).into_response()
}

#[derive(Serialize, ToSchema)]
#[schema(as = WechatPayNotifyRefusal)]
pub struct GatewayRefusal {
    /// Always `FAIL`.
    code: &'static str,
    message: String,
}

#[utoipa::path(
    post,
    path = "/v1/pay/notify/wechat_pay",
    operation_id = "wechatPayNotify",
    tag = "shop",
    summary = "WeChat Pay's notification (API v3)",
    description = "WeChat Pay posts the payment's result: `Wechatpay-Signature` (SHA256-RSA2048 by the platform key over `Wechatpay-Timestamp\\nWechatpay-Nonce\\nbody\\n`), the timestamp within 300 s, the resource decrypted with AES-256-GCM under the APIv3 key and checked against the order (`appid`, `mchid`, `out_trade_no`, `amount.total`, `amount.currency`); recorded once. A refusal is logged as a security event.",
    params(
        ("Wechatpay-Timestamp" = String, Header, description = "Unix seconds."),
        ("Wechatpay-Nonce" = String, Header, description = "The signature's nonce."),
        ("Wechatpay-Signature" = String, Header, description = "Base64 signature."),
        ("Wechatpay-Serial" = Option<String>, Header, nullable = false, description = "The platform certificate's serial number.")
    ),
    request_body(content = String, content_type = "application/json"),
    responses(
        (status = 204, description = "Received (WeChat Pay stops retrying)."),
        (status = 400, description = "Refused, in WeChat Pay's shape.", body = GatewayRefusal)
    )
)]
pub async fn wechat_notify(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    let incoming = Incoming::Wechat(
        NotificationHeaders {
            timestamp: header("wechatpay-timestamp"),
            nonce: header("wechatpay-nonce"),
            signature: header("wechatpay-signature"),
        },
        &body,
    );
    match receive(&state, incoming).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => (
            StatusCode::BAD_REQUEST,
            Json(GatewayRefusal {
                code: "FAIL",
                message: refusal.as_str().to_owned(),
            }),
        )
            .into_response(),
    }
}
