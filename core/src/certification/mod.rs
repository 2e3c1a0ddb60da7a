//! Physician certification (identity authentication): certificate photos and the ID number,
//! sensitive personal information under their own consent (`IdentityVerification`), the
//! position only if positioning allows it, and the review's status, observable. The ID
//! number is shown masked everywhere; in full only after a fresh authentication.

mod photos;
mod store;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::account::{Account, AccountObserver, AreaError, PositionSource, area_error};
use crate::net::{
    ApiCode, ApiError, CancelToken, Endpoint, NetworkProblem, Upload, UploadProgress,
};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::ConsentPurpose;
use crate::shell::Location;
use crate::store::Schema;
use crate::updates::Updates;
use medcircle_rules::id_number::{self, IdNumber};
use photos::PhotoProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// Physician qualification certificate.
    Physician,
    /// Practising physician certificate.
    Practising,
}

impl CertificateKind {
    fn key(self) -> &'static str {
        match self {
            CertificateKind::Physician => "physician",
            CertificateKind::Practising => "practising",
        }
    }
}

/// An uploaded certificate photo, to name in the application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CertificatePhoto {
    pub photo_id: String,
    pub kind: CertificateKind,
    #[serde(rename = "size")]
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum CertificationState {
    #[default]
    NotSubmitted,
    Pending,
    Approved,
    Rejected {
        reason: String,
    },
}

impl CertificationState {
    pub(crate) fn to_columns(&self) -> (&'static str, Option<&str>) {
        match self {
            CertificationState::NotSubmitted => ("none", None),
            CertificationState::Pending => ("pending", None),
            CertificationState::Approved => ("approved", None),
            CertificationState::Rejected { reason } => ("rejected", Some(reason)),
        }
    }

    pub(crate) fn from_columns(state: &str, reason: Option<String>) -> Self {
        match state {
            "pending" => CertificationState::Pending,
            "approved" => CertificationState::Approved,
            "rejected" => CertificationState::Rejected {
                reason: reason.unwrap_or_default(),
            },
            _ => CertificationState::NotSubmitted,
        }
    }
}

/// Where the application stands. The ID number appears only masked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CertificationStatus {
    pub state: CertificationState,
    pub id_number_masked: Option<String>,
    pub photo_count: u32,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
}

/// The server's form of the status.
#[derive(Deserialize)]
struct StatusBody {
    status: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    id_number_masked: Option<String>,
    #[serde(default)]
    photo_count: u32,
    #[serde(default)]
    submitted_at: Option<i64>,
    #[serde(default)]
    decided_at: Option<i64>,
}

impl From<StatusBody> for CertificationStatus {
    fn from(body: StatusBody) -> Self {
        Self {
            state: CertificationState::from_columns(&body.status, body.reason),
            // Masked again here: whatever the server sends, the phone keeps no more than this.
            id_number_masked: body.id_number_masked.as_deref().map(id_number::mask),
            photo_count: body.photo_count,
            submitted_at: body.submitted_at,
            decided_at: body.decided_at,
        }
    }
}

#[derive(Serialize)]
struct Application<'a> {
    id_number: &'a str,
    photo_ids: &'a [String],
    location: Option<Position>,
}

#[derive(Serialize)]
struct Position {
    latitude: f64,
    longitude: f64,
}

impl From<Location> for Position {
    fn from(location: Location) -> Self {
        Self {
            latitude: location.latitude,
            longitude: location.longitude,
        }
    }
}

