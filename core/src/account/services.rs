//! What areas offer each other. An area never reaches another directly: it holds one of these
//! small traits, and the facade hands it the area that implements it.

use crate::policy::{ConsentPurpose, Feature};
use crate::shell::Location;
use crate::store::StoreError;

use super::Failure;

/// Browsing and click records, kept only with consent (the records area).
pub(crate) trait BrowsingRecorder: Send + Sync {
    /// A post was viewed or clicked; whether it was recorded.
    fn post_event(&self, kind: &str, post_id: &str) -> Result<bool, StoreError>;
}

/// The position for an identity authentication application, if every rule allows reading
/// it (the permissions area).
#[async_trait::async_trait]
pub(crate) trait PositionSource: Send + Sync {
    async fn position_for_identity_authentication(&self) -> Option<Location>;
}

/// Whether the permission gate allows a feature now, without asking the OS (the permissions
/// area): a flow that received what a permission gave (photos picked) checks it was allowed.
pub(crate) trait FeatureGate: Send + Sync {
    fn allowed(&self, feature: Feature) -> bool;
}

/// Records a consent the user gave in the course of a flow, e.g. binding a login provider's
/// profile (the consent area).
pub(crate) trait ConsentRecorder: Send + Sync {
    /// Records the grant; true when it was not granted before.
    fn grant(&self, purpose: ConsentPurpose) -> Result<bool, Failure>;

    /// Takes back a grant `grant` just recorded, when what it was given for did not happen:
    /// recorded as a withdrawal, so the history stays true.
    fn revert_grant(&self, purpose: ConsentPurpose) -> Result<(), Failure>;
}

/// What withdrawing a purpose does to an area's data: at once, locally; then what must reach
/// the server, delivered with the consent synchronisation.
#[async_trait::async_trait]
pub(crate) trait Withdrawal: Send + Sync {
    fn withdrawn(&self, purpose: ConsentPurpose) -> Result<(), StoreError>;

    async fn deliver(&self) -> Result<(), Failure> {
        Ok(())
    }
}

/// An area's part of "everything this device holds about me".
pub(crate) trait DataExport: Send + Sync {
    fn export(&self) -> Result<Vec<(&'static str, serde_json::Value)>, StoreError>;
}
