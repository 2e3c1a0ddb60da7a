//! Every endpoint the core calls, described once: its method, its path (with `{id}` where a
//! resource's id goes), the personal data items it carries, and what the network layer must
//! know beyond that (before consent, erasure, a larger answer, a login provider's URL).

use reqwest::Method;

/// The HTTP methods the API uses (a `Copy` stand-in for reqwest's, so routes are constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub(crate) fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Delete => Method::DELETE,
        }
    }
}

/// How one endpoint is called and what it carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) verb: Verb,
    /// Under the API's base URL; `{id}` is replaced by one encoded path segment. A login
    /// provider's endpoints carry a label here: their URL comes from its configuration.
    pub(crate) path: &'static str,
    /// Personal data items (ids in `core/privacy/inventory.toml`). The network layer refuses
    /// an undeclared item or one whose purpose lacks consent, and records each one sent in
    /// the privacy ledger.
    pub(crate) items: &'static [&'static str],
    pub(crate) access: Access,
    /// A larger answer than the network layer's usual limit (a photo).
    pub(crate) max_response_bytes: Option<usize>,
    /// Called at an absolute URL outside the API (a login provider).
    pub(crate) external: bool,
    /// Still sent below the server's minimum version: what a user needs to see why and leave.
    pub(crate) while_outdated: bool,
}

/// Which consent a request needs beyond its items' purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only the policy itself may be fetched before the user has accepted it.
    BeforeConsent,
    /// The policy accepted, and each item's purpose consented.
    Consented,
    /// Erases data the user withdrew consent for: it must go out after the withdrawal, so it
    /// needs the policy accepted and declared items, not the purpose.
    Erasure,
}

impl Route {
    const fn new(verb: Verb, path: &'static str) -> Route {
        Route {
            verb,
            path,
            items: &[],
            access: Access::Consented,
            max_response_bytes: None,
            external: false,
            while_outdated: false,
        }
    }

    const fn get(path: &'static str) -> Route {
        Route::new(Verb::Get, path)
    }

    const fn post(path: &'static str) -> Route {
        Route::new(Verb::Post, path)
    }

    const fn put(path: &'static str) -> Route {
        Route::new(Verb::Put, path)
    }

    const fn delete(path: &'static str) -> Route {
        Route::new(Verb::Delete, path)
    }

    const fn carries(self, items: &'static [&'static str]) -> Route {
        Route { items, ..self }
    }

    const fn access(self, access: Access) -> Route {
        Route { access, ..self }
    }

    const fn external(self) -> Route {
        Route {
            external: true,
            ..self
        }
    }

    const fn while_outdated(self) -> Route {
        Route {
            while_outdated: true,
            ..self
        }
    }

    const fn answer_up_to(self, bytes: usize) -> Route {
        Route {
            max_response_bytes: Some(bytes),
            ..self
        }
    }

    /// Safe to send twice: only these are retried automatically.
    pub(crate) fn idempotent(&self) -> bool {
        self.verb == Verb::Get
    }

    /// The path's parts around `{id}`, when it names a resource.
    pub(crate) fn id_parts(&self) -> Option<(&'static str, &'static str)> {
        self.path.split_once("{id}")
    }
}