#[derive(Deserialize)]
struct FullIdNumber {
    id_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum CertificationError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// ID number and certificates need their own consent; the policy alone is not enough.
    #[error("consent required: {purpose:?}")]
    ConsentRequired { purpose: ConsentPurpose },
    #[error("{reason}")]
    InvalidIdNumber { reason: String },
    #[error("only JPEG and PNG photos are accepted")]
    UnsupportedImage,
    #[error("the photo is larger than {limit_bytes} bytes")]
    ImageTooLarge { limit_bytes: u64 },
    #[error("the photo is empty")]
    EmptyImage,
    #[error("the photo could not be read as an image")]
    InvalidImage,
    /// At least one physician qualification certificate photo is needed.
    #[error("add a photo of your physician qualification certificate")]
    PhotosRequired,
    #[error("this account is already certified")]
    AlreadyCertified,
    #[error("no application has been submitted")]
    NotSubmitted,
    /// Seeing the full ID number needs a recent authentication: re-verify, then retry.
    #[error("confirm it is you: re-authenticate, then try again")]
    ReauthRequired,
    #[error("the upload was cancelled")]
    Cancelled,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for CertificationError {
    fn network(problem: NetworkProblem) -> Self {
        CertificationError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        CertificationError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        CertificationError::NotLoggedIn
    }

    fn session_expired() -> Self {
        CertificationError::SessionExpired
    }

    fn consent_required(purpose: ConsentPurpose) -> Self {
        CertificationError::ConsentRequired { purpose }
    }

    fn cancelled() -> Self {
        CertificationError::Cancelled
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::InvalidIdNumber => CertificationError::InvalidIdNumber {
                reason: error.message.clone(),
            },
            ApiCode::UnsupportedImage => CertificationError::UnsupportedImage,
            ApiCode::TooLarge => CertificationError::ImageTooLarge {
                limit_bytes: photos::MAX_PHOTO_BYTES as u64,
            },
            ApiCode::InvalidImage => CertificationError::InvalidImage,
            ApiCode::PhotosRequired => CertificationError::PhotosRequired,
            ApiCode::AlreadyCertified => CertificationError::AlreadyCertified,
            ApiCode::ReauthRequired => CertificationError::ReauthRequired,
            ApiCode::NotFound => CertificationError::NotSubmitted,
            _ => return None,
        })
    }
}

area_error!(CertificationError);

impl From<PhotoProblem> for CertificationError {
    fn from(problem: PhotoProblem) -> Self {
        match problem {
            PhotoProblem::Empty => CertificationError::EmptyImage,
            PhotoProblem::TooLarge => CertificationError::ImageTooLarge {
                limit_bytes: photos::MAX_PHOTO_BYTES as u64,
            },
            PhotoProblem::UnsupportedType => CertificationError::UnsupportedImage,
        }
    }
}

/// For the fuzz targets: a status answer, read as the area reads it.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_answer(bytes: &[u8]) {
    if let Ok(body) = serde_json::from_slice::<StatusBody>(bytes) {
        let _ = CertificationStatus::from(body);
    }
}

/// The certification area's table in an account's database.
pub(crate) const ACCOUNT_SCHEMA: &Schema = &store::SCHEMA;

pub(crate) struct CertificationArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    position: Arc<dyn PositionSource>,
    /// The last known status, for listeners.
    status: watch::Sender<CertificationStatus>,
}

impl OnPlatform for CertificationArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

/// The certification area of a [`crate::Client`].
#[derive(Clone)]
pub struct CertificationClient(Arc<CertificationArea>);

impl CertificationClient {
    pub(crate) fn new(area: Arc<CertificationArea>) -> Self {
        Self(area)
    }

    /// Checks a typed ID number locally (length, birth date, check digit) and returns its
    /// masked form to show back; nothing is sent or kept.
    pub fn check_id_number(&self, id_number: String) -> Result<String, CertificationError> {
        IdNumber::parse(&id_number)
            .map(|id| id.masked())
            .map_err(|e| CertificationError::InvalidIdNumber {
                reason: e.to_string(),
            })
    }

