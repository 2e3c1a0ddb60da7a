//! The server's error codes, parsed once: areas match on these variants, never on strings. A
//! code this client does not know is kept as it came, so it still reaches the user.

macro_rules! api_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) enum ApiCode {
            $($(#[$doc])* $name,)*
            /// A code this version does not know.
            Other(String),
        }

        impl ApiCode {
            pub(crate) fn parse(code: &str) -> ApiCode {
                match code {
                    $($code => ApiCode::$name,)*
                    other => ApiCode::Other(other.to_string()),
                }
            }

            pub(crate) fn as_str(&self) -> &str {
                match self {
                    $(ApiCode::$name => $code,)*
                    ApiCode::Other(code) => code,
                }
            }
        }
    };
}

api_codes! {
    AlreadyCertified = "already_certified",
    ArticleNotFound = "article_not_found",
    TicketNotFound = "ticket_not_found",
    InvalidPhoto = "invalid_photo",
    TooManyPhotos = "too_many_photos",
    CarrierTokenExpired = "carrier_token_expired",
    /// Another SMS code to this phone needs a proof of work first (the body's `challenge`).
    ChallengeRequired = "challenge_required",
    CarrierTokenUsed = "carrier_token_used",
    CodeExpired = "code_expired",
    CodeLocked = "code_locked",
    /// Revoking the session making the request: log out instead.
    CurrentSession = "current_session",
    /// The operator ended the account's sessions.
    ForcedLogout = "forced_logout",
    CommentNotFound = "comment_not_found",
    DepartmentNotInUnit = "department_not_in_unit",
    IdTokenExpired = "id_token_expired",
    IdTokenUsed = "id_token_used",
    InvalidCarrierToken = "invalid_carrier_token",
    InvalidChallenge = "invalid_challenge",
    /// Our server's answer: the provider refused the app SDK's code (unknown, expired, used).
    InvalidAuthorizationCode = "invalid_authorization_code",
    InvalidIdNumber = "invalid_id_number",
    InvalidIdToken = "invalid_id_token",
    InvalidImage = "invalid_image",
    InvalidPhone = "invalid_phone",
    InvalidQuery = "invalid_query",
    InvalidRequest = "invalid_request",
    InvalidText = "invalid_text",
    NonceMismatch = "nonce_mismatch",
    NotAuthor = "not_author",
    NothingToBind = "nothing_to_bind",
    NotFound = "not_found",
    PhoneMismatch = "phone_mismatch",
    PhotosRequired = "photos_required",
    PostNotFound = "post_not_found",
    ReauthRequired = "reauth_required",
    /// The session was signed out from another session of the account.
    SessionRevoked = "session_revoked",
    TooLarge = "too_large",
    UnknownProvider = "unknown_provider",
    UnsupportedImage = "unsupported_image",
    WebLoginExpired = "web_login_expired",
    WebLoginUsed = "web_login_used",
    WrongCode = "wrong_code",
    /// A login provider's answer (RFC 6749 §5.2): the code is spent or expired.
    InvalidGrant = "invalid_grant",
    /// The mall: the body's `field` names the part of the address refused.
    AddressInvalid = "address_invalid",
    AddressNotFound = "address_not_found",
    InsufficientPoints = "insufficient_points",
    ItemNotFound = "item_not_found",
    LimitReached = "limit_reached",
    NotCancellable = "not_cancellable",
    OutOfStock = "out_of_stock",
    RedemptionNotFound = "redemption_not_found",
    OrderNotFound = "order_not_found",
    PaymentMethodUnavailable = "payment_method_unavailable",
    PaymentGatewayUnavailable = "payment_gateway_unavailable",
    UnknownProduct = "unknown_product",
}

impl std::fmt::Display for ApiCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_and_unknown_ones_are_kept() {
        assert_eq!(ApiCode::parse("wrong_code"), ApiCode::WrongCode);
        assert_eq!(ApiCode::parse("wrong_code").as_str(), "wrong_code");
        let unknown = ApiCode::parse("membership_expired");
        assert_eq!(unknown, ApiCode::Other("membership_expired".into()));
        assert_eq!(unknown.to_string(), "membership_expired");
    }
}
