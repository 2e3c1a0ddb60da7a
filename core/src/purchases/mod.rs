//! Buying membership and virtual goods: the catalogue (`catalogue.rs`), the ways to pay
//! (`method.rs`), the shell's payment SDK (`provider.rs`), orders (`orders.rs`) and their
//! confirmation by the server (`confirm.rs`), what paid orders give (`entitlements.rs`), all
//! kept in the account's encrypted database (`store.rs`). The SDK's answer is never trusted:
//! an order is paid when the server says so, after the gateway's verified notification.

mod catalogue;
mod confirm;
mod entitlements;
mod method;
mod orders;
mod provider;
mod store;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

pub use catalogue::{Catalogue, Product, ProductKind, format_fen};
pub use entitlements::{Entitlements, OwnedGood};
pub use method::{PayRequest, PaymentMethod, SdkResult, WechatPayParams};
pub use orders::{Order, OrderStatus};
pub use provider::{PaymentOutcome, PaymentProvider};

use crate::account::{Account, AccountObserver, AreaError, area_error};
use crate::net::{ApiCode, ApiError, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::store::{Schema, StoreError};
use crate::updates::Updates;
use orders::Report;

/// How long a purchase waits for the server to confirm it before answering "still confirming".
const CONFIRM_WITHIN: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum PurchaseError {
    /// Paying needs an account: log in first.
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// This amount needs a recent authentication: re-verify, then buy again.
    #[error("confirm it is you: re-authenticate, then try again")]
    ReauthRequired,
    #[error("no such product")]
    UnknownProduct,
    /// The server takes no payments by this method.
    #[error("this payment method is not available")]
    MethodUnavailable,
    /// The payment service cannot take an order right now; nothing was ordered: try again
    /// later, or pay another way.
    #[error("the payment service is unavailable; try again later or pay another way")]
    GatewayUnavailable,
    #[error("no such order")]
    OrderNotFound,
    /// The same product is being bought with the same method right now (a double tap).
    #[error("this purchase is already under way")]
    AlreadyInProgress,
    /// The shell's payment SDK failed; the order is confirmed with the server later.
    #[error("the payment app failed: {detail}")]
    PaymentAppFailed { detail: String },
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for PurchaseError {
    fn network(problem: NetworkProblem) -> Self {
        PurchaseError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        PurchaseError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        PurchaseError::NotLoggedIn
    }

    fn session_expired() -> Self {
        PurchaseError::SessionExpired
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::ReauthRequired => PurchaseError::ReauthRequired,
            ApiCode::UnknownProduct => PurchaseError::UnknownProduct,
            ApiCode::PaymentMethodUnavailable => PurchaseError::MethodUnavailable,
            ApiCode::PaymentGatewayUnavailable => PurchaseError::GatewayUnavailable,
            ApiCode::OrderNotFound => PurchaseError::OrderNotFound,
            _ => return None,
        })
    }
}

area_error!(PurchaseError);

/// A purchase's end as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Purchase {
    /// As the server last said.
    pub order: Order,
    /// What the SDK answered, typed.
    pub sdk: PaymentOutcome,
    /// The server has not confirmed the order yet: it stays observable and resolves later.
    pub still_confirming: bool,
}

/// The purchases area's tables in an account's database.
pub(crate) const ACCOUNT_SCHEMA: &Schema = &store::SCHEMA;

pub(crate) struct PurchasesArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    orders: watch::Sender<Vec<Order>>,
    entitlements: watch::Sender<Entitlements>,
    /// Purchases under way, by product and method: a double tap makes one.
    in_flight: Mutex<HashSet<(String, PaymentMethod)>>,
    confirm_within_ms: AtomicU64,
}

impl OnPlatform for PurchasesArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

