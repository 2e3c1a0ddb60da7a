//! What the shell does with the real payment SDK, and what its answer means to the app.

use super::method::{PayRequest, SdkResult};
use crate::shell::ProviderError;

/// Implemented by the shell with the gateway's SDK: hand `request` to it unchanged
/// (Alipay's `payV2`, WeChat's `sendReq(PayReq)`) and return its answer when the user comes
/// back. The answer is never trusted: the core asks the server whether the order is paid.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    async fn pay(&self, request: PayRequest) -> Result<SdkResult, ProviderError>;
}

/// The SDK's answer, typed (see `SdkResult::outcome`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PaymentOutcome {
    /// The SDK says paid (Alipay 9000, WeChat 0): the server confirms.
    Succeeded,
    /// The SDK does not know yet (Alipay 8000, 6004).
    Processing,
    /// Alipay 4000, WeChat -1.
    Failed,
    /// Alipay 5000: this request was already handed to the SDK.
    DuplicateRequest,
    /// The user went back (Alipay 6001, WeChat -2).
    Cancelled,
    /// Alipay 6002: the SDK lost the network; the payment may or may not have happened.
    NetworkError,
    /// A code this version does not know.
    Unknown { code: String },
}
