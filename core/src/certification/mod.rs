//! Physician certification (identity authentication): certificate photos and the ID number,
//! sensitive personal information under their own consent (`IdentityVerification`), the
//! position only if positioning allows it, and the review's status, observable. The ID
//! number is shown masked everywhere; in full only after a fresh authentication.

mod id_number;
mod photos;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::auth::{AuthError, SessionFailure};
use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::net::{CancelToken, Endpoint, Headers, NetError, NetworkProblem, UploadProgress};
use crate::permissions::{Location, for_identity_authentication};
use crate::store::StoreError;
use id_number::IdNumber;
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

impl From<AuthError> for CertificationError {
    fn from(error: AuthError) -> Self {
        match error.into_session_failure() {
            SessionFailure::NotLoggedIn => CertificationError::NotLoggedIn,
            SessionFailure::Ended => CertificationError::SessionExpired,
            SessionFailure::Network(problem) => CertificationError::Network { problem },
            SessionFailure::Storage(detail) => CertificationError::Storage { detail },
        }
    }
}

impl From<NetError> for CertificationError {
    fn from(error: NetError) -> Self {
        match error {
            NetError::ConsentRequired { purpose } => {
                CertificationError::ConsentRequired { purpose }
            }
            NetError::Unauthorized { .. } => CertificationError::SessionExpired,
            NetError::Cancelled => CertificationError::Cancelled,
            NetError::Refused { status, error } => match error.code.as_str() {
                "invalid_id_number" => CertificationError::InvalidIdNumber {
                    reason: error.message,
                },
                "unsupported_image" => CertificationError::UnsupportedImage,
                "too_large" => CertificationError::ImageTooLarge {
                    limit_bytes: photos::MAX_PHOTO_BYTES as u64,
                },
                "invalid_image" => CertificationError::InvalidImage,
                "photos_required" => CertificationError::PhotosRequired,
                "already_certified" => CertificationError::AlreadyCertified,
                "reauth_required" => CertificationError::ReauthRequired,
                "not_found" => CertificationError::NotSubmitted,
                _ => CertificationError::Network {
                    problem: NetError::Refused { status, error }.into(),
                },
            },
            other => CertificationError::Network {
                problem: other.into(),
            },
        }
    }
}

impl From<StoreError> for CertificationError {
    fn from(error: StoreError) -> Self {
        CertificationError::Storage {
            detail: error.to_string(),
        }
    }
}

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

/// The certification area of a [`crate::Client`].
#[derive(Clone)]
pub struct CertificationClient {
    inner: Arc<Inner>,
}

impl CertificationClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Checks a typed ID number locally (length, birth date, check digit) and returns its
    /// masked form to show back; nothing is sent or kept.
    pub fn check_id_number(&self, id_number: String) -> Result<String, CertificationError> {
        IdNumber::parse(&id_number)
            .map(|id| id.masked())
            .map_err(|reason| CertificationError::InvalidIdNumber { reason })
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
        let inner = self.inner.clone();
        let image = bytes::Bytes::from(image);
        self.inner
            .run(async move {
                let inner = &inner;
                let photo: CertificatePhoto = inner
                    .session
                    .authorized::<_, CertificationError, _, _>(inner, |token| {
                        let (image, progress, cancel) =
                            (image.clone(), progress.clone(), cancel.clone());
                        async move {
                            inner
                                .net
                                .upload(
                                    Endpoint::CertificationPhoto,
                                    &[("kind", kind.key())],
                                    media_type,
                                    image,
                                    &token,
                                    &Headers::default(),
                                    progress,
                                    &cancel,
                                )
                                .await
                        }
                    })
                    .await?;
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
        let id = IdNumber::parse(&id_number)
            .map_err(|reason| CertificationError::InvalidIdNumber { reason })?;
        if photo_ids.is_empty() {
            return Err(CertificationError::PhotosRequired);
        }
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let inner = &inner;
                if !inner.gate.allows(ConsentPurpose::IdentityVerification) {
                    return Err(CertificationError::ConsentRequired {
                        purpose: ConsentPurpose::IdentityVerification,
                    });
                }
                let location = for_identity_authentication(inner).await;
                let endpoint = if location.is_some() {
                    Endpoint::CertificationSubmitLocated
                } else {
                    Endpoint::CertificationSubmit
                };
                let body = Application {
                    id_number: id.as_str(),
                    photo_ids: &photo_ids,
                    location: location.map(Position::from),
                };
                let status: StatusBody = inner
                    .session
                    .call::<_, CertificationError>(inner, endpoint, Some(&body))
                    .await?;
                tracing::info!(id = ?id, "certification submitted");
                publish(inner, status.into()).await
            })
            .await
    }

    /// Asks the server where the application stands and tells the listeners.
    pub async fn refresh_status(&self) -> Result<CertificationStatus, CertificationError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let inner = &inner;
                let status: StatusBody = inner
                    .session
                    .call::<_, CertificationError>(
                        inner,
                        Endpoint::CertificationStatus,
                        None::<&()>,
                    )
                    .await?;
                publish(inner, status.into()).await
            })
            .await
    }

    /// The last known status, from the account's cache (works offline).
    pub async fn status(&self) -> Result<CertificationStatus, CertificationError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { Ok(cached(&inner).await?) })
            .await
    }

    /// A receiver whose current value is the last known status; it changes with every
    /// refresh or submission.
    pub async fn status_updates(
        &self,
    ) -> Result<watch::Receiver<CertificationStatus>, CertificationError> {
        let current = self.status().await?;
        self.inner.certification.send_replace(current);
        Ok(self.inner.certification.subscribe())
    }

    /// The full ID number, for the user's own eyes (a sensitive action: may need
    /// `reauthenticate` first). Never cached.
    pub async fn reveal_id_number(&self) -> Result<String, CertificationError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let full: FullIdNumber = inner
                    .session
                    .call::<_, CertificationError>(
                        &inner,
                        Endpoint::CertificationIdNumber,
                        None::<&()>,
                    )
                    .await?;
                Ok(full.id_number)
            })
            .await
    }
}

async fn cached(inner: &Inner) -> Result<CertificationStatus, StoreError> {
    Ok(inner
        .session
        .with_store(|store| store.certification())
        .await?
        .flatten()
        .unwrap_or_default())
}

async fn publish(
    inner: &Inner,
    status: CertificationStatus,
) -> Result<CertificationStatus, CertificationError> {
    inner
        .session
        .with_store(|store| store.save_certification(&status))
        .await?;
    inner.certification.send_if_modified(|current| {
        let changed = *current != status;
        *current = status.clone();
        changed
    });
    Ok(status)
}
