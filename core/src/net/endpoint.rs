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

    /// The personal data items (ids in `core/privacy/inventory.toml`) the request carries.
    /// The network layer refuses an undeclared item or one whose purpose lacks consent, and
    /// records each one sent in the privacy ledger.
    pub(crate) fn items(self) -> &'static [&'static str] {
        match self {
            Endpoint::Policy => &[],
            Endpoint::SmsSend => &["phone_number", "install_id"],
            Endpoint::SmsVerify => &["phone_number", "sms_code", "install_id"],
            Endpoint::Refresh | Endpoint::Logout | Endpoint::Me => &["session_token"],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::inventory;

    const ALL: [Endpoint; 6] = [
        Endpoint::Policy,
        Endpoint::SmsSend,
        Endpoint::SmsVerify,
        Endpoint::Refresh,
        Endpoint::Logout,
        Endpoint::Me,
    ];

    #[test]
    fn every_item_an_endpoint_carries_is_declared_in_the_inventory() {
        for endpoint in ALL {
            for item in endpoint.items() {
                assert!(
                    inventory().item(item).is_some(),
                    "{endpoint:?} carries {item}, which core/privacy/inventory.toml does not declare"
                );
            }
        }
    }

    #[test]
    fn only_the_policy_goes_out_before_consent_and_it_carries_nothing_personal() {
        for endpoint in ALL {
            if endpoint.allowed_before_consent() {
                assert_eq!(endpoint, Endpoint::Policy);
                assert!(endpoint.items().is_empty());
            }
        }
    }
}
