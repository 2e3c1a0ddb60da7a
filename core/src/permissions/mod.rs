//! The permission gate: before a feature touches the camera, the photo library or GPS, the core
//! answers *allowed*, *show this rationale first*, or *unavailable (why)*. The OS is reached
//! only through the shell's [`PermissionProvider`], and only when the user asked for the
//! feature and saw the rationale: never on start-up, never again within 48 hours of a refusal.

mod gate;
mod location;
mod rationale;

pub use location::{Location, LocationProvider};
pub(crate) use location::{LocationSlot, for_identity_authentication};
pub(crate) use rationale::for_feature as rationale_for;
use std::sync::{Arc, RwLock};

use gate::{Facts, decide};

use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::store::{PermissionRefusal, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Permission {
    Camera,
    Photos,
    Location,
}

impl Permission {
    fn key(self) -> &'static str {
        match self {
            Permission::Camera => "camera",
            Permission::Photos => "photos",
            Permission::Location => "location",
        }
    }
}

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

/// Every feature that needs a device permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Feature {
    ScanToLogin,
    PostPhotos,
    FeedbackPhotos,
    CertificationPhotos,
    Positioning,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::ScanToLogin,
        Feature::PostPhotos,
        Feature::FeedbackPhotos,
        Feature::CertificationPhotos,
        Feature::Positioning,
    ];

    pub(crate) fn permission(self) -> Permission {
        match self {
            Feature::ScanToLogin | Feature::PostPhotos | Feature::CertificationPhotos => {
                Permission::Camera
            }
            Feature::FeedbackPhotos => Permission::Photos,
            Feature::Positioning => Permission::Location,
        }
    }

    /// The consent a feature needs beyond the policy itself.
    pub(crate) fn purpose(self) -> Option<ConsentPurpose> {
        match self {
            Feature::Positioning => Some(ConsentPurpose::PreciseLocation),
            Feature::CertificationPhotos => Some(ConsentPurpose::IdentityVerification),
            Feature::ScanToLogin | Feature::PostPhotos | Feature::FeedbackPhotos => None,
        }
    }
}

/// What the shell shows before the OS dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Rationale {
    pub feature: Feature,
    pub permission: Permission,
    pub title: String,
    pub text: String,
    /// What the data is used for, in the words of the privacy policy.
    pub purpose: String,
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

/// A failure inside the shell's provider (an exception thrown in Kotlin or Swift).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ProviderError {
    #[error("permission provider failed: {detail}")]
    Failed { detail: String },
}

#[cfg(feature = "ffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for ProviderError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProviderError::Failed {
            detail: error.reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum PermissionError {
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<StoreError> for PermissionError {
    fn from(error: StoreError) -> Self {
        PermissionError::Storage {
            detail: error.to_string(),
        }
    }
}

const POSITIONING: &str = "positioning_enabled";

pub(crate) type ProviderSlot = RwLock<Option<Arc<dyn PermissionProvider>>>;
/// Held while an OS dialog is up.
pub(crate) type DialogLock = tokio::sync::Mutex<()>;

/// The permission area of a [`crate::Client`].
#[derive(Clone)]
pub struct PermissionsClient {
    inner: Arc<Inner>,
}

impl PermissionsClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Registers the shell's access to the OS permission API (once, at start).
    pub fn set_provider(&self, provider: Arc<dyn PermissionProvider>) {
        *self
            .inner
            .permission_provider
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// Registers the shell's access to the OS location service; read only as `Positioning`
    /// allows, for identity authentication.
    pub fn set_location_provider(&self, provider: Arc<dyn LocationProvider>) {
        *self
            .inner
            .location_provider
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// What the feature may do now. Reads the OS status; never shows a dialog.
    pub fn check(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        check(&self.inner, feature)
    }

    /// The user asked for the feature and saw the rationale: show the OS dialog if, and only
    /// if, the gate still says so, and remember a refusal.
    pub async fn request(&self, feature: Feature) -> Result<PermissionDecision, PermissionError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { request(&inner, feature).await })
            .await
    }

    /// Positioning is off until the user turns it on; turning it off takes effect at once.
    pub fn set_positioning_enabled(&self, enabled: bool) -> Result<(), PermissionError> {
        self.inner.app.set_flag(POSITIONING, enabled)?;
        tracing::info!(enabled, "positioning switched");
        Ok(())
    }

    pub fn positioning_enabled(&self) -> Result<bool, PermissionError> {
        Ok(positioning_enabled(&self.inner)?)
    }
}

pub(crate) fn positioning_enabled(inner: &Inner) -> Result<bool, StoreError> {
    inner.app.flag(POSITIONING)
}

/// Withdrawing location consent turns positioning off with it.
pub(crate) fn positioning_off(inner: &Inner) -> Result<(), StoreError> {
    inner.app.set_flag(POSITIONING, false)
}

fn provider(inner: &Inner) -> Option<Arc<dyn PermissionProvider>> {
    inner
        .permission_provider
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

fn check(inner: &Inner, feature: Feature) -> Result<PermissionDecision, PermissionError> {
    let missing_consent = match feature.purpose() {
        _ if !inner.gate.policy_accepted() => Some(ConsentPurpose::PrivacyPolicy),
        Some(purpose) if !inner.gate.allows(purpose) => Some(purpose),
        _ => None,
    };
    let permission = feature.permission();
    let facts = Facts {
        missing_consent,
        positioning_on: positioning_enabled(inner)?,
        status: || {
            let provider = provider(inner).ok_or(UnavailableReason::NoProvider)?;
            provider
                .status(permission)
                .map_err(|e| UnavailableReason::ProviderFailed {
                    detail: e.to_string(),
                })
        },
        refusal: inner.app.permission_refusal(permission.key())?,
        now: inner.clock.now_unix(),
    };
    Ok(decide(feature, facts))
}

async fn request(inner: &Inner, feature: Feature) -> Result<PermissionDecision, PermissionError> {
    // One dialog at a time: a second request (a double tap, another feature needing the same
    // permission) waits and then sees the first one's outcome instead of asking again.
    let _dialog = inner.permission_dialog.lock().await;
    let decision = check(inner, feature)?;
    if !matches!(decision, PermissionDecision::ShowRationale { .. }) {
        return Ok(decision);
    }
    let Some(provider) = provider(inner) else {
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
        refused_at: inner.clock.now_unix(),
        permanent,
    });
    inner
        .app
        .set_permission_refusal(permission.key(), refusal)?;
    tracing::info!(?feature, ?outcome, "permission requested");
    check(inner, feature)
}
