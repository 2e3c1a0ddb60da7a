//! The application: shared state, and the router built from one table of routes.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::carrier::Carrier;
use crate::clock::Clock;
use crate::keyed::Keyed;
use crate::keys::{KeySource, Keys};
use crate::oidc::Oidc;
use crate::oidc::dev_provider::{self, DevProvider};
use crate::payments::{PaymentSettings, Payments};
use crate::policy::Policies;
use crate::pool::{Pool, Pooled};
use crate::quota::Quotas;
use crate::routes::feed;
use crate::routes::{
    account, consents, deletion_requests, dev, dictionaries, events, interests, one_tap, openapi,
    policy, profile, reauth, risk, security, session, sms, web_login,
};
use crate::routes::{certification, dev_oidc, dev_wechat, oauth, oauth_code};
use crate::routes::{dev_help, help};
use crate::routes::{dev_mall, mall};
use crate::routes::{dev_pay, purchases};
use crate::scenario::{self, Scenario};
use crate::wechat::{Wechat, WechatProvider, dev_provider::DevWechat};
use crate::{ServerConfig, access_log, challenge, db, error, request_limits, retention, sealed};

const BODY_LIMIT: usize = 64 * 1024;
/// A scenario sent to `POST /dev/reset` may be larger than an API body.
const SCENARIO_LIMIT: usize = 1024 * 1024;

pub struct AppState {
    db: Pool,
    pub keyed: Keyed,
    pub clock: Clock,
    /// Verifies carrier one-tap tokens (and, in dev mode, plays the carrier that signs them).
    pub carrier: Carrier,
    /// The privacy policy in force (dev mode can publish new versions, in memory).
    pub policy: Policies,
    /// Present only in dev mode: the clear codes and the request log live here, in memory.
    pub dev: Option<dev::DevState>,
    /// The trusted OpenID providers (and, in dev mode, the dev provider).
    pub oidc: Oidc,
    /// The trusted OAuth 2.0 providers in WeChat's shape (and, in dev mode, the dev one).
    pub wechat: Wechat,
    /// Challenges already solved (see `challenge`).
    pub challenges: challenge::Spent,
    /// Per-requester and per-user budgets (see `quota`).
    pub quotas: Quotas,
    /// The payment gateways (and, in dev mode, the dev ones).
    pub payments: Payments,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// A connection of the pool, once one is free.
    pub async fn db(&self) -> Pooled<'_> {
        self.db.get().await
    }

    /// A connection for a request that writes (see `Pool::write`).
    pub async fn writer(&self) -> Pooled<'_> {
        self.db.write().await
    }
}

/// Locks a mutex even if a panicking request poisoned it: SQLite rolls back an unfinished
/// transaction on drop, and the in-memory dev logs stay usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens the database and builds the router for `config`, with the keys of `keys` (in dev
/// mode, by default, a key file beside the database), served at `base_url` (e.g.
/// `http://127.0.0.1:41234`, known once the listener is bound). Call it inside the runtime
/// that will serve it: the retention sweep starts on it.
pub fn build(
    config: &ServerConfig,
    wechat: &[WechatProvider],
    payments: &PaymentSettings,
    keys: Option<KeySource>,
    scenario: Option<&Scenario>,
    base_url: &str,
) -> io::Result<Router> {
    let mut conn = db::open(&config.db_path)?;
    let keys = Arc::new(server_keys(config, keys, &conn)?);
    sealed::register(&conn, &keys).map_err(io::Error::other)?;
    sealed::seal_legacy(&conn)
        .map_err(|error| io::Error::other(format!("sealing older rows: {error}")))?;
    let carrier_key = db::carrier_key(&conn)?;
    let dev_provider = if config.dev {
        let key = db::oidc_signing_key(&conn, dev_provider::generate_key)?;
        Some(DevProvider::new(base_url, &key)?)
    } else {
        None
    };
    let keyed = Keyed::new(keys.lookup().to_vec());
    let policy = Policies::new();
    if config.dev {
        tracing::warn!("dev mode: /dev routes are enabled; never expose this server");
        // A scenario replaces everything; without one a dev server shows the demo feed.
        let demo = Scenario {
            demo_feed: true,
            ..Scenario::default()
        };
        let loaded = scenario::apply(
            &mut conn,
            &keyed,
            &policy,
            scenario.unwrap_or(&demo),
            Clock::default().now(),
            scenario.is_some(),
        )
        .map_err(io::Error::other)?;
        if scenario.is_some() {
            tracing::info!(
                accounts = loaded.accounts.len(),
                posts = loaded.posts.len(),
                policy = %loaded.policy_version,
                "scenario loaded"
            );
        }
    }
    let state = Arc::new(AppState {
        db: db::pool(&config.db_path, conn, &keys)?,
        keyed,
        clock: Clock::default(),
        carrier: Carrier::new(carrier_key),
        policy,
        dev: config.dev.then(dev::DevState::default),
        oidc: Oidc::new(&config.providers, dev_provider)?,
        wechat: Wechat::new(wechat, config.dev.then(|| DevWechat::new(base_url)))?,
        challenges: challenge::Spent::default(),
        quotas: Quotas::default(),
        payments: Payments::new(payments.clone(), config.dev, base_url)?,
    });
    retention::spawn(state.clone());
    Ok(router(state, config.dev))
}

