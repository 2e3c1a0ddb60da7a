//! The permission gate through the public API, with the OS played by a scripted provider (the
//! one part that cannot exist off a phone) and a clock the test moves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::Harness;
use crate::common::clock::TestClock;
use medcircle_core::{
    Client, ConsentError, ConsentPurpose, Feature, Permission, PermissionDecision,
    PermissionProvider, PermissionStatus, ProviderError, UnavailableReason,
};
use tokio::sync::Notify;

/// The OS: a status per permission, and the answer the user gives to the next dialog (an
/// error plays a shell whose provider throws). With `hold`, a dialog stays up until released.
#[derive(Default)]
struct ScriptedOs {
    status: Mutex<HashMap<Permission, PermissionStatus>>,
    answer: Mutex<Option<Result<PermissionStatus, ProviderError>>>,
    status_reads: AtomicUsize,
    dialogs: AtomicUsize,
    hold: Option<Arc<Notify>>,
}

#[async_trait::async_trait]
impl PermissionProvider for ScriptedOs {
    fn status(&self, permission: Permission) -> Result<PermissionStatus, ProviderError> {
        self.status_reads.fetch_add(1, Ordering::SeqCst);
        Ok(*self
            .status
            .lock()
            .unwrap()
            .get(&permission)
            .unwrap_or(&PermissionStatus::NotDetermined))
    }

    async fn request(&self, permission: Permission) -> Result<PermissionStatus, ProviderError> {
        self.dialogs.fetch_add(1, Ordering::SeqCst);
        if let Some(hold) = &self.hold {
            hold.notified().await;
        }
        let answer = self
            .answer
            .lock()
            .unwrap()
            .take()
            .expect("a scripted answer")?;
        self.status.lock().unwrap().insert(permission, answer);
        Ok(answer)
    }
}

impl ScriptedOs {
    fn answer_next(&self, answer: PermissionStatus) {
        *self.answer.lock().unwrap() = Some(Ok(answer));
    }
}

struct Setup {
    h: Harness,
    client: Client,
    os: Arc<ScriptedOs>,
    clock: Arc<TestClock>,
}

async fn setup(consented: bool) -> Setup {
    setup_with(consented, ScriptedOs::default()).await
}

async fn setup_with(consented: bool, os: ScriptedOs) -> Setup {
    let h = Harness::start();
    let clock = Arc::new(TestClock::at(1_800_000_000));
    let client = Client::open_with(
        h.config("app"),
        keyring_core::mock::Store::new().unwrap(),
        clock.clone(),
    )
    .await
    .unwrap();
    if consented {
        let policy = client.consent().fetch_policy().await.unwrap();
        client.consent().accept(policy.version).await.unwrap();
    }
    let os = Arc::new(os);
    client.permissions().set_provider(os.clone());
    Setup {
        h,
        client,
        os,
        clock,
    }
}