/// A purchase under way; dropping it ends it.
struct UnderWay {
    area: Arc<PurchasesArea>,
    key: (String, PaymentMethod),
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.area
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl PurchasesArea {
    pub(crate) fn new(platform: Arc<Platform>, account: Arc<Account>) -> Self {
        Self {
            platform,
            account,
            orders: watch::Sender::new(Vec::new()),
            entitlements: watch::Sender::new(Entitlements::default()),
            in_flight: Mutex::new(HashSet::new()),
            confirm_within_ms: AtomicU64::new(CONFIRM_WITHIN.as_millis() as u64),
        }
    }

    /// At start, in the background: orders a killed app left confirming are asked for again.
    pub(crate) fn resume(self: &Arc<Self>) {
        if self.account.db().is_err() {
            return;
        }
        let area = self.clone();
        self.platform.runtime.spawn_background(async move {
            if let Err(error) = area.resolve_confirming().await {
                tracing::info!(%error, "orders not confirmed at start");
            }
        });
    }

    fn start(self: &Arc<Self>, product_id: &str, method: PaymentMethod) -> Option<UnderWay> {
        let key = (product_id.to_owned(), method);
        let fresh = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone());
        fresh.then(|| UnderWay {
            area: self.clone(),
            key,
        })
    }

    async fn buy(
        self: Arc<Self>,
        product_id: String,
        method: PaymentMethod,
        provider: Arc<dyn PaymentProvider>,
    ) -> Result<Purchase, PurchaseError> {
        let db = self.account.db()?;
        let _under_way = self
            .start(&product_id, method)
            .ok_or(PurchaseError::AlreadyInProgress)?;
        let key = store::attempt_key(&db.conn(), &product_id, method, self.platform.now())?;
        let created = match self
            .create_order(&db.account_id, &product_id, method, &key)
            .await
        {
            Ok(created) => created,
            // Refused: nothing was ordered, nothing is kept. A network failure keeps the key,
            // so a retry gets the order the server may have made.
            Err(refused) if !matches!(refused, PurchaseError::Network { .. }) => {
                store::drop_attempt(&db.conn(), &product_id, method)?;
                return Err(refused);
            }
            Err(error) => return Err(error),
        };
        let mut order = created.order;
        // Kept before the SDK is called: a kill from here on leaves it to confirm at start.
        order.confirming = true;
        store::order_made(&db.conn(), &order)?;
        self.orders.send_replace(store::orders(&db.conn())?);
        tracing::info!(order = %order.number, method = method.key(), "handing the order to the payment app");
        let outcome = provider
            .pay(created.pay_request)
            .await
            .map_err(|error| PurchaseError::PaymentAppFailed {
                detail: error.to_string(),
            })?
            .outcome();
        let report = match outcome {
            PaymentOutcome::Succeeded | PaymentOutcome::Processing => Some(Report::Succeeded),
            PaymentOutcome::Cancelled => Some(Report::Cancelled),
            PaymentOutcome::Failed => Some(Report::Failed),
            // The payment may have happened: only the server can tell.
            PaymentOutcome::NetworkError
            | PaymentOutcome::DuplicateRequest
            | PaymentOutcome::Unknown { .. } => None,
        };
        if let Some(report) = report {
            match self.report(&db.account_id, &order.number, report).await {
                Ok(reported) => order = self.keep(&db.account_id, &reported)?,
                Err(error) => tracing::info!(%error, "the SDK's answer was not reported"),
            }
        }
        let limit = Duration::from_millis(self.confirm_within_ms.load(Ordering::Relaxed));
        let order = self.until_final(&db.account_id, order, limit).await?;
        if order.status == OrderStatus::Paid
            && let Err(error) = self.sync_entitlements().await
        {
            tracing::info!(%error, "entitlements not refreshed after a purchase");
        }
        Ok(Purchase {
            still_confirming: !order.status.is_final(),
            order,
            sdk: outcome,
        })
    }

    fn kept_orders(&self) -> Result<Vec<Order>, PurchaseError> {
        let db = self.account.db()?;
        let orders = store::orders(&db.conn())?;
        self.orders.send_replace(orders.clone());
        Ok(orders)
    }

    async fn refresh_orders(&self) -> Result<Vec<Order>, PurchaseError> {
        let db = self.account.db()?;
        // First the ones being confirmed: one that was paid refreshes the entitlements.
        self.resolve_confirming().await?;
        let listed = self.fetch_orders(&db.account_id).await?;
        let Some(db) = self.account.db_of(&db.account_id) else {
            return Err(PurchaseError::NotLoggedIn);
        };
        store::save_listed(&db.conn(), &listed)?;
        self.kept_orders()
    }