/// The server's keys. Production needs them given, and not beside the data they protect; dev
/// mode makes a key file beside the database. A lookup key an older server kept in the
/// database moves into a key file made now, and is refused otherwise (phones would no longer
/// find their accounts).
fn server_keys(
    config: &ServerConfig,
    source: Option<KeySource>,
    conn: &rusqlite::Connection,
) -> io::Result<Keys> {
    let source = match (source, config.dev) {
        (Some(source), _) => source,
        (None, true) => KeySource::beside(&config.db_path),
        (None, false) => {
            return Err(io::Error::other(
                "no keys: give --key-file PATH (or MEDCIRCLE_KEY_FILE), or MEDCIRCLE_KEYS",
            ));
        }
    };
    if let (KeySource::File(path), false) = (&source, config.dev) {
        let data_dir = config
            .db_path
            .parent()
            .and_then(|dir| dir.canonicalize().ok());
        let key_dir = path.parent().and_then(|dir| dir.canonicalize().ok());
        if data_dir.is_some() && data_dir == key_dir {
            return Err(io::Error::other(format!(
                "the key file {} is in the database's directory: keep it elsewhere, or a copy \
                 of that directory opens everything",
                path.display()
            )));
        }
    }
    let loaded = Keys::load(&source, config.dev)?;
    let Some(legacy) = db::legacy_lookup_key(conn)? else {
        return Ok(loaded.keys);
    };
    match &source {
        KeySource::File(path) if loaded.fresh => {
            let keys = loaded.keys.with_lookup(legacy);
            keys.save(path)?;
            db::forget_legacy_lookup_key(conn)?;
            tracing::warn!(path = %path.display(), "the lookup key moved from the database to the key file");
            Ok(keys)
        }
        _ => Err(io::Error::other(
            "the database still holds the lookup key of an older server: start once with a new \
             key file (a path that does not exist yet, in dev mode) to move it there",
        )),
    }
}

fn router(state: Shared, dev: bool) -> Router {
    let mut router = Router::new();
    for route in table().into_iter().filter(|route| dev || !route.dev_only) {
        tracing::debug!(method = %route.method, path = route.path, "route mounted");
        router = router.route(route.path, route.service);
    }
    router
        .fallback(error::not_found)
        // Must follow every `route`: it only applies to routes already added.
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), dev::record))
        .layer(middleware::from_fn(access_log::log))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Outermost: an oversized request goes no further.
        .layer(middleware::from_fn(request_limits::check))
        .with_state(state)
}

/// One row per endpoint. The router is built only from this table, and a test checks it
/// against the generated document, so the document cannot drift from what is served.
struct RouteEntry {
    method: Method,
    path: &'static str,
    dev_only: bool,
    service: MethodRouter<Shared>,
}

