//! The feed against the reference server, with faults injected between them: browsing from
//! the cache and by diffs, conditional refresh, publishing with photos, interactions through
//! the outbox, offline and back, refusals for good, search, deletion.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::proxy::Fault;
use crate::common::{Harness, NoProgress, failed_post, png};
use medcircle_core::{
    CancelToken, Client, ConsentPurpose, Delivery, FeedDiff, FeedError, FeedItem, LedgerFilter,
    NetworkProblem, OutboxAction, UploadProgress,
};

fn apply(list: &mut Vec<FeedItem>, diffs: Vec<FeedDiff>) {
    for diff in diffs {
        match diff {
            FeedDiff::Reset { items } => *list = items,
            FeedDiff::Insert { index, item } => list.insert(index as usize, item),
            FeedDiff::Update { index, item } => list[index as usize] = item,
            FeedDiff::Remove { index } => {
                list.remove(index as usize);
            }
        }
    }
}

async fn logged_in(h: &Harness, name: &str, phone: &str) -> Client {
    let client = h.consented_client(name).await;
    h.login(&client, phone).await;
    client
}

/// The live feed as a screen holds it: the subscription and the list after its first diffs.
async fn subscribed(
    feed: &medcircle_core::FeedClient,
) -> (medcircle_core::Updates<Vec<FeedDiff>>, Vec<FeedItem>) {
    let mut updates = feed.updates();
    let mut shown = Vec::new();
    apply(&mut shown, updates.next().await.unwrap());
    (updates, shown)
}

#[derive(Default)]
struct Recorded(Mutex<Vec<(u64, u64)>>);

impl UploadProgress for Recorded {
    fn progress(&self, sent: u64, total: u64) {
        self.0.lock().unwrap().push((sent, total));
    }
}

#[tokio::test]
async fn the_feed_comes_from_the_cache_first_then_by_diffs_and_an_unchanged_refresh_costs_a_304() {
    let mut h = Harness::start();
    let client = logged_in(&h, "app", "13800138201").await;
    let feed = client.feed();
    let (mut updates, mut shown) = subscribed(&feed).await;
    assert!(shown.is_empty(), "nothing cached yet");

    let outcome = feed.refresh().await.unwrap();
    assert!(!outcome.not_modified);
    assert_eq!(outcome.new_posts, 20);
    apply(&mut shown, updates.next().await.unwrap());
    assert_eq!(shown.len(), 20);
    assert!(shown.iter().all(|i| i.delivery == Delivery::Sent));

    let before = h.count_requests("/v1/feed").await;
    let again = feed.refresh().await.unwrap();
    assert!(again.not_modified);
    assert_eq!(
        h.count_requests("/v1/feed").await,
        before + 1,
        "one request"
    );

    assert_eq!(feed.load_more().await.unwrap(), 20);
    let diffs = updates.next().await.unwrap();
    assert!(
        diffs.iter().all(|d| matches!(d, FeedDiff::Insert { .. })),
        "{diffs:?}"
    );
    apply(&mut shown, diffs);
    assert_eq!(shown.len(), 40);
    assert_eq!(feed.load_more().await.unwrap(), 0);
    assert!(feed.status().end_reached);

    // A like elsewhere changes one row: one update.
    let liked = shown[3].post.id.clone();
    feed.set_liked(liked.clone(), true).await.unwrap();
    let diffs = updates.next().await.unwrap();
    assert!(matches!(&diffs[..], [FeedDiff::Update { index: 3, item }] if item.post.liked_by_me));

    // Another account on this phone sees nothing of this one's feed.
    client.auth().logout().await.unwrap();
    apply(&mut shown, updates.next().await.unwrap());
    assert!(shown.is_empty(), "{} left after logout", shown.len());
    h.advance_clock(61).await;
    h.login(&client, "13800138201").await;
    feed.refresh().await.unwrap();
    feed.load_more().await.unwrap();
    feed.set_liked(liked.clone(), true).await.unwrap();

    // Another run, the server gone: the cached feed is there at once.
    drop(updates);
    client.close(2_000).await;
    drop(client);
    h.stop_server();
    let reopened = h.client("app").await;
    let mut updates = reopened.feed().updates();
    let mut cached = Vec::new();
    apply(&mut cached, updates.next().await.unwrap());
    assert_eq!(cached.len(), 40);
    assert!(cached[3].post.liked_by_me);
    let offline = reopened.feed().refresh().await;
    assert!(matches!(
        offline,
        Err(FeedError::Network {
            problem: NetworkProblem::Offline
        })
    ));
    assert!(reopened.feed().status().offline);
    assert_eq!(
        reopened
            .feed()
            .search_local("night".into(), 10)
            .await
            .unwrap()
            .len(),
        reopened
            .feed()
            .search_local("NIGHT".into(), 10)
            .await
            .unwrap()
            .len()
    );
}

