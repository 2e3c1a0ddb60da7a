//! Reading the phone's position: only through the shell's provider, only when positioning is
//! on, its consent given and the OS allows it, and only for identity authentication — the
//! one purpose the policy declares for GPS.

use crate::shell::{Location, ProviderError};

/// Implemented by the shell: one reading of the OS location service.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
#[async_trait::async_trait]
pub trait LocationProvider: Send + Sync {
    async fn current_location(&self) -> Result<Location, ProviderError>;
}

/// One reading, if the provider gives a possible one; otherwise none, and the application
/// goes without (a refusal never blocks it).
pub(super) async fn read(provider: &dyn LocationProvider) -> Option<Location> {
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
