//! The wheat-grain mall: the points balance and its history, the daily check-in
//! (`points.rs`), the catalogue (`catalogue.rs`), the address book checked with the rules the
//! server applies (`addresses.rs`), and redemptions: redeem with an idempotency key, cancel
//! until shipped, observe their status (`redemptions.rs`). Everything read is kept in the
//! account's encrypted store (`store.rs`) for offline reading; the server is the only
//! authority on balances and stock, so nothing here computes one it then trusts.

mod addresses;
mod catalogue;
mod points;
mod redemptions;
mod store;

use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::watch;

pub use addresses::{AddressField, DeliveryAddress, NewAddress};
pub use catalogue::{CataloguePage, MallItem};
pub use points::{CheckInOutcome, PointsBalance, PointsChange, PointsReason};
pub use redemptions::{Redemption, RedemptionStatus};

use crate::account::{Account, AccountObserver, AreaError, area_error};
use crate::net::{ApiCode, ApiError, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::store::{Schema, StoreError};
use crate::updates::Updates;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum MallError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// None is left (another redemption took the last one): refresh the item.
    #[error("the item is out of stock")]
    OutOfStock,
    /// The balance is below the price.
    #[error("not enough wheat grains for this item")]
    InsufficientPoints,
    /// This account has redeemed as many of this item as one account may.
    #[error("the limit per user for this item is reached")]
    LimitReached,
    /// A part of the address is not acceptable: show it at `field`.
    #[error("the address is not acceptable: {field:?}")]
    AddressInvalid { field: AddressField },
    #[error("no such item")]
    ItemNotFound,
    #[error("no such address")]
    AddressNotFound,
    #[error("no such redemption")]
    RedemptionNotFound,
    /// It has shipped: it can no longer be cancelled.
    #[error("the redemption has shipped; it can no longer be cancelled")]
    NotCancellable,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for MallError {
    fn network(problem: NetworkProblem) -> Self {
        MallError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        MallError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        MallError::NotLoggedIn
    }

    fn session_expired() -> Self {
        MallError::SessionExpired
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::OutOfStock => MallError::OutOfStock,
            ApiCode::InsufficientPoints => MallError::InsufficientPoints,
            ApiCode::LimitReached => MallError::LimitReached,
            ApiCode::AddressInvalid => MallError::AddressInvalid {
                field: error.field.map(AddressField::from)?,
            },
            ApiCode::ItemNotFound => MallError::ItemNotFound,
            ApiCode::AddressNotFound => MallError::AddressNotFound,
            ApiCode::RedemptionNotFound => MallError::RedemptionNotFound,
            ApiCode::NotCancellable => MallError::NotCancellable,
            _ => return None,
        })
    }
}

area_error!(MallError);

/// The mall's tables in an account's database.
pub(crate) const ACCOUNT_SCHEMA: &Schema = &store::SCHEMA;

pub(crate) struct MallArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    /// The redemptions as listeners see them, newest first.
    redemptions: watch::Sender<Vec<Redemption>>,
}

impl OnPlatform for MallArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl MallArea {
    pub(crate) fn new(platform: Arc<Platform>, account: Arc<Account>) -> Self {
        Self {
            platform,
            account,
            redemptions: watch::Sender::new(Vec::new()),
        }
    }
}

impl AccountObserver for MallArea {
    fn session_ended(&self) {
        self.redemptions.send_replace(Vec::new());
    }

    fn clear_cache(&self, conn: &Connection) -> Result<(), StoreError> {
        self.redemptions.send_replace(Vec::new());
        store::clear(conn)
    }
}

/// The wheat-grain mall of a [`crate::Client`].
#[derive(Clone)]
pub struct MallClient(Arc<MallArea>);

impl MallClient {
    pub(crate) fn new(area: Arc<MallArea>) -> Self {
        Self(area)
    }

