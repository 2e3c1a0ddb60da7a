//! Alipay's app payment: the `orderString` the app's SDK (`payV2`) takes, signed by the
//! merchant (RSA2: SHA256withRSA over the sorted parameters), and the asynchronous
//! notification Alipay posts as a form, verified with Alipay's public key.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::signing::{SigningKey, VerifyingKey};
use super::{GatewayPayment, PayMethod, Refusal, times};

/// The merchant's app at Alipay: what signs its orders and verifies Alipay's notifications.
#[derive(Clone)]
pub struct AlipayMerchant {
    pub app_id: String,
    /// The merchant's partner id (`seller_id` in notifications), `2088…`.
    pub seller_id: String,
    pub key: Arc<SigningKey>,
    pub gateway_key: VerifyingKey,
}

/// Never the key.
impl fmt::Debug for AlipayMerchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayMerchant")
            .field("app_id", &self.app_id)
            .field("seller_id", &self.seller_id)
            .finish_non_exhaustive()
    }
}

const FORM: &str = "expected APP_ID,SELLER_ID,file:MERCHANT_PRIVATE_KEY_PEM,file:ALIPAY_PUBLIC_KEY";

/// `APP_ID,SELLER_ID,file:PATH,file:PATH`, the form of `--alipay`: the merchant's PKCS#8
/// private key and Alipay's public key come from files, never the command line.
impl FromStr for AlipayMerchant {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let parts: Vec<&str> = raw.split(',').collect();
        let [app_id, seller_id, key, gateway_key] = parts[..] else {
            return Err(FORM.into());
        };
        Ok(AlipayMerchant {
            app_id: app_id.to_owned(),
            seller_id: seller_id.to_owned(),
            key: Arc::new(
                SigningKey::from_pem_file(super::key_file(key, FORM)?)
                    .map_err(|e| e.to_string())?,
            ),
            gateway_key: VerifyingKey::from_file(super::key_file(gateway_key, FORM)?)
                .map_err(|e| e.to_string())?,
        })
    }
}

/// What Alipay signs: every parameter but `sign` (and, in notifications, `sign_type`), sorted
/// by name, as `name=value` joined by `&`, values not encoded; empty values left out.
pub fn signing_string(params: &BTreeMap<String, String>, skip_sign_type: bool) -> String {
    params
        .iter()
        .filter(|(name, value)| {
            name.as_str() != "sign"
                && !(skip_sign_type && name.as_str() == "sign_type")
                && !value.is_empty()
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name=value&…` with each value form-encoded, as the SDK takes an `orderString` and Alipay
/// posts a notification.
pub fn encode(params: &BTreeMap<String, String>) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

pub fn decode(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Fen as Alipay's yuan with two decimals, from integers only.
pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Alipay's yuan (`25`, `25.0`, `25.00`) as fen; anything else is `None`.
pub fn fen(yuan: &str) -> Option<u64> {
    let (whole, fraction) = yuan.split_once('.').unwrap_or((yuan, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 9
        || fraction.len() > 2
        || !digits(whole)
        || !digits(fraction)
    {
        return None;
    }
    let cents = format!("{fraction:0<2}");
    Some(whole.parse::<u64>().ok()? * 100 + cents.parse::<u64>().ok()?)
}

impl AlipayMerchant {
    /// The signed `orderString` for the app's SDK.
    pub fn order_string(
        &self,
        order_number: &str,
        amount_fen: u64,
        subject: &str,
        notify_url: &str,
        timeout_minutes: i64,
        now: i64,
    ) -> String {
        let biz_content = serde_json::json!({
            "out_trade_no": order_number,
            "total_amount": yuan(amount_fen),
            "subject": subject,
            "product_code": "QUICK_MSECURITY_PAY",
            "timeout_express": format!("{timeout_minutes}m"),
        });
        let mut params: BTreeMap<String, String> = [
            ("app_id", self.app_id.clone()),
            ("method", "alipay.trade.app.pay".into()),
            ("format", "JSON".into()),
            ("charset", "utf-8".into()),
            ("sign_type", "RSA2".into()),
            ("timestamp", times::alipay(now)),
            ("version", "1.0".into()),
            ("notify_url", notify_url.into()),
            ("biz_content", biz_content.to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let sign = self.key.sign(signing_string(&params, false).as_bytes());
        params.insert("sign".into(), sign);
        encode(&params)
    }

    /// A notification's form body, verified with Alipay's key and read; the caller checks it
    /// against the order.
    pub fn verify_notification(&self, body: &[u8]) -> Result<GatewayPayment, Refusal> {
        let params = decode(body);
        let field = |name: &str| params.get(name).cloned().unwrap_or_default();
        if field("sign_type") != "RSA2" {
            return Err(Refusal::BadSignature);
        }
        if !self
            .gateway_key
            .verify(signing_string(&params, true).as_bytes(), &field("sign"))
        {
            return Err(Refusal::BadSignature);
        }
        let status = field("trade_status");
        Ok(GatewayPayment {
            method: PayMethod::Alipay,
            app_id: field("app_id"),
            merchant_id: field("seller_id"),
            order_number: field("out_trade_no"),
            trade_no: field("trade_no"),
            amount_fen: fen(&field("total_amount")).ok_or(Refusal::Malformed)?,
            // App payments are in CNY; a cross-border one names its currency.
            currency: params
                .get("trans_currency")
                .cloned()
                .unwrap_or_else(|| "CNY".into()),
            payer: params.get("buyer_logon_id").cloned(),
            succeeded: status == "TRADE_SUCCESS" || status == "TRADE_FINISHED",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_and_fen_are_exact() {
        assert_eq!(yuan(2_500), "25.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(fen("25.00"), Some(2_500));
        assert_eq!(fen("25.5"), Some(2_550));
        assert_eq!(fen("25"), Some(2_500));
        for bad in ["", ".5", "25.001", "-1", "1e3", "2 5", "25.0a"] {
            assert_eq!(fen(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_signing_string_is_sorted_without_the_signature() {
        let params: BTreeMap<String, String> = [
            ("b", "2"),
            ("a", "1"),
            ("sign", "x"),
            ("sign_type", "RSA2"),
            ("c", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(signing_string(&params, false), "a=1&b=2&sign_type=RSA2");
        assert_eq!(signing_string(&params, true), "a=1&b=2");
    }
}
