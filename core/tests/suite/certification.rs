//! Physician certification against the reference server: its own consent, local checks,
//! uploads with progress and cancel, the review observed, the ID number masked everywhere and
//! in full only after a step-up, and the position only when positioning allows it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::{Harness, ID_NUMBER, NoProgress, png};
use medcircle_core::{
    CancelToken, CertificateKind, CertificationError, CertificationState, Client, ConsentPurpose,
    Location, LocationProvider, Permission, PermissionProvider, PermissionStatus, ProviderError,
    UploadProgress,
};

#[derive(Default)]
struct Recorded(Mutex<Vec<(u64, u64)>>);

impl UploadProgress for Recorded {
    fn progress(&self, sent: u64, total: u64) {
        self.0.lock().unwrap().push((sent, total));
    }
}

/// Cancels the upload as soon as the first bytes go out: the user's tap, mid-upload.
struct CancelAtFirstChunk(Arc<CancelToken>);

impl UploadProgress for CancelAtFirstChunk {
    fn progress(&self, _sent: u64, _total: u64) {
        self.0.cancel();
    }
}

struct Os;

#[async_trait::async_trait]
impl PermissionProvider for Os {
    fn status(&self, _: Permission) -> Result<PermissionStatus, ProviderError> {
        Ok(PermissionStatus::Granted)
    }
    async fn request(&self, _: Permission) -> Result<PermissionStatus, ProviderError> {
        Ok(PermissionStatus::Granted)
    }
}

#[derive(Default)]
struct Gps {
    read: AtomicBool,
}

#[async_trait::async_trait]
impl LocationProvider for Gps {
    async fn current_location(&self) -> Result<Location, ProviderError> {
        self.read.store(true, Ordering::SeqCst);
        Ok(Location {
            latitude: 39.9,
            longitude: 116.4,
            accuracy_m: 12.0,
        })
    }
}

async fn logged_in(h: &Harness, name: &str, phone: &str) -> (Client, String) {
    let client = h.consented_client(name).await;
    let user = h.login(&client, phone).await;
    (client, user.id)
}

