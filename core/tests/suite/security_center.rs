//! The security center against the reference server: where the account is logged in,
//! signing another device out (behind a recent authentication) and what that device learns,
//! security notices kept offline with their read state, and the minimum version.

use std::sync::Arc;

use crate::common::proxy::Fault;
use crate::common::{Harness, NoProgress};
use medcircle_core::{
    AuthError, CancelToken, Client, EndReason, FeedError, LoginMethod, NetworkProblem, NoticeKind,
    SecurityError, SessionState,
};

const PHONE: &str = "13800138501";

/// The id of the session that is not `client`'s own.
async fn other_session(client: &Client) -> String {
    let sessions = client.security().sessions().await.unwrap();
    assert_eq!(sessions.iter().filter(|s| s.is_current).count(), 1);
    sessions
        .into_iter()
        .find(|s| !s.is_current)
        .expect("another session")
        .id
}

#[tokio::test]
async fn a_device_signed_out_from_another_learns_why_at_its_next_request_and_keeps_its_outbox() {
    let h = Harness::start();
    let (proxy, lost) = h.logged_in_behind_a_proxy(PHONE).await;
    let me = lost.auth().whoami().await.unwrap();
    proxy.set(Fault::Down);
    lost.feed()
        .publish(
            "written on the lost phone".into(),
            vec![],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    proxy.set(Fault::None);
    let posts_before = h.server_posts().await;

    h.advance_clock(61).await;
    let kept = h.consented_client("kept").await;
    h.login(&kept, PHONE).await;
    let sessions = kept.security().sessions().await.unwrap();
    assert_eq!(sessions.len(), 2);
    for session in &sessions {
        assert_eq!(session.login_method, LoginMethod::Sms);
        assert_eq!(session.place, "Loopback");
        // The test clients register no device provider: nothing was reported.
        assert_eq!(session.device, None);
    }
    let lost_id = other_session(&kept).await;
    let own = sessions.iter().find(|s| s.is_current).unwrap().id.clone();
    assert_eq!(
        kept.security().revoke_session(own).await,
        Err(SecurityError::CurrentSession)
    );
    kept.security().revoke_session(lost_id).await.unwrap();
    assert_eq!(kept.security().sessions().await.unwrap().len(), 1);

    // Its next request: the access token is refused, the refresh says why.
    assert!(lost.feed().flush().await.is_err());
    let ended = SessionState::Ended {
        user: me.clone(),
        unsent: 1,
        reason: EndReason::SignedOutFromAnotherDevice,
    };
    assert_eq!(lost.auth().session_state(), ended);
    drop(lost);
    let lost = h.client_via("app", &proxy.url).await;
    assert_eq!(lost.auth().session_state(), ended, "after a restart too");

    h.advance_clock(61).await;
    h.login(&lost, PHONE).await;
    assert_eq!(lost.feed().flush().await.unwrap().remaining, 0);
    assert_eq!(h.server_posts().await, posts_before + 1);
}

#[tokio::test]
async fn signing_other_sessions_out_needs_a_recent_authentication() {
    let h = Harness::start();
    let other = h.consented_client("other").await;
    h.login(&other, PHONE).await;
    h.advance_clock(61).await;
    let phone = h.consented_client("phone").await;
    h.login(&phone, PHONE).await;

    // Past the five minutes a login counts as recent.
    h.advance_clock(301).await;
    let security = phone.security();
    assert_eq!(
        security.revoke_other_sessions().await,
        Err(SecurityError::ReauthRequired)
    );
    assert_eq!(
        security.revoke_session(other_session(&phone).await).await,
        Err(SecurityError::ReauthRequired)
    );
    assert_eq!(
        security.sessions().await.unwrap().len(),
        2,
        "nothing revoked"
    );
    other.auth().whoami().await.unwrap();

    phone
        .auth()
        .request_reauth_code(PHONE.into())
        .await
        .unwrap();
    let code = h.outbox_code(PHONE).await;
    phone
        .auth()
        .reauthenticate(PHONE.into(), code)
        .await
        .unwrap();
    assert_eq!(security.revoke_other_sessions().await, Ok(1));
    assert_eq!(other.auth().whoami().await, Err(AuthError::SessionExpired));
    assert!(matches!(
        other.auth().session_state(),
        SessionState::Ended {
            unsent: 0,
            reason: EndReason::SignedOutFromAnotherDevice,
            ..
        }
    ));
    phone.auth().whoami().await.unwrap();
}

#[tokio::test]
async fn a_login_on_a_new_device_alerts_the_first_one() {
    let h = Harness::start();
    let first = h.consented_client("first").await;
    h.login(&first, PHONE).await;
    let notices = first.security().refresh_notices().await.unwrap();
    assert!(notices.notices.is_empty(), "a first login alerts nobody");

    h.advance_clock(61).await;
    let second = h.consented_client("second").await;
    h.login(&second, PHONE).await;
    let notices = first.security().refresh_notices().await.unwrap();
    assert_eq!(notices.unread, 1);
    assert_eq!(notices.notices.len(), 1);
    assert_eq!(notices.notices[0].kind, NoticeKind::NewLogin);
    assert!(!notices.notices[0].read);

    // The same device again is no news.
    h.advance_clock(61).await;
    second.auth().logout().await.unwrap();
    h.login(&second, PHONE).await;
    assert_eq!(
        first
            .security()
            .refresh_notices()
            .await
            .unwrap()
            .notices
            .len(),
        1
    );
}

#[tokio::test]
async fn a_broadcast_reaches_a_fresh_login_and_its_read_state_is_kept_offline() {
    let h = Harness::start();
    h.publish_notice(None, "incident", "A security incident")
        .await;
    let (proxy, client) = h.logged_in_behind_a_proxy(PHONE).await;

    // Fetched at login: the listener's first value is the kept list.
    let mut updates = client.security().notice_updates();
    let first = updates.next().await.unwrap();
    assert_eq!(first.unread, 1);
    assert_eq!(first.notices[0].kind, NoticeKind::Incident);
    assert_eq!(first.notices[0].title, "A security incident");
    let id = first.notices[0].id.clone();

    proxy.set(Fault::Down);
    let read = client
        .security()
        .mark_notice_read(id.clone())
        .await
        .unwrap();
    assert_eq!(read.unread, 0);
    assert!(read.notices[0].read);
    assert_eq!(updates.next().await.unwrap().unread, 0);
    assert_eq!(
        client
            .security()
            .mark_notice_read("nt_0000000000000000".into())
            .await,
        Err(SecurityError::NoticeNotFound)
    );

    // Offline after a restart: the notices and their read state are still there.
    drop((updates, client));
    let client = h.client_via("app", &proxy.url).await;
    assert!(matches!(
        client.security().refresh_notices().await,
        Err(SecurityError::Network {
            problem: NetworkProblem::Offline
        })
    ));
    let kept = client.security().notices().await.unwrap();
    assert_eq!(kept.notices.len(), 1);
    assert_eq!(kept.notices[0].id, id);
    assert_eq!(kept.unread, 0);
}

#[tokio::test]
async fn a_forced_logout_ends_the_session_and_says_so() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let me = h.login(&client, PHONE).await;
    h.publish_notice(Some(&me.id), "forced_logout", "Signed out by MedCircle")
        .await;
    assert_eq!(client.auth().whoami().await, Err(AuthError::SessionExpired));
    assert!(matches!(
        client.auth().session_state(),
        SessionState::Ended {
            reason: EndReason::ForcedLogout,
            ..
        }
    ));
    client.auth().logout().await.unwrap();
    assert_eq!(client.auth().session_state(), SessionState::LoggedOut);
}

