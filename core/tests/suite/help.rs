//! The help center against the reference server: articles listed, searched in Chinese and
//! English, read, and read again offline; feedback with a photo through the permission gate
//! and the outbox (surviving a kill, sent once), without photos when the permission is
//! refused, without device data unless agreed, photos without their metadata; replies raising
//! the unread count and reading clearing it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::images::{PLANTED, camera_jpeg, contains};
use crate::common::proxy::Fault;
use crate::common::{Harness, NoProgress};
use medcircle_core::{
    CancelToken, Client, DeviceVersions, Feature, FeedbackForm, HelpClient, HelpError,
    LedgerFilter, Permission, PermissionDecision, PermissionProvider, PermissionStatus,
    ProviderError, Ticket, TicketStatus,
};

/// The OS answering every permission dialog with `answer`.
struct Os {
    answer: PermissionStatus,
    status: Mutex<PermissionStatus>,
}

#[async_trait::async_trait]
impl PermissionProvider for Os {
    fn status(&self, _permission: Permission) -> Result<PermissionStatus, ProviderError> {
        Ok(*self.status.lock().unwrap())
    }

    async fn request(&self, _permission: Permission) -> Result<PermissionStatus, ProviderError> {
        *self.status.lock().unwrap() = self.answer;
        Ok(self.answer)
    }
}

fn os(answer: PermissionStatus) -> Arc<Os> {
    Arc::new(Os {
        answer,
        status: Mutex::new(PermissionStatus::NotDetermined),
    })
}

async fn photos_allowed(client: &Client) -> bool {
    let permissions = client.permissions();
    permissions.set_provider(os(PermissionStatus::Granted));
    permissions.request(Feature::FeedbackPhotos).await.unwrap() == PermissionDecision::Allowed
}

fn form(text: &str) -> FeedbackForm {
    FeedbackForm {
        text: text.into(),
        ..FeedbackForm::default()
    }
}

/// Sends text feedback and returns the ticket the server made of it.
async fn sent_ticket(help: &HelpClient, text: &str) -> Ticket {
    help.send_feedback(form(text), Arc::new(NoProgress), CancelToken::new())
        .await
        .unwrap()
        .ticket
        .unwrap()
}

#[tokio::test]
async fn articles_are_listed_searched_in_chinese_and_english_read_and_read_again_offline() {
    let h = Harness::start();
    let (proxy, client) = h.consented_behind_a_proxy().await;
    let help = client.help();
    let all = help.articles(None).await.unwrap();
    assert!(all.len() >= 8);
    let account = help.articles(Some("account".into())).await.unwrap();
    assert!(!account.is_empty() && account.iter().all(|a| a.topic == "account"));
    let zh = help.search("验证码".into()).await.unwrap();
    assert!(zh.iter().any(|a| a.id == "ha_login_zh"), "{zh:?}");
    let en = help.search("sms CODE".into()).await.unwrap();
    assert_eq!(
        en.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["ha_login_en"]
    );
    assert_eq!(help.search(" ".into()).await, Err(HelpError::InvalidQuery));
    let article = help.article("ha_feedback_zh".into()).await.unwrap();
    assert!(article.body.contains("4 张照片"));
    assert_eq!(
        help.article("ha_nothing".into()).await,
        Err(HelpError::ArticleNotFound)
    );

    proxy.set(Fault::Down);
    assert_eq!(
        help.article("ha_feedback_zh".into()).await.unwrap(),
        article
    );
    assert_eq!(help.articles(None).await.unwrap(), all, "the list as kept");
    let offline = help.search("反馈".into()).await.unwrap();
    assert_eq!(
        offline.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["ha_feedback_zh"],
        "offline, among the kept titles and the bodies read"
    );
    assert!(
        matches!(
            help.article("ha_privacy_en".into()).await,
            Err(HelpError::Network { .. })
        ),
        "never read, so not kept"
    );
}

