//! Dev mode's Alipay and WeChat Pay: keys of their own (made at first use, never kept), the
//! dev "SDK" that completes, cancels or fails a payment the way the real SDKs answer, and the
//! signed notifications, delivered when a test chooses, or forged and altered on request.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::alipay::{self, AlipayMerchant};
use super::signing::{SigningKey, VerifyingKey};
use super::wechat_pay::{self, AppParams, WechatPayMerchant};
use super::{PayMethod, PayRequest, times};
use crate::app::lock;
use crate::error::ApiError;

pub const ALIPAY_APP_ID: &str = "2021000000000001";
pub const ALIPAY_SELLER_ID: &str = "2088000000000001";
pub const WECHAT_APP_ID: &str = "wxd0medcircle0pay";
pub const WECHAT_MCH_ID: &str = "1900000001";
/// What the dev gateways show as the payer's account, masked as Alipay masks it.
const ALIPAY_BUYER: &str = "138****8000";
const WECHAT_OPENID: &str = "oDevPay0openid0of0the0payer";

struct Keys {
    alipay_merchant: Arc<SigningKey>,
    alipay_gateway: SigningKey,
    wechat_merchant: Arc<SigningKey>,
    wechat_platform: SigningKey,
    api_v3_key: [u8; 32],
}

/// Made once per process, at first use: RSA key generation takes a while.
static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let api_v3_key: [u8; 32] = wechat_pay::nonce()
        .as_bytes()
        .try_into()
        .expect("32 characters");
    Keys {
        alipay_merchant: Arc::new(SigningKey::generate()),
        alipay_gateway: SigningKey::generate(),
        wechat_merchant: Arc::new(SigningKey::generate()),
        wechat_platform: SigningKey::generate(),
        api_v3_key,
    }
});

pub fn alipay_merchant() -> AlipayMerchant {
    AlipayMerchant {
        app_id: ALIPAY_APP_ID.into(),
        seller_id: ALIPAY_SELLER_ID.into(),
        key: KEYS.alipay_merchant.clone(),
        gateway_key: KEYS.alipay_gateway.verifying_key(),
    }
}

pub fn wechat_merchant() -> WechatPayMerchant {
    WechatPayMerchant {
        app_id: WECHAT_APP_ID.into(),
        mch_id: WECHAT_MCH_ID.into(),
        serial_no: "DEV0MERCHANT0SERIAL".into(),
        // Never asked: the dev gateway gives prepay ids in process.
        api_base: String::new(),
        key: KEYS.wechat_merchant.clone(),
        platform_key: KEYS.wechat_platform.verifying_key(),
        api_v3_key: KEYS.api_v3_key,
    }
}

/// The dev gateways' public keys and the APIv3 key, for checking their messages with other
/// tools (the gateways' own SDKs). Dev keys only: made at first use, never kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevKeys {
    /// Alipay's key (verifies notifications), base64 X.509 DER.
    alipay_public_key: String,
    /// The merchant's key at Alipay (verifies `orderString`s).
    alipay_merchant_public_key: String,
    /// WeChat Pay's platform key (verifies notifications).
    wechat_pay_platform_public_key: String,
    /// The merchant's key at WeChat Pay (verifies the app parameters).
    wechat_pay_merchant_public_key: String,
    /// The APIv3 key notifications' resources are sealed with.
    wechat_pay_api_v3_key: String,
}

pub fn keys() -> DevKeys {
    DevKeys {
        alipay_public_key: KEYS.alipay_gateway.verifying_key().spki_base64(),
        alipay_merchant_public_key: KEYS.alipay_merchant.verifying_key().spki_base64(),
        wechat_pay_platform_public_key: KEYS.wechat_platform.verifying_key().spki_base64(),
        wechat_pay_merchant_public_key: KEYS.wechat_merchant.verifying_key().spki_base64(),
        wechat_pay_api_v3_key: String::from_utf8_lossy(&KEYS.api_v3_key).into_owned(),
    }
}

