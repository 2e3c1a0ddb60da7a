//! The ways to pay, and everything that differs between them: the pay request the server
//! signs for the gateway's SDK, the SDK's answer, and what that answer means. App Store
//! in-app purchase (which Apple requires for digital goods sold in iOS apps) is one more
//! variant of each enum here, and nothing else changes.

use serde::{Deserialize, Serialize};

use super::provider::PaymentOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PaymentMethod {
    Alipay,
    WechatPay,
}

impl PaymentMethod {
    /// The name on the wire and in the store.
    pub fn key(self) -> &'static str {
        match self {
            PaymentMethod::Alipay => "alipay",
            PaymentMethod::WechatPay => "wechat_pay",
        }
    }

    pub fn of(key: &str) -> Option<PaymentMethod> {
        match key {
            "alipay" => Some(PaymentMethod::Alipay),
            "wechat_pay" => Some(PaymentMethod::WechatPay),
            _ => None,
        }
    }
}

/// WeChat Pay's `PayReq`, signed by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct WechatPayParams {
    #[serde(rename = "appid")]
    pub app_id: String,
    #[serde(rename = "partnerid")]
    pub partner_id: String,
    #[serde(rename = "prepayid")]
    pub prepay_id: String,
    pub package: String,
    #[serde(rename = "noncestr")]
    pub nonce_str: String,
    pub timestamp: String,
    pub sign: String,
}

/// What the shell hands its gateway's SDK, unchanged: the core never sees a merchant key,
/// and the SDK's gateway checks the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PayRequest {
    /// For Alipay's `payV2(orderString, true)`.
    Alipay { order_string: String },
    /// For WeChat's `IWXAPI.sendReq(PayReq)`.
    WechatPay { params: WechatPayParams },
}

impl PayRequest {
    pub fn method(&self) -> PaymentMethod {
        match self {
            PayRequest::Alipay { .. } => PaymentMethod::Alipay,
            PayRequest::WechatPay { .. } => PaymentMethod::WechatPay,
        }
    }
}

/// What the gateway's SDK answered, as it answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum SdkResult {
    /// `payV2`'s `resultStatus`.
    Alipay { result_status: String },
    /// `BaseResp.errCode` in `onResp`.
    WechatPay { err_code: i32 },
}

impl SdkResult {
    /// What the answer means. Never "paid": only the server says that.
    pub fn outcome(&self) -> PaymentOutcome {
        match self {
            SdkResult::Alipay { result_status } => match result_status.as_str() {
                "9000" => PaymentOutcome::Succeeded,
                "8000" | "6004" => PaymentOutcome::Processing,
                "4000" => PaymentOutcome::Failed,
                "5000" => PaymentOutcome::DuplicateRequest,
                "6001" => PaymentOutcome::Cancelled,
                "6002" => PaymentOutcome::NetworkError,
                other => PaymentOutcome::Unknown {
                    code: other.to_owned(),
                },
            },
            SdkResult::WechatPay { err_code } => match err_code {
                0 => PaymentOutcome::Succeeded,
                -1 => PaymentOutcome::Failed,
                -2 => PaymentOutcome::Cancelled,
                other => PaymentOutcome::Unknown {
                    code: other.to_string(),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_code_has_its_outcome() {
        let alipay = |code: &str| {
            SdkResult::Alipay {
                result_status: code.into(),
            }
            .outcome()
        };
        assert_eq!(alipay("9000"), PaymentOutcome::Succeeded);
        assert_eq!(alipay("8000"), PaymentOutcome::Processing);
        assert_eq!(alipay("4000"), PaymentOutcome::Failed);
        assert_eq!(alipay("5000"), PaymentOutcome::DuplicateRequest);
        assert_eq!(alipay("6001"), PaymentOutcome::Cancelled);
        assert_eq!(alipay("6002"), PaymentOutcome::NetworkError);
        assert_eq!(
            alipay("1234"),
            PaymentOutcome::Unknown {
                code: "1234".into()
            }
        );
        let wechat = |err_code| SdkResult::WechatPay { err_code }.outcome();
        assert_eq!(wechat(0), PaymentOutcome::Succeeded);
        assert_eq!(wechat(-1), PaymentOutcome::Failed);
        assert_eq!(wechat(-2), PaymentOutcome::Cancelled);
        assert_eq!(wechat(-5), PaymentOutcome::Unknown { code: "-5".into() });
    }

    #[test]
    fn pay_requests_read_as_the_server_writes_them() {
        let alipay: PayRequest =
            serde_json::from_str(r#"{"method":"alipay","order_string":"a=1&sign=x"}"#).unwrap();
        assert_eq!(alipay.method(), PaymentMethod::Alipay);
        let wechat: PayRequest = serde_json::from_str(
            r#"{"method":"wechat_pay","params":{"appid":"wx","partnerid":"19","prepayid":"wx1",
                "package":"Sign=WXPay","noncestr":"n","timestamp":"1","sign":"s"}}"#,
        )
        .unwrap();
        assert!(
            matches!(wechat, PayRequest::WechatPay { ref params } if params.prepay_id == "wx1")
        );
    }
}
