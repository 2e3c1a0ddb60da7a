use std::sync::Arc;

use medcircle_core::{
    CataloguePage, CheckInOutcome, Client, DeliveryAddress, MallClient, MallError, MallItem,
    NewAddress, PointsBalance, Redemption,
};

use crate::task::{TaskHandle, observe};

/// Follows the redemption orders: the first call carries the kept list, then every change.
#[uniffi::export(foreign)]
pub trait RedemptionsListener: Send + Sync {
    fn on_update(&self, redemptions: Vec<Redemption>);
}

/// The wheat-grain mall: points and the check-in, the catalogue, the address book,
/// redemptions.
#[derive(uniffi::Object)]
pub struct Mall {
    client: Client,
    mall: MallClient,
}

impl Mall {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            mall: client.mall(),
            client,
        }
    }
}

#[uniffi::export]
impl Mall {
    pub async fn refresh_points(&self) -> Result<PointsBalance, MallError> {
        self.mall.refresh_points().await
    }

    /// Offline: the balance and history last fetched.
    pub async fn cached_points(&self) -> Result<Option<PointsBalance>, MallError> {
        self.mall.cached_points().await
    }

    pub async fn check_in(&self) -> Result<CheckInOutcome, MallError> {
        self.mall.check_in().await
    }

    pub async fn refresh_catalogue(&self) -> Result<CataloguePage, MallError> {
        self.mall.refresh_catalogue().await
    }

    pub async fn more_catalogue(&self) -> Result<CataloguePage, MallError> {
        self.mall.more_catalogue().await
    }

    pub async fn cached_catalogue(&self) -> Result<CataloguePage, MallError> {
        self.mall.cached_catalogue().await
    }

    pub async fn item(&self, id: String) -> Result<MallItem, MallError> {
        self.mall.item(id).await
    }

    pub async fn refresh_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        self.mall.refresh_addresses().await
    }

    pub async fn cached_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        self.mall.cached_addresses().await
    }

    /// `AddressInvalid(field)` before any request when a part is not acceptable.
    pub async fn add_address(&self, address: NewAddress) -> Result<DeliveryAddress, MallError> {
        self.mall.add_address(address).await
    }

    pub async fn set_default_address(&self, id: String) -> Result<Vec<DeliveryAddress>, MallError> {
        self.mall.set_default_address(id).await
    }

    pub async fn delete_address(&self, id: String) -> Result<Vec<DeliveryAddress>, MallError> {
        self.mall.delete_address(id).await
    }

    /// Once per item and address until the server answers, however often it is retried.
    pub async fn redeem(
        &self,
        item_id: String,
        address_id: String,
    ) -> Result<Redemption, MallError> {
        self.mall.redeem(item_id, address_id).await
    }

    pub async fn cancel_redemption(&self, id: String) -> Result<Redemption, MallError> {
        self.mall.cancel_redemption(id).await
    }

    pub async fn refresh_redemptions(&self) -> Result<Vec<Redemption>, MallError> {
        self.mall.refresh_redemptions().await
    }

    pub fn observe_redemptions(&self, listener: Arc<dyn RedemptionsListener>) -> Arc<TaskHandle> {
        observe(
            &self.client,
            self.mall.redemption_updates(),
            move |redemptions| listener.on_update(redemptions),
        )
    }
}