fn table() -> Vec<RouteEntry> {
    vec![
        entry(Method::GET, "/openapi.json", false, openapi::get),
        entry(Method::GET, "/v1/policy", false, policy::get),
        entry(Method::POST, "/v1/auth/sms/send", false, sms::send),
        entry(Method::POST, "/v1/auth/sms/verify", false, sms::verify),
        entry(Method::POST, "/v1/auth/one-tap", false, one_tap::log_in),
        entry(Method::POST, "/v1/auth/oauth", false, oauth::log_in),
        entry(
            Method::POST,
            "/v1/auth/oauth/code",
            false,
            oauth_code::log_in,
        ),
        entry(
            Method::POST,
            "/v1/auth/reauth/sms/send",
            false,
            reauth::send,
        ),
        entry(
            Method::POST,
            "/v1/auth/reauth/sms/verify",
            false,
            reauth::verify,
        ),
        entry(Method::POST, "/v1/auth/refresh", false, session::refresh),
        entry(Method::POST, "/v1/auth/logout", false, session::logout),
        entry(Method::GET, "/v1/me", false, session::me),
        entry(Method::DELETE, "/v1/me", false, account::delete),
        entry(Method::PUT, "/v1/me/profile", false, profile::put),
        entry(Method::GET, "/v1/me/export", false, account::export),
        entry(
            Method::POST,
            "/v1/me/certification/photos",
            false,
            certification::upload_photo,
        )
        .with_body_limit(crate::certification::image::MAX_BYTES),
        entry(
            Method::PUT,
            "/v1/me/certification",
            false,
            certification::submit,
        ),
        entry(
            Method::GET,
            "/v1/me/certification",
            false,
            certification::get,
        ),
        entry(
            Method::GET,
            "/v1/me/certification/id-number",
            false,
            certification::id_number,
        ),
        entry(Method::PUT, "/v1/me/consents", false, consents::put),
        entry(Method::GET, "/v1/me/consents", false, consents::get),
        entry(
            Method::POST,
            "/v1/me/deletion-requests",
            false,
            deletion_requests::create,
        ),
        entry(
            Method::GET,
            "/v1/me/deletion-requests",
            false,
            deletion_requests::list,
        ),
        entry(Method::GET, "/v1/me/interests", false, interests::list),
        entry(
            Method::DELETE,
            "/v1/me/interests",
            false,
            interests::delete_all,
        ),
        entry(
            Method::DELETE,
            "/v1/me/interests/{id}",
            false,
            interests::delete_one,
        ),
        entry(
            Method::GET,
            "/v1/dictionaries/units",
            false,
            dictionaries::units,
        ),
        entry(
            Method::GET,
            "/v1/dictionaries/units/{unit_id}/departments",
            false,
            dictionaries::departments,
        ),
        entry(Method::POST, "/v1/events", false, events::record),
        entry(Method::POST, "/v1/events/forget", false, events::forget),
        entry(Method::POST, "/v1/risk/device", false, risk::report_device),
        entry(Method::GET, "/v1/me/sessions", false, security::sessions),
        entry(
            Method::DELETE,
            "/v1/me/sessions/{id}",
            false,
            security::revoke,
        ),
        entry(
            Method::POST,
            "/v1/me/sessions/revoke-others",
            false,
            security::revoke_others,
        ),
        entry(Method::GET, "/v1/me/notices", false, security::notices),
        entry(Method::GET, "/v1/minimum-version", false, security::minimum),
        entry(Method::POST, "/dev/notices", true, security::dev_publish),
        entry(
            Method::POST,
            "/dev/minimum-version",
            true,
            security::dev_minimum_version,
        ),
        entry(Method::GET, "/web/login", false, web_login::page),
        entry(Method::POST, "/web/login", false, web_login::start),
        entry(Method::GET, "/web/me", false, web_login::me),
        entry(
            Method::GET,
            "/web/login/{id}/status",
            false,
            web_login::status,
        ),
        entry(
            Method::GET,
            "/v1/web-logins/{id}",
            false,
            web_login::details,
        ),
        entry(
            Method::POST,
            "/v1/web-logins/{id}/confirm",
            false,
            web_login::confirm,
        ),
        entry(
            Method::POST,
            "/v1/web-logins/{id}/decline",
            false,
            web_login::decline,
        ),
        entry(Method::GET, "/v1/limits", false, feed::posts::limits),
        entry(Method::GET, "/v1/feed", false, feed::posts::feed),
        entry(Method::POST, "/v1/posts", false, feed::posts::create),
        entry(Method::GET, "/v1/posts/{id}", false, feed::posts::get),
        entry(Method::DELETE, "/v1/posts/{id}", false, feed::posts::delete),
        entry(Method::POST, "/v1/photos", false, feed::photos::upload)
            .with_body_limit(crate::feed::limits::MAX_PHOTO_BYTES),
        entry(Method::GET, "/v1/photos/{id}", false, feed::photos::get),
        entry(
            Method::GET,
            "/v1/posts/{id}/comments",
            false,
            feed::comments::list,
        ),
        entry(
            Method::POST,
            "/v1/posts/{id}/comments",
            false,
            feed::comments::create,
        ),
        entry(
            Method::DELETE,
            "/v1/comments/{id}",
            false,
            feed::comments::delete,
        ),
        entry(
            Method::PUT,
            "/v1/posts/{id}/like",
            false,
            feed::reactions::like,
        ),
        entry(
            Method::DELETE,
            "/v1/posts/{id}/like",
            false,
            feed::reactions::unlike,
        ),
        entry(
            Method::PUT,
            "/v1/posts/{id}/collect",
            false,
            feed::reactions::collect,
        ),
        entry(
            Method::DELETE,
            "/v1/posts/{id}/collect",
            false,
            feed::reactions::uncollect,
        ),
        entry(
            Method::GET,
            "/v1/me/collections",
            false,
            feed::reactions::collections,
        ),
        entry(
            Method::POST,
            "/v1/posts/{id}/share",
            false,
            feed::share::share,
        ),
        entry(Method::GET, "/p/{code}", false, feed::share::landing),
        entry(Method::GET, "/v1/search", false, feed::search::search),
        entry(Method::GET, "/dev/sms/outbox", true, dev::outbox),
        entry(Method::POST, "/dev/clock/advance", true, dev::advance_clock),
        entry(Method::GET, "/dev/requests", true, dev::requests),
        entry(Method::GET, "/dev/events", true, dev::events),
        entry(
            Method::POST,
            "/dev/policy/publish",
            true,
            dev::publish_policy,
        ),
        entry(Method::POST, "/dev/carrier/token", true, dev::carrier_token),
        entry(Method::GET, "/dev/risk/devices", true, dev::risk_devices),
        entry(
            Method::GET,
            "/dev/oidc/.well-known/openid-configuration",
            true,
            dev_oidc::metadata,
        ),
        entry(
            Method::GET,
            "/dev/oidc/authorize",
            true,
            dev_oidc::authorize,
        ),
        entry(Method::POST, "/dev/oidc/token", true, dev_oidc::token),
        entry(Method::GET, "/dev/oidc/jwks", true, dev_oidc::jwks),
        entry(Method::GET, "/dev/oidc/mint", true, dev_oidc::mint),
        entry(
            Method::GET,
            "/dev/wechat/authorize",
            true,
            dev_wechat::authorize,
        ),
        entry(
            Method::GET,
            "/dev/wechat/sns/oauth2/access_token",
            true,
            dev_wechat::access_token,
        ),
        entry(
            Method::GET,
            "/dev/wechat/sns/userinfo",
            true,
            dev_wechat::userinfo,
        ),
        entry(Method::GET, "/dev/wechat/calls", true, dev_wechat::calls),
        entry(
            Method::POST,
            "/dev/certification/decide",
            true,
            certification::dev_decide,
        ),
        entry(
            Method::GET,
            "/dev/certifications",
            true,
            certification::dev_list,
        ),
        entry(Method::POST, "/dev/reset", true, dev::reset).with_body_limit(SCENARIO_LIMIT),
        entry(Method::GET, "/dev/feed/stats", true, feed::dev::stats),
        entry(Method::GET, "/v1/shop/products", false, purchases::products),
        entry(Method::POST, "/v1/orders", false, purchases::create),
        entry(Method::GET, "/v1/orders", false, purchases::list),
        entry(Method::GET, "/v1/orders/{number}", false, purchases::get),
        entry(
            Method::POST,
            "/v1/orders/{number}/report",
            false,
            purchases::report,
        ),
        entry(
            Method::GET,
            "/v1/me/entitlements",
            false,
            purchases::entitlements,
        ),
        entry(
            Method::POST,
            "/v1/pay/notify/alipay",
            false,
            purchases::alipay_notify,
        ),
        entry(
            Method::POST,
            "/v1/pay/notify/wechat_pay",
            false,
            purchases::wechat_notify,
        ),
        entry(Method::POST, "/dev/pay/sdk", true, dev_pay::sdk),
        entry(Method::POST, "/dev/pay/notify", true, dev_pay::notify),
        entry(Method::POST, "/dev/pay/refund", true, dev_pay::refund),
        entry(Method::POST, "/dev/pay/outage", true, dev_pay::outage),
        entry(Method::GET, "/dev/pay/keys", true, dev_pay::keys),
        entry(
            Method::GET,
            "/dev/pay/security-events",
            true,
            dev_pay::security_events,
        ),
        entry(
            Method::POST,
            "/dev/posts/{id}/delete",
            true,
            feed::dev::delete_post,
        ),
        entry(Method::GET, "/v1/me/points", false, mall::points),
        entry(
            Method::POST,
            "/v1/me/points/check-in",
            false,
            mall::check_in,
        ),
        entry(Method::GET, "/v1/mall/items", false, mall::items),
        entry(Method::GET, "/v1/mall/items/{id}", false, mall::item),
        entry(Method::GET, "/v1/me/addresses", false, mall::addresses),
        entry(Method::POST, "/v1/me/addresses", false, mall::add_address),
        entry(
            Method::PUT,
            "/v1/me/addresses/{id}/default",
            false,
            mall::set_default_address,
        ),
        entry(
            Method::DELETE,
            "/v1/me/addresses/{id}",
            false,
            mall::delete_address,
        ),
        entry(Method::GET, "/v1/me/redemptions", false, mall::redemptions),
        entry(Method::POST, "/v1/me/redemptions", false, mall::redeem),
        entry(
            Method::POST,
            "/v1/me/redemptions/{id}/cancel",
            false,
            mall::cancel,
        ),
        entry(Method::POST, "/dev/mall/items", true, dev_mall::add_item),
        entry(Method::POST, "/dev/points/grant", true, dev_mall::grant),
        entry(
            Method::POST,
            "/dev/mall/redemptions/{id}/ship",
            true,
            dev_mall::ship,
        ),
        entry(
            Method::POST,
            "/dev/mall/redemptions/{id}/deliver",
            true,
            dev_mall::deliver,
        ),
        entry(Method::GET, "/v1/help/articles", false, help::list),
        entry(Method::GET, "/v1/help/articles/{id}", false, help::article),
        entry(Method::POST, "/v1/help/photos", false, help::upload_photo)
            .with_body_limit(crate::feed::limits::MAX_PHOTO_BYTES),
        entry(Method::POST, "/v1/help/feedback", false, help::feedback),
        entry(Method::GET, "/v1/help/tickets", false, help::list_tickets),
        entry(
            Method::POST,
            "/v1/help/tickets/{id}/read",
            false,
            help::read_ticket,
        ),
        entry(Method::GET, "/dev/help/tickets", true, dev_help::tickets),
        entry(
            Method::POST,
            "/dev/help/tickets/{id}/replies",
            true,
            dev_help::reply,
        ),
        entry(
            Method::POST,
            "/dev/help/tickets/{id}/close",
            true,
            dev_help::close,
        ),
    ]
}

impl RouteEntry {
    /// Lets this route take bodies up to `limit` bytes instead of the API's 64 KiB.
    fn with_body_limit(mut self, limit: usize) -> Self {
        self.service = self.service.layer(DefaultBodyLimit::max(limit));
        self
    }
}

fn entry<H, T>(method: Method, path: &'static str, dev_only: bool, handler: H) -> RouteEntry
where
    H: Handler<T, Shared>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("the table uses standard methods");
    RouteEntry {
        method,
        path,
        dev_only,
        service: on(filter, handler),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    #[test]
    fn openapi_document_lists_exactly_the_routed_endpoints() {
        let document: Value = serde_json::from_str(&crate::openapi::document()).unwrap();
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let dev_only = operation["x-dev-only"].as_bool().unwrap_or(false);
                documented.insert((method.to_uppercase(), path.clone(), dev_only));
            }
        }
        let routed: BTreeSet<_> = table()
            .iter()
            .map(|route| {
                (
                    route.method.to_string(),
                    route.path.to_owned(),
                    route.dev_only,
                )
            })
            .collect();
        assert_eq!(routed, documented);
    }
}
