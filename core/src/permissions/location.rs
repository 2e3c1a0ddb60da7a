//! Reading the phone's position: only through the shell's provider, only when positioning is
//! on, its consent given and the OS allows it, and only for identity authentication — the
//! one purpose the policy declares for GPS.

use std::sync::Arc;

use super::{Feature, PermissionDecision, ProviderError, check};
use crate::client::Inner;

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    /// Radius of uncertainty in metres.
    pub accuracy_m: f64,
}

/// Implemented by the shell: one reading of the OS location service.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
#[async_trait::async_trait]
pub trait LocationProvider: Send + Sync {
    async fn current_location(&self) -> Result<Location, ProviderError>;
}

pub(crate) type LocationSlot = std::sync::RwLock<Option<Arc<dyn LocationProvider>>>;

/// The position for an identity authentication application, if every rule allows reading
/// it; otherwise none, and the application goes without (refusal never blocks it).
pub(crate) async fn for_identity_authentication(inner: &Inner) -> Option<Location> {
    match check(inner, Feature::Positioning) {
        Ok(PermissionDecision::Allowed) => {}
        _ => return None,
    }
    let provider = inner
        .location_provider
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()?;
    match provider.current_location().await {
        Ok(location) if valid(&location) => Some(location),
        Ok(_) => {
            tracing::warn!("location provider returned an impossible position; ignored");
            None
        }
        Err(error) => {
            tracing::info!(%error, "no location for this application");
            None
        }
    }
}

fn valid(location: &Location) -> bool {
    (-90.0..=90.0).contains(&location.latitude)
        && (-180.0..=180.0).contains(&location.longitude)
        && location.accuracy_m.is_finite()
        && location.accuracy_m >= 0.0
}
