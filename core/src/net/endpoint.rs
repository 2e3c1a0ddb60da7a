//! Every API endpoint the core calls, with the facts the network layer decides on.

use reqwest::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Policy,
    SmsSend,
    SmsVerify,
    Refresh,
    Logout,
    Me,
    ConsentsPush,
    ConsentsPull,
    DeletionRequest,
    Events,
    EventsForget,
    Interests,
    /// One interest tag: the tag id is appended to the path.
    InterestTag,
    Export,
    DeleteAccount,
    OneTap,
    RiskDevice,
    ReauthSend,
    ReauthVerify,
    /// A web login's details; the id follows the path.
    WebLogin,
    WebLoginConfirm,
    WebLoginDecline,
    /// Search of the units dictionary (the query goes in the query string).
    Units,
    /// A unit's departments; the unit id follows the path.
    UnitDepartments,
    ProfileUpdate,
    /// A login provider's OpenID configuration (absolute URL, outside the API).
    OidcDiscovery,
    /// A login provider's token endpoint: the authorization code for the ID token.
    OidcToken,
    /// Login with a provider's ID token, the provider's profile left out.
    OAuthLogin,
    /// Login with a provider's ID token, its nickname and avatar copied into the profile.
    OAuthLoginBound,
    /// One certificate photo (raw image body).
    CertificationPhoto,
    /// The certification application, without a position.
    CertificationSubmit,
    /// The certification application with the position (positioning on and allowed).
    CertificationSubmitLocated,
    CertificationStatus,
    /// The full ID number, back to its owner after a step-up.
    CertificationIdNumber,
    /// The feed, not personalised (the user's interests unused).
    Feed,
    /// The feed chosen from the user's interests (needs the personalisation consent).
    FeedPersonalised,
    /// One post; the id follows the path.
    Post,
    /// A post's comments.
    PostComments,
    /// The server's limits for posts and photos.
    Limits,
    /// A post photo (raw image body).
    PhotoUpload,
    PostCreate,
    PostDelete,
    CommentCreate,
    /// One comment; the id follows the path.
    CommentDelete,
    Like,
    Unlike,
    Collect,
    Uncollect,
    Collections,
    Share,
    Search,
    /// A post photo's bytes; the id follows the path.
    Photo,
}

