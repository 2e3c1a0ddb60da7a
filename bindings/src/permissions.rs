use std::sync::Arc;

use medcircle_core::{
    Feature, LocationProvider, PermissionDecision, PermissionError, PermissionProvider,
    PermissionsClient,
};

/// The permission gate: ask it before a feature uses the camera, photos or location.
#[derive(uniffi::Object)]
pub struct Permissions {
    permissions: PermissionsClient,
}

impl Permissions {
    pub(crate) fn new(permissions: PermissionsClient) -> Self {
        Self { permissions }
    }
}

#[uniffi::export]
impl Permissions {
    /// Registers the shell's access to the OS permission API (once, at start).
    pub fn set_provider(&self, provider: Arc<dyn PermissionProvider>) {
        self.permissions.set_provider(provider);
    }

    /// Registers the shell's access to the OS location service (read only as positioning
    /// allows, for identity authentication).
    pub fn set_location_provider(&self, provider: Arc<dyn LocationProvider>) {
        self.permissions.set_location_provider(provider);
    }

    pub async fn check(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        self.permissions.check(feature).await
    }

    /// Call after the user chose the feature and saw the rationale.
    pub async fn request(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        self.permissions.request(feature).await
    }

    pub async fn set_positioning_enabled(&self, enabled: bool) -> Result<(), PermissionError> {
        self.permissions.set_positioning_enabled(enabled).await
    }

    pub async fn positioning_enabled(&self) -> Result<bool, PermissionError> {
        self.permissions.positioning_enabled().await
    }
}
