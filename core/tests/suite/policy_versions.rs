//! A new policy version: the prompt says what changed; categories it adds stay closed until it
//! is accepted, while what the accepted version covers keeps working.

use crate::common::Harness;
use medcircle_core::{ConsentError, ConsentPurpose};

#[tokio::test]
async fn a_category_added_by_a_new_version_waits_for_its_acceptance() {
    let h = Harness::start();
    h.publish_policy(
        "2026-12-01",
        &["Personalised content is now optional."],
        &["privacy_policy", "personalisation"],
    )
    .await;
    let client = h.client("app").await;
    let consent = client.consent();
    let first = consent.fetch_policy().await.unwrap();
    assert_eq!(
        first.purposes,
        [
            ConsentPurpose::PrivacyPolicy,
            ConsentPurpose::Personalisation
        ]
    );
    let prompt = consent.status().await.unwrap().prompt.unwrap();
    assert!(
        prompt.changes.is_empty(),
        "nothing 'changed' for a first acceptance"
    );
    consent.accept(first.version.clone()).await.unwrap();
    consent
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    assert_eq!(
        consent.grant(ConsentPurpose::BrowsingRecords).await,
        Err(ConsentError::NotInAcceptedPolicy {
            purpose: ConsentPurpose::BrowsingRecords
        })
    );

    h.publish_policy(
        "2027-01-15",
        &["We now ask before recording what you browse."],
        &["privacy_policy", "personalisation", "browsing_records"],
    )
    .await;
    let second = consent.fetch_policy().await.unwrap();
    assert_eq!(second.previous_version.as_deref(), Some("2026-12-01"));
    let status = consent.status().await.unwrap();
    assert!(status.needs_acceptance);
    assert_eq!(status.accepted_version.as_deref(), Some("2026-12-01"));
    let prompt = status.prompt.unwrap();
    assert_eq!(prompt.version, "2027-01-15");
    assert_eq!(
        prompt.changes,
        ["We now ask before recording what you browse."]
    );
    assert_eq!(prompt.new_purposes, [ConsentPurpose::BrowsingRecords]);

    // What the accepted version covers keeps working meanwhile.
    let user = h.login(&client, "13800138070").await;
    assert_eq!(client.auth().whoami().await.unwrap().id, user.id);
    assert_eq!(client.records().viewed("post:1".into()).await, Ok(false));
    assert!(
        consent
            .grant(ConsentPurpose::BrowsingRecords)
            .await
            .is_err()
    );

    consent.accept(second.version).await.unwrap();
    assert!(consent.status().await.unwrap().prompt.is_none());
    consent
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    assert_eq!(client.records().viewed("post:1".into()).await, Ok(true));

    drop(client);
    let reopened = h.client("app").await;
    assert_eq!(reopened.records().viewed("post:2".into()).await, Ok(true));
    assert!(
        !reopened
            .consent()
            .purposes()
            .await
            .unwrap()
            .iter()
            .any(|p| p.purpose == ConsentPurpose::PreciseLocation && p.granted)
    );
}
