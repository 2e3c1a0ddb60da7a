//! Carrier one-tap login against the reference server's dev carrier, and the device report
//! for risk control that follows every login.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::Harness;
use medcircle_core::{
    AuthError, DeviceInfo, DeviceInfoProvider, DeviceOs, NetworkType, ProviderError, SessionState,
};
use serde_json::Value;

async fn risk_reports(h: &Harness) -> Vec<Value> {
    let body: Value = reqwest::get(format!("{}/dev/risk/devices", h.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["devices"].as_array().unwrap().clone()
}

#[derive(Default)]
struct Device(AtomicUsize);

impl DeviceInfoProvider for Device {
    fn device_info(&self) -> Result<DeviceInfo, ProviderError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(DeviceInfo {
            model: "Pixel 9".into(),
            os: DeviceOs::Android,
            os_version: "16".into(),
            app_version: "1.0.0".into(),
            network_type: NetworkType::Cellular,
            carrier: Some("China Mobile".into()),
        })
    }
}

#[tokio::test]
async fn one_tap_logs_in_the_same_account_as_sms() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let token = h.carrier_token("13800138080").await;
    let user = client
        .auth()
        .login_with_carrier_token(token.clone())
        .await
        .unwrap();
    assert_eq!(user.phone_masked, "138****8080");
    assert_eq!(
        client.auth().session_state(),
        SessionState::LoggedIn { user: user.clone() }
    );
    assert_eq!(
        client.auth().login_with_carrier_token(token).await,
        Err(AuthError::CarrierTokenUsed),
        "a token is single use"
    );
    client.auth().logout().await.unwrap();
    let again = h.login(&client, "13800138080").await;
    assert_eq!(again.id, user.id, "SMS finds the account one-tap created");
}

#[tokio::test]
async fn expired_forged_and_garbage_tokens_are_refused() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let auth = client.auth();
    let token = h.carrier_token("13800138081").await;
    let (payload, signature) = token.split_once('.').unwrap();
    let forged = format!("{payload}.{}", signature.chars().rev().collect::<String>());
    assert_eq!(
        auth.login_with_carrier_token(forged).await,
        Err(AuthError::CarrierTokenInvalid)
    );
    for garbage in ["", "   ", "not a token", &"x".repeat(5000)] {
        assert_eq!(
            auth.login_with_carrier_token(garbage.into()).await,
            Err(AuthError::CarrierTokenInvalid),
            "{garbage:.20}"
        );
    }
    h.advance_clock(121).await;
    assert_eq!(
        auth.login_with_carrier_token(token).await,
        Err(AuthError::CarrierTokenExpired)
    );
    assert_eq!(auth.session_state(), SessionState::LoggedOut);
}

#[tokio::test]
async fn before_consent_no_token_and_no_device_information_leave() {
    let h = Harness::start();
    let client = h.client("app").await;
    let device = Arc::new(Device::default());
    client.auth().set_device_info_provider(device.clone());
    let token = h.carrier_token("13800138082").await;
    assert!(matches!(
        client.auth().login_with_carrier_token(token).await,
        Err(AuthError::ConsentRequired { .. })
    ));
    assert!(h.requests().await.is_empty());
    assert_eq!(
        device.0.load(Ordering::SeqCst),
        0,
        "the provider was not asked"
    );
    assert!(risk_reports(&h).await.is_empty());
}

#[tokio::test]
async fn a_login_reports_the_device_to_the_risk_endpoint_only() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let device = Arc::new(Device::default());
    client.auth().set_device_info_provider(device.clone());
    let user = client
        .auth()
        .login_with_carrier_token(h.carrier_token("13800138083").await)
        .await
        .unwrap();
    let reports = risk_reports(&h).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["user_id"], user.id.as_str());
    assert_eq!(reports[0]["model"], "Pixel 9");
    assert_eq!(reports[0]["network_type"], "cellular");
    assert_eq!(reports[0]["os"], "android");
    assert_eq!(reports[0]["install_id"].as_str().unwrap().len(), 32);

    h.login(&client, "13800138084").await;
    assert_eq!(risk_reports(&h).await.len(), 2, "every login reports");
    let ledger = client
        .privacy()
        .ledger(medcircle_core::LedgerFilter {
            item: Some("device_info".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ledger.len(), 2);
    assert!(ledger.iter().all(|e| e.endpoint == "/v1/risk/device"));
}
