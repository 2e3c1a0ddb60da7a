//! A whole journey through the log sink: lines flow, and none of them carries a phone
//! number, an SMS code, a token, an ID number, an address, feedback or its contact number. (Own test binary: the sink is process-wide.)

use std::sync::{Arc, Mutex};

use crate::common::{Harness, ID_NUMBER, NoProgress};
use crate::mall;
use crate::purchases::DevSdk;
use medcircle_core::{CancelToken, FeedbackForm, LogLevel, LogSink, PaymentMethod};

const FEEDBACK_TEXT: &str = "夜班后手机号无法登录";
const FEEDBACK_CONTACT: &str = "13912340057";

#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

impl LogSink for Collect {
    fn log(&self, level: LogLevel, target: String, message: String) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{level:?} {target} {message}"));
    }
}

#[tokio::test]
async fn no_personal_data_reaches_a_log_line() {
    let sink = Arc::new(Collect::default());
    medcircle_core::logging::install(sink.clone(), LogLevel::Trace);

    let h = Harness::start();
    let client = h.client("app").await;
    let phone = "13800138011";
    // Refused before consent: logged, without the number.
    assert!(client.auth().request_sms_code(phone.into()).await.is_err());
    let policy = client.consent().fetch_policy().await.unwrap();
    client.consent().accept(policy.version).await.unwrap();
    client.auth().request_sms_code(phone.into()).await.unwrap();
    let code = h.outbox_code(phone).await;
    let user = client
        .auth()
        .verify_sms_code(phone.into(), code.clone())
        .await
        .unwrap();
    h.certify(&client).await;
    mall::journey(&h, &client, &user.id).await;
    let feedback = FeedbackForm {
        text: FEEDBACK_TEXT.into(),
        contact: Some(FEEDBACK_CONTACT.into()),
        ..FeedbackForm::default()
    };
    client
        .help()
        .send_feedback(feedback, Arc::new(NoProgress), CancelToken::new())
        .await
        .unwrap();
    let bought = client
        .purchases()
        .buy(
            "member_month".into(),
            PaymentMethod::Alipay,
            DevSdk::new(&h, "succeed", "now"),
        )
        .await
        .unwrap();
    client.certification().refresh_status().await.unwrap();
    h.advance_clock(901).await;
    client.auth().whoami().await.unwrap();
    client.auth().logout().await.unwrap();

    let lines = sink.0.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("logged in")),
        "the journey was logged: {lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("session refreshed")));
    assert!(lines.iter().any(|l| l.contains("certification submitted")));
    assert!(lines.iter().any(|l| l.contains("item redeemed")));
    assert!(lines.iter().any(|l| l.contains("feedback queued")));
    assert!(lines.iter().any(|l| l.contains(&bought.order.number)));
    for line in &lines {
        for secret in [
            phone,
            code.as_str(),
            "mca_",
            "mcr_",
            "138 0013 8011",
            ID_NUMBER,
            &ID_NUMBER[4..14],
            mall::PLANTED_NAME,
            mall::PLANTED_STREET,
            mall::PLANTED_PHONE,
            FEEDBACK_TEXT,
            FEEDBACK_CONTACT,
        ] {
            assert!(!line.contains(secret), "{line:?} leaks {secret:?}");
        }
    }
}