    /// Uploads one certificate photo (JPEG or PNG bytes from the shell's camera or picker,
    /// after the permission gate allowed `CertificationPhotos`), reporting progress; `cancel`
    /// stops it.
    pub async fn upload_photo(
        &self,
        kind: CertificateKind,
        image: Vec<u8>,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<CertificatePhoto, CertificationError> {
        let media_type = photos::media_type(&image)?;
        // The certificate goes without what the camera wrote beside it (a position, a serial).
        let image =
            medcircle_rules::image::strip(&image).map_err(|_| CertificationError::InvalidImage)?;
        let request = Endpoint::CertificationPhoto
            .request()
            .query("kind", kind.key())
            .upload(media_type, image.into(), Upload { progress, cancel });
        run(&self.0, |area| async move {
            let photo: CertificatePhoto = area.account.send(&request).await?.json()?;
            tracing::info!(kind = kind.key(), "certificate photo uploaded");
            Ok(photo)
        })
        .await
    }

    /// Applies for certification with the ID number and the uploaded photos. The position is
    /// attached only if positioning is on, consented and allowed by the OS.
    pub async fn submit(
        &self,
        id_number: String,
        photo_ids: Vec<String>,
    ) -> Result<CertificationStatus, CertificationError> {
        let id = IdNumber::parse(&id_number).map_err(|e| CertificationError::InvalidIdNumber {
            reason: e.to_string(),
        })?;
        if photo_ids.is_empty() {
            return Err(CertificationError::PhotosRequired);
        }
        run(
            &self.0,
            |area| async move { area.submit(id, photo_ids).await },
        )
        .await
    }

    /// Asks the server where the application stands and tells the listeners.
    pub async fn refresh_status(&self) -> Result<CertificationStatus, CertificationError> {
        run(&self.0, |area| async move {
            let request = Endpoint::CertificationStatus.request();
            let status: StatusBody = area.account.send(&request).await?.json()?;
            area.publish(status.into())
        })
        .await
    }

    /// The last known status, from the account's cache (works offline).
    pub async fn status(&self) -> Result<CertificationStatus, CertificationError> {
        run(&self.0, |area| async move { area.cached() }).await
    }

    /// The status now (from the cache), then every change a refresh or submission brings.
    pub fn status_updates(&self) -> Updates<CertificationStatus> {
        let area = self.0.clone();
        let load = async move {
            match area.cached() {
                Ok(status) => {
                    area.status.send_replace(status);
                }
                Err(error) => tracing::info!(%error, "certification status not cached"),
            }
        };
        Updates::watching(self.0.status.subscribe(), load)
    }

    /// The full ID number, for the user's own eyes (a sensitive action: may need
    /// `reauthenticate` first). Never cached.
    pub async fn reveal_id_number(&self) -> Result<String, CertificationError> {
        run(&self.0, |area| async move {
            let request = Endpoint::CertificationIdNumber.request();
            let full: FullIdNumber = area.account.send(&request).await?.json()?;
            Ok(full.id_number)
        })
        .await
    }
}

impl CertificationArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        position: Arc<dyn PositionSource>,
    ) -> Self {
        Self {
            platform,
            account,
            position,
            status: watch::Sender::new(CertificationStatus::default()),
        }
    }

    async fn submit(
        &self,
        id: IdNumber,
        photo_ids: Vec<String>,
    ) -> Result<CertificationStatus, CertificationError> {
        if !self
            .platform
            .gate
            .allows(ConsentPurpose::IdentityVerification)
        {
            return Err(CertificationError::ConsentRequired {
                purpose: ConsentPurpose::IdentityVerification,
            });
        }
        let location = self.position.position_for_identity_authentication().await;
        let endpoint = if location.is_some() {
            Endpoint::CertificationSubmitLocated
        } else {
            Endpoint::CertificationSubmit
        };
        let request = endpoint.request().json(&Application {
            id_number: id.as_str(),
            photo_ids: &photo_ids,
            location: location.map(Position::from),
        });
        let status: StatusBody = self.account.send(&request).await?.json()?;
        tracing::info!(id = ?id, "certification submitted");
        self.publish(status.into())
    }

    fn cached(&self) -> Result<CertificationStatus, CertificationError> {
        let db = self.account.db()?;
        Ok(store::load(&db.conn())?.unwrap_or_default())
    }

    fn publish(
        &self,
        status: CertificationStatus,
    ) -> Result<CertificationStatus, CertificationError> {
        let db = self.account.db()?;
        store::save(&db.conn(), &status)?;
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status.clone();
            changed
        });
        Ok(status)
    }
}

impl AccountObserver for CertificationArea {
    /// A screen still subscribed shows nothing of the account that left.
    fn session_ended(&self) {
        self.status.send_replace(CertificationStatus::default());
    }
}