#[tokio::test]
async fn below_the_minimum_version_only_the_policy_the_notices_and_logout_go_out() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, PHONE).await;
    assert_eq!(client.security().update_required(), None);
    h.set_minimum_version(Some("9999.0")).await;

    let notices = client.security().refresh_notices().await.unwrap();
    assert_eq!(notices.update_required.as_deref(), Some("9999.0"));
    assert_eq!(notices.notices[0].kind, NoticeKind::MinimumVersion);
    let required = NetworkProblem::UpdateRequired {
        minimum: "9999.0".into(),
    };
    let me_before = h.count_requests("/v1/me").await;
    assert_eq!(
        client.auth().whoami().await,
        Err(AuthError::Network {
            problem: required.clone()
        })
    );
    assert_eq!(
        client.feed().refresh().await.unwrap_err(),
        FeedError::Network {
            problem: required.clone()
        }
    );
    assert_eq!(
        client.security().sessions().await,
        Err(SecurityError::Network {
            problem: required.clone()
        })
    );
    assert_eq!(
        h.count_requests("/v1/me").await,
        me_before,
        "refused before it left"
    );

    // Still so after a restart; the policy and the notices still work.
    drop(client);
    let client = h.client("app").await;
    assert_eq!(
        client.security().update_required().as_deref(),
        Some("9999.0")
    );
    assert!(client.auth().whoami().await.is_err());
    client.consent().fetch_policy().await.unwrap();
    client.security().refresh_notices().await.unwrap();

    // Logout works; logged out, the minimum still holds, and a lowered one is learned.
    client.auth().logout().await.unwrap();
    h.advance_clock(61).await;
    assert_eq!(
        client
            .auth()
            .request_sms_code(PHONE.into())
            .await
            .unwrap_err(),
        AuthError::Network { problem: required }
    );
    h.set_minimum_version(None).await;
    assert_eq!(client.security().check_minimum_version().await, Ok(None));
    h.login(&client, PHONE).await;
}

/// The server's times are in seconds: notices published within one keep the server's order
/// (newest first) on the device, not the order of their random ids.
#[tokio::test]
async fn notices_published_within_a_second_keep_the_servers_order() {
    let h = Harness::start();
    let titles: Vec<String> = (0..8).map(|n| format!("Incident {n}")).collect();
    for title in &titles {
        h.publish_notice(None, "incident", title).await;
    }
    let client = h.consented_client("app").await;
    h.login(&client, PHONE).await;
    let newest_first: Vec<String> = titles.into_iter().rev().collect();
    let listed = |notices: medcircle_core::SecurityNotices| {
        notices
            .notices
            .into_iter()
            .map(|n| n.title)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(client.security().refresh_notices().await.unwrap()),
        newest_first
    );
    h.publish_notice(None, "incident", "Incident 8").await;
    let refreshed = listed(client.security().refresh_notices().await.unwrap());
    assert_eq!(refreshed[0], "Incident 8");
    assert_eq!(refreshed[1..], newest_first[..]);
}