    /// The order from the server; offline, as kept.
    async fn order(&self, number: &str) -> Result<Order, PurchaseError> {
        let db = self.account.db()?;
        match self.fetch_order(&db.account_id, number).await {
            Ok(order) => self.keep(&db.account_id, &order),
            Err(PurchaseError::Network {
                problem: NetworkProblem::Offline,
            }) => store::orders(&db.conn())?
                .into_iter()
                .find(|order| order.number == number)
                .ok_or(PurchaseError::OrderNotFound),
            Err(error) => Err(error),
        }
    }
}

#[async_trait::async_trait]
impl AccountObserver for PurchasesArea {
    /// A login (on a new device too) restores what the account bought, and confirms what a
    /// session left confirming.
    async fn logged_in(&self) {
        if let Err(error) = self.refresh_orders().await {
            tracing::info!(%error, "orders not fetched after login");
        }
        if let Err(error) = self.sync_entitlements().await {
            tracing::info!(%error, "entitlements not fetched after login");
        }
    }

    fn session_ended(&self) {
        self.orders.send_replace(Vec::new());
        self.entitlements.send_replace(Entitlements::default());
    }

    fn clear_cache(&self, conn: &Connection) -> Result<(), StoreError> {
        store::clear(conn)
    }
}

/// The shop of a [`crate::Client`].
#[derive(Clone)]
pub struct PurchasesClient(Arc<PurchasesArea>);

impl PurchasesClient {
    pub(crate) fn new(area: Arc<PurchasesArea>) -> Self {
        Self(area)
    }

    /// What can be bought, from the server.
    pub async fn catalogue(&self) -> Result<Catalogue, PurchaseError> {
        run(&self.0, |area| async move { area.catalogue().await }).await
    }

    /// Buys `product_id` with `method`: the server makes the order and its signed pay
    /// request, `provider` (the shell's SDK) takes it, and the server's word decides. Needs a
    /// login, and above the catalogue's threshold a recent one (`ReauthRequired`). A second
    /// call for the same product and method while one is under way is `AlreadyInProgress`; a
    /// retry after a lost answer gets the same order.
    pub async fn buy(
        &self,
        product_id: String,
        method: PaymentMethod,
        provider: Arc<dyn PaymentProvider>,
    ) -> Result<Purchase, PurchaseError> {
        run(&self.0, |area| area.buy(product_id, method, provider)).await
    }

    /// The orders as kept, newest first: offline too.
    pub async fn orders(&self) -> Result<Vec<Order>, PurchaseError> {
        run(&self.0, |area| async move { area.kept_orders() }).await
    }

    /// The orders from the server, and every order still confirming asked for again.
    pub async fn refresh_orders(&self) -> Result<Vec<Order>, PurchaseError> {
        run(&self.0, |area| async move { area.refresh_orders().await }).await
    }

    /// One order from the server; offline, as kept.
    pub async fn order(&self, number: String) -> Result<Order, PurchaseError> {
        run(&self.0, |area| async move { area.order(&number).await }).await
    }

    /// The entitlements as kept: offline too.
    pub async fn entitlements(&self) -> Result<Entitlements, PurchaseError> {
        run(&self.0, |area| async move { area.kept_entitlements() }).await
    }

    pub async fn refresh_entitlements(&self) -> Result<Entitlements, PurchaseError> {
        run(
            &self.0,
            |area| async move { area.sync_entitlements().await },
        )
        .await
    }

    /// The kept orders now, then every change (a purchase, a confirmation).
    pub fn order_updates(&self) -> Updates<Vec<Order>> {
        let area = self.0.clone();
        let load = async move {
            if area.kept_orders().is_err() {
                area.orders.send_replace(Vec::new());
            }
        };
        Updates::watching(self.0.orders.subscribe(), load)
    }

    /// The kept entitlements now, then every change.
    pub fn entitlement_updates(&self) -> Updates<Entitlements> {
        let area = self.0.clone();
        let load = async move {
            if area.kept_entitlements().is_err() {
                area.entitlements.send_replace(Entitlements::default());
            }
        };
        Updates::watching(self.0.entitlements.subscribe(), load)
    }

    /// How long a purchase waits for the server's confirmation before answering
    /// `still_confirming` (20 s by default).
    pub fn set_confirmation_limit_ms(&self, limit_ms: u64) {
        self.0.confirm_within_ms.store(limit_ms, Ordering::Relaxed);
    }
}
