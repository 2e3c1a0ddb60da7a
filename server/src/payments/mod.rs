//! Buying membership and virtual goods with Alipay or WeChat Pay. The server makes the order
//! and signs the gateway's pay request with the merchant's key (the app never sees one); an
//! order is paid only when the gateway's signed notification says so, verified and checked
//! against the order (`notifications`), recorded once. In dev mode `dev_gateway` plays both
//! gateways with keys of its own.

pub mod alipay;
pub mod catalogue;
pub mod dev_gateway;
pub mod entitlements;
pub mod notifications;
pub mod orders;
pub mod signing;
pub mod times;
pub mod wechat_pay;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use alipay::AlipayMerchant;
use dev_gateway::DevGateway;
use wechat_pay::{AppParams, WechatPayMerchant};

/// The default step-up threshold: a purchase above 100 CNY needs a recent authentication.
pub const DEFAULT_REAUTH_ABOVE_FEN: u64 = 10_000;

/// How a purchase is paid. A new method (App Store in-app purchase) is a new variant here
/// and its gateway module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayMethod {
    Alipay,
    WechatPay,
}

impl PayMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PayMethod::Alipay => "alipay",
            PayMethod::WechatPay => "wechat_pay",
        }
    }

    pub fn parse(stored: &str) -> Option<PayMethod> {
        match stored {
            "alipay" => Some(PayMethod::Alipay),
            "wechat_pay" => Some(PayMethod::WechatPay),
            _ => None,
        }
    }
}

/// The pay request the server hands the app, unchanged, for its gateway's SDK.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum PayRequest {
    /// For Alipay's `payV2(orderString)`.
    Alipay { order_string: String },
    /// For WeChat Pay's `PayReq`.
    WechatPay { params: AppParams },
}

/// A gateway's notification once its signature verified: what it says was paid.
#[derive(Debug, Clone)]
pub struct GatewayPayment {
    pub method: PayMethod,
    pub app_id: String,
    pub merchant_id: String,
    pub order_number: String,
    pub trade_no: String,
    pub amount_fen: u64,
    pub currency: String,
    /// The payment account, masked as the gateway gives it.
    pub payer: Option<String>,
    /// The payment succeeded (a notification may also tell of a closed trade).
    pub succeeded: bool,
}

/// Why a notification was refused: each is logged as a security event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadSignature,
    Stale,
    Malformed,
    Undecryptable,
    WrongApp,
    WrongMerchant,
    UnknownOrder,
    WrongMethod,
    WrongAmount,
    WrongCurrency,
    /// Closed or refunded: the gateway must not take money for it.
    OrderNotPayable,
    /// Paid already, by another gateway trade.
    ConflictingTrade,
    /// No merchant is configured for this gateway.
    NotConfigured,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadSignature => "bad_signature",
            Refusal::Stale => "stale",
            Refusal::Malformed => "malformed",
            Refusal::Undecryptable => "undecryptable",
            Refusal::WrongApp => "wrong_app",
            Refusal::WrongMerchant => "wrong_merchant",
            Refusal::UnknownOrder => "unknown_order",
            Refusal::WrongMethod => "wrong_method",
            Refusal::WrongAmount => "wrong_amount",
            Refusal::WrongCurrency => "wrong_currency",
            Refusal::OrderNotPayable => "order_not_payable",
            Refusal::ConflictingTrade => "conflicting_trade",
            Refusal::NotConfigured => "not_configured",
        }
    }
}

/// `file:PATH` in a gateway's parameters: keys are read from files, never given inline.
fn key_file<'a>(part: &'a str, form: &str) -> Result<&'a std::path::Path, String> {
    part.strip_prefix("file:")
        .map(std::path::Path::new)
        .ok_or_else(|| form.to_owned())
}

/// How payments are configured: production gateways' parameters (from files and the
/// environment, never the repository) and the step-up threshold.
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// A purchase above this many fen needs a recent authentication (step-up).
    pub reauth_above_fen: u64,
    pub alipay: Option<AlipayMerchant>,
    pub wechat_pay: Option<WechatPayMerchant>,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            reauth_above_fen: DEFAULT_REAUTH_ABOVE_FEN,
            alipay: None,
            wechat_pay: None,
        }
    }
}

/// The payment part of the server's state.
pub struct Payments {
    pub settings: PaymentSettings,
    /// Dev mode: both gateways, played here.
    pub dev: Option<DevGateway>,
    /// Where the gateways post notifications: this server's base URL.
    pub base_url: String,
    /// For the gateways' APIs (WeChat Pay's prepay order).
    http: reqwest::Client,
}

impl Payments {
    pub fn new(settings: PaymentSettings, dev: bool, base_url: &str) -> std::io::Result<Payments> {
        Ok(Payments {
            settings,
            dev: dev.then(DevGateway::default),
            base_url: base_url.trim_end_matches('/').to_owned(),
            http: crate::outbound::client().map_err(std::io::Error::other)?,
        })
    }

    /// A prepay id for an order paid with WeChat Pay: from WeChat Pay's API for a configured
    /// merchant, else (dev mode) from the dev gateway.
    pub async fn wechat_prepay(
        &self,
        merchant: &WechatPayMerchant,
        order: &wechat_pay::PrepayOrder<'_>,
        now: i64,
    ) -> Result<String, ApiError> {
        match (&self.settings.wechat_pay, &self.dev) {
            (Some(_), _) => merchant
                .prepay(&self.http, order, now)
                .await
                .map_err(|why| {
                    tracing::warn!(%why, order = order.number, "no prepay id from WeChat Pay");
                    ApiError::PaymentGatewayUnavailable
                }),
            (None, Some(dev)) => dev
                .prepay(order.number, order.amount_fen)
                .ok_or(ApiError::PaymentGatewayUnavailable),
            (None, None) => Err(ApiError::PaymentMethodUnavailable),
        }
    }

    /// The Alipay merchant: the configured one, else (dev mode) the dev gateway's.
    pub fn alipay(&self) -> Option<AlipayMerchant> {
        self.settings
            .alipay
            .clone()
            .or_else(|| self.dev.as_ref().map(|_| dev_gateway::alipay_merchant()))
    }

    pub fn wechat_pay(&self) -> Option<WechatPayMerchant> {
        self.settings
            .wechat_pay
            .clone()
            .or_else(|| self.dev.as_ref().map(|_| dev_gateway::wechat_merchant()))
    }

    pub fn notify_url(&self, method: PayMethod) -> String {
        format!("{}/v1/pay/notify/{}", self.base_url, method.as_str())
    }

    pub fn dev(&self) -> Result<&DevGateway, ApiError> {
        self.dev.as_ref().ok_or(ApiError::NotFound)
    }
}
