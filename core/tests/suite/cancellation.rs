//! Every exported call, and every login event, is cancel-safe: its caller gives up mid-flight
//! (a cancelled coroutine drops the future) and the state afterwards is what the call makes
//! when awaited. A call that talks to the server is abandoned once the server has acted on
//! its request and while its answer is held back (a proxy holds it); a local one right after
//! it started. `Client::close` then waits for the abandoned work, so no test sleeps.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::common::proxy::FaultProxy;
use crate::common::{Harness, ID_NUMBER, NoProgress, failed_post, png};
use crate::purchases::DevSdk;
use medcircle_core::{
    CancelToken, CertificateKind, CertificationState, Client, ConsentPurpose, Draft, Feature,
    LedgerFilter, LoginEvent, LoginStep, OrderStatus, OutboxAction, PaymentMethod,
    PermissionDecision, PermissionProvider, PermissionStatus, ProviderError, SessionState,
};

/// One client behind a proxy that can hold the server's answers.
struct Scene {
    h: Harness,
    proxy: FaultProxy,
    client: Client,
    phone: String,
}

impl Scene {
    /// A client whose user accepted the policy, behind a proxy; `n` makes its phone unique.
    async fn consented(n: u32) -> Scene {
        let h = Harness::start();
        let (proxy, client) = h.consented_behind_a_proxy().await;
        Scene {
            h,
            proxy,
            client,
            phone: format!("138001{n:05}"),
        }
    }

    /// As [`Scene::consented`], logged in by SMS.
    async fn logged_in(n: u32) -> Scene {
        let scene = Scene::consented(n).await;
        scene.h.login(&scene.client, &scene.phone).await;
        scene
    }

    /// Starts `call`, lets the server act on its request (the one whose request line
    /// contains `request`), gives up while the answer is held, then lets the answer through
    /// and waits for the core to finish.
    async fn abandon_mid_flight<T>(&self, request: &str, call: impl Future<Output = T>) {
        // Whatever ran in the background before (a sync after a login) is done first.
        self.client.close(10_000).await;
        self.proxy.hold(request);
        tokio::select! {
            _ = call => panic!("the call sending {request} finished although its answer was held"),
            () = self.proxy.answered_and_held() => {}
        }
        self.proxy.release();
        self.client.close(10_000).await;
    }

    /// Starts `call` (its first poll hands it to the core's runtime) and gives up at once.
    async fn abandon_at_once<T>(&self, call: impl Future<Output = T>) {
        let _ = tokio::time::timeout(Duration::ZERO, call).await;
        self.client.close(10_000).await;
    }

    fn logged_in_now(&self) -> bool {
        matches!(
            self.client.auth().session_state(),
            SessionState::LoggedIn { .. }
        )
    }
}

#[tokio::test]
async fn abandoned_logins_still_log_in() {
    let s = Scene::consented(1).await;
    let auth = s.client.auth();
    s.abandon_mid_flight("/v1/auth/sms/send", auth.request_sms_code(s.phone.clone()))
        .await;
    let code = s.h.outbox_code(&s.phone).await;
    s.abandon_mid_flight(
        "/v1/auth/sms/verify",
        auth.verify_sms_code(s.phone.clone(), code),
    )
    .await;
    assert!(s.logged_in_now());
    assert!(auth.whoami().await.is_ok(), "the stored session works");

    let s = Scene::consented(2).await;
    let token = s.h.carrier_token(&s.phone).await;
    let auth = s.client.auth();
    s.abandon_mid_flight("/v1/auth/one-tap", auth.login_with_carrier_token(token))
        .await;
    assert!(s.logged_in_now());

    // The login provider is reached directly (its issuer is the server's own URL, not the
    // proxy's): its calls are abandoned as soon as they start.
    let s = Scene::consented(3).await;
    let auth = s.client.auth();
    s.abandon_at_once(auth.start_oauth_login("dev".into()))
        .await;
    let callback = s.h.sign_in_at_provider(&s.client, "doctor-wang").await;
    s.abandon_at_once(auth.complete_oauth_login(callback)).await;
    // The abandoned callback kept the provider's answer for the binding decision.
    s.abandon_mid_flight("/v1/auth/oauth", auth.finish_oauth_login(false))
        .await;
    assert!(s.logged_in_now());
}

