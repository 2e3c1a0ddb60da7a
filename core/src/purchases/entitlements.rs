//! What the account's paid orders give, as the server says: kept in the encrypted store for
//! offline reading, and observable.

use serde::{Deserialize, Serialize};

use super::{PurchaseError, PurchasesArea, store};
use crate::net::Endpoint;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct OwnedGood {
    pub product_id: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Entitlements {
    /// Unix seconds until which the account is a member; none when it is not one.
    pub membership_until: Option<i64>,
    pub goods: Vec<OwnedGood>,
}

impl PurchasesArea {
    /// Asks the server, keeps the answer and tells the listeners.
    pub(super) async fn sync_entitlements(&self) -> Result<Entitlements, PurchaseError> {
        let db = self.account.db()?;
        let request = Endpoint::Entitlements.request();
        let fresh: Entitlements = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        store::save_entitlements(&db.conn(), &fresh)?;
        if self.account.db_of(&db.account_id).is_some() {
            self.entitlements.send_replace(fresh.clone());
        }
        Ok(fresh)
    }

    pub(super) fn kept_entitlements(&self) -> Result<Entitlements, PurchaseError> {
        let db = self.account.db()?;
        let kept = store::load_entitlements(&db.conn())?;
        self.entitlements.send_replace(kept.clone());
        Ok(kept)
    }
}
