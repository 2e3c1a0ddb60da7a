//! Wheat grains: the balance and its history as the server reports them, kept for offline
//! reading, and the daily check-in.

use serde::{Deserialize, Serialize};

use super::{MallArea, MallError, store};
use crate::net::Endpoint;

const KEPT: &str = "points";

/// Why the balance changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PointsReason {
    CheckIn,
    PostPublished,
    CommentReceived,
    CertificationCompleted,
    /// Spent on a redemption.
    Redemption,
    /// A cancelled redemption's points back.
    Refund,
    /// Granted by MedCircle.
    Grant,
    /// A reason this version does not know.
    #[serde(other)]
    Other,
}

/// One change of the balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PointsChange {
    pub id: String,
    /// Positive when earned or refunded, negative when spent.
    pub amount: i64,
    pub reason: PointsReason,
    /// What it is about: the day, post, comment or redemption.
    pub reference: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// The balance and every change, newest first, as the server reported them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PointsBalance {
    pub balance: i64,
    pub history: Vec<PointsChange>,
    /// When this was fetched (Unix seconds): a cached balance may be old.
    #[serde(default)]
    pub fetched_at: i64,
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CheckInOutcome {
    /// False when this account already checked in today.
    pub awarded: bool,
    /// What a check-in earns.
    pub amount: i64,
    /// The balance the server reports afterwards.
    pub balance: i64,
}

impl MallArea {
    pub(super) async fn refresh_points(&self) -> Result<PointsBalance, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::Points.request();
        let mut points: PointsBalance = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        points.fetched_at = self.platform.now();
        store::set_state(&db.conn(), KEPT, &points)?;
        Ok(points)
    }

    pub(super) fn cached_points(&self) -> Result<Option<PointsBalance>, MallError> {
        let db = self.account.db()?;
        Ok(store::state(&db.conn(), KEPT)?)
    }

    pub(super) async fn check_in(&self) -> Result<CheckInOutcome, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::CheckIn.request();
        let outcome: CheckInOutcome = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        tracing::info!(awarded = outcome.awarded, "checked in");
        // The history changed with it: the kept one follows, when the network allows.
        if let Err(error) = self.refresh_points().await {
            tracing::info!(%error, "points not refreshed after the check-in");
        }
        Ok(outcome)
    }
}