#[tokio::test]
async fn abandoned_session_calls_leave_the_session_as_they_make_it() {
    let s = Scene::logged_in(4).await;
    let auth = s.client.auth();
    s.abandon_mid_flight("/v1/me", auth.whoami()).await;
    assert!(s.logged_in_now());

    s.abandon_mid_flight(
        "/v1/auth/reauth/sms/send",
        auth.request_reauth_code(s.phone.clone()),
    )
    .await;
    let code = s.h.outbox_code(&s.phone).await;
    s.abandon_mid_flight(
        "/v1/auth/reauth/sms/verify",
        auth.reauthenticate(s.phone.clone(), code),
    )
    .await;
    // The step-up took: a sensitive action goes through.
    let (_, payload, poll) = s.h.start_web_login().await;
    let id = auth.scan_web_login(payload.clone()).await.unwrap().id;
    s.abandon_mid_flight("/v1/web-logins", auth.scan_web_login(payload))
        .await;
    s.abandon_mid_flight("/confirm", auth.confirm_web_login(id.clone()))
        .await;
    let status = s.h.web_login_status(&id, &poll).await;
    assert_eq!(status["status"], "confirmed", "{status}");

    let (_, payload, poll) = s.h.start_web_login().await;
    let id = auth.scan_web_login(payload).await.unwrap().id;
    s.abandon_mid_flight("/decline", auth.decline_web_login(id.clone()))
        .await;
    let status = s.h.web_login_status(&id, &poll).await;
    assert_eq!(status["status"], "declined", "{status}");

    let accounts = s.h.data_dir("app").join("accounts");
    s.abandon_mid_flight("/v1/auth/logout", auth.logout()).await;
    assert_eq!(auth.session_state(), SessionState::LoggedOut);
    assert!(crate::common::files_under(&accounts).is_empty());
}

#[tokio::test]
async fn an_abandoned_login_event_still_lands_on_its_screen() {
    let s = Scene::consented(5).await;
    let flow = s.client.auth().login_flow();
    let request = flow.send(LoginEvent::RequestSmsCode {
        phone: s.phone.clone(),
    });
    s.abandon_mid_flight("/v1/auth/sms/send", request).await;
    let screen = flow.screen();
    assert!(!screen.busy, "{screen:?}");
    assert!(
        matches!(screen.step, LoginStep::EnterSmsCode { .. }),
        "{screen:?}"
    );

    s.abandon_mid_flight("/v1/auth/sms/send", flow.send(LoginEvent::ResendSmsCode))
        .await;
    assert!(!flow.screen().busy);
    let code = s.h.outbox_code(&s.phone).await;
    s.abandon_mid_flight(
        "/v1/auth/sms/verify",
        flow.send(LoginEvent::SubmitSmsCode { code }),
    )
    .await;
    let screen = flow.screen();
    assert!(!screen.busy && matches!(screen.step, LoginStep::LoggedIn { .. }));

    let s = Scene::consented(6).await;
    let flow = s.client.auth().login_flow();
    let token = s.h.carrier_token(&s.phone).await;
    s.abandon_mid_flight(
        "/v1/auth/one-tap",
        flow.send(LoginEvent::CarrierToken { token }),
    )
    .await;
    assert!(matches!(flow.screen().step, LoginStep::LoggedIn { .. }));

    let s = Scene::consented(7).await;
    let flow = s.client.auth().login_flow();
    let choose = flow.send(LoginEvent::ChooseProvider {
        provider: "dev".into(),
    });
    s.abandon_at_once(choose).await;
    let LoginStep::ProviderAuthorization {
        authorization_url, ..
    } = flow.screen().step
    else {
        panic!("{:?}", flow.screen())
    };
    let url = s.h.authorize(&authorization_url, Some("doctor-li")).await;
    s.abandon_at_once(flow.send(LoginEvent::ProviderCallback { url }))
        .await;
    assert!(matches!(
        flow.screen().step,
        LoginStep::ConfirmBinding { .. }
    ));
    s.abandon_mid_flight(
        "/v1/auth/oauth",
        flow.send(LoginEvent::DecideBinding {
            bind_profile: false,
        }),
    )
    .await;
    let screen = flow.screen();
    assert!(!screen.busy && matches!(screen.step, LoginStep::LoggedIn { .. }));

    let s = Scene::consented(8).await;
    let flow = s.client.auth().login_flow();
    flow.send(LoginEvent::RequestSmsCode {
        phone: s.phone.clone(),
    })
    .await;
    s.abandon_at_once(flow.send(LoginEvent::Back)).await;
    assert_eq!(flow.screen().step, LoginStep::Start);
}