#[tokio::test]
async fn a_post_with_a_photo_shows_at_once_and_is_sent_with_progress() {
    let h = Harness::start();
    let client = logged_in(&h, "app", "13800138202").await;
    let feed = client.feed();
    feed.refresh().await.unwrap();
    let (mut updates, mut shown) = subscribed(&feed).await;

    let progress = Arc::new(Recorded::default());
    let photo = png(200 * 1024);
    let item = feed
        .publish(
            "今天的查房记录 — ward round notes".into(),
            vec![photo.clone()],
            progress.clone(),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(item.delivery, Delivery::Sent);
    assert!(item.post.mine);
    assert_eq!(item.post.photos.len(), 1);
    let reported = progress.0.lock().unwrap().clone();
    assert_eq!(
        reported.last(),
        Some(&(photo.len() as u64, photo.len() as u64))
    );

    // At the top of the live feed, as sent.
    while shown.first().map(|i| i.post.id.as_str()) != Some(item.post.id.as_str()) {
        apply(&mut shown, updates.next().await.unwrap());
    }
    assert_eq!(shown[0].delivery, Delivery::Sent);
    // Its photo is in the cache: no download needed.
    let photo_id = item.post.photos[0].id.clone();
    assert_eq!(
        feed.photo(photo_id, item.post.id.clone()).await.unwrap(),
        photo
    );
    // The draft was consumed.
    assert!(feed.draft().await.unwrap().text.is_empty());
}

#[tokio::test]
async fn bad_posts_are_refused_before_any_request() {
    let h = Harness::start();
    let client = logged_in(&h, "app", "13800138203").await;
    let feed = client.feed();
    let publish = |text: &str, photos: Vec<Vec<u8>>| {
        feed.publish(
            text.into(),
            photos,
            Arc::new(NoProgress),
            CancelToken::new(),
        )
    };
    let sent = h.requests().await.len();
    for blank in ["   ", "\u{200B}", "\u{FEFF}\u{2060}", "\u{3164}"] {
        assert!(
            matches!(
                publish(blank, vec![]).await,
                Err(FeedError::InvalidText { .. })
            ),
            "{blank:?}"
        );
    }
    assert_eq!(
        h.requests().await.len(),
        sent,
        "a post that shows nothing costs no request"
    );
    for hidden in ["A \u{202E}txt.exe", "a\u{0000}b"] {
        assert!(
            matches!(
                publish(hidden, vec![]).await,
                Err(FeedError::InvalidText { .. })
            ),
            "{hidden:?}"
        );
        assert!(
            matches!(
                feed.comment("p_1".into(), hidden.into()).await,
                Err(FeedError::InvalidText { .. })
            ),
            "{hidden:?}"
        );
    }
    assert!(matches!(
        publish(&"字".repeat(2001), vec![]).await,
        Err(FeedError::InvalidText { .. })
    ));
    assert_eq!(
        publish("gif", vec![b"GIF89a......".to_vec()]).await,
        Err(FeedError::UnsupportedImage)
    );
    assert!(matches!(
        publish("big", vec![png(5 * 1024 * 1024 + 1)]).await,
        Err(FeedError::ImageTooLarge { .. })
    ));
    let mut huge = png(100);
    huge[16..20].copy_from_slice(&10_000u32.to_be_bytes());
    assert_eq!(
        publish("wide", vec![huge]).await,
        Err(FeedError::ImageDimensionsTooLarge { max_px: 4096 })
    );
    assert_eq!(h.count_requests("/v1/posts").await, 0);
    assert_eq!(h.count_requests("/v1/photos").await, 0);
    let blank = feed.comment("p_any".into(), " ".into()).await;
    assert!(matches!(blank, Err(FeedError::InvalidText { .. })));
    assert!(feed.outbox().await.unwrap().is_empty());
}

/// `flush` tells what was delivered even when another flush did it: here the one a restart
/// starts, finished before anyone asks.
#[tokio::test]
async fn a_flush_reports_what_the_flush_at_start_delivered() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138209").await;
    proxy.set(Fault::Down);
    client
        .feed()
        .publish(
            "waiting for the next start".into(),
            vec![],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    drop(client);
    proxy.set(Fault::None);

    let client = h.client_via("app", &proxy.url).await;
    let feed = client.feed();
    for _ in 0..200 {
        if feed.outbox().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(feed.outbox().await.unwrap().is_empty(), "sent at start");
    let outcome = feed.flush().await.unwrap();
    assert_eq!(
        (outcome.sent, outcome.dropped, outcome.remaining),
        (1, 0, 0)
    );
    // Told once.
    assert_eq!(feed.flush().await.unwrap().sent, 0);
}

#[tokio::test]
async fn offline_actions_wait_in_the_outbox_and_go_out_once_when_the_network_returns() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138204").await;
    let feed = client.feed();
    feed.refresh().await.unwrap();
    let (_updates, shown) = subscribed(&feed).await;
    let post_id = shown[0].post.id.clone();
    let posts_before = h.server_posts().await;

    proxy.set(Fault::Down);
    let item = feed
        .publish(
            "written on the train".into(),
            vec![],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert!(matches!(item.delivery, Delivery::Sending { .. }));
    assert!(item.post.id.starts_with("local:"));
    let liked = feed.set_liked(post_id.clone(), true).await.unwrap();
    assert!(liked.liked_by_me, "optimistic");
    let comment = feed
        .comment(post_id.clone(), "同意，学习了".into())
        .await
        .unwrap();
    assert!(comment.id.starts_with("local:"));
    feed.set_collected(post_id.clone(), true).await.unwrap();
    let waiting = feed.outbox().await.unwrap();
    let actions: Vec<_> = waiting.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            OutboxAction::Post,
            OutboxAction::Like,
            OutboxAction::Comment,
            OutboxAction::Collect
        ]
    );
    assert!(feed.status().offline);
    assert_eq!(
        feed.share(post_id.clone()).await.map(|_| ()).unwrap_err(),
        FeedError::Network {
            problem: NetworkProblem::Offline
        }
    );

    proxy.set(Fault::None);
    // Whichever flush sends them (this one or a scheduled retry), nothing is left.
    assert_eq!(feed.flush().await.unwrap().remaining, 0);
    assert!(feed.outbox().await.unwrap().is_empty());
    assert_eq!(h.server_posts().await, posts_before + 1);
    let post = feed.post(post_id.clone()).await.unwrap();
    assert!(post.liked_by_me && post.collected_by_me);
    let comments = feed.comments(post_id.clone()).await.unwrap();
    assert_eq!(
        comments.iter().filter(|c| c.text == "同意，学习了").count(),
        1
    );
    assert!(comments.iter().all(|c| !c.id.starts_with("local:")));
    let collections = feed.collections().await.unwrap();
    assert!(collections.iter().any(|p| p.id == post_id));
    let share = feed.share(post_id).await.unwrap();
    assert!(
        share.url.starts_with(&proxy.url) && share.url.contains("/p/"),
        "{}",
        share.url
    );
    assert!(share.text.ends_with("on MedCircle"));
}

