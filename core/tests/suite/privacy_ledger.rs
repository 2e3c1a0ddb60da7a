//! The privacy ledger over a real journey, and the in-app lists generated from the inventory.

use crate::common::Harness;
use medcircle_core::{ConsentPurpose, LedgerFilter, Permission};

#[tokio::test]
async fn every_personal_item_sent_is_in_the_ledger_and_nothing_before_consent() {
    let h = Harness::start();
    let client = h.client("app").await;
    let privacy = client.privacy();
    let _ = client.auth().request_sms_code("13800138040".into()).await;
    client.consent().fetch_policy().await.unwrap();
    assert!(
        privacy
            .ledger(LedgerFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "neither the refused request nor the policy carried personal data"
    );

    let policy = client.consent().fetch_policy().await.unwrap();
    client.consent().accept(policy.version).await.unwrap();
    h.login(&client, "13800138040").await;
    client.auth().whoami().await.unwrap();

    let ledger = privacy.ledger(LedgerFilter::default()).await.unwrap();
    let sent: Vec<(&str, &str)> = ledger
        .iter()
        .map(|e| (e.endpoint.as_str(), e.item.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("/v1/auth/sms/send", "phone_number"),
            ("/v1/auth/sms/send", "install_id"),
            ("/v1/auth/sms/verify", "phone_number"),
            ("/v1/auth/sms/verify", "sms_code"),
            ("/v1/auth/sms/verify", "install_id"),
            // Logging in restores consent decisions made on other devices.
            ("/v1/me/consents", "session_token"),
            // And reads the security notices (a new-login alert, the minimum version).
            ("/v1/me/notices", "session_token"),
            // And the help center's tickets (replies that came meanwhile).
            ("/v1/help/tickets", "session_token"),
            // And restores what the account bought.
            ("/v1/orders", "session_token"),
            ("/v1/me/entitlements", "session_token"),
            ("/v1/me", "session_token"),
        ]
    );
    let host = h.url.trim_start_matches("http://");
    assert!(ledger.iter().all(|e| e.destination == host
        && e.purpose == ConsentPurpose::PrivacyPolicy
        && e.sent_at > 0));
    assert_eq!(ledger[0].item_name, "Mobile phone number");

    let phones = privacy
        .ledger(LedgerFilter {
            item: Some("phone_number".into()),
            ..LedgerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(phones.len(), 2);
    let future = privacy
        .ledger(LedgerFilter {
            since: Some(ledger[0].sent_at + 3600),
            ..LedgerFilter::default()
        })
        .await
        .unwrap();
    assert!(future.is_empty());
    let optional = privacy
        .ledger(LedgerFilter {
            purpose: Some(ConsentPurpose::BrowsingRecords),
            ..LedgerFilter::default()
        })
        .await
        .unwrap();
    assert!(optional.is_empty());

    let export: serde_json::Value = serde_json::from_str(
        &privacy
            .export_ledger(LedgerFilter::default())
            .await
            .unwrap(),
    )
    .unwrap();
    let entries = export["privacy_ledger"].as_array().unwrap();
    assert_eq!(entries.len(), 11);
    assert_eq!(entries[3]["item"], "sms_code");
    assert_eq!(entries[3]["purpose"], "privacy_policy");

    // The ledger records what was sent, never the values themselves.
    let text = privacy
        .export_ledger(LedgerFilter::default())
        .await
        .unwrap();
    assert!(!text.contains("13800138040"));
}

#[tokio::test]
async fn the_in_app_lists_come_from_the_inventory() {
    let h = Harness::start();
    let client = h.client("app").await;
    let privacy = client.privacy();

    let collected = privacy.collected_data();
    let phone = collected.iter().find(|i| i.id == "phone_number").unwrap();
    assert_eq!(
        phone.recipients,
        ["MedCircle servers", "SMS delivery provider"]
    );
    assert_eq!(phone.policy_section, "account-information");
    assert!(!phone.sensitive);

    let sharing = privacy.third_party_sharing();
    let recipients: Vec<_> = sharing.iter().map(|s| s.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        [
            "SMS delivery provider",
            "Your mobile carrier",
            "The third-party account provider you log in with",
            "The logistics provider that delivers a redeemed item",
            "The supplier of a redeemed item",
            "Alipay",
            "WeChat Pay"
        ]
    );
    assert!(sharing.iter().all(|s| !s.why.is_empty()));
    assert!(sharing[0].processor && sharing[1].processor);
    assert!(!sharing[2].processor, "a login provider acts for itself");
    assert_eq!(sharing[0].items, ["Mobile phone number"]);
    assert_eq!(sharing[1].items, ["Carrier login token"]);
    assert_eq!(
        sharing[2].items,
        [
            "Third-party login authorization",
            "Third-party profile access"
        ]
    );
    for delivery in &sharing[3..5] {
        assert_eq!(delivery.items, ["Delivery address"]);
    }
    assert!(sharing[3].processor && !sharing[4].processor);
    for payment in &sharing[5..] {
        assert!(payment.processor);
        assert_eq!(payment.items, ["Order information", "Payment account"]);
    }
    let order = collected
        .iter()
        .find(|i| i.id == "order_information")
        .unwrap();
    assert_eq!(order.legal_basis, "contract");
    assert_eq!(order.policy_section, "function-and-service");

    let uses = privacy.permission_uses();
    assert_eq!(uses.len(), 5);
    assert_eq!(
        uses.iter()
            .filter(|u| u.permission == Permission::Camera)
            .count(),
        3
    );
    assert!(uses.iter().all(|u| !u.purpose.is_empty()));
}