#[tokio::test]
async fn the_id_number_and_certificates_need_their_own_consent() {
    let h = Harness::start();
    let (client, _) = logged_in(&h, "app", "13800138101").await;
    let certification = client.certification();
    let refused: Result<(), _> = Err(CertificationError::ConsentRequired {
        purpose: ConsentPurpose::IdentityVerification,
    });
    let upload = certification
        .upload_photo(
            CertificateKind::Physician,
            png(1000),
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await;
    assert_eq!(upload.map(|_| ()), refused.clone());
    assert_eq!(
        certification
            .submit(ID_NUMBER.into(), vec!["p".into()])
            .await
            .map(|_| ()),
        refused
    );
    let sent = h.requests().await;
    assert!(
        !sent
            .iter()
            .any(|(_, path)| path.starts_with("/v1/me/certification")),
        "{sent:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_locally_with_a_reason() {
    let h = Harness::start();
    let (client, _) = logged_in(&h, "app", "13800138102").await;
    client
        .consent()
        .grant(ConsentPurpose::IdentityVerification)
        .await
        .unwrap();
    let certification = client.certification();
    assert_eq!(
        certification.check_id_number(" 11010519491231002x ".into()),
        Ok("1101**********002X".into())
    );
    for bad in ["110105194912310021", "12345", "11010519491331002X"] {
        assert!(matches!(
            certification.submit(bad.into(), vec!["p".into()]).await,
            Err(CertificationError::InvalidIdNumber { .. })
        ));
    }
    assert_eq!(
        certification.submit(ID_NUMBER.into(), vec![]).await,
        Err(CertificationError::PhotosRequired)
    );
    let upload = |bytes: Vec<u8>| {
        certification.upload_photo(
            CertificateKind::Physician,
            bytes,
            Arc::new(NoProgress),
            CancelToken::new(),
        )
    };
    assert_eq!(
        upload(b"GIF89a........".to_vec()).await,
        Err(CertificationError::UnsupportedImage)
    );
    assert_eq!(upload(vec![]).await, Err(CertificationError::EmptyImage));
    assert!(matches!(
        upload(png(5 * 1024 * 1024 + 1)).await,
        Err(CertificationError::ImageTooLarge { .. })
    ));
    assert_eq!(h.count_requests("/v1/me/certification/photos").await, 0);
}

#[tokio::test]
async fn an_application_is_reviewed_and_every_change_is_observed() {
    let h = Harness::start();
    let (client, user_id) = logged_in(&h, "app", "13800138103").await;
    client
        .consent()
        .grant(ConsentPurpose::IdentityVerification)
        .await
        .unwrap();
    let certification = client.certification();
    let mut updates = certification.status_updates();
    assert_eq!(
        updates.next().await.unwrap().state,
        CertificationState::NotSubmitted
    );

    let progress = Arc::new(Recorded::default());
    let image = png(300 * 1024);
    let size = image.len();
    let photo = certification
        .upload_photo(
            CertificateKind::Physician,
            image,
            progress.clone(),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(photo.size_bytes, size as u64);
    let reported = progress.0.lock().unwrap().clone();
    assert!(reported.len() >= 4, "{reported:?}");
    assert!(reported.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(reported.last(), Some(&(size as u64, size as u64)));

    let status = certification
        .submit(ID_NUMBER.into(), vec![photo.photo_id])
        .await
        .unwrap();
    assert_eq!(status.state, CertificationState::Pending);
    assert_eq!(
        status.id_number_masked.as_deref(),
        Some("1101**********002X")
    );
    assert_eq!(
        updates.next().await.unwrap().state,
        CertificationState::Pending
    );

    h.decide_certification(&user_id, false, Some("the photo is blurred"))
        .await;
    certification.refresh_status().await.unwrap();
    assert_eq!(
        updates.next().await.unwrap().state,
        CertificationState::Rejected {
            reason: "the photo is blurred".into()
        }
    );

    h.decide_certification(&user_id, true, None).await;
    assert_eq!(
        certification.refresh_status().await.unwrap().state,
        CertificationState::Approved
    );
    assert_eq!(
        updates.next().await.unwrap().state,
        CertificationState::Approved
    );
    // Offline, the last known status is still there.
    assert_eq!(
        certification.status().await.unwrap().state,
        CertificationState::Approved
    );
}

#[tokio::test]
async fn an_upload_cancelled_by_the_user_stops() {
    let h = Harness::start();
    let (client, _) = logged_in(&h, "app", "13800138104").await;
    client
        .consent()
        .grant(ConsentPurpose::IdentityVerification)
        .await
        .unwrap();
    let certification = client.certification();

    let cancelled_before = CancelToken::new();
    cancelled_before.cancel();
    assert_eq!(
        certification
            .upload_photo(
                CertificateKind::Physician,
                png(1000),
                Arc::new(NoProgress),
                cancelled_before,
            )
            .await,
        Err(CertificationError::Cancelled)
    );
    assert_eq!(h.count_requests("/v1/me/certification/photos").await, 0);

    let cancel = CancelToken::new();
    let result = certification
        .upload_photo(
            CertificateKind::Physician,
            png(4 * 1024 * 1024),
            Arc::new(CancelAtFirstChunk(cancel.clone())),
            cancel,
        )
        .await;
    assert_eq!(result, Err(CertificationError::Cancelled));
    // The next one goes through.
    assert!(
        certification
            .upload_photo(
                CertificateKind::Physician,
                png(1000),
                Arc::new(NoProgress),
                CancelToken::new(),
            )
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_full_id_number_needs_a_fresh_authentication() {
    let h = Harness::start();
    let phone = "13800138105";
    let (client, _) = logged_in(&h, "app", phone).await;
    h.certify(&client).await;
    // The login itself is recent; let it age past the step-up window.
    h.advance_clock(3600).await;
    let certification = client.certification();
    assert_eq!(
        certification.reveal_id_number().await,
        Err(CertificationError::ReauthRequired)
    );
    client
        .auth()
        .request_reauth_code(phone.into())
        .await
        .unwrap();
    let code = h.outbox_code(phone).await;
    client
        .auth()
        .reauthenticate(phone.into(), code)
        .await
        .unwrap();
    assert_eq!(certification.reveal_id_number().await.unwrap(), ID_NUMBER);
}

#[tokio::test]
async fn the_position_goes_with_an_application_only_when_positioning_allows_it() {
    let h = Harness::start();
    let (client, _) = logged_in(&h, "app", "13800138106").await;
    let gps = Arc::new(Gps::default());
    client.permissions().set_provider(Arc::new(Os));
    client.permissions().set_location_provider(gps.clone());

    // Positioning off: the application goes without, and GPS is never read.
    h.certify(&client).await;
    assert!(!gps.read.load(Ordering::SeqCst));
    let held = h.certifications().await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["has_location"], false);

    // On, consented, allowed by the OS: read once, sent with the application, in the ledger.
    client
        .permissions()
        .set_positioning_enabled(true)
        .await
        .unwrap();
    client
        .consent()
        .grant(ConsentPurpose::PreciseLocation)
        .await
        .unwrap();
    h.certify(&client).await;
    assert!(gps.read.load(Ordering::SeqCst));
    assert_eq!(h.certifications().await[0]["has_location"], true);
    let ledger = client
        .privacy()
        .ledger(medcircle_core::LedgerFilter {
            item: Some("precise_location".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].endpoint, "/v1/me/certification");
}
