//! The shop in a terminal: the catalogue, buying with Alipay or WeChat Pay, the orders. The
//! terminal has no payment app: its `PaymentProvider` plays the SDK with the dev server's
//! gateways (`/dev/pay/sdk`), asking here whether to pay, cancel or fail; whether the order is
//! paid is still the server's word, as on a phone.

use std::sync::Arc;

use medcircle_core::{
    Client, Order, OrderStatus, PayRequest, PaymentMethod, PaymentOutcome, PaymentProvider,
    ProviderError, Purchase, PurchaseError, SdkResult, format_fen,
};
use serde_json::{Value, json};

use crate::commands::{prompt, reauthenticate};
use crate::output::Output;

/// What the user does in the (stand-in) payment app, when given on the command line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum InApp {
    Succeed,
    Cancel,
    Fail,
}

impl InApp {
    fn key(self) -> &'static str {
        match self {
            InApp::Succeed => "succeed",
            InApp::Cancel => "cancel",
            InApp::Fail => "fail",
        }
    }
}

/// The terminal's stand-in for Alipay's and WeChat's apps and SDKs.
struct TerminalPay {
    server: String,
    in_app: Option<InApp>,
}

impl TerminalPay {
    fn answer(&self, request: &PayRequest) -> Result<SdkResult, String> {
        let in_app = match self.in_app {
            Some(in_app) => in_app,
            None => match prompt("payment app: [p]ay / [c]ancel / [f]ail? ")?
                .to_ascii_lowercase()
                .as_str()
            {
                "p" | "pay" => InApp::Succeed,
                "f" | "fail" => InApp::Fail,
                _ => InApp::Cancel,
            },
        };
        let pay_request = match request {
            PayRequest::Alipay { order_string } => {
                json!({ "method": "alipay", "order_string": order_string })
            }
            PayRequest::WechatPay { params } => json!({ "method": "wechat_pay", "params": {
                "appid": params.app_id, "partnerid": params.partner_id,
                "prepayid": params.prepay_id, "package": params.package,
                "noncestr": params.nonce_str, "timestamp": params.timestamp,
                "sign": params.sign,
            }}),
        };
        let body = json!({ "pay_request": pay_request, "result": in_app.key() });
        let answer = crate::dev_server::request(&self.server, "POST", "/dev/pay/sdk", Some(&body))?;
        match request {
            PayRequest::Alipay { .. } => {
                answer["resultStatus"]
                    .as_str()
                    .map(|status| SdkResult::Alipay {
                        result_status: status.into(),
                    })
            }
            PayRequest::WechatPay { .. } => {
                answer["errCode"].as_i64().map(|code| SdkResult::WechatPay {
                    err_code: i32::try_from(code).unwrap_or(i32::MIN),
                })
            }
        }
        .ok_or_else(|| format!("the dev gateway refused: {answer}"))
    }
}

#[async_trait::async_trait]
impl PaymentProvider for TerminalPay {
    async fn pay(&self, request: PayRequest) -> Result<SdkResult, ProviderError> {
        self.answer(&request)
            .map_err(|detail| ProviderError::Failed { detail })
    }
}

fn status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Created => "created",
        OrderStatus::Paying => "paying",
        OrderStatus::Paid => "paid",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Failed => "failed",
        OrderStatus::Closed => "closed",
        OrderStatus::Refunded => "refunded",
    }
}

fn outcome(outcome: &PaymentOutcome) -> String {
    match outcome {
        PaymentOutcome::Succeeded => "succeeded".into(),
        PaymentOutcome::Processing => "processing".into(),
        PaymentOutcome::Failed => "failed".into(),
        PaymentOutcome::DuplicateRequest => "duplicate_request".into(),
        PaymentOutcome::Cancelled => "cancelled".into(),
        PaymentOutcome::NetworkError => "network_error".into(),
        PaymentOutcome::Unknown { code } => format!("unknown {code}"),
    }
}

fn order_json(order: &Order) -> Value {
    json!({ "ok": true, "number": order.number, "product_id": order.product_id,
            "amount_fen": order.amount_fen, "method": order.method.key(),
            "status": status(order.status), "payer_account": order.payer_account,
            "created_at": order.created_at, "paid_at": order.paid_at,
            "confirming": order.confirming })
}

