//! The address book: checked here with the rules the server applies (so a bad address costs
//! no request), sent once in clear when added, and otherwise only ever held as the server
//! lists it, with the recipient's name and phone masked.

use medcircle_rules::address::{self, AddressParts};
use medcircle_rules::phone;
use serde::{Deserialize, Serialize};

use super::store::{self, Kind};
use super::{MallArea, MallError};
use crate::net::Endpoint;

/// The part of an address that is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum AddressField {
    RecipientName,
    Phone,
    Province,
    City,
    District,
    Street,
}

impl From<address::AddressField> for AddressField {
    fn from(field: address::AddressField) -> Self {
        match field {
            address::AddressField::RecipientName => AddressField::RecipientName,
            address::AddressField::Phone => AddressField::Phone,
            address::AddressField::Province => AddressField::Province,
            address::AddressField::City => AddressField::City,
            address::AddressField::District => AddressField::District,
            address::AddressField::Street => AddressField::Street,
        }
    }
}

/// An address as the user types it.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct NewAddress {
    pub recipient_name: String,
    /// A mainland mobile number.
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    /// Make it the default (the first address always is).
    pub is_default: bool,
}

/// Never the name or the number in a debug line.
impl std::fmt::Debug for NewAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAddress")
            .field("recipient_name", &address::mask_name(&self.recipient_name))
            .field("phone", &phone::masked(&self.phone))
            .finish_non_exhaustive()
    }
}

impl NewAddress {
    fn check(&self) -> Result<(), MallError> {
        address::check(&AddressParts {
            recipient_name: &self.recipient_name,
            phone: &self.phone,
            province: &self.province,
            city: &self.city,
            district: &self.district,
            street: &self.street,
        })
        .map_err(|field| MallError::AddressInvalid {
            field: field.into(),
        })
    }
}

/// An address of the book, as every list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeliveryAddress {
    pub id: String,
    /// Masked: the first character, then stars.
    pub recipient_name: String,
    /// Masked: `138****8000`.
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    pub is_default: bool,
}

#[derive(Deserialize)]
struct AddressList {
    addresses: Vec<DeliveryAddress>,
}

impl MallArea {
    pub(super) async fn refresh_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::Addresses.request();
        let list: AddressList = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        self.keep_addresses(list.addresses)
    }

    pub(super) fn cached_addresses(&self) -> Result<Vec<DeliveryAddress>, MallError> {
        let db = self.account.db()?;
        Ok(store::load(&db.conn(), Kind::Addresses)?)
    }

    fn keep_addresses(
        &self,
        addresses: Vec<DeliveryAddress>,
    ) -> Result<Vec<DeliveryAddress>, MallError> {
        let db = self.account.db()?;
        let rows: Vec<_> = addresses.iter().map(|a| (a.id.clone(), a)).collect();
        store::replace(&db.conn(), Kind::Addresses, &rows)?;
        Ok(addresses)
    }

    pub(super) async fn add_address(
        &self,
        address: NewAddress,
    ) -> Result<DeliveryAddress, MallError> {
        address.check()?;
        let db = self.account.db()?;
        let request = Endpoint::AddressAdd.request().json(&address);
        let added: DeliveryAddress = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        tracing::info!(address = %added.id, "address added");
        if let Err(error) = self.refresh_addresses().await {
            tracing::info!(%error, "address book not refreshed after adding");
        }
        Ok(added)
    }

    pub(super) async fn set_default_address(
        &self,
        id: &str,
    ) -> Result<Vec<DeliveryAddress>, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::AddressDefault.request().id(id);
        let list: AddressList = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        self.keep_addresses(list.addresses)
    }

    pub(super) async fn delete_address(&self, id: &str) -> Result<Vec<DeliveryAddress>, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::AddressDelete.request().id(id);
        self.account.send_for(&db.account_id, &request).await?;
        tracing::info!(address = %id, "address deleted");
        self.refresh_addresses().await
    }
}