#[tokio::test]
async fn feedback_with_a_photo_survives_a_kill_mid_send_and_makes_one_ticket() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138401").await;
    assert!(photos_allowed(&client).await);
    let (jpeg, _) = camera_jpeg();
    // The server makes the ticket; its answer never reaches the app, which is killed.
    proxy.hold("POST /v1/help/feedback");
    let sending = {
        let help = client.help();
        let form = FeedbackForm {
            photos: vec![jpeg],
            contact: Some("13800138401".into()),
            ..form("照片上传后闪退")
        };
        tokio::spawn(async move {
            help.send_feedback(form, Arc::new(NoProgress), CancelToken::new())
                .await
        })
    };
    proxy.answered_and_held().await;
    sending.abort();
    drop(client);
    proxy.set(Fault::Down);
    assert_eq!(h.received_feedback().await.len(), 1, "the server acted");
    proxy.set(Fault::None);

    // Reopened: what waits goes out at start, with the same key: still one ticket.
    let client = h.client_via("app", &proxy.url).await;
    let help = client.help();
    let mut waiting = usize::MAX;
    for _ in 0..200 {
        waiting = help.tickets().await.unwrap().waiting.len();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(waiting, 0, "sent at start");
    let received = h.received_feedback().await;
    assert_eq!(received.len(), 1, "exactly one ticket");
    assert_eq!(received[0]["photos"].as_array().unwrap().len(), 1);
    let tickets = help.tickets().await.unwrap();
    assert_eq!(tickets.tickets.len(), 1);
    assert_eq!(tickets.tickets[0].photo_count, 1);
    assert_eq!(
        tickets.tickets[0].contact_masked.as_deref(),
        Some("138****8401")
    );
    assert_eq!(
        h.count_requests("/v1/help/photos").await,
        1,
        "the photo went once"
    );
}

#[tokio::test]
async fn refusing_the_photo_permission_leaves_text_feedback_working() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138402").await;
    let permissions = client.permissions();
    permissions.set_provider(os(PermissionStatus::Denied));
    assert!(matches!(
        permissions.request(Feature::FeedbackPhotos).await.unwrap(),
        PermissionDecision::Unavailable { .. }
    ));
    let help = client.help();
    let with_photo = FeedbackForm {
        photos: vec![camera_jpeg().1],
        ..form("附图")
    };
    assert_eq!(
        help.send_feedback(with_photo, Arc::new(NoProgress), CancelToken::new())
            .await,
        Err(HelpError::PhotoPermissionRequired)
    );
    assert_eq!(h.count_requests("/v1/help/photos").await, 0);
    let sent = help
        .send_feedback(
            form("没有照片也可以"),
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    let ticket = sent.ticket.expect("sent at once");
    assert_eq!(ticket.text, "没有照片也可以");
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(h.received_feedback().await.len(), 1);
}

#[tokio::test]
async fn feedback_carries_device_data_only_when_the_user_agreed_and_photos_without_metadata() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138403").await;
    assert!(photos_allowed(&client).await);
    let help = client.help();
    let (jpeg, _) = camera_jpeg();
    let plain = FeedbackForm {
        photos: vec![jpeg],
        ..form("without versions")
    };
    help.send_feedback(plain, Arc::new(NoProgress), CancelToken::new())
        .await
        .unwrap();
    let device_items = |filter: &str| LedgerFilter {
        item: Some(filter.into()),
        ..LedgerFilter::default()
    };
    let ledger = client
        .privacy()
        .ledger(device_items("feedback_device_info"))
        .await
        .unwrap();
    assert!(ledger.is_empty(), "no device data left: {ledger:?}");
    let received = h.received_feedback().await;
    assert!(received[0].get("app_version").is_none());
    assert!(received[0].get("os_version").is_none());
    let stored = decode(received[0]["photos"][0].as_str().unwrap());
    for planted in PLANTED {
        assert!(!contains(&stored, planted), "{planted} reached the server");
    }

    let agreed = FeedbackForm {
        device: Some(DeviceVersions {
            app_version: "1.4.0".into(),
            os_version: "Android 14".into(),
        }),
        ..form("with versions")
    };
    let ticket = help
        .send_feedback(agreed, Arc::new(NoProgress), CancelToken::new())
        .await
        .unwrap()
        .ticket
        .unwrap();
    assert_eq!(ticket.app_version.as_deref(), Some("1.4.0"));
    let received = h.received_feedback().await;
    assert_eq!(received[1]["os_version"], "Android 14");
    let ledger = client
        .privacy()
        .ledger(device_items("feedback_device_info"))
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1, "recorded when it went");
    assert_eq!(
        help.send_feedback(
            FeedbackForm {
                contact: Some("12345".into()),
                ..form("bad number")
            },
            Arc::new(NoProgress),
            CancelToken::new()
        )
        .await,
        Err(HelpError::InvalidContact {
            reason: "a mainland mobile number has 11 digits".into()
        })
    );
}

