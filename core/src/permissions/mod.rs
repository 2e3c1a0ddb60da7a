//! The permission gate: before a feature touches the camera, the photo library or GPS, the core
//! answers *allowed*, *show this rationale first*, or *unavailable (why)*. The OS is reached
//! only through the shell's [`PermissionProvider`], and only when the user asked for the
//! feature and saw the rationale: never on start-up, never again within 48 hours of a refusal.

mod gate;
mod location;
mod store;

use std::sync::{Arc, RwLock};

pub use location::LocationProvider;

use gate::{Facts, decide};
use store::PermissionRefusal;

use crate::account::{DataExport, FeatureGate, PositionSource, Withdrawal};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::{ConsentPurpose, Feature, Permission, Rationale};
use crate::shell::{Location, ProviderError};
use crate::store::{Schema, StoreError};

/// What the OS says about a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PermissionStatus {
    Granted,
    NotDetermined,
    Denied,
    /// The OS will not show its dialog again ("don't ask again"): only Settings can change it.
    DeniedPermanently,
    /// Blocked by parental controls or device policy.
    Restricted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum UnavailableReason {
    /// The user has not given (or has withdrawn) the consent this feature needs.
    ConsentRequired {
        purpose: ConsentPurpose,
    },
    /// Positioning is off: the user turns it on in the app first.
    PositioningOff,
    /// Refused less than 48 hours ago: the app does not ask again yet.
    DeniedRecently {
        retry_after_s: u64,
    },
    /// The OS will not ask again: offer to open the system settings.
    DeniedPermanently,
    Restricted,
    /// The shell has not registered its permission provider.
    NoProvider,
    /// The shell's provider failed (threw): nothing was recorded; the user may try again.
    ProviderFailed {
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum PermissionDecision {
    Allowed,
    ShowRationale { rationale: Rationale },
    Unavailable { reason: UnavailableReason },
}

/// Implemented by the shell: the OS permission API, nothing more.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
#[async_trait::async_trait]
pub trait PermissionProvider: Send + Sync {
    fn status(&self, permission: Permission) -> Result<PermissionStatus, ProviderError>;
    /// Shows the OS dialog and returns the outcome.
    async fn request(&self, permission: Permission) -> Result<PermissionStatus, ProviderError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum PermissionError {
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

/// The gate reads only local state: storage is all that can fail.
impl From<StoreError> for PermissionError {
    fn from(error: StoreError) -> Self {
        PermissionError::Storage {
            detail: error.to_string(),
        }
    }
}

/// The permission area's tables in the app database.
pub(crate) const APP_SCHEMA: &Schema = &store::SCHEMA;

type Slot<T> = RwLock<Option<Arc<T>>>;

pub(crate) struct PermissionsArea {
    platform: Arc<Platform>,
    provider: Slot<dyn PermissionProvider>,
    location: Slot<dyn LocationProvider>,
    /// Held while an OS dialog is up.
    dialog: tokio::sync::Mutex<()>,
}

impl OnPlatform for PermissionsArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

fn read<T: ?Sized>(slot: &Slot<T>) -> Option<Arc<T>> {
    slot.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T: ?Sized>(slot: &Slot<T>, value: Arc<T>) {
    *slot.write().unwrap_or_else(|p| p.into_inner()) = Some(value);
}

/// The permission area of a [`crate::Client`].
#[derive(Clone)]
pub struct PermissionsClient(Arc<PermissionsArea>);

impl PermissionsClient {
    pub(crate) fn new(area: Arc<PermissionsArea>) -> Self {
        Self(area)
    }

    /// Registers the shell's access to the OS permission API (once, at start).
    pub fn set_provider(&self, provider: Arc<dyn PermissionProvider>) {
        write(&self.0.provider, provider);
    }

    /// Registers the shell's access to the OS location service; read only as `Positioning`
    /// allows, for identity authentication.
    pub fn set_location_provider(&self, provider: Arc<dyn LocationProvider>) {
        write(&self.0.location, provider);
    }

    /// What the feature may do now. Reads the OS status; never shows a dialog.
    pub async fn check(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        run(&self.0, |area| async move { Ok(area.check(feature)?) }).await
    }

    /// The user asked for the feature and saw the rationale: show the OS dialog if, and only
    /// if, the gate still says so, and remember a refusal.
    pub async fn request(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        run(
            &self.0,
            |area| async move { Ok(area.request(feature).await?) },
        )
        .await
    }

    /// Positioning is off until the user turns it on; turning it off takes effect at once.
    pub async fn set_positioning_enabled(&self, enabled: bool) -> Result<(), PermissionError> {
        run(&self.0, |area| async move {
            store::set_positioning(&area.platform.app_db.conn(), enabled)?;
            tracing::info!(enabled, "positioning switched");
            Ok(())
        })
        .await
    }

    pub async fn positioning_enabled(&self) -> Result<bool, PermissionError> {
        run(&self.0, |area| async move {
            Ok(store::positioning(&area.platform.app_db.conn())?)
        })
        .await
    }
}

impl PermissionsArea {
    pub(crate) fn new(platform: Arc<Platform>) -> Self {
        Self {
            platform,
            provider: RwLock::default(),
            location: RwLock::default(),
            dialog: tokio::sync::Mutex::default(),
        }
    }

    fn check(&self, feature: Feature) -> Result<PermissionDecision, StoreError> {
        let gate = &self.platform.gate;
        let missing_consent = match feature.purpose() {
            _ if !gate.policy_accepted() => Some(ConsentPurpose::PrivacyPolicy),
            Some(purpose) if !gate.allows(purpose) => Some(purpose),
            _ => None,
        };
        let permission = feature.permission();
        let (positioning_on, refusal) = {
            let conn = self.platform.app_db.conn();
            (
                store::positioning(&conn)?,
                store::refusal(&conn, permission)?,
            )
        };
        let facts = Facts {
            missing_consent,
            positioning_on,
            status: || {
                let provider = read(&self.provider).ok_or(UnavailableReason::NoProvider)?;
                provider
                    .status(permission)
                    .map_err(|e| UnavailableReason::ProviderFailed {
                        detail: e.to_string(),
                    })
            },
            refusal,
            now: self.platform.now(),
        };
        Ok(decide(feature, facts))
    }

    async fn request(&self, feature: Feature) -> Result<PermissionDecision, StoreError> {
        // One dialog at a time: a second request (a double tap, another feature needing the
        // same permission) waits and then sees the first one's outcome instead of asking again.
        let _dialog = self.dialog.lock().await;
        let decision = self.check(feature)?;
        if !matches!(decision, PermissionDecision::ShowRationale { .. }) {
            return Ok(decision);
        }
        let Some(provider) = read(&self.provider) else {
            return Ok(PermissionDecision::Unavailable {
                reason: UnavailableReason::NoProvider,
            });
        };
        let permission = feature.permission();
        let outcome = match provider.request(permission).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(?feature, %error, "permission provider failed");
                return Ok(PermissionDecision::Unavailable {
                    reason: UnavailableReason::ProviderFailed {
                        detail: error.to_string(),
                    },
                });
            }
        };
        let refusal = match outcome {
            PermissionStatus::Granted | PermissionStatus::Restricted => None,
            PermissionStatus::Denied | PermissionStatus::NotDetermined => Some(false),
            PermissionStatus::DeniedPermanently => Some(true),
        }
        .map(|permanent| PermissionRefusal {
            refused_at: self.platform.now(),
            permanent,
        });
        store::set_refusal(&self.platform.app_db.conn(), permission, refusal)?;
        tracing::info!(?feature, ?outcome, "permission requested");
        self.check(feature)
    }
}

#[async_trait::async_trait]
impl PositionSource for PermissionsArea {
    async fn position_for_identity_authentication(&self) -> Option<Location> {
        match self.check(Feature::Positioning) {
            Ok(PermissionDecision::Allowed) => {}
            _ => return None,
        }
        location::read(read(&self.location)?.as_ref()).await
    }
}

impl FeatureGate for PermissionsArea {
    fn allowed(&self, feature: Feature) -> bool {
        matches!(self.check(feature), Ok(PermissionDecision::Allowed))
    }
}

#[async_trait::async_trait]
impl Withdrawal for PermissionsArea {
    /// Withdrawing location consent turns positioning off with it.
    fn withdrawn(&self, purpose: ConsentPurpose) -> Result<(), StoreError> {
        if purpose == ConsentPurpose::PreciseLocation {
            store::set_positioning(&self.platform.app_db.conn(), false)?;
        }
        Ok(())
    }
}

impl DataExport for PermissionsArea {
    fn export(&self) -> Result<Vec<(&'static str, serde_json::Value)>, StoreError> {
        let on = store::positioning(&self.platform.app_db.conn())?;
        Ok(vec![("positioning_enabled", on.into())])
    }
}