impl Endpoint {
    pub(crate) fn method(self) -> Method {
        match self {
            Endpoint::Policy
            | Endpoint::Me
            | Endpoint::ConsentsPull
            | Endpoint::Interests
            | Endpoint::Export
            | Endpoint::WebLogin
            | Endpoint::Units
            | Endpoint::UnitDepartments
            | Endpoint::OidcDiscovery
            | Endpoint::CertificationStatus
            | Endpoint::CertificationIdNumber
            | Endpoint::Feed
            | Endpoint::FeedPersonalised
            | Endpoint::Post
            | Endpoint::PostComments
            | Endpoint::Limits
            | Endpoint::Collections
            | Endpoint::Search
            | Endpoint::Photo => Method::GET,
            Endpoint::SmsSend
            | Endpoint::SmsVerify
            | Endpoint::Refresh
            | Endpoint::Logout
            | Endpoint::DeletionRequest
            | Endpoint::Events
            | Endpoint::EventsForget
            | Endpoint::OneTap
            | Endpoint::RiskDevice
            | Endpoint::ReauthSend
            | Endpoint::ReauthVerify
            | Endpoint::WebLoginConfirm
            | Endpoint::WebLoginDecline
            | Endpoint::OidcToken
            | Endpoint::OAuthLogin
            | Endpoint::OAuthLoginBound
            | Endpoint::CertificationPhoto
            | Endpoint::PhotoUpload
            | Endpoint::PostCreate
            | Endpoint::CommentCreate
            | Endpoint::Share => Method::POST,
            Endpoint::ConsentsPush
            | Endpoint::ProfileUpdate
            | Endpoint::CertificationSubmit
            | Endpoint::CertificationSubmitLocated
            | Endpoint::Like
            | Endpoint::Collect => Method::PUT,
            Endpoint::InterestTag
            | Endpoint::DeleteAccount
            | Endpoint::PostDelete
            | Endpoint::CommentDelete
            | Endpoint::Unlike
            | Endpoint::Uncollect => Method::DELETE,
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Endpoint::Policy => "/v1/policy",
            Endpoint::SmsSend => "/v1/auth/sms/send",
            Endpoint::SmsVerify => "/v1/auth/sms/verify",
            Endpoint::Refresh => "/v1/auth/refresh",
            Endpoint::Logout => "/v1/auth/logout",
            Endpoint::Me | Endpoint::DeleteAccount => "/v1/me",
            Endpoint::ConsentsPush | Endpoint::ConsentsPull => "/v1/me/consents",
            Endpoint::DeletionRequest => "/v1/me/deletion-requests",
            Endpoint::Events => "/v1/events",
            Endpoint::EventsForget => "/v1/events/forget",
            Endpoint::Interests | Endpoint::InterestTag => "/v1/me/interests",
            Endpoint::Export => "/v1/me/export",
            Endpoint::OneTap => "/v1/auth/one-tap",
            Endpoint::RiskDevice => "/v1/risk/device",
            Endpoint::ReauthSend => "/v1/auth/reauth/sms/send",
            Endpoint::ReauthVerify => "/v1/auth/reauth/sms/verify",
            Endpoint::WebLogin | Endpoint::WebLoginConfirm | Endpoint::WebLoginDecline => {
                "/v1/web-logins"
            }
            Endpoint::Units | Endpoint::UnitDepartments => "/v1/dictionaries/units",
            Endpoint::ProfileUpdate => "/v1/me/profile",
            Endpoint::OAuthLogin | Endpoint::OAuthLoginBound => "/v1/auth/oauth",
            Endpoint::CertificationPhoto => "/v1/me/certification/photos",
            Endpoint::CertificationSubmit
            | Endpoint::CertificationSubmitLocated
            | Endpoint::CertificationStatus => "/v1/me/certification",
            Endpoint::CertificationIdNumber => "/v1/me/certification/id-number",
            Endpoint::Feed | Endpoint::FeedPersonalised => "/v1/feed",
            Endpoint::Post
            | Endpoint::PostComments
            | Endpoint::PostDelete
            | Endpoint::CommentCreate
            | Endpoint::Like
            | Endpoint::Unlike
            | Endpoint::Collect
            | Endpoint::Uncollect
            | Endpoint::Share => "/v1/posts",
            Endpoint::PostCreate => "/v1/posts",
            Endpoint::Limits => "/v1/limits",
            Endpoint::PhotoUpload | Endpoint::Photo => "/v1/photos",
            Endpoint::CommentDelete => "/v1/comments",
            Endpoint::Collections => "/v1/me/collections",
            Endpoint::Search => "/v1/search",
            // Labels for the ledger: these URLs come from the provider's configuration.
            Endpoint::OidcDiscovery => "/.well-known/openid-configuration",
            Endpoint::OidcToken => "(login provider) token endpoint",
        }
    }