#[tokio::test]
async fn replies_raise_the_unread_count_and_reading_clears_it() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138404").await;
    let help = client.help();
    let mut updates = help.ticket_updates();
    assert_eq!(updates.next().await.unwrap().unread, 0);
    let ticket = sent_ticket(&help, "收不到验证码").await;
    h.reply_to_ticket(&ticket.id, "请检查信号后重试").await;
    let refreshed = help.refresh_tickets().await.unwrap();
    assert_eq!(refreshed.unread, 1);
    assert_eq!(refreshed.tickets[0].status, TicketStatus::Answered);
    assert_eq!(refreshed.tickets[0].replies[0].body, "请检查信号后重试");
    let mut seen = updates.next().await.unwrap();
    while seen.unread != 1 {
        seen = updates.next().await.unwrap();
    }
    let read = help.mark_ticket_read(ticket.id.clone()).await.unwrap();
    assert_eq!(read.unread, 0);
    assert_eq!(updates.next().await.unwrap().unread, 0);
    // The read marker is the server's: another device agrees.
    let other = h.consented_client("other").await;
    h.advance_clock(61).await;
    h.login(&other, "13800138404").await;
    assert_eq!(other.help().tickets().await.unwrap().unread, 0);
    assert_eq!(other.help().tickets().await.unwrap().tickets.len(), 1);
    assert_eq!(
        help.mark_ticket_read("ht_0000000000000000".into()).await,
        Err(HelpError::TicketNotFound)
    );
}

/// Unpadded base64url.
fn decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut bits, mut held, mut bytes) = (0u32, 0, Vec::new());
    for character in text.bytes() {
        let value = ALPHABET.iter().position(|&c| c == character).unwrap() as u32;
        bits = (bits << 6) | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
        }
    }
    bytes
}

#[tokio::test]
async fn a_cancelled_upload_keeps_the_feedback_to_retry_or_discard() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138405").await;
    assert!(photos_allowed(&client).await);
    let help = client.help();
    let cancel = CancelToken::new();
    cancel.cancel();
    let with_photo = |text: &str| FeedbackForm {
        photos: vec![camera_jpeg().1],
        ..form(text)
    };
    assert_eq!(
        help.send_feedback(with_photo("cancelled"), Arc::new(NoProgress), cancel)
            .await,
        Err(HelpError::Cancelled)
    );
    let waiting = help.tickets().await.unwrap().waiting;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].failed.as_deref(), Some("cancelled"));
    assert!(h.received_feedback().await.is_empty());
    let sent = help.retry_feedback(waiting[0].key.clone()).await.unwrap();
    assert_eq!(sent.ticket.unwrap().photo_count, 1);

    let cancel = CancelToken::new();
    cancel.cancel();
    let parked = help
        .send_feedback(with_photo("discarded"), Arc::new(NoProgress), cancel)
        .await;
    assert_eq!(parked, Err(HelpError::Cancelled));
    let key = help.tickets().await.unwrap().waiting[0].key.clone();
    assert!(
        help.discard_feedback(key.clone())
            .await
            .unwrap()
            .waiting
            .is_empty()
    );
    assert_eq!(
        help.retry_feedback(key).await,
        Err(HelpError::FeedbackNotFound)
    );
    assert_eq!(h.received_feedback().await.len(), 1);
}

/// The server's times are in seconds: tickets sent within one list newest first as they were
/// sent, before and after a refresh.
#[tokio::test]
async fn tickets_sent_within_a_second_keep_the_order_they_were_sent_in() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138405").await;
    let help = client.help();
    let mut sent = Vec::new();
    for n in 0..8 {
        let ticket = sent_ticket(&help, &format!("第{n}条反馈")).await;
        sent.insert(0, ticket.id);
    }
    let ids = |tickets: Vec<Ticket>| tickets.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(help.tickets().await.unwrap().tickets), sent);
    assert_eq!(ids(help.refresh_tickets().await.unwrap().tickets), sent);
}