/// Declares the endpoints: the enum, the list of all of them, and the one table of routes.
macro_rules! endpoints {
    ($($(#[$doc:meta])* $name:ident => $route:expr,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Endpoint {
            $($(#[$doc])* $name,)*
        }

        impl Endpoint {
            #[cfg(test)]
            pub(crate) const ALL: &'static [Endpoint] = &[$(Endpoint::$name,)*];

            pub(crate) fn route(self) -> Route {
                match self {
                    $(Endpoint::$name => $route,)*
                }
            }
        }
    };
}

const SESSION: &[&str] = &["session_token"];

endpoints! {
    Policy => Route::get("/v1/policy").access(Access::BeforeConsent).while_outdated(),
    SmsSend => Route::post("/v1/auth/sms/send").carries(&["phone_number", "install_id"]),
    SmsVerify => Route::post("/v1/auth/sms/verify")
        .carries(&["phone_number", "sms_code", "install_id"]),
    Refresh => Route::post("/v1/auth/refresh").carries(SESSION).while_outdated(),
    Logout => Route::post("/v1/auth/logout").carries(SESSION).while_outdated(),
    Me => Route::get("/v1/me").carries(SESSION),
    DeleteAccount => Route::delete("/v1/me").carries(SESSION).while_outdated(),
    ConsentsPush => Route::put("/v1/me/consents")
        .carries(&["consent_records", "session_token"])
        .while_outdated(),
    ConsentsPull => Route::get("/v1/me/consents").carries(SESSION),
    DeletionRequest => Route::post("/v1/me/deletion-requests")
        .carries(&["consent_records", "session_token"])
        .access(Access::Erasure)
        .while_outdated(),
    /// Pseudonymous: never with the session token.
    Events => Route::post("/v1/events").carries(&["browsing_records", "records_pseudonym"]),
    EventsForget => Route::post("/v1/events/forget")
        .carries(&["records_pseudonym"])
        .access(Access::Erasure)
        .while_outdated(),
    Interests => Route::get("/v1/me/interests").carries(SESSION),
    InterestTag => Route::delete("/v1/me/interests/{id}").carries(SESSION),
    InterestsClear => Route::delete("/v1/me/interests").carries(SESSION),
    Export => Route::get("/v1/me/export").carries(SESSION),
    OneTap => Route::post("/v1/auth/one-tap").carries(&["carrier_token", "install_id"]),
    /// Only to the risk endpoint, and never anything else with it.
    RiskDevice => Route::post("/v1/risk/device")
        .carries(&["device_info", "install_id", "session_token"]),
    ReauthSend => Route::post("/v1/auth/reauth/sms/send")
        .carries(&["phone_number", "session_token"])
        .while_outdated(),
    ReauthVerify => Route::post("/v1/auth/reauth/sms/verify")
        .carries(&["phone_number", "sms_code", "session_token"])
        .while_outdated(),
    WebLogin => Route::get("/v1/web-logins/{id}").carries(SESSION),
    WebLoginConfirm => Route::post("/v1/web-logins/{id}/confirm").carries(SESSION),
    WebLoginDecline => Route::post("/v1/web-logins/{id}/decline").carries(SESSION),
    /// Search of the units dictionary (the query goes in the query string).
    Units => Route::get("/v1/dictionaries/units").carries(SESSION),
    UnitDepartments => Route::get("/v1/dictionaries/units/{id}/departments").carries(SESSION),
    ProfileUpdate => Route::put("/v1/me/profile").carries(&["workplace", "session_token"]),
    /// A login provider's OpenID configuration.
    OidcDiscovery => Route::get("/.well-known/openid-configuration").external(),
    /// A login provider's token endpoint: the authorization code for the ID token.
    OidcToken => Route::post("(login provider) token endpoint")
        .carries(&["oauth_authorization_code"])
        .external(),
    /// A login provider's userinfo endpoint: its access token for the profile claims the ID
    /// token left out.
    OidcUserinfo => Route::get("(login provider) userinfo endpoint")
        .carries(&["oauth_access_token"])
        .external(),
    /// Login with a provider's ID token, the provider's profile left out.
    OAuthLogin => Route::post("/v1/auth/oauth").carries(&["oauth_id_token", "install_id"]),
    /// The binding: needs its own consent, so it cannot happen by accident.
    OAuthLoginBound => Route::post("/v1/auth/oauth")
        .carries(&[
            "oauth_id_token",
            "install_id",
            "provider_profile",
            "oauth_access_token",
        ]),
    /// Login with the code a provider's app SDK gave, which our server exchanges; the
    /// provider's profile left out.
    OAuthCodeLogin => Route::post("/v1/auth/oauth/code")
        .carries(&["oauth_authorization_code", "install_id"]),
    /// The binding: our server asks the provider for the profile, so it needs its consent.
    OAuthCodeLoginBound => Route::post("/v1/auth/oauth/code")
        .carries(&["oauth_authorization_code", "install_id", "provider_profile"]),
    /// One certificate photo (raw image body).
    CertificationPhoto => Route::post("/v1/me/certification/photos")
        .carries(&["certificate_photos", "session_token"]),
    /// The application, without a position.
    CertificationSubmit => Route::put("/v1/me/certification")
        .carries(&["id_number", "session_token"]),
    /// The position goes with an application only: the one purpose declared for it.
    CertificationSubmitLocated => Route::put("/v1/me/certification")
        .carries(&["id_number", "precise_location", "session_token"]),
    CertificationStatus => Route::get("/v1/me/certification").carries(SESSION),
    /// The full ID number, back to its owner after a step-up.
    CertificationIdNumber => Route::get("/v1/me/certification/id-number").carries(SESSION),
    /// The feed, not personalised (the user's interests unused).
    Feed => Route::get("/v1/feed").carries(SESSION),
    /// The feed chosen from the user's interests (needs the personalisation consent).
    FeedPersonalised => Route::get("/v1/feed").carries(&["interest_profile", "session_token"]),
    Post => Route::get("/v1/posts/{id}").carries(SESSION),
    PostComments => Route::get("/v1/posts/{id}/comments").carries(SESSION),
    /// The server's limits for posts and photos.
    Limits => Route::get("/v1/limits").carries(SESSION),
    /// A post photo (raw image body).
    PhotoUpload => Route::post("/v1/photos").carries(&["post_photos", "session_token"]),
    PostCreate => Route::post("/v1/posts").carries(&["published_content", "session_token"]),
    PostDelete => Route::delete("/v1/posts/{id}").carries(SESSION),
    CommentCreate => Route::post("/v1/posts/{id}/comments")
        .carries(&["published_content", "session_token"]),
    CommentDelete => Route::delete("/v1/comments/{id}").carries(SESSION),
    Like => Route::put("/v1/posts/{id}/like").carries(&["interactions", "session_token"]),
    Unlike => Route::delete("/v1/posts/{id}/like").carries(&["interactions", "session_token"]),
    Collect => Route::put("/v1/posts/{id}/collect").carries(&["interactions", "session_token"]),
    Uncollect => Route::delete("/v1/posts/{id}/collect")
        .carries(&["interactions", "session_token"]),
    Collections => Route::get("/v1/me/collections").carries(SESSION),
    Share => Route::post("/v1/posts/{id}/share").carries(&["interactions", "session_token"]),
    Search => Route::get("/v1/search").carries(&["search_queries", "session_token"]),
    /// A post photo's bytes: larger than any JSON the API returns.
    Photo => Route::get("/v1/photos/{id}").carries(SESSION).answer_up_to(6 * 1024 * 1024),
    Sessions => Route::get("/v1/me/sessions").carries(SESSION),
    SessionRevoke => Route::delete("/v1/me/sessions/{id}").carries(SESSION),
    SessionsRevokeOthers => Route::post("/v1/me/sessions/revoke-others").carries(SESSION),
    /// The security notices and the minimum version: read even when outdated, to say why.
    Notices => Route::get("/v1/me/notices").carries(SESSION).while_outdated(),
    /// The minimum version alone, without a session: a logged-out app learns it too.
    MinimumVersion => Route::get("/v1/minimum-version").while_outdated(),
    Points => Route::get("/v1/me/points").carries(SESSION),
    CheckIn => Route::post("/v1/me/points/check-in").carries(SESSION),
    MallItems => Route::get("/v1/mall/items").carries(SESSION),
    MallItem => Route::get("/v1/mall/items/{id}").carries(SESSION),
    Addresses => Route::get("/v1/me/addresses").carries(SESSION),
    /// The one request that carries a delivery address in clear.
    AddressAdd => Route::post("/v1/me/addresses").carries(&["delivery_address", "session_token"]),
    AddressDefault => Route::put("/v1/me/addresses/{id}/default").carries(SESSION),
    AddressDelete => Route::delete("/v1/me/addresses/{id}").carries(SESSION),
    Redemptions => Route::get("/v1/me/redemptions").carries(SESSION),
    Redeem => Route::post("/v1/me/redemptions").carries(&["redemption_orders", "session_token"]),
    RedemptionCancel => Route::post("/v1/me/redemptions/{id}/cancel")
        .carries(&["redemption_orders", "session_token"]),
    /// Help articles (a search's text goes in the query string): no session, nothing personal
    /// but the search.
    HelpArticles => Route::get("/v1/help/articles"),
    HelpSearch => Route::get("/v1/help/articles").carries(&["search_queries"]),
    HelpArticle => Route::get("/v1/help/articles/{id}"),
    /// A feedback photo (raw image body).
    HelpPhoto => Route::post("/v1/help/photos").carries(&["feedback_photos", "session_token"]),
    /// Feedback: the contact number and the app and OS version each only when given, so each
    /// combination is its own row and the ledger records only what went.
    Feedback => Route::post("/v1/help/feedback").carries(&["feedback_text", "session_token"]),
    FeedbackContact => Route::post("/v1/help/feedback")
        .carries(&["feedback_text", "feedback_contact", "session_token"]),
    FeedbackDevice => Route::post("/v1/help/feedback")
        .carries(&["feedback_text", "feedback_device_info", "session_token"]),
    FeedbackContactDevice => Route::post("/v1/help/feedback").carries(&[
        "feedback_text",
        "feedback_contact",
        "feedback_device_info",
        "session_token",
    ]),
    HelpTickets => Route::get("/v1/help/tickets").carries(SESSION),
    HelpTicketRead => Route::post("/v1/help/tickets/{id}/read").carries(SESSION),
    /// The catalogue: nothing personal.
    ShopProducts => Route::get("/v1/shop/products"),
    /// The product and the payment method chosen: order information.
    OrderCreate => Route::post("/v1/orders").carries(&["order_information", "session_token"]),
    Orders => Route::get("/v1/orders").carries(SESSION),
    Order => Route::get("/v1/orders/{id}").carries(SESSION),
    /// What the payment SDK answered: order information.
    OrderReport => Route::post("/v1/orders/{id}/report")
        .carries(&["order_information", "session_token"]),
    Entitlements => Route::get("/v1/me/entitlements").carries(SESSION),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ConsentPurpose, inventory};

    fn carrying(item: &str) -> Vec<Endpoint> {
        Endpoint::ALL
            .iter()
            .copied()
            .filter(|e| e.route().items.contains(&item))
            .collect()
    }

    #[test]
    fn every_item_an_endpoint_carries_is_declared_in_the_inventory() {
        for &endpoint in Endpoint::ALL {
            for item in endpoint.route().items {
                assert!(
                    inventory().item(item).is_some(),
                    "{endpoint:?} carries {item}, which core/privacy/inventory.toml does not declare"
                );
            }
        }
    }

    #[test]
    fn every_path_is_absolute_and_names_at_most_one_id() {
        for &endpoint in Endpoint::ALL {
            let route = endpoint.route();
            if route.external {
                continue;
            }
            assert!(route.path.starts_with("/v1/"), "{endpoint:?}");
            assert!(route.path.matches("{id}").count() <= 1, "{endpoint:?}");
            assert!(!route.path.ends_with('/'), "{endpoint:?}");
        }
    }

    #[test]
    fn browsing_records_never_travel_with_the_account() {
        for &endpoint in Endpoint::ALL {
            let items = endpoint.route().items;
            if items.contains(&"browsing_records") || items.contains(&"records_pseudonym") {
                assert!(!items.contains(&"session_token"), "{endpoint:?}");
            }
        }
    }

    #[test]
    fn a_login_providers_profile_travels_only_with_third_party_sharing() {
        assert_eq!(
            carrying("provider_profile"),
            [Endpoint::OAuthLoginBound, Endpoint::OAuthCodeLoginBound]
        );
        let profile = inventory().item("provider_profile").unwrap();
        assert_eq!(profile.purpose(), ConsentPurpose::ThirdPartySharing);
    }

    #[test]
    fn the_position_goes_only_with_an_identity_authentication_application() {
        assert_eq!(
            carrying("precise_location"),
            [Endpoint::CertificationSubmitLocated]
        );
    }

    #[test]
    fn only_a_personalised_feed_request_uses_the_interests() {
        assert_eq!(carrying("interest_profile"), [Endpoint::FeedPersonalised]);
        let interests = inventory().item("interest_profile").unwrap();
        assert_eq!(interests.purpose(), ConsentPurpose::Personalisation);
    }

    #[test]
    fn feedback_carries_the_app_and_os_version_only_on_the_rows_that_say_so() {
        assert_eq!(
            carrying("feedback_device_info"),
            [Endpoint::FeedbackDevice, Endpoint::FeedbackContactDevice]
        );
        assert_eq!(
            carrying("feedback_contact"),
            [Endpoint::FeedbackContact, Endpoint::FeedbackContactDevice]
        );
    }

    #[test]
    fn device_information_goes_to_the_risk_endpoint_only() {
        assert_eq!(carrying("device_info"), [Endpoint::RiskDevice]);
    }

    #[test]
    /// Leaving includes the user's rights: deleting the account (with its step-up), withdrawing
    /// consent and asking for deletion must not wait for an update.
    fn below_the_minimum_version_only_the_policy_notices_and_leaving_go_out() {
        let outdated: Vec<_> = Endpoint::ALL
            .iter()
            .copied()
            .filter(|e| e.route().while_outdated)
            .collect();
        assert_eq!(
            outdated,
            [
                Endpoint::Policy,
                Endpoint::Refresh,
                Endpoint::Logout,
                Endpoint::DeleteAccount,
                Endpoint::ConsentsPush,
                Endpoint::DeletionRequest,
                Endpoint::EventsForget,
                Endpoint::ReauthSend,
                Endpoint::ReauthVerify,
                Endpoint::Notices,
                Endpoint::MinimumVersion
            ]
        );
    }

    #[test]
    fn only_the_policy_goes_out_before_consent_and_it_carries_nothing_personal() {
        for &endpoint in Endpoint::ALL {
            if endpoint.route().access == Access::BeforeConsent {
                assert_eq!(endpoint, Endpoint::Policy);
                assert!(endpoint.route().items.is_empty());
            }
        }
    }
}