#[tokio::test]
async fn an_answer_lost_on_the_way_back_is_replayed_by_key_not_duplicated() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138205").await;
    let feed = client.feed();
    let before = h.server_posts().await;

    // The server creates the post, the answer is cut off: the client cannot know.
    proxy.set(Fault::Truncate);
    let item = feed
        .publish(
            "once only".into(),
            vec![],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert!(matches!(item.delivery, Delivery::Sending { .. }));
    assert_eq!(
        h.server_posts().await,
        before + 1,
        "the server did create it"
    );

    // 503s: still waiting.
    proxy.set(Fault::ServerError);
    let flushed = feed.flush().await.unwrap();
    assert_eq!(flushed.remaining, 1);

    // Slow but working: the same key, the server's first answer, no second post.
    proxy.set(Fault::Slow(Duration::from_millis(20)));
    assert_eq!(feed.flush().await.unwrap().remaining, 0);
    assert_eq!(h.server_posts().await, before + 1);
    assert!(feed.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_action_on_a_post_deleted_meanwhile_is_dropped_with_a_notice() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138206").await;
    let feed = client.feed();
    feed.refresh().await.unwrap();
    let (_updates, shown) = subscribed(&feed).await;
    let doomed = shown[0].post.id.clone();

    proxy.set(Fault::Down);
    feed.set_liked(doomed.clone(), true).await.unwrap();
    h.delete_post_behind(&doomed).await;
    proxy.set(Fault::None);
    // Whichever flush meets the refusal (this one or a scheduled retry), it is dropped with
    // a notice.
    feed.flush().await.unwrap();
    assert!(feed.outbox().await.unwrap().is_empty());
    let notices = feed.status().notices;
    let [notice] = &notices[..] else {
        panic!("one notice: {notices:?}")
    };
    assert_eq!(notice.action, OutboxAction::Like);
    assert_eq!(notice.post_id.as_deref(), Some(doomed.as_str()));
    assert!(
        feed.search_local(shown[0].post.text.clone(), 5)
            .await
            .unwrap()
            .iter()
            .all(|p| p.id != doomed)
    );
}

#[tokio::test]
async fn a_cancelled_upload_leaves_the_post_failed_for_retry_edit_or_discard() {
    let h = Harness::start();
    let client = logged_in(&h, "app", "13800138207").await;
    let feed = client.feed();
    let local_id = failed_post(&feed, "with photo").await;
    assert_eq!(
        feed.outbox().await.unwrap()[0].failed.as_deref(),
        Some("cancelled")
    );
    let retried = feed
        .retry_post(local_id, Some("with photo, edited".into()))
        .await
        .unwrap();
    assert_eq!(retried.delivery, Delivery::Sent);
    assert_eq!(retried.post.text, "with photo, edited");

    let local_id = failed_post(&feed, "never mind").await;
    feed.discard_post(local_id).await.unwrap();
    assert!(feed.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_an_own_post_removes_it_and_what_is_cached_with_it() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138208").await;
    let feed = client.feed();
    let photo = png(1024);
    let post = feed
        .publish(
            "to be deleted".into(),
            vec![photo],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap()
        .post;
    let comment = feed
        .comment(post.id.clone(), "a note".into())
        .await
        .unwrap();
    feed.delete_comment(post.id.clone(), comment.id)
        .await
        .unwrap();
    assert!(feed.comments(post.id.clone()).await.unwrap().is_empty());

    let (mut updates, mut shown) = subscribed(&feed).await;
    assert!(shown.iter().any(|i| i.post.id == post.id));

    proxy.set(Fault::Down);
    feed.delete_post(post.id.clone()).await.unwrap();
    apply(&mut shown, updates.next().await.unwrap());
    assert!(shown.iter().all(|i| i.post.id != post.id), "hidden at once");
    assert_eq!(
        feed.outbox().await.unwrap()[0].action,
        OutboxAction::DeletePost
    );

    proxy.set(Fault::None);
    assert_eq!(feed.flush().await.unwrap().remaining, 0);
    assert_eq!(
        feed.post(post.id.clone()).await,
        Err(FeedError::PostNotFound)
    );
    let photo_id = post.photos[0].id.clone();
    assert!(
        feed.photo(photo_id, post.id.clone()).await.is_err(),
        "its photo is gone too"
    );
    assert!(
        feed.search_local("to be deleted".into(), 5)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn search_on_the_server_and_offline_in_the_cache_in_chinese_and_english() {
    let mut h = Harness::start();
    let client = logged_in(&h, "app", "13800138209").await;
    let feed = client.feed();
    let found = feed.search("心肌梗死".into(), None).await.unwrap();
    assert!(!found.posts.is_empty());
    assert!(found.posts.iter().all(|p| p.text.contains("心肌梗死")));
    assert!(matches!(
        feed.search("  ".into(), None).await,
        Err(FeedError::InvalidQuery { .. })
    ));
    feed.refresh().await.unwrap();
    feed.load_more().await.unwrap();

    h.stop_server();
    // A control character never reaches the cache's full-text parser (nor the server's).
    assert!(matches!(
        feed.search_local("心肌\0梗死".into(), 20).await,
        Err(FeedError::InvalidQuery { .. })
    ));
    let local = feed.search_local("心肌梗死".into(), 20).await.unwrap();
    assert_eq!(
        local.iter().map(|p| &p.id).collect::<Vec<_>>(),
        found.posts.iter().map(|p| &p.id).collect::<Vec<_>>()
    );
    let english = feed.search_local("night".into(), 20).await.unwrap();
    assert!(!english.is_empty());
    assert!(
        english
            .iter()
            .all(|p| p.text.to_lowercase().contains("night"))
    );
    // Query syntax is just text.
    assert!(
        feed.search_local("\") OR (\"".into(), 20)
            .await
            .unwrap()
            .is_empty()
    );
    let percent = feed.search_local("%".into(), 20).await.unwrap();
    assert!(percent.iter().all(|p| p.text.contains('%')), "{percent:?}");
}

#[tokio::test]
async fn the_feed_is_personalised_only_with_consent() {
    let h = Harness::start();
    let client = logged_in(&h, "app", "13800138210").await;
    let feed = client.feed();
    async fn interests(client: &Client) -> usize {
        client
            .privacy()
            .ledger(LedgerFilter {
                item: Some("interest_profile".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
    }
    feed.refresh().await.unwrap();
    assert_eq!(
        interests(&client).await,
        0,
        "not personalised: the interests are not used"
    );
    assert!(!feed.status().personalised);

    client
        .consent()
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    feed.refresh().await.unwrap();
    assert_eq!(interests(&client).await, 1);
    assert!(
        feed.status().personalised,
        "the server chose by the account's interests"
    );
    client
        .consent()
        .withdraw(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    feed.refresh().await.unwrap();
    assert_eq!(
        interests(&client).await,
        1,
        "withdrawn: back to non-personalised"
    );
    assert!(!feed.status().personalised, "and the server honours it");
}

#[tokio::test]
async fn viewing_posts_feeds_browsing_records_only_with_consent() {
    let h = Harness::start();
    let client = logged_in(&h, "app", "13800138211").await;
    let feed = client.feed();
    feed.refresh().await.unwrap();
    let id = feed.search_local("the".into(), 1).await.unwrap()[0]
        .id
        .clone();
    feed.post(id.clone()).await.unwrap();
    feed.clicked(id.clone()).await;
    assert_eq!(
        client.records().pending().await.unwrap(),
        0,
        "not even queued"
    );
    client
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    feed.post(id.clone()).await.unwrap();
    feed.clicked(id.clone()).await;
    assert_eq!(client.records().flush().await.unwrap(), 2);
    let events: serde_json::Value = reqwest::get(format!("{}/dev/events", h.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let target = format!("post:{id}");
    let kinds: Vec<_> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == target.as_str())
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["view", "click"]);
}

/// The OS refusing every permission, for good.
struct RefusingOs;

#[async_trait::async_trait]
impl medcircle_core::PermissionProvider for RefusingOs {
    fn status(
        &self,
        _: medcircle_core::Permission,
    ) -> Result<medcircle_core::PermissionStatus, medcircle_core::ProviderError> {
        Ok(medcircle_core::PermissionStatus::DeniedPermanently)
    }
    async fn request(
        &self,
        _: medcircle_core::Permission,
    ) -> Result<medcircle_core::PermissionStatus, medcircle_core::ProviderError> {
        Ok(medcircle_core::PermissionStatus::DeniedPermanently)
    }
}

#[tokio::test]
async fn with_every_optional_consent_and_permission_refused_login_browsing_search_and_posting_work()
{
    use medcircle_core::{Feature, PermissionDecision};

    let h = Harness::start();
    let client = h.consented_client("app").await;
    for purpose in [
        ConsentPurpose::Personalisation,
        ConsentPurpose::BrowsingRecords,
        ConsentPurpose::PreciseLocation,
        ConsentPurpose::IdentityVerification,
        ConsentPurpose::ThirdPartySharing,
    ] {
        client.consent().withdraw(purpose).await.unwrap();
    }
    client.permissions().set_provider(Arc::new(RefusingOs));
    for feature in Feature::ALL {
        let decision = client.permissions().request(feature).await.unwrap();
        assert!(
            matches!(decision, PermissionDecision::Unavailable { .. }),
            "{feature:?}: {decision:?}"
        );
    }

    h.login(&client, "13800138212").await;
    let feed = client.feed();
    assert_eq!(feed.refresh().await.unwrap().new_posts, 20);
    assert_eq!(feed.load_more().await.unwrap(), 20);
    assert!(
        !feed
            .search("night".into(), None)
            .await
            .unwrap()
            .posts
            .is_empty()
    );
    assert!(
        !feed
            .search_local("night".into(), 5)
            .await
            .unwrap()
            .is_empty()
    );
    let posted = feed
        .publish(
            "text only".into(),
            vec![],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(posted.delivery, Delivery::Sent);
    let comment = feed
        .comment(posted.post.id.clone(), "still works".into())
        .await
        .unwrap();
    assert!(!comment.id.starts_with("local:"));
    assert!(
        feed.set_liked(posted.post.id, true)
            .await
            .unwrap()
            .liked_by_me
    );
    // Only what was refused is off: nothing personalised, nothing recorded.
    assert!(!feed.status().personalised);
    assert_eq!(client.records().pending().await.unwrap(), 0);
}

#[tokio::test]
async fn a_post_sent_by_another_flush_still_reports_to_its_publisher() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138230").await;
    let feed = client.feed();
    feed.refresh().await.unwrap();
    client.close(10_000).await;
    let post_id = feed.search_local("the".into(), 1).await.unwrap()[0]
        .id
        .clone();

    // A like's flush holds the outbox's turn while the server's answer is held.
    proxy.hold("PUT /v1/posts/");
    let liking = {
        let feed = feed.clone();
        tokio::spawn(async move { feed.set_liked(post_id, true).await })
    };
    proxy.answered_and_held().await;
    // The post queues behind it; the like's flush is the one that goes on to send it.
    let progress = Arc::new(Recorded::default());
    let publishing = {
        let (feed, progress) = (feed.clone(), progress.clone());
        tokio::spawn(async move {
            feed.publish(
                "sent by another flush".into(),
                vec![png(200 * 1024)],
                progress,
                CancelToken::new(),
            )
            .await
        })
    };
    while feed.outbox().await.unwrap().len() < 2 {
        tokio::task::yield_now().await;
    }
    proxy.release();
    liking.await.unwrap().unwrap();
    let posted = publishing.await.unwrap().unwrap();
    assert_eq!(posted.delivery, Delivery::Sent);
    let reported = progress.0.lock().unwrap().clone();
    assert!(
        reported
            .last()
            .is_some_and(|(sent, total)| sent == total && *total > 0),
        "the publisher saw its upload: {reported:?}"
    );
}

/// The server's times are in seconds: posts published within one are found in the cache in
/// the order the server finds them, newest first, by a reader whose feed brought them.
#[tokio::test]
async fn posts_published_within_a_second_are_found_offline_in_the_servers_order() {
    let mut h = Harness::start();
    let writer = logged_in(&h, "writer", "13800138231").await;
    for n in 0..6 {
        writer
            .feed()
            .publish(
                format!("随访笔记 第{n}篇"),
                Vec::new(),
                Arc::new(NoProgress),
                CancelToken::new(),
            )
            .await
            .unwrap();
    }
    let reader = logged_in(&h, "reader", "13800138232").await;
    let feed = reader.feed();
    feed.refresh().await.unwrap();
    let found = feed.search("随访笔记".into(), None).await.unwrap();
    assert_eq!(found.posts.len(), 6);
    h.stop_server();
    let local = feed.search_local("随访笔记".into(), 20).await.unwrap();
    assert_eq!(
        local.iter().map(|p| &p.text).collect::<Vec<_>>(),
        found.posts.iter().map(|p| &p.text).collect::<Vec<_>>()
    );
    assert_eq!(local[0].text, "随访笔记 第5篇");
}
