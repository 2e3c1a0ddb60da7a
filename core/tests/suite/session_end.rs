//! When the session ends without the user asking: a lost answer to a refresh, a refresh the
//! server refuses. Unsent work survives both; a deliberate logout says what it would discard.

use std::sync::Arc;

use crate::common::proxy::{Fault, FaultProxy};
use crate::common::{Harness, NoProgress};
use medcircle_core::{AuthError, CancelToken, EndReason, FeedClient, SessionState};

const MONTH_S: u64 = 31 * 86_400;

/// Publishes while the network is down: the post waits in the outbox.
async fn queue_offline_post(proxy: &FaultProxy, feed: &FeedClient, text: &str) {
    proxy.set(Fault::Down);
    feed.publish(
        text.into(),
        vec![],
        Arc::new(NoProgress),
        CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(feed.outbox().await.unwrap().len(), 1);
    proxy.set(Fault::None);
}

#[tokio::test]
async fn a_lost_refresh_answer_keeps_the_session_and_the_outbox_delivers() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138301").await;
    let feed = client.feed();
    queue_offline_post(&proxy, &feed, "sent after a lost answer").await;
    let posts_before = h.server_posts().await;

    // The access token has expired: the flush refreshes, and the refresh's answer is lost.
    h.advance_clock(901).await;
    proxy.hold("POST /v1/auth/refresh");
    let flushing = tokio::spawn({
        let feed = client.feed();
        async move { feed.flush().await }
    });
    proxy.answered_and_held().await;
    proxy.set(Fault::Down);
    let _ = flushing.await.unwrap();
    proxy.set(Fault::None);

    assert!(matches!(
        client.auth().session_state(),
        SessionState::LoggedIn { .. }
    ));
    assert_eq!(feed.flush().await.unwrap().remaining, 0);
    assert!(feed.outbox().await.unwrap().is_empty());
    assert_eq!(h.server_posts().await, posts_before + 1);
    assert!(matches!(
        client.auth().session_state(),
        SessionState::LoggedIn { .. }
    ));
    client.auth().whoami().await.unwrap();
}

#[tokio::test]
async fn a_session_the_server_ends_keeps_unsent_work_for_the_same_account() {
    let h = Harness::start();
    let phone = "13800138302";
    let (proxy, client) = h.logged_in_behind_a_proxy(phone).await;
    let me = client.auth().whoami().await.unwrap();
    let feed = client.feed();
    queue_offline_post(&proxy, &feed, "kept while logged out").await;
    let posts_before = h.server_posts().await;

    // A month on, the refresh token has expired: the server refuses the refresh.
    h.advance_clock(MONTH_S).await;
    assert!(feed.flush().await.is_err());
    let ended = SessionState::Ended {
        user: me.clone(),
        unsent: 1,
        reason: EndReason::RefreshRefused,
    };
    assert_eq!(client.auth().session_state(), ended);
    assert!(
        feed.outbox().await.is_err(),
        "nothing of the account readable"
    );

    // Still so after a restart; a logout says what it would discard.
    drop((feed, client));
    let client = h.client_via("app", &proxy.url).await;
    assert_eq!(client.auth().session_state(), ended);
    assert_eq!(
        client.auth().logout().await.unwrap_err(),
        AuthError::UnsentWouldBeLost { count: 1 }
    );

    // The same account logs in again: what waited goes out.
    h.login(&client, phone).await;
    let feed = client.feed();
    assert_eq!(feed.flush().await.unwrap().remaining, 0);
    assert!(feed.outbox().await.unwrap().is_empty());
    assert_eq!(h.server_posts().await, posts_before + 1);
}

#[tokio::test]
async fn another_accounts_login_discards_what_an_ended_session_kept() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138303").await;
    let feed = client.feed();
    queue_offline_post(&proxy, &feed, "never sent").await;
    let posts_before = h.server_posts().await;
    h.advance_clock(MONTH_S).await;
    assert!(feed.flush().await.is_err());
    assert!(matches!(
        client.auth().session_state(),
        SessionState::Ended { unsent: 1, .. }
    ));

    // One device: each SMS login waits out the server's limits for it.
    h.advance_clock(3_600).await;
    h.login(&client, "13800138304").await;
    assert!(client.auth().logout().await.unwrap().revoked_on_server);
    h.advance_clock(3_600).await;
    h.login(&client, "13800138303").await;
    assert!(client.feed().outbox().await.unwrap().is_empty());
    assert_eq!(client.feed().flush().await.unwrap().sent, 0);
    assert_eq!(h.server_posts().await, posts_before);
}

#[tokio::test]
async fn a_logout_with_unsent_work_asks_first_then_discards_it() {
    let h = Harness::start();
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138305").await;
    let feed = client.feed();
    queue_offline_post(&proxy, &feed, "discarded on purpose").await;
    proxy.set(Fault::Down);

    assert_eq!(
        client.auth().logout().await.unwrap_err(),
        AuthError::UnsentWouldBeLost { count: 1 }
    );
    assert!(matches!(
        client.auth().session_state(),
        SessionState::LoggedIn { .. }
    ));
    assert_eq!(feed.outbox().await.unwrap().len(), 1, "nothing lost yet");

    client.auth().logout_discarding_unsent().await.unwrap();
    assert_eq!(client.auth().session_state(), SessionState::LoggedOut);
    proxy.set(Fault::None);
    h.advance_clock(3_600).await;
    h.login(&client, "13800138305").await;
    assert!(client.feed().outbox().await.unwrap().is_empty());
}
