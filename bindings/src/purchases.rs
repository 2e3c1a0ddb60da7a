use std::sync::Arc;

use medcircle_core::{
    Catalogue, Client, Entitlements, Order, PaymentMethod, PaymentOutcome, PaymentProvider,
    Purchase, PurchaseError, PurchasesClient, SdkResult,
};

use crate::task::{TaskHandle, observe};

/// Follows the orders kept on this device: the first call carries the kept list, then every
/// change (a purchase, a confirmation).
#[uniffi::export(foreign)]
pub trait OrdersListener: Send + Sync {
    fn on_update(&self, orders: Vec<Order>);
}

/// Follows what the account's paid orders give.
#[uniffi::export(foreign)]
pub trait EntitlementsListener: Send + Sync {
    fn on_update(&self, entitlements: Entitlements);
}

/// The shop: the catalogue, buying through the shell's payment SDK, the orders and what they
/// give.
#[derive(uniffi::Object)]
pub struct Purchases {
    client: Client,
    purchases: PurchasesClient,
}

impl Purchases {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            purchases: client.purchases(),
            client,
        }
    }
}

#[uniffi::export]
impl Purchases {
    pub async fn catalogue(&self) -> Result<Catalogue, PurchaseError> {
        self.purchases.catalogue().await
    }

    /// Buys `product_id` with `method`; `provider` hands the pay request to the real SDK.
    /// Paid only when the server says so; `still_confirming` when it has not yet.
    pub async fn buy(
        &self,
        product_id: String,
        method: PaymentMethod,
        provider: Arc<dyn PaymentProvider>,
    ) -> Result<Purchase, PurchaseError> {
        self.purchases.buy(product_id, method, provider).await
    }

    pub async fn orders(&self) -> Result<Vec<Order>, PurchaseError> {
        self.purchases.orders().await
    }

    pub async fn refresh_orders(&self) -> Result<Vec<Order>, PurchaseError> {
        self.purchases.refresh_orders().await
    }

    pub async fn order(&self, number: String) -> Result<Order, PurchaseError> {
        self.purchases.order(number).await
    }

    pub async fn entitlements(&self) -> Result<Entitlements, PurchaseError> {
        self.purchases.entitlements().await
    }

    pub async fn refresh_entitlements(&self) -> Result<Entitlements, PurchaseError> {
        self.purchases.refresh_entitlements().await
    }

    pub fn observe_orders(&self, listener: Arc<dyn OrdersListener>) -> Arc<TaskHandle> {
        observe(
            &self.client,
            self.purchases.order_updates(),
            move |orders| listener.on_update(orders),
        )
    }

    pub fn observe_entitlements(&self, listener: Arc<dyn EntitlementsListener>) -> Arc<TaskHandle> {
        observe(
            &self.client,
            self.purchases.entitlement_updates(),
            move |entitlements| listener.on_update(entitlements),
        )
    }

    /// How long a purchase waits for the server's confirmation (20 000 ms by default).
    pub fn set_confirmation_limit_ms(&self, limit_ms: u64) {
        self.purchases.set_confirmation_limit_ms(limit_ms);
    }
}

/// What a payment SDK's answer means (Alipay's `resultStatus`, WeChat's `errCode`), as the
/// core reads it; never "paid", which only the server says.
#[uniffi::export]
pub fn payment_outcome(result: SdkResult) -> PaymentOutcome {
    result.outcome()
}
