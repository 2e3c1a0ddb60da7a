//! Every API endpoint the core calls, with the facts the network layer decides on.

use reqwest::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Policy,
    SmsSend,
    SmsVerify,
    Refresh,
    Logout,
    Me,
}

impl Endpoint {
    pub(crate) fn method(self) -> Method {
        match self {
            Endpoint::Policy | Endpoint::Me => Method::GET,
            Endpoint::SmsSend | Endpoint::SmsVerify | Endpoint::Refresh | Endpoint::Logout => {
                Method::POST
            }
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Endpoint::Policy => "/v1/policy",
            Endpoint::SmsSend => "/v1/auth/sms/send",
            Endpoint::SmsVerify => "/v1/auth/sms/verify",
            Endpoint::Refresh => "/v1/auth/refresh",
            Endpoint::Logout => "/v1/auth/logout",
            Endpoint::Me => "/v1/me",
        }
    }

    /// Only the policy itself may be fetched before the user has accepted it.
    pub(crate) fn allowed_before_consent(self) -> bool {
        matches!(self, Endpoint::Policy)
    }

    /// Safe to send twice: only these are retried automatically.
    pub(crate) fn idempotent(self) -> bool {
        self.method() == Method::GET
    }
}
