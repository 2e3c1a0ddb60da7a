//! After the SDK answers, the order is the server's to confirm: asked again with growing
//! pauses until it is final or the time limit passes ("still confirming"). An order left
//! confirming, even by a killed app, is asked for again at the next start and refresh.

use std::time::Duration;

use tokio::time::Instant;

use super::orders::{Order, OrderStatus};
use super::{PurchaseError, PurchasesArea, store};

const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(2);

impl PurchasesArea {
    /// The order once final, or as last seen when `limit` passed first.
    pub(super) async fn until_final(
        &self,
        account_id: &str,
        mut order: Order,
        limit: Duration,
    ) -> Result<Order, PurchaseError> {
        // A limit too far to reach (the app may set any) is no limit.
        let deadline = Instant::now().checked_add(limit);
        let mut pause = FIRST_PAUSE;
        while !order.status.is_final() {
            match self.fetch_order(account_id, &order.number).await {
                Ok(fresh) => {
                    order = self.keep(account_id, &fresh)?;
                    if order.status.is_final() {
                        break;
                    }
                }
                // Offline or a failing server: the order stays confirming, asked again later.
                Err(PurchaseError::Network { problem }) => {
                    tracing::info!(%problem, "order not confirmed yet");
                }
                Err(error) => return Err(error),
            }
            if deadline.is_some_and(|deadline| Instant::now() + pause > deadline) {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
        Ok(order)
    }

    /// Asks once for every order still confirming; refreshes the entitlements when one was
    /// paid. Returns the orders as kept.
    pub(super) async fn resolve_confirming(&self) -> Result<Vec<Order>, PurchaseError> {
        let db = self.account.db()?;
        let numbers = store::confirming(&db.conn())?;
        let mut paid = false;
        for number in numbers {
            match self.fetch_order(&db.account_id, &number).await {
                Ok(order) => {
                    paid |= order.status == OrderStatus::Paid;
                    self.keep(&db.account_id, &order)?;
                }
                Err(PurchaseError::OrderNotFound) => {
                    tracing::warn!(order = %number, "an order being confirmed is unknown to the server");
                }
                Err(error) => return Err(error),
            }
        }
        if paid {
            self.sync_entitlements().await?;
        }
        self.kept_orders()
    }

    /// Keeps `order` for `account_id` (only while it is the one logged in), tells the
    /// listeners, and returns it as kept (whether it is still being confirmed is the store's).
    pub(super) fn keep(&self, account_id: &str, order: &Order) -> Result<Order, PurchaseError> {
        let Some(db) = self.account.db_of(account_id) else {
            return Err(PurchaseError::NotLoggedIn);
        };
        store::save_order(&db.conn(), order)?;
        let orders = store::orders(&db.conn())?;
        let kept = orders
            .iter()
            .find(|kept| kept.number == order.number)
            .cloned()
            .unwrap_or_else(|| order.clone());
        self.orders.send_replace(orders);
        Ok(kept)
    }
}