#[tokio::test]
async fn abandoned_consent_calls_take_effect() {
    let h = Harness::start();
    let proxy = FaultProxy::start(&h.url);
    let client = h.client_via("app", &proxy.url).await;
    let s = Scene {
        h,
        proxy,
        client,
        phone: "13800100009".into(),
    };
    let consent = s.client.consent();
    s.abandon_mid_flight("/v1/policy", consent.fetch_policy())
        .await;
    // The abandoned fetch still counts as the policy shown.
    let version = consent.status().await.unwrap().current_version.unwrap();
    s.abandon_at_once(consent.accept(version)).await;
    assert!(!consent.status().await.unwrap().needs_acceptance);

    s.h.login(&s.client, &s.phone).await;
    s.abandon_at_once(consent.status()).await;
    s.abandon_at_once(consent.purposes()).await;
    s.abandon_at_once(consent.grant(ConsentPurpose::PreciseLocation))
        .await;
    s.client
        .permissions()
        .set_positioning_enabled(true)
        .await
        .unwrap();
    s.abandon_at_once(consent.withdraw(ConsentPurpose::PreciseLocation))
        .await;
    let location = consent.purposes().await.unwrap();
    assert!(
        location
            .iter()
            .all(|p| p.purpose != ConsentPurpose::PreciseLocation || !p.granted)
    );
    assert!(
        !s.client.permissions().positioning_enabled().await.unwrap(),
        "the withdrawal's effect applied"
    );

    consent
        .grant(ConsentPurpose::Personalisation)
        .await
        .unwrap();
    s.abandon_mid_flight("/v1/me/consents", consent.sync())
        .await;
    assert_eq!(
        consent.sync().await.unwrap().decisions_pushed,
        0,
        "the abandoned sync delivered everything"
    );
}

struct Refusing;

#[async_trait::async_trait]
impl PermissionProvider for Refusing {
    fn status(&self, _: medcircle_core::Permission) -> Result<PermissionStatus, ProviderError> {
        Ok(PermissionStatus::NotDetermined)
    }

    async fn request(
        &self,
        _: medcircle_core::Permission,
    ) -> Result<PermissionStatus, ProviderError> {
        Ok(PermissionStatus::DeniedPermanently)
    }
}

#[tokio::test]
async fn abandoned_permission_calls_take_effect() {
    let s = Scene::consented(10).await;
    let permissions = s.client.permissions();
    permissions.set_provider(Arc::new(Refusing));
    s.abandon_at_once(permissions.check(Feature::PostPhotos))
        .await;
    s.abandon_at_once(permissions.request(Feature::PostPhotos))
        .await;
    assert!(
        matches!(
            permissions.check(Feature::PostPhotos).await.unwrap(),
            PermissionDecision::Unavailable { .. }
        ),
        "the refusal was recorded"
    );
    s.abandon_at_once(permissions.set_positioning_enabled(true))
        .await;
    s.abandon_at_once(permissions.positioning_enabled()).await;
    assert!(permissions.positioning_enabled().await.unwrap());
}

