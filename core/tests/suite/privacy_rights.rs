//! Browsing records, withdrawal, consent sync across devices and the user's data rights, end
//! to end against the reference server.

use std::sync::Arc;

use crate::common::clock::TestClock;
use crate::common::{Harness, files_under};
use medcircle_core::Clock;
use medcircle_core::{
    Client, ConsentPurpose, Feature, LedgerFilter, PermissionDecision, PrivacyError, RecordsError,
    SessionState, UnavailableReason,
};
use serde_json::Value;

/// Whether `purpose` is granted on `client` now.
async fn granted(client: &Client, purpose: ConsentPurpose) -> bool {
    client
        .consent()
        .purposes()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.purpose == purpose)
        .unwrap()
        .granted
}

async fn dev_events(h: &Harness) -> Vec<Value> {
    let body: Value = reqwest::get(format!("{}/dev/events", h.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn before_consent_no_flow_sends_anything_but_the_policy_request() {
    let h = Harness::start();
    let client = h.client("app").await;
    let auth = client.auth();
    assert!(auth.request_sms_code("13800138060".into()).await.is_err());
    assert!(
        auth.verify_sms_code("13800138060".into(), "123456".into())
            .await
            .is_err()
    );
    assert!(auth.whoami().await.is_err());
    assert_eq!(client.records().viewed("post:1".into()).await, Ok(false));
    assert_eq!(client.records().flush().await, Ok(0));
    assert!(client.privacy().interests().await.is_err());
    assert!(client.privacy().delete_account().await.is_err());
    let export: Value =
        serde_json::from_str(&client.privacy().export_my_data().await.unwrap()).unwrap();
    assert!(export["server"].is_null());
    assert!(client.consent().sync().await.is_ok());
    assert!(
        client
            .consent()
            .grant(ConsentPurpose::BrowsingRecords)
            .await
            .is_err()
    );
    assert_eq!(
        client.permissions().check(Feature::ScanToLogin).await,
        Ok(PermissionDecision::Unavailable {
            reason: UnavailableReason::ConsentRequired {
                purpose: ConsentPurpose::PrivacyPolicy
            }
        })
    );
    client.consent().fetch_policy().await.unwrap();
    assert_eq!(
        h.requests().await,
        vec![("GET".to_string(), "/v1/policy".to_string())],
        "the server saw nothing but the policy request"
    );
    assert!(
        client
            .privacy()
            .ledger(LedgerFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn browsing_records_need_their_consent_and_travel_under_a_pseudonym() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138061").await;
    let records = client.records();
    assert_eq!(
        records.viewed("post:1".into()).await,
        Ok(false),
        "no consent: not kept"
    );
    assert_eq!(records.pending().await, Ok(0));

    client
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    assert_eq!(records.viewed("post:1".into()).await, Ok(true));
    assert_eq!(records.clicked("post:2".into()).await, Ok(true));
    assert_eq!(
        records.viewed("ask 13800138061".into()).await,
        Err(RecordsError::PersonalDataRefused)
    );
    assert_eq!(
        records.viewed("  ".into()).await,
        Err(RecordsError::InvalidTarget)
    );
    assert_eq!(records.pending().await, Ok(2));
    assert_eq!(records.flush().await, Ok(2));
    assert_eq!(records.pending().await, Ok(0));

    let events = dev_events(&h).await;
    assert_eq!(events.len(), 2);
    let pseudonym = events[0]["pseudonym"].as_str().unwrap();
    assert_eq!(pseudonym.len(), 32);
    assert!(!pseudonym.contains(&user.id));
    assert_eq!(events[1]["kind"], "click");
    assert_eq!(events[1]["target"], "post:2");
    let sent = client
        .privacy()
        .ledger(LedgerFilter {
            purpose: Some(ConsentPurpose::BrowsingRecords),
            ..LedgerFilter::default()
        })
        .await
        .unwrap();
    let items: Vec<_> = sent.iter().map(|e| e.item.as_str()).collect();
    assert_eq!(items, ["browsing_records", "records_pseudonym"]);
}

#[tokio::test]
async fn withdrawal_drops_the_queue_rotates_the_pseudonym_and_the_server_forgets() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138062").await;
    let consent = client.consent();
    let records = client.records();
    consent
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    for n in 0..3 {
        records.viewed(format!("post:{n}")).await.unwrap();
    }
    records.flush().await.unwrap();
    let first = dev_events(&h).await[0]["pseudonym"].clone();
    records.viewed("post:9".into()).await.unwrap();
    records.viewed("post:10".into()).await.unwrap();

    consent
        .withdraw(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    assert_eq!(
        records.pending().await,
        Ok(0),
        "queued records dropped at once"
    );
    assert_eq!(records.viewed("post:11".into()).await, Ok(false));
    let report = consent.sync().await.unwrap();
    assert!(report.logged_in);
    assert!(
        dev_events(&h).await.is_empty(),
        "the server forgot the old pseudonym"
    );

    consent
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    records.viewed("post:12".into()).await.unwrap();
    records.flush().await.unwrap();
    let events = dev_events(&h).await;
    assert_eq!(events.len(), 1);
    assert_ne!(
        events[0]["pseudonym"], first,
        "a new pseudonym after withdrawal"
    );
}

#[tokio::test]
async fn the_local_queue_is_bounded() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    client
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    for n in 0..1005 {
        client.records().viewed(format!("post:{n}")).await.unwrap();
    }
    assert_eq!(client.records().pending().await, Ok(1000));
}

#[tokio::test]
async fn consent_choices_follow_the_user_to_a_new_device() {
    let h = Harness::start();
    let phone = "13800138063";
    let first = h.consented_client("phone-a").await;
    h.login(&first, phone).await;
    first
        .consent()
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    first
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    first
        .consent()
        .withdraw(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    first.consent().sync().await.unwrap();

    let second = h.consented_client("phone-b").await;
    h.advance_clock(61).await;
    h.login(&second, phone).await;
    // Logging in restored them.
    let granted: Vec<_> = second
        .consent()
        .purposes()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.granted)
        .map(|p| p.purpose)
        .collect();
    assert_eq!(granted, [ConsentPurpose::Personalisation]);
}

/// Decisions are in seconds: a withdrawal, a grant and a withdrawal again within one second
/// are three decisions, and the other device ends where the user ended, withdrawn.
#[tokio::test]
async fn the_last_of_several_decisions_in_one_second_is_the_one_another_device_gets() {
    let h = Harness::start();
    let phone = "13800138065";
    let clock = Arc::new(TestClock::at(1_800_000_000));
    let first = h.consented_client_on("phone-a", clock.clone()).await;
    h.login(&first, phone).await;
    let consent = first.consent();
    consent
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    clock.advance(10);
    consent
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    consent
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    consent
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    consent.sync().await.unwrap();

    let second = h.consented_client("phone-b").await;
    h.advance_clock(61).await;
    h.login(&second, phone).await;
    assert!(
        !granted(&second, ConsentPurpose::Personalisation).await,
        "withdrawn, as on the first"
    );
    assert_eq!(second.consent().sync().await.unwrap().decisions_restored, 0);
    // Back on the first device, its own decisions come back as known, not as new ones.
    assert_eq!(first.consent().sync().await.unwrap().decisions_restored, 0);
    assert!(!granted(&first, ConsentPurpose::Personalisation).await);
}

/// Two devices of one account deciding within one second: once both have synced they agree,
/// on the decision the account's history lists last.
#[tokio::test]
async fn two_devices_deciding_within_one_second_agree_once_synced() {
    let h = Harness::start();
    let phone = "13800138069";
    let clock = Arc::new(TestClock::at(1_800_000_000));
    let first = h.consented_client_on("phone-a", clock.clone()).await;
    let second = h.consented_client_on("phone-b", clock.clone()).await;
    h.login(&first, phone).await;
    h.advance_clock(61).await;
    h.login(&second, phone).await;
    first
        .consent()
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    first.consent().sync().await.unwrap();
    second
        .consent()
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    second.consent().sync().await.unwrap();
    first.consent().sync().await.unwrap();
    for client in [&first, &second] {
        assert!(
            !granted(client, ConsentPurpose::Personalisation).await,
            "the withdrawal was the last"
        );
    }
}

#[tokio::test]
async fn a_withdrawal_made_logged_out_is_delivered_after_login() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    client
        .consent()
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    client
        .consent()
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    let report = client.consent().sync().await.unwrap();
    assert!(!report.logged_in);
    assert_eq!(report.deletion_requests_sent, 0);

    // Logging in delivered it.
    h.login(&client, "13800138064").await;
    let report = client.consent().sync().await.unwrap();
    assert_eq!(report.deletion_requests_sent, 0, "nothing left to send");
    let export: Value =
        serde_json::from_str(&client.privacy().export_my_data().await.unwrap()).unwrap();
    let requests = export["server"]["deletion_requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "{export}");
    assert_eq!(requests[0]["purpose"], "personalisation");
}

#[tokio::test]
async fn interest_tags_can_be_listed_and_deleted() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138065").await;
    let privacy = client.privacy();
    let tags = privacy.interests().await.unwrap();
    assert_eq!(tags.len(), 3);
    privacy.delete_interest(tags[0].id.clone()).await.unwrap();
    assert_eq!(privacy.interests().await.unwrap().len(), 2);
    privacy.clear_interests().await.unwrap();
    assert!(privacy.interests().await.unwrap().is_empty());
}

#[tokio::test]
async fn export_holds_what_the_server_and_the_device_know() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138066").await;
    client
        .consent()
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    client.consent().sync().await.unwrap();
    let text = client.privacy().export_my_data().await.unwrap();
    let export: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(export["server"]["user"]["id"], user.id.as_str());
    assert_eq!(export["device"]["profile"]["id"], user.id.as_str());
    assert_eq!(
        export["device"]["purposes"][0]["purpose"],
        "personalisation"
    );
    assert!(
        !export["device"]["privacy_ledger"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for secret in ["mca_", "mcr_", "13800138066"] {
        assert!(!text.contains(secret), "export leaks {secret}");
    }
}

#[tokio::test]
async fn deleting_the_account_leaves_nothing_behind() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138067").await;
    client
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    client.records().viewed("post:1".into()).await.unwrap();

    client.privacy().delete_account().await.unwrap();
    assert_eq!(client.auth().session_state(), SessionState::LoggedOut);
    assert!(client.consent().status().await.unwrap().needs_acceptance);
    assert!(
        client
            .privacy()
            .ledger(LedgerFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.records().pending().await, Ok(0));
    assert!(files_under(&h.data_dir("app").join("accounts")).is_empty());
    assert_eq!(
        client.privacy().delete_account().await,
        Err(PrivacyError::NotLoggedIn)
    );

    drop(client);
    let reopened = h.client("app").await;
    assert_eq!(reopened.auth().session_state(), SessionState::LoggedOut);
    let policy = reopened.consent().fetch_policy().await.unwrap();
    reopened.consent().accept(policy.version).await.unwrap();
    h.advance_clock(61).await;
    let again = h.login(&reopened, "13800138067").await;
    assert_ne!(again.id, user.id, "the server forgot the account");
}

#[tokio::test]
async fn clearing_the_cache_keeps_the_session() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138068").await;
    client.privacy().clear_local_cache().await.unwrap();
    assert_eq!(
        client.auth().session_state(),
        SessionState::LoggedIn { user: user.clone() }
    );
    assert_eq!(client.auth().whoami().await.unwrap().id, user.id);
}

#[tokio::test]
async fn the_pseudonym_rotates_every_day_and_differs_per_account_and_all_are_forgotten() {
    let h = Harness::start();
    let clock = Arc::new(TestClock::at(medcircle_core::SystemClock.now_unix()));
    let client = h.consented_client_on("app", clock.clone()).await;
    h.login(&client, "13800138071").await;
    let consent = client.consent();
    let records = client.records();
    consent
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    let pseudonyms = || async {
        let mut seen: Vec<String> = Vec::new();
        for event in dev_events(&h).await {
            let p = event["pseudonym"].as_str().unwrap().to_string();
            if !seen.contains(&p) {
                seen.push(p);
            }
        }
        seen
    };

    records.viewed("post:1".into()).await.unwrap();
    records.viewed("post:2".into()).await.unwrap();
    records.flush().await.unwrap();
    assert_eq!(pseudonyms().await.len(), 1, "one pseudonym within a day");

    clock.advance(24 * 3600);
    records.viewed("post:3".into()).await.unwrap();
    records.flush().await.unwrap();
    assert_eq!(pseudonyms().await.len(), 2, "a new one the next day");

    client.auth().logout().await.unwrap();
    h.advance_clock(61).await;
    h.login(&client, "13800138072").await;
    records.viewed("post:4".into()).await.unwrap();
    records.flush().await.unwrap();
    assert_eq!(
        pseudonyms().await.len(),
        3,
        "another account, the same day, another pseudonym"
    );

    consent
        .withdraw(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    consent.sync().await.unwrap();
    assert!(
        dev_events(&h).await.is_empty(),
        "every pseudonym this phone used was forgotten"
    );
}