/// What the person does in the gateway's app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SdkResult {
    /// Pays: Alipay 9000, WeChat 0.
    Succeed,
    /// Pays, the SDK unsure: Alipay 8000 (WeChat has no such answer: 0).
    Processing,
    /// Cancels: Alipay 6001, WeChat -2.
    Cancel,
    /// The payment fails: Alipay 4000, WeChat -1.
    Fail,
}

/// When the gateway's notification of a payment goes to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMode {
    /// Before the SDK answers the app.
    #[default]
    Now,
    /// Twice, before the SDK answers.
    Twice,
    /// Not yet: `POST /dev/pay/notify` sends it (late), or nothing does (never).
    Held,
}

/// What `POST /dev/pay/notify` does to the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// As the gateway sends it.
    #[default]
    None,
    /// Signed by a key that is not the gateway's.
    Forge,
    /// Changed after it was signed.
    Alter,
    /// Signed by the gateway, for another amount than the order's.
    WrongAmount,
    /// Signed by the gateway, for another merchant.
    WrongMerchant,
}

/// A payment the dev gateway took.
#[derive(Clone)]
struct Trade {
    method: PayMethod,
    order_number: String,
    amount_fen: u64,
    trade_no: String,
}

/// A notification as it reaches the server (and as `POST /dev/pay/notify` shows it).
#[derive(Serialize, ToSchema)]
#[serde(tag = "gateway", rename_all = "snake_case")]
pub enum Delivery {
    /// A form body.
    Alipay {
        #[serde(serialize_with = "as_text")]
        #[schema(value_type = String)]
        body: Vec<u8>,
    },
    /// A JSON body and its signature headers.
    Wechat {
        timestamp: String,
        nonce: String,
        signature: String,
        #[serde(serialize_with = "as_text")]
        #[schema(value_type = String)]
        body: Vec<u8>,
    },
}

fn as_text<S: serde::Serializer>(body: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(body))
}

#[derive(Default)]
pub struct DevGateway {
    /// Prepay ids WeChat Pay gave: the order and amount each stands for.
    prepays: Mutex<HashMap<String, (String, u64)>>,
    /// Payments taken, by order number.
    trades: Mutex<HashMap<String, Trade>>,
    /// WeChat Pay's API refuses prepay orders, as in an outage.
    down: AtomicBool,
}

