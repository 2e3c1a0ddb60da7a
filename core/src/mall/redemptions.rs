//! Redemptions: redeeming with an idempotency key kept in the store until the server answers,
//! cancelling until shipped, and the list kept and observed.

use serde::{Deserialize, Serialize};

use super::addresses::DeliveryAddress;
use super::store::{self, Kind};
use super::{MallArea, MallError};
use crate::account::Failure;
use crate::net::{Endpoint, NetError, RetryPolicy};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum RedemptionStatus {
    /// Points spent; it can still be cancelled.
    Placed,
    /// On its way: carrier and tracking number known; the address went to them.
    Shipped,
    Delivered,
    /// Cancelled before it shipped: the points were refunded.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Redemption {
    pub id: String,
    pub item_id: String,
    pub item_title: String,
    /// Wheat grains it cost.
    pub points: i64,
    pub status: RedemptionStatus,
    /// Where it ships to, name and phone masked.
    pub address: DeliveryAddress,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize)]
struct RedeemBody<'a> {
    item_id: &'a str,
    address_id: &'a str,
}

#[derive(Deserialize)]
struct RedemptionList {
    redemptions: Vec<Redemption>,
}

/// The answer may have been lost after the server acted: the same key may go again.
fn answer_lost(failure: &Failure) -> bool {
    matches!(failure, Failure::Net(error) if error.is_transient() || matches!(error, NetError::Malformed(_)))
}

impl MallArea {
    pub(super) async fn redeem(
        &self,
        item_id: &str,
        address_id: &str,
    ) -> Result<Redemption, MallError> {
        let db = self.account.db()?;
        let key = store::pending_key(&db.conn(), item_id, address_id, self.platform.now())?;
        let request = Endpoint::Redeem
            .request()
            .json(&RedeemBody {
                item_id,
                address_id,
            })
            .idempotency_key(&key);
        let retry = RetryPolicy::default();
        let mut attempt = 0;
        let answer = loop {
            attempt += 1;
            match self.account.send_for(&db.account_id, &request).await {
                Err(failure) if answer_lost(&failure) && attempt < retry.attempts => {
                    tracing::info!(attempt, error = %failure, "redemption's answer lost; sending it again");
                    tokio::time::sleep(retry.delay(attempt)).await;
                }
                // The key stays: the next call for this item and address sends it again.
                Err(failure) if answer_lost(&failure) => return Err(failure.into()),
                Err(failure @ Failure::Net(NetError::Refused { .. })) => {
                    // A refusal changed nothing on the server: the key is spent.
                    store::settle(&db.conn(), &key)?;
                    return Err(failure.into());
                }
                other => break other?,
            }
        };
        let redemption: Redemption = answer.json()?;
        store::settle(&db.conn(), &key)?;
        tracing::info!(redemption = %redemption.id, "item redeemed");
        self.keep_one(redemption.clone())?;
        Ok(redemption)
    }

    pub(super) async fn cancel(&self, id: &str) -> Result<Redemption, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::RedemptionCancel.request().id(id);
        let redemption: Redemption = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        tracing::info!(redemption = %redemption.id, "redemption cancelled");
        self.keep_one(redemption.clone())?;
        Ok(redemption)
    }

    pub(super) async fn refresh_redemptions(&self) -> Result<Vec<Redemption>, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::Redemptions.request();
        let list: RedemptionList = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        let rows: Vec<_> = list.redemptions.iter().map(|r| (r.id.clone(), r)).collect();
        store::replace(&db.conn(), Kind::Redemptions, &rows)?;
        // Another account may have logged in while the answer was on its way.
        if self.account.db_of(&db.account_id).is_none() {
            return Err(MallError::NotLoggedIn);
        }
        self.redemptions.send_replace(list.redemptions.clone());
        Ok(list.redemptions)
    }

    pub(super) fn cached_redemptions(&self) -> Result<Vec<Redemption>, MallError> {
        let db = self.account.db()?;
        let kept: Vec<Redemption> = store::load(&db.conn(), Kind::Redemptions)?;
        self.redemptions.send_replace(kept.clone());
        Ok(kept)
    }

    /// Puts one redemption at its place in the kept list (a new one first) and tells the
    /// listeners.
    fn keep_one(&self, redemption: Redemption) -> Result<(), MallError> {
        let db = self.account.db()?;
        let mut kept: Vec<Redemption> = store::load(&db.conn(), Kind::Redemptions)?;
        match kept.iter_mut().find(|r| r.id == redemption.id) {
            Some(place) => *place = redemption,
            None => kept.insert(0, redemption),
        }
        let rows: Vec<_> = kept.iter().map(|r| (r.id.clone(), r)).collect();
        store::replace(&db.conn(), Kind::Redemptions, &rows)?;
        self.redemptions.send_replace(kept);
        Ok(())
    }
}