#[tokio::test]
async fn abandoned_profile_and_certification_calls_take_effect() {
    let s = Scene::logged_in(11).await;
    let profile = s.client.profile();
    s.abandon_mid_flight(
        "/v1/dictionaries/units",
        profile.search_units("协和".into(), 5),
    )
    .await;
    let unit = profile.search_units("协和".into(), 5).await.unwrap()[0].clone();
    s.abandon_mid_flight("/departments", profile.departments(unit.id.clone()))
        .await;
    let department = profile.departments(unit.id.clone()).await.unwrap()[0].clone();
    s.abandon_mid_flight(
        "/v1/me/profile",
        profile.complete_account(unit.id.clone(), department.id),
    )
    .await;
    let SessionState::LoggedIn { user } = s.client.auth().session_state() else {
        panic!("logged out")
    };
    assert_eq!(user.unit, Some(unit), "the cached profile was updated");

    s.client
        .consent()
        .grant(ConsentPurpose::IdentityVerification)
        .await
        .unwrap();
    let certification = s.client.certification();
    let upload = certification.upload_photo(
        CertificateKind::Physician,
        png(4096),
        Arc::new(NoProgress),
        CancelToken::new(),
    );
    s.abandon_mid_flight("/v1/me/certification/photos", upload)
        .await;
    let photo = certification
        .upload_photo(
            CertificateKind::Physician,
            png(4096),
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    let submit = certification.submit(ID_NUMBER.into(), vec![photo.photo_id]);
    s.abandon_mid_flight("PUT /v1/me/certification", submit)
        .await;
    assert_eq!(
        certification.status().await.unwrap().state,
        CertificationState::Pending,
        "the abandoned submission cached its status"
    );
    s.abandon_mid_flight("GET /v1/me/certification", certification.refresh_status())
        .await;
    s.abandon_at_once(certification.status()).await;
    s.abandon_mid_flight("/id-number", certification.reveal_id_number())
        .await;
    assert_eq!(
        certification.status().await.unwrap().state,
        CertificationState::Pending
    );
}

#[tokio::test]
async fn abandoned_feed_reads_fill_the_cache() {
    let s = Scene::logged_in(12).await;
    let feed = s.client.feed();
    s.abandon_mid_flight("/v1/feed", feed.refresh()).await;
    let first = feed.search_local("the".into(), 200).await.unwrap().len();
    assert!(first > 0, "the abandoned refresh cached its page");
    s.abandon_mid_flight("/v1/feed", feed.load_more()).await;
    assert!(feed.search_local("the".into(), 200).await.unwrap().len() > first);

    let post = feed.search_local("the".into(), 1).await.unwrap()[0].clone();
    s.abandon_mid_flight("/v1/posts/", feed.post(post.id.clone()))
        .await;
    s.abandon_at_once(feed.clicked(post.id.clone())).await;
    s.abandon_mid_flight("/comments", feed.comments(post.id.clone()))
        .await;
    s.abandon_mid_flight("/v1/me/collections", feed.collections())
        .await;
    s.abandon_mid_flight("/share", feed.share(post.id.clone()))
        .await;
    s.abandon_mid_flight("/v1/search", feed.search("心肌梗死".into(), None))
        .await;
    s.abandon_at_once(feed.search_local("x".into(), 5)).await;
    s.abandon_at_once(feed.outbox()).await;
    // Nothing was left half-held: the feed still answers.
    assert!(feed.refresh().await.is_ok());
}

#[tokio::test]
async fn abandoned_feed_actions_reach_the_server_once() {
    let s = Scene::logged_in(13).await;
    let feed = s.client.feed();
    let posts_before = s.h.feed_stats().await["posts"].as_i64().unwrap();
    let publish = feed.publish(
        "发布于取消之后".into(),
        vec![png(2048)],
        Arc::new(NoProgress),
        CancelToken::new(),
    );
    s.abandon_mid_flight("POST /v1/posts", publish).await;
    assert!(feed.outbox().await.unwrap().is_empty());
    let mine = feed.search_local("发布于取消之后".into(), 5).await.unwrap();
    assert_eq!(mine.len(), 1, "the post was sent and cached once");
    let post_id = mine[0].id.clone();
    assert_eq!(
        s.h.feed_stats().await["posts"].as_i64(),
        Some(posts_before + 1)
    );

    let photo_id = mine[0].photos[0].id.clone();
    s.abandon_at_once(feed.photo(photo_id.clone(), post_id.clone()))
        .await;
    s.abandon_mid_flight("/like", feed.set_liked(post_id.clone(), true))
        .await;
    s.abandon_mid_flight("/collect", feed.set_collected(post_id.clone(), true))
        .await;
    s.abandon_mid_flight("/comments", feed.comment(post_id.clone(), "同意".into()))
        .await;
    let cached = feed.post(post_id.clone()).await.unwrap();
    assert!(cached.liked_by_me && cached.collected_by_me);
    assert_eq!(cached.comment_count, 1);
    let comment = feed.comments(post_id.clone()).await.unwrap()[0].clone();
    s.abandon_mid_flight(
        "/v1/comments/",
        feed.delete_comment(post_id.clone(), comment.id),
    )
    .await;
    assert!(feed.comments(post_id.clone()).await.unwrap().is_empty());
    s.abandon_mid_flight("DELETE /v1/posts/", feed.delete_post(post_id.clone()))
        .await;
    assert!(feed.outbox().await.unwrap().is_empty());
    assert!(
        feed.search_local("发布于取消之后".into(), 5)
            .await
            .unwrap()
            .is_empty()
    );

    // A post whose upload was cancelled, retried and discarded by abandoned calls.
    let local_id = failed_post(&feed, "again").await;
    s.abandon_mid_flight("POST /v1/posts", feed.retry_post(local_id, None))
        .await;
    assert!(
        feed.outbox().await.unwrap().is_empty(),
        "the retry went out"
    );
    let local_id = failed_post(&feed, "discard me").await;
    s.abandon_at_once(feed.discard_post(local_id)).await;
    assert!(feed.outbox().await.unwrap().is_empty());

    let draft = Draft {
        text: "草稿".into(),
        photos: vec![vec![0, 1, 255]],
    };
    s.abandon_at_once(feed.save_draft(draft.clone())).await;
    assert_eq!(feed.draft().await.unwrap(), draft);
    s.abandon_at_once(feed.draft()).await;

    // Queued while the network was down, flushed by an abandoned call.
    let post = feed.search_local("the".into(), 1).await.unwrap();
    let post = match post.first() {
        Some(post) => post.clone(),
        None => {
            feed.refresh().await.unwrap();
            feed.search_local("the".into(), 1).await.unwrap()[0].clone()
        }
    };
    s.proxy.set(crate::common::proxy::Fault::Down);
    feed.set_liked(post.id.clone(), true).await.unwrap();
    assert_eq!(feed.outbox().await.unwrap()[0].action, OutboxAction::Like);
    s.proxy.set(crate::common::proxy::Fault::None);
    s.abandon_mid_flight("/like", feed.flush()).await;
    assert!(feed.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn abandoned_records_and_privacy_calls_take_effect() {
    let s = Scene::logged_in(14).await;
    let records = s.client.records();
    s.client
        .consent()
        .grant(ConsentPurpose::BrowsingRecords)
        .await
        .unwrap();
    s.abandon_at_once(records.viewed("topic:cardiology".into()))
        .await;
    s.abandon_at_once(records.clicked("topic:cardiology".into()))
        .await;
    assert_eq!(records.pending().await.unwrap(), 2);
    s.abandon_at_once(records.pending()).await;
    s.abandon_mid_flight("/v1/events", records.flush()).await;
    assert_eq!(records.pending().await.unwrap(), 0);

    let privacy = s.client.privacy();
    s.abandon_at_once(privacy.ledger(LedgerFilter::default()))
        .await;
    s.abandon_at_once(privacy.export_ledger(LedgerFilter::default()))
        .await;
    s.abandon_mid_flight("/v1/me/interests", privacy.interests())
        .await;
    let tags = privacy.interests().await.unwrap();
    s.abandon_mid_flight(
        "/v1/me/interests/",
        privacy.delete_interest(tags[0].id.clone()),
    )
    .await;
    assert_eq!(privacy.interests().await.unwrap().len(), tags.len() - 1);
    s.abandon_mid_flight("DELETE /v1/me/interests", privacy.clear_interests())
        .await;
    assert!(privacy.interests().await.unwrap().is_empty());
    s.abandon_mid_flight("/v1/me/export", privacy.export_my_data())
        .await;

    s.client.feed().refresh().await.unwrap();
    s.abandon_at_once(privacy.clear_local_cache()).await;
    assert!(
        s.client
            .feed()
            .search_local("the".into(), 5)
            .await
            .unwrap()
            .is_empty()
    );

    // Deleting the account needs a fresh authentication (a new code: after the cooldown);
    // then the abandoned call wipes all.
    let auth = s.client.auth();
    s.h.advance_clock(61).await;
    auth.request_reauth_code(s.phone.clone()).await.unwrap();
    let code = s.h.outbox_code(&s.phone).await;
    auth.reauthenticate(s.phone.clone(), code).await.unwrap();
    s.abandon_mid_flight("DELETE /v1/me ", privacy.delete_account())
        .await;
    assert_eq!(auth.session_state(), SessionState::LoggedOut);
    assert!(
        s.client.consent().status().await.unwrap().needs_acceptance,
        "the app is as on first start"
    );
}

#[tokio::test]
async fn an_abandoned_purchase_ends_as_the_server_says() {
    let s = Scene::logged_in(16).await;
    let shop = s.client.purchases();
    let sdk = DevSdk::new(&s.h, "succeed", "now");
    s.abandon_mid_flight(
        "POST /v1/orders",
        shop.buy("member_month".into(), PaymentMethod::Alipay, sdk),
    )
    .await;
    let orders = shop.orders().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, OrderStatus::Paid);
    assert!(!orders[0].confirming);
    assert!(
        shop.entitlements()
            .await
            .unwrap()
            .membership_until
            .is_some()
    );
    s.abandon_mid_flight("GET /v1/orders", shop.refresh_orders())
        .await;
    s.abandon_at_once(shop.orders()).await;
    assert_eq!(shop.orders().await.unwrap(), orders);
}
