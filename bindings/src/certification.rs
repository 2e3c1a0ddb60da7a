use std::sync::Arc;

use medcircle_core::{
    CancelToken, CertificateKind, CertificatePhoto, CertificationClient, CertificationError,
    CertificationStatus, Client, UploadProgress,
};

use crate::task::{TaskHandle, observe};

/// Follows the review: the first call carries the last known status, then every change.
#[uniffi::export(foreign)]
pub trait CertificationStatusListener: Send + Sync {
    fn on_update(&self, status: CertificationStatus);
}

/// Physician certification: certificate photos, the ID number (its own consent), the review.
#[derive(uniffi::Object)]
pub struct Certification {
    client: Client,
    certification: CertificationClient,
}

impl Certification {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            certification: client.certification(),
            client,
        }
    }
}

#[uniffi::export]
impl Certification {
    /// Checks a typed ID number locally; returns the masked form to show back.
    pub fn check_id_number(&self, id_number: String) -> Result<String, CertificationError> {
        self.certification.check_id_number(id_number)
    }

    /// Uploads JPEG or PNG bytes; `cancel.cancel()` stops it (cancelling the coroutine or
    /// task does not).
    pub async fn upload_photo(
        &self,
        kind: CertificateKind,
        image: Vec<u8>,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<CertificatePhoto, CertificationError> {
        self.certification
            .upload_photo(kind, image, progress, cancel)
            .await
    }

    pub async fn submit(
        &self,
        id_number: String,
        photo_ids: Vec<String>,
    ) -> Result<CertificationStatus, CertificationError> {
        self.certification.submit(id_number, photo_ids).await
    }

    pub async fn refresh_status(&self) -> Result<CertificationStatus, CertificationError> {
        self.certification.refresh_status().await
    }

    pub async fn status(&self) -> Result<CertificationStatus, CertificationError> {
        self.certification.status().await
    }

    pub fn observe_status(
        &self,
        listener: Arc<dyn CertificationStatusListener>,
    ) -> Arc<TaskHandle> {
        observe(
            &self.client,
            self.certification.status_updates(),
            move |status| listener.on_update(status),
        )
    }

    /// The full ID number (may need `Auth.reauthenticate` first).
    pub async fn reveal_id_number(&self) -> Result<String, CertificationError> {
        self.certification.reveal_id_number().await
    }
}