    /// For a resource named by an id: what follows the id in the path.
    pub(crate) fn after_id(self) -> Option<&'static str> {
        match self {
            Endpoint::WebLoginConfirm => Some("confirm"),
            Endpoint::WebLoginDecline => Some("decline"),
            Endpoint::UnitDepartments => Some("departments"),
            Endpoint::PostComments | Endpoint::CommentCreate => Some("comments"),
            Endpoint::Like | Endpoint::Unlike => Some("like"),
            Endpoint::Collect | Endpoint::Uncollect => Some("collect"),
            Endpoint::Share => Some("share"),
            _ => None,
        }
    }

    /// The personal data items (ids in `core/privacy/inventory.toml`) the request carries.
    /// The network layer refuses an undeclared item or one whose purpose lacks consent, and
    /// records each one sent in the privacy ledger.
    pub(crate) fn items(self) -> &'static [&'static str] {
        match self {
            Endpoint::Policy => &[],
            Endpoint::SmsSend => &["phone_number", "install_id"],
            Endpoint::SmsVerify => &["phone_number", "sms_code", "install_id"],
            Endpoint::Refresh
            | Endpoint::Logout
            | Endpoint::Me
            | Endpoint::ConsentsPull
            | Endpoint::Interests
            | Endpoint::InterestTag
            | Endpoint::Export
            | Endpoint::DeleteAccount => &["session_token"],
            Endpoint::ConsentsPush | Endpoint::DeletionRequest => {
                &["consent_records", "session_token"]
            }
            // Pseudonymous: never with the session token.
            Endpoint::Events => &["browsing_records", "records_pseudonym"],
            Endpoint::EventsForget => &["records_pseudonym"],
            Endpoint::OneTap => &["carrier_token", "install_id"],
            // Only to the risk endpoint, and never anything else with it.
            Endpoint::RiskDevice => &["device_info", "install_id", "session_token"],
            Endpoint::ReauthSend => &["phone_number", "session_token"],
            Endpoint::ReauthVerify => &["phone_number", "sms_code", "session_token"],
            Endpoint::WebLogin
            | Endpoint::WebLoginConfirm
            | Endpoint::WebLoginDecline
            | Endpoint::Units
            | Endpoint::UnitDepartments => &["session_token"],
            Endpoint::ProfileUpdate => &["workplace", "session_token"],
            Endpoint::OidcDiscovery => &[],
            Endpoint::OidcToken => &["oauth_authorization_code"],
            Endpoint::OAuthLogin => &["oauth_id_token", "install_id"],
            // The binding: needs its own consent, so it cannot happen by accident.
            Endpoint::OAuthLoginBound => &["oauth_id_token", "install_id", "provider_profile"],
            Endpoint::CertificationPhoto => &["certificate_photos", "session_token"],
            Endpoint::CertificationSubmit => &["id_number", "session_token"],
            // The position goes with an application only: the one purpose declared for it.
            Endpoint::CertificationSubmitLocated => {
                &["id_number", "precise_location", "session_token"]
            }
            Endpoint::CertificationStatus | Endpoint::CertificationIdNumber => &["session_token"],
            Endpoint::Feed
            | Endpoint::Post
            | Endpoint::PostComments
            | Endpoint::Limits
            | Endpoint::PostDelete
            | Endpoint::CommentDelete
            | Endpoint::Collections
            | Endpoint::Photo => &["session_token"],
            // Personalised: the server reads the user's interests for this request.
            Endpoint::FeedPersonalised => &["interest_profile", "session_token"],
            Endpoint::PhotoUpload => &["post_photos", "session_token"],
            Endpoint::PostCreate | Endpoint::CommentCreate => {
                &["published_content", "session_token"]
            }
            Endpoint::Like
            | Endpoint::Unlike
            | Endpoint::Collect
            | Endpoint::Uncollect
            | Endpoint::Share => &["interactions", "session_token"],
            Endpoint::Search => &["search_queries", "session_token"],
        }
    }

    /// A larger answer than the network layer's usual limit: a photo is larger than any
    /// JSON the API returns.
    pub(crate) fn max_response_bytes(self) -> Option<usize> {
        match self {
            Endpoint::Photo => Some(6 * 1024 * 1024),
            _ => None,
        }
    }

    /// A login provider's endpoint, called at an absolute URL rather than under the API.
    pub(crate) fn external(self) -> bool {
        matches!(self, Endpoint::OidcDiscovery | Endpoint::OidcToken)
    }

    /// Requests that erase data the user withdrew consent for. They must go out after the
    /// withdrawal, so they need the policy accepted and declared items, not the purpose.
    pub(crate) fn erasure(self) -> bool {
        matches!(self, Endpoint::DeletionRequest | Endpoint::EventsForget)
    }

    /// Only the policy itself may be fetched before the user has accepted it.
    pub(crate) fn allowed_before_consent(self) -> bool {
        matches!(self, Endpoint::Policy)
    }

    /// Safe to send twice: only these are retried automatically.
    pub(crate) fn idempotent(self) -> bool {
        self.method() == Method::GET
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::inventory;

    const ALL: [Endpoint; 52] = [
        Endpoint::Policy,
        Endpoint::SmsSend,
        Endpoint::SmsVerify,
        Endpoint::Refresh,
        Endpoint::Logout,
        Endpoint::Me,
        Endpoint::ConsentsPush,
        Endpoint::ConsentsPull,
        Endpoint::DeletionRequest,
        Endpoint::Events,
        Endpoint::EventsForget,
        Endpoint::Interests,
        Endpoint::InterestTag,
        Endpoint::Export,
        Endpoint::DeleteAccount,
        Endpoint::OneTap,
        Endpoint::RiskDevice,
        Endpoint::ReauthSend,
        Endpoint::ReauthVerify,
        Endpoint::WebLogin,
        Endpoint::WebLoginConfirm,
        Endpoint::WebLoginDecline,
        Endpoint::Units,
        Endpoint::UnitDepartments,
        Endpoint::ProfileUpdate,
        Endpoint::OidcDiscovery,
        Endpoint::OidcToken,
        Endpoint::OAuthLogin,
        Endpoint::OAuthLoginBound,
        Endpoint::CertificationPhoto,
        Endpoint::CertificationSubmit,
        Endpoint::CertificationSubmitLocated,
        Endpoint::CertificationStatus,
        Endpoint::CertificationIdNumber,
        Endpoint::Feed,
        Endpoint::FeedPersonalised,
        Endpoint::Post,
        Endpoint::PostComments,
        Endpoint::Limits,
        Endpoint::PhotoUpload,
        Endpoint::PostCreate,
        Endpoint::PostDelete,
        Endpoint::CommentCreate,
        Endpoint::CommentDelete,
        Endpoint::Like,
        Endpoint::Unlike,
        Endpoint::Collect,
        Endpoint::Uncollect,
        Endpoint::Collections,
        Endpoint::Share,
        Endpoint::Search,
        Endpoint::Photo,
    ];

    #[test]
    fn every_item_an_endpoint_carries_is_declared_in_the_inventory() {
        for endpoint in ALL {
            for item in endpoint.items() {
                assert!(
                    inventory().item(item).is_some(),
                    "{endpoint:?} carries {item}, which core/privacy/inventory.toml does not declare"
                );
            }
        }
    }

    #[test]
    fn browsing_records_never_travel_with_the_account() {
        for endpoint in ALL {
            let items = endpoint.items();
            if items.contains(&"browsing_records") || items.contains(&"records_pseudonym") {
                assert!(!items.contains(&"session_token"), "{endpoint:?}");
            }
        }
    }

    #[test]
    fn a_login_providers_profile_travels_only_with_third_party_sharing() {
        for endpoint in ALL {
            if endpoint.items().contains(&"provider_profile") {
                assert_eq!(endpoint, Endpoint::OAuthLoginBound);
            }
        }
        let profile = inventory().item("provider_profile").unwrap();
        assert_eq!(
            profile.purpose(),
            crate::consent::ConsentPurpose::ThirdPartySharing
        );
    }

    #[test]
    fn the_position_goes_only_with_an_identity_authentication_application() {
        for endpoint in ALL {
            if endpoint.items().contains(&"precise_location") {
                assert_eq!(endpoint, Endpoint::CertificationSubmitLocated);
            }
        }
    }

    #[test]
    fn only_a_personalised_feed_request_uses_the_interests() {
        for endpoint in ALL {
            if endpoint.items().contains(&"interest_profile") {
                assert_eq!(endpoint, Endpoint::FeedPersonalised);
            }
        }
        let interests = inventory().item("interest_profile").unwrap();
        assert_eq!(
            interests.purpose(),
            crate::consent::ConsentPurpose::Personalisation
        );
    }

    #[test]
    fn device_information_goes_to_the_risk_endpoint_only() {
        for endpoint in ALL {
            if endpoint.items().contains(&"device_info") {
                assert_eq!(endpoint, Endpoint::RiskDevice);
            }
        }
    }

    #[test]
    fn only_the_policy_goes_out_before_consent_and_it_carries_nothing_personal() {
        for endpoint in ALL {
            if endpoint.allowed_before_consent() {
                assert_eq!(endpoint, Endpoint::Policy);
                assert!(endpoint.items().is_empty());
            }
        }
    }
}