fn order_line(order: &Order) -> String {
    let payer = order
        .payer_account
        .as_deref()
        .map(|payer| format!(", paid by {payer}"))
        .unwrap_or_default();
    let confirming = if order.confirming {
        " (still confirming)"
    } else {
        ""
    };
    format!(
        "{} {} {} by {}: {}{confirming}{payer}",
        order.number,
        order.product_id,
        format_fen(u64::from(order.amount_fen)),
        order.method.key(),
        status(order.status)
    )
}

pub(crate) async fn shop(client: &Client, out: &Output) -> Result<(), String> {
    let catalogue = client
        .purchases()
        .catalogue()
        .await
        .map_err(|e| e.to_string())?;
    for product in &catalogue.products {
        let days = product
            .days
            .map(|days| format!(" ({days} days)"))
            .unwrap_or_default();
        out.emit(
            "product",
            &format!(
                "{}: {} / {}{days} {}",
                product.id,
                product.title_zh,
                product.title_en,
                format_fen(u64::from(product.price_fen))
            ),
            json!({ "ok": true, "id": product.id, "price_fen": product.price_fen,
                    "days": product.days, "title_zh": product.title_zh,
                    "title_en": product.title_en }),
        );
    }
    let methods: Vec<_> = catalogue.methods.iter().map(|m| m.key()).collect();
    out.emit(
        "shop",
        &format!(
            "{} product(s); pay with {}; above {} a recent login is needed",
            catalogue.products.len(),
            methods.join(" or "),
            format_fen(catalogue.reauth_above_fen)
        ),
        json!({ "ok": true, "count": catalogue.products.len(), "methods": methods,
                "reauth_above_fen": catalogue.reauth_above_fen }),
    );
    Ok(())
}

/// `buy PRODUCT --pay alipay|wechat`: asks for an SMS code again when the amount needs a
/// recent login.
pub(crate) async fn buy(
    client: &Client,
    server: &str,
    dev: bool,
    product: String,
    method: PaymentMethod,
    in_app: Option<InApp>,
    out: &Output,
) -> Result<(), String> {
    if !dev {
        return Err(
            "the terminal has no payment app: `buy` plays it with the dev server's gateways \
             (--dev)"
                .into(),
        );
    }
    let sdk = Arc::new(TerminalPay {
        server: server.to_string(),
        in_app,
    });
    let purchases = client.purchases();
    let attempt = || purchases.buy(product.clone(), method, sdk.clone());
    let purchase = match attempt().await {
        Err(PurchaseError::ReauthRequired) => {
            reauthenticate(client).await?;
            attempt().await
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    emit_purchase(&purchase, out);
    Ok(())
}

pub(crate) fn emit_purchase(purchase: &Purchase, out: &Output) {
    let mut data = order_json(&purchase.order);
    data["sdk"] = json!(outcome(&purchase.sdk));
    data["still_confirming"] = json!(purchase.still_confirming);
    out.emit(
        "purchase",
        &format!(
            "payment app: {}; server: {}",
            outcome(&purchase.sdk),
            order_line(&purchase.order)
        ),
        data,
    );
}

/// The orders from the server (also resolving those still confirming), or as kept when the
/// server cannot be reached.
pub(crate) async fn orders(client: &Client, out: &Output) -> Result<(), String> {
    let purchases = client.purchases();
    let orders = match purchases.refresh_orders().await {
        Err(PurchaseError::Network { problem }) => {
            eprintln!("not refreshed ({problem}): the orders as kept on this device");
            purchases.orders().await
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    for order in &orders {
        out.emit("order", &order_line(order), order_json(order));
    }
    let owned = purchases.entitlements().await.map_err(|e| e.to_string())?;
    out.emit(
        "orders",
        &format!(
            "{} order(s); member until {}",
            orders.len(),
            owned
                .membership_until
                .map_or_else(|| "-".to_string(), |until| until.to_string())
        ),
        json!({ "ok": true, "count": orders.len(), "membership_until": owned.membership_until,
                "goods": owned.goods.iter().map(|g| json!({ "product_id": g.product_id,
                    "quantity": g.quantity })).collect::<Vec<_>>() }),
    );
    Ok(())
}

pub(crate) async fn order(client: &Client, number: String, out: &Output) -> Result<(), String> {
    let order = client
        .purchases()
        .order(number)
        .await
        .map_err(|e| e.to_string())?;
    out.emit("order", &order_line(&order), order_json(&order));
    Ok(())
}