fn unavailable(decision: PermissionDecision) -> UnavailableReason {
    match decision {
        PermissionDecision::Unavailable { reason } => reason,
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn rationale_then_grant_then_use() {
    let s = setup(true).await;
    let permissions = s.client.permissions();
    match permissions.check(Feature::PostPhotos).await.unwrap() {
        PermissionDecision::ShowRationale { rationale } => {
            assert_eq!(rationale.permission, Permission::Camera);
            assert!(rationale.text.contains("post"));
        }
        other => panic!("expected a rationale, got {other:?}"),
    }
    assert_eq!(
        s.os.dialogs.load(Ordering::SeqCst),
        0,
        "checking never asks"
    );

    s.os.answer_next(PermissionStatus::Granted);
    assert_eq!(
        permissions.request(Feature::PostPhotos).await.unwrap(),
        PermissionDecision::Allowed
    );
    assert_eq!(
        permissions.check(Feature::PostPhotos).await.unwrap(),
        PermissionDecision::Allowed
    );
    // Another camera feature shares the grant; no second dialog.
    assert_eq!(
        permissions.request(Feature::ScanToLogin).await.unwrap(),
        PermissionDecision::Allowed
    );
    assert_eq!(s.os.dialogs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refusal_is_not_asked_again_for_48_hours_and_disables_only_its_feature() {
    let s = setup(true).await;
    let permissions = s.client.permissions();
    s.os.answer_next(PermissionStatus::Denied);
    assert_eq!(
        unavailable(permissions.request(Feature::ScanToLogin).await.unwrap()),
        UnavailableReason::DeniedRecently {
            retry_after_s: 48 * 3600
        }
    );
    // Asking again at once shows no dialog.
    assert_eq!(
        unavailable(permissions.request(Feature::ScanToLogin).await.unwrap()),
        UnavailableReason::DeniedRecently {
            retry_after_s: 48 * 3600
        }
    );
    assert_eq!(s.os.dialogs.load(Ordering::SeqCst), 1);

    // Other features and flows are untouched.
    assert!(matches!(
        permissions.check(Feature::FeedbackPhotos).await.unwrap(),
        PermissionDecision::ShowRationale { .. }
    ));
    let user = s.h.login(&s.client, "13800138030").await;
    assert_eq!(user.phone_masked, "138****8030");

    s.clock.advance(47 * 3600);
    assert_eq!(
        unavailable(permissions.check(Feature::ScanToLogin).await.unwrap()),
        UnavailableReason::DeniedRecently {
            retry_after_s: 3600
        }
    );
    s.clock.advance(3600);
    assert!(matches!(
        permissions.check(Feature::ScanToLogin).await.unwrap(),
        PermissionDecision::ShowRationale { .. }
    ));

    s.os.answer_next(PermissionStatus::DeniedPermanently);
    assert_eq!(
        unavailable(permissions.request(Feature::ScanToLogin).await.unwrap()),
        UnavailableReason::DeniedPermanently
    );
    s.clock.advance(90 * 24 * 3600);
    assert_eq!(
        unavailable(permissions.request(Feature::ScanToLogin).await.unwrap()),
        UnavailableReason::DeniedPermanently
    );
    assert_eq!(s.os.dialogs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn nothing_is_asked_or_read_before_the_policy_is_accepted() {
    let s = setup(false).await;
    let permissions = s.client.permissions();
    for feature in [
        Feature::ScanToLogin,
        Feature::PostPhotos,
        Feature::FeedbackPhotos,
        Feature::CertificationPhotos,
        Feature::Positioning,
    ] {
        assert_eq!(
            unavailable(permissions.request(feature).await.unwrap()),
            UnavailableReason::ConsentRequired {
                purpose: ConsentPurpose::PrivacyPolicy
            }
        );
    }
    assert_eq!(s.os.status_reads.load(Ordering::SeqCst), 0);
    assert_eq!(s.os.dialogs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn positioning_needs_its_consent_and_the_switch() {
    let s = setup(true).await;
    let permissions = s.client.permissions();
    let consent = s.client.consent();
    assert!(
        !permissions.positioning_enabled().await.unwrap(),
        "off by default"
    );
    assert_eq!(
        unavailable(permissions.check(Feature::Positioning).await.unwrap()),
        UnavailableReason::ConsentRequired {
            purpose: ConsentPurpose::PreciseLocation
        }
    );
    consent
        .grant(ConsentPurpose::PreciseLocation)
        .await
        .unwrap();
    assert_eq!(
        unavailable(permissions.check(Feature::Positioning).await.unwrap()),
        UnavailableReason::PositioningOff
    );
    assert_eq!(s.os.status_reads.load(Ordering::SeqCst), 0);

    permissions.set_positioning_enabled(true).await.unwrap();
    s.os.answer_next(PermissionStatus::Granted);
    assert_eq!(
        permissions.request(Feature::Positioning).await.unwrap(),
        PermissionDecision::Allowed
    );

    // Withdrawal is effective at once, without touching the OS grant.
    consent
        .withdraw(ConsentPurpose::PreciseLocation)
        .await
        .unwrap();
    assert_eq!(
        unavailable(permissions.check(Feature::Positioning).await.unwrap()),
        UnavailableReason::ConsentRequired {
            purpose: ConsentPurpose::PreciseLocation
        }
    );
    // Certification photos need their own (sensitive) consent even with the camera granted.
    assert_eq!(
        unavailable(
            permissions
                .check(Feature::CertificationPhotos)
                .await
                .unwrap()
        ),
        UnavailableReason::ConsentRequired {
            purpose: ConsentPurpose::IdentityVerification
        }
    );
}

#[tokio::test]
async fn optional_purposes_are_granted_and_withdrawn_one_by_one_and_persist() {
    let s = setup(false).await;
    let consent = s.client.consent();
    assert_eq!(
        consent.grant(ConsentPurpose::Personalisation).await,
        Err(ConsentError::PolicyNotAccepted)
    );
    let policy = consent.fetch_policy().await.unwrap();
    consent.accept(policy.version.clone()).await.unwrap();
    assert_eq!(
        consent.grant(ConsentPurpose::PrivacyPolicy).await,
        Err(ConsentError::NotOptional {
            purpose: ConsentPurpose::PrivacyPolicy
        })
    );
    let granted = consent
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    assert!(granted.granted);
    assert_eq!(granted.policy_version, Some(policy.version));
    assert_eq!(granted.decided_at, Some(1_800_000_000));
    consent
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    s.clock.advance(60);
    let withdrawn = consent
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    assert!(!withdrawn.granted);
    assert_eq!(withdrawn.decided_at, Some(1_800_000_060));

    let listed = consent.purposes().await.unwrap();
    assert_eq!(listed.len(), 5);
    let granted: Vec<_> = listed
        .iter()
        .filter(|p| p.granted)
        .map(|p| p.purpose)
        .collect();
    assert_eq!(granted, vec![ConsentPurpose::BrowsingRecords]);
    assert!(
        listed
            .iter()
            .filter(|p| p.purpose == ConsentPurpose::PreciseLocation)
            .all(|p| p.decided_at.is_none())
    );
}

#[tokio::test]
async fn two_requests_at_once_show_one_dialog() {
    let hold = Arc::new(Notify::new());
    let s = setup_with(
        true,
        ScriptedOs {
            hold: Some(hold.clone()),
            ..ScriptedOs::default()
        },
    )
    .await;
    s.os.answer_next(PermissionStatus::Granted);
    let first = tokio::spawn({
        let permissions = s.client.permissions();
        async move { permissions.request(Feature::PostPhotos).await }
    });
    let second = tokio::spawn({
        let permissions = s.client.permissions();
        async move { permissions.request(Feature::ScanToLogin).await }
    });
    while s.os.dialogs.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(s.os.dialogs.load(Ordering::SeqCst), 1, "one dialog is up");
    hold.notify_one();
    assert_eq!(first.await.unwrap().unwrap(), PermissionDecision::Allowed);
    assert_eq!(second.await.unwrap().unwrap(), PermissionDecision::Allowed);
    assert_eq!(
        s.os.dialogs.load(Ordering::SeqCst),
        1,
        "the second saw the outcome"
    );
}

#[tokio::test]
async fn a_failing_provider_is_a_typed_answer_and_records_no_refusal() {
    let s = setup(true).await;
    let permissions = s.client.permissions();
    *s.os.answer.lock().unwrap() = Some(Err(ProviderError::Failed {
        detail: "activity gone".into(),
    }));
    match unavailable(permissions.request(Feature::PostPhotos).await.unwrap()) {
        UnavailableReason::ProviderFailed { detail } => assert!(detail.contains("activity gone")),
        other => panic!("expected a provider failure, got {other:?}"),
    }
    assert!(matches!(
        permissions.check(Feature::PostPhotos).await.unwrap(),
        PermissionDecision::ShowRationale { .. }
    ));
}