    /// The balance and its history from the server, kept for offline reading.
    pub async fn refresh_points(&self) -> Result<PointsBalance, MallError> {
        run(&self.0, |area| async move { area.refresh_points().await }).await
    }

    /// The balance and history last fetched, offline; `None` before the first fetch.
    pub async fn cached_points(&self) -> Result<Option<PointsBalance>, MallError> {
        run(&self.0, |area| async move { area.cached_points() }).await
    }

    /// Today's check-in: whether it earned (once a day), and the balance the server reports.
    pub async fn check_in(&self) -> Result<CheckInOutcome, MallError> {
        run(&self.0, |area| async move { area.check_in().await }).await
    }

    /// The catalogue's first page, replacing the cached catalogue.
    pub async fn refresh_catalogue(&self) -> Result<CataloguePage, MallError> {
        run(
            &self.0,
            |area| async move { area.catalogue_page(false).await },
        )
        .await
    }

    /// The next page after the cached ones, added to the cache; the whole cached catalogue.
    pub async fn more_catalogue(&self) -> Result<CataloguePage, MallError> {
        run(
            &self.0,
            |area| async move { area.catalogue_page(true).await },
        )
        .await
    }

    /// The cached catalogue, offline.
    pub async fn cached_catalogue(&self) -> Result<CataloguePage, MallError> {
        run(&self.0, |area| async move { area.cached_catalogue() }).await
    }

    /// One item as the server has it now (its stock).
    pub async fn item(&self, id: String) -> Result<MallItem, MallError> {
        run(&self.0, |area| async move { area.item(&id).await }).await
    }

    /// The address book from the server (names and phones masked), kept for offline reading.
    pub async fn refresh_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        run(
            &self.0,
            |area| async move { area.refresh_addresses().await },
        )
        .await
    }

    /// The address book last fetched, offline.
    pub async fn cached_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        run(&self.0, |area| async move { area.cached_addresses() }).await
    }

    /// Checks the address (`AddressInvalid { field }` before any request), then adds it.
    pub async fn add_address(&self, address: NewAddress) -> Result<DeliveryAddress, MallError> {
        run(
            &self.0,
            |area| async move { area.add_address(address).await },
        )
        .await
    }

    pub async fn set_default_address(&self, id: String) -> Result<Vec<DeliveryAddress>, MallError> {
        run(&self.0, |area| async move {
            area.set_default_address(&id).await
        })
        .await
    }

    pub async fn delete_address(&self, id: String) -> Result<Vec<DeliveryAddress>, MallError> {
        run(
            &self.0,
            |area| async move { area.delete_address(&id).await },
        )
        .await
    }

    /// Redeems one item to one address. Sent with an idempotency key kept in the store until
    /// the server answers: retries after a lost answer, and a second call for the same item
    /// and address before an answer came, redeem once.
    pub async fn redeem(
        &self,
        item_id: String,
        address_id: String,
    ) -> Result<Redemption, MallError> {
        run(&self.0, |area| async move {
            area.redeem(&item_id, &address_id).await
        })
        .await
    }

    /// Cancels a redemption that has not shipped; the server refunds the points.
    pub async fn cancel_redemption(&self, id: String) -> Result<Redemption, MallError> {
        run(&self.0, |area| async move { area.cancel(&id).await }).await
    }

    /// The redemptions from the server, kept; the listeners get them.
    pub async fn refresh_redemptions(&self) -> Result<Vec<Redemption>, MallError> {
        run(
            &self.0,
            |area| async move { area.refresh_redemptions().await },
        )
        .await
    }

    /// The redemptions kept, now, then every change (a redemption, a cancellation, a refresh
    /// that brings a shipment or a delivery).
    pub fn redemption_updates(&self) -> Updates<Vec<Redemption>> {
        let area = self.0.clone();
        let load = async move {
            if let Err(error) = area.cached_redemptions() {
                tracing::debug!(%error, "no kept redemptions to show");
            }
        };
        Updates::watching(self.0.redemptions.subscribe(), load)
    }
}
