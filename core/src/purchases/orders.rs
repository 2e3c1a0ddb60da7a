//! Orders as the server keeps them, and the requests that make and move them.

use serde::{Deserialize, Serialize};

use super::method::{PayRequest, PaymentMethod};
use super::{PurchaseError, PurchasesArea};
use crate::net::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum OrderStatus {
    Created,
    /// The SDK said paid; the server waits for the gateway's word.
    Paying,
    /// The gateway's verified notification said paid.
    Paid,
    Cancelled,
    Failed,
    /// Not paid within its time limit.
    Closed,
    Refunded,
}

impl OrderStatus {
    /// Nothing more will happen to it but a refund.
    pub fn is_final(self) -> bool {
        !matches!(self, OrderStatus::Created | OrderStatus::Paying)
    }

    pub(super) fn key(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Paying => "paying",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Failed => "failed",
            OrderStatus::Closed => "closed",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub(super) fn of(key: &str) -> OrderStatus {
        serde_json::from_value(serde_json::Value::String(key.into()))
            .unwrap_or(OrderStatus::Created)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Order {
    pub number: String,
    pub product_id: String,
    /// CNY in fen.
    pub amount_fen: u32,
    pub method: PaymentMethod,
    pub status: OrderStatus,
    /// The payment account, masked as the gateway gave it (once paid).
    pub payer_account: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
    pub paid_at: Option<i64>,
    pub updated_at: i64,
    /// Handed to the SDK and not final yet: the core keeps asking the server (at start and
    /// at every refresh) until it is.
    #[serde(default)]
    pub confirming: bool,
}

#[derive(Serialize)]
struct NewOrder<'a> {
    product_id: &'a str,
    method: PaymentMethod,
}

#[derive(Deserialize)]
pub(super) struct Created {
    pub(super) order: Order,
    pub(super) pay_request: PayRequest,
}

/// What the app tells the server the SDK answered.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Report {
    Succeeded,
    Cancelled,
    Failed,
}

#[derive(Serialize)]
struct ReportBody {
    sdk: Report,
}

#[derive(Deserialize)]
struct OrderList {
    orders: Vec<Order>,
}

/// An order number as the server makes them: checked before it goes into a path.
pub(super) fn valid_number(number: &str) -> bool {
    number.len() == 22
        && number.starts_with("MC")
        && number[2..].bytes().all(|b| b.is_ascii_digit())
}

impl PurchasesArea {
    pub(super) async fn create_order(
        &self,
        account_id: &str,
        product_id: &str,
        method: PaymentMethod,
        idempotency_key: &str,
    ) -> Result<Created, PurchaseError> {
        let request = Endpoint::OrderCreate
            .request()
            .idempotency_key(idempotency_key)
            .json(&NewOrder { product_id, method });
        Ok(self.account.send_for(account_id, &request).await?.json()?)
    }

    pub(super) async fn report(
        &self,
        account_id: &str,
        number: &str,
        sdk: Report,
    ) -> Result<Order, PurchaseError> {
        let request = Endpoint::OrderReport
            .request()
            .id(number)
            .json(&ReportBody { sdk });
        Ok(self.account.send_for(account_id, &request).await?.json()?)
    }

    pub(super) async fn fetch_order(
        &self,
        account_id: &str,
        number: &str,
    ) -> Result<Order, PurchaseError> {
        if !valid_number(number) {
            return Err(PurchaseError::OrderNotFound);
        }
        let request = Endpoint::Order.request().id(number);
        Ok(self.account.send_for(account_id, &request).await?.json()?)
    }

    pub(super) async fn fetch_orders(&self, account_id: &str) -> Result<Vec<Order>, PurchaseError> {
        let request = Endpoint::Orders.request();
        let list: OrderList = self.account.send_for(account_id, &request).await?.json()?;
        Ok(list.orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_checked_before_they_reach_a_path() {
        assert!(valid_number("MC01234567890123456789"));
        for bad in [
            "",
            "MC1",
            "MC0123456789012345678/",
            "XX01234567890123456789",
            "MC0123456789012345678a",
        ] {
            assert!(!valid_number(bad), "{bad}");
        }
    }
}