fn digits(count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

impl DevGateway {
    /// WeChat Pay's prepay order (`/v3/pay/transactions/app`): an id for the app's request;
    /// none while the API is down.
    pub fn prepay(&self, order_number: &str, amount_fen: u64) -> Option<String> {
        if self.down.load(Ordering::SeqCst) {
            return None;
        }
        let id = format!("wx{}", digits(30));
        lock(&self.prepays).insert(id.clone(), (order_number.to_owned(), amount_fen));
        Some(id)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The gateway's app taking a pay request: the merchant's signature checked as the
    /// gateway checks it, then `result` done. Returns the SDK's answer and the notifications
    /// to deliver before it returns.
    pub fn complete(
        &self,
        request: &PayRequest,
        result: SdkResult,
        notify: NotifyMode,
        now: i64,
    ) -> Result<(SdkAnswer, Vec<Delivery>), ApiError> {
        let (method, order_number, amount_fen) = match request {
            PayRequest::Alipay { order_string } => Self::read_order_string(order_string)?,
            PayRequest::WechatPay { params } => self.read_app_params(params)?,
        };
        let answer = SdkAnswer::of(method, result);
        if matches!(result, SdkResult::Cancel | SdkResult::Fail) {
            return Ok((answer, Vec::new()));
        }
        let trade = Trade {
            method,
            order_number: order_number.clone(),
            amount_fen,
            trade_no: match method {
                PayMethod::Alipay => format!("2026{}", digits(24)),
                PayMethod::WechatPay => format!("4200{}", digits(24)),
            },
        };
        lock(&self.trades)
            .entry(order_number.clone())
            .or_insert(trade);
        let times = match notify {
            NotifyMode::Now => 1,
            NotifyMode::Twice => 2,
            NotifyMode::Held => 0,
        };
        let deliveries = (0..times)
            .map(|_| self.notification(&order_number, Tamper::None, now))
            .collect::<Result<_, _>>()?;
        Ok((answer, deliveries))
    }

    fn read_order_string(order_string: &str) -> Result<(PayMethod, String, u64), ApiError> {
        let refused =
            |why: &str| ApiError::InvalidRequest(format!("Alipay refuses the orderString: {why}"));
        let params = alipay::decode(order_string.as_bytes());
        let merchant = alipay_merchant();
        let sign = params.get("sign").ok_or_else(|| refused("no sign"))?;
        if params.get("app_id").map(String::as_str) != Some(ALIPAY_APP_ID)
            || params.get("sign_type").map(String::as_str) != Some("RSA2")
        {
            return Err(refused("unknown app or sign_type"));
        }
        let merchant_key: VerifyingKey = merchant.key.verifying_key();
        if !merchant_key.verify(alipay::signing_string(&params, false).as_bytes(), sign) {
            return Err(refused("the signature does not verify"));
        }
        let biz: serde_json::Value = params
            .get("biz_content")
            .and_then(|biz| serde_json::from_str(biz).ok())
            .ok_or_else(|| refused("no biz_content"))?;
        let order = biz["out_trade_no"]
            .as_str()
            .ok_or_else(|| refused("no out_trade_no"))?;
        let amount = biz["total_amount"]
            .as_str()
            .and_then(alipay::fen)
            .ok_or_else(|| refused("no total_amount"))?;
        Ok((PayMethod::Alipay, order.to_owned(), amount))
    }

    fn read_app_params(&self, params: &AppParams) -> Result<(PayMethod, String, u64), ApiError> {
        let refused =
            |why: &str| ApiError::InvalidRequest(format!("WeChat Pay refuses the request: {why}"));
        if params.appid != WECHAT_APP_ID || params.partnerid != WECHAT_MCH_ID {
            return Err(refused("unknown app or merchant"));
        }
        if !KEYS
            .wechat_merchant
            .verifying_key()
            .verify(params.signing_string().as_bytes(), &params.sign)
        {
            return Err(refused("the signature does not verify"));
        }
        let (order, amount) = lock(&self.prepays)
            .get(&params.prepayid)
            .cloned()
            .ok_or_else(|| refused("unknown prepayid"))?;
        Ok((PayMethod::WechatPay, order, amount))
    }

    /// The notification of the payment taken for `order_number`, as `tamper` says.
    pub fn notification(
        &self,
        order_number: &str,
        tamper: Tamper,
        now: i64,
    ) -> Result<Delivery, ApiError> {
        let mut trade = lock(&self.trades)
            .get(order_number)
            .cloned()
            .ok_or(ApiError::NotFound)?;
        if tamper == Tamper::WrongAmount {
            trade.amount_fen += 1;
        }
        let wrong_merchant = tamper == Tamper::WrongMerchant;
        // A forger has a key, just not the gateway's.
        let signer = match (tamper, trade.method) {
            (Tamper::Forge, PayMethod::Alipay) => &*KEYS.alipay_merchant,
            (Tamper::Forge, PayMethod::WechatPay) => &*KEYS.wechat_merchant,
            (_, PayMethod::Alipay) => &KEYS.alipay_gateway,
            (_, PayMethod::WechatPay) => &KEYS.wechat_platform,
        };
        Ok(match trade.method {
            PayMethod::Alipay => {
                let mut params = Self::alipay_params(&trade, wrong_merchant, now);
                let sign = signer.sign(alipay::signing_string(&params, true).as_bytes());
                params.insert("sign".into(), sign);
                if tamper == Tamper::Alter {
                    params.insert("total_amount".into(), alipay::yuan(trade.amount_fen / 2));
                }
                Delivery::Alipay {
                    body: alipay::encode(&params).into_bytes(),
                }
            }
            PayMethod::WechatPay => {
                let mut body = Self::wechat_body(&trade, wrong_merchant, now);
                let timestamp = now.to_string();
                let nonce = wechat_pay::nonce();
                let signature = signer.sign(&wechat_pay::notification_signing_string(
                    &timestamp, &nonce, &body,
                ));
                if tamper == Tamper::Alter {
                    body = String::from_utf8_lossy(&body)
                        .replacen("支付成功", "支付成功 ", 1)
                        .into_bytes();
                }
                Delivery::Wechat {
                    timestamp,
                    nonce,
                    signature,
                    body,
                }
            }
        })
    }

    fn alipay_params(trade: &Trade, wrong_merchant: bool, now: i64) -> BTreeMap<String, String> {
        let seller = if wrong_merchant {
            "2088999999999999"
        } else {
            ALIPAY_SELLER_ID
        };
        [
            ("notify_time", times::alipay(now)),
            ("notify_type", "trade_status_sync".into()),
            ("notify_id", format!("ac05{}", digits(28))),
            ("app_id", ALIPAY_APP_ID.into()),
            ("charset", "utf-8".into()),
            ("version", "1.0".into()),
            ("sign_type", "RSA2".into()),
            ("trade_no", trade.trade_no.clone()),
            ("out_trade_no", trade.order_number.clone()),
            ("trade_status", "TRADE_SUCCESS".into()),
            ("total_amount", alipay::yuan(trade.amount_fen)),
            ("receipt_amount", alipay::yuan(trade.amount_fen)),
            ("seller_id", seller.into()),
            ("buyer_logon_id", ALIPAY_BUYER.into()),
            ("gmt_payment", times::alipay(now)),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    fn wechat_body(trade: &Trade, wrong_merchant: bool, now: i64) -> Vec<u8> {
        let transaction = wechat_pay::Transaction {
            appid: WECHAT_APP_ID.into(),
            mchid: if wrong_merchant {
                "1999999999".into()
            } else {
                WECHAT_MCH_ID.into()
            },
            out_trade_no: trade.order_number.clone(),
            transaction_id: trade.trade_no.clone(),
            trade_type: "APP".into(),
            trade_state: "SUCCESS".into(),
            success_time: times::rfc3339(now),
            payer: wechat_pay::Payer {
                openid: WECHAT_OPENID.into(),
            },
            amount: wechat_pay::Amount {
                total: trade.amount_fen,
                currency: "CNY".into(),
            },
        };
        let plain = serde_json::to_vec(&transaction).expect("serializes");
        let nonce: String = wechat_pay::nonce().chars().take(12).collect();
        let notification = wechat_pay::Notification {
            id: format!("EV-{}", digits(16)),
            create_time: times::rfc3339(now),
            event_type: "TRANSACTION.SUCCESS".into(),
            resource_type: "encrypt-resource".into(),
            summary: "支付成功".into(),
            resource: wechat_pay::Resource {
                algorithm: "AEAD_AES_256_GCM".into(),
                ciphertext: wechat_pay::seal(&KEYS.api_v3_key, &nonce, "transaction", &plain),
                associated_data: "transaction".into(),
                original_type: "transaction".into(),
                nonce,
            },
        };
        serde_json::to_vec(&notification).expect("serializes")
    }
}

/// The SDK's answer, as each SDK gives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SdkAnswer {
    /// Alipay's `resultStatus` (`9000`, `8000`, `4000`, `6001`), for an Alipay request.
    #[serde(rename = "resultStatus", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub result_status: Option<String>,
    /// WeChat's `errCode` (0, -1, -2), for a WeChat Pay request.
    #[serde(rename = "errCode", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub err_code: Option<i32>,
}

impl SdkAnswer {
    fn of(method: PayMethod, result: SdkResult) -> SdkAnswer {
        match method {
            PayMethod::Alipay => SdkAnswer {
                result_status: Some(
                    match result {
                        SdkResult::Succeed => "9000",
                        SdkResult::Processing => "8000",
                        SdkResult::Cancel => "6001",
                        SdkResult::Fail => "4000",
                    }
                    .into(),
                ),
                err_code: None,
            },
            PayMethod::WechatPay => SdkAnswer {
                result_status: None,
                err_code: Some(match result {
                    SdkResult::Succeed | SdkResult::Processing => 0,
                    SdkResult::Cancel => -2,
                    SdkResult::Fail => -1,
                }),
            },
        }
    }
}
