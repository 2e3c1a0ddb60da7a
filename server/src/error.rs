//! Every failure the API reports, and its JSON shape:
//! `{"error":{"code":"<snake_case>","message":"<text>", ...extra fields}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::challenge::Challenge;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON ({0})")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the request body is larger than 64 KiB")]
    BodyTooLarge,
    #[error("this endpoint takes a JSON body (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("no such resource")]
    NotFound,
    #[error("this resource does not support that method")]
    MethodNotAllowed,
    #[error("phone must be a mainland China mobile number: 11 digits starting 13-19")]
    InvalidPhone,
    #[error("too many codes requested; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: i64 },
    #[error("there is no valid code for this phone; request a new one")]
    CodeExpired,
    #[error("wrong code; {attempts_left} attempts left")]
    WrongCode { attempts_left: i64 },
    #[error("too many wrong codes; request a new one")]
    CodeLocked,
    #[error("an event looks like it carries personal data (a phone number); events must not")]
    PersonalDataRefused,
    #[error("a policy with this version has already been published")]
    VersionExists,
    #[error("the token is missing, unknown or revoked; log in again")]
    InvalidToken,
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    #[error("this session was signed out from another device; log in again")]
    SessionRevoked,
    #[error("this session was ended by the operator; log in again")]
    ForcedLogout,
    #[error("this session is the one making the request; log out instead")]
    CurrentSession,
    #[error("the carrier token is malformed or its signature does not verify")]
    InvalidCarrierToken,
    #[error("the carrier token has expired; get a new one from the carrier")]
    CarrierTokenExpired,
    #[error("the carrier token was already used; get a new one from the carrier")]
    CarrierTokenUsed,
    #[error("no login provider of this name is configured")]
    UnknownProvider,
    #[error("the ID token was refused: {0}")]
    InvalidIdToken(&'static str),
    #[error("the ID token has expired; sign in with the provider again")]
    IdTokenExpired,
    #[error("the ID token's nonce is not the one sent; sign in with the provider again")]
    NonceMismatch,
    #[error("the ID token was already used; sign in with the provider again")]
    IdTokenUsed,
    #[error("the login provider cannot be reached or answered nonsense; retry later")]
    ProviderUnavailable,
    /// The provider refused the authorization code (unknown, expired or already used).
    #[error("the provider refused the authorization code: {0}; sign in with the provider again")]
    InvalidAuthorizationCode(&'static str),
    #[error("the provider shares no nickname or avatar to bind; log in without binding")]
    NothingToBind,
    #[error("the image is larger than 5 MiB")]
    ImageTooLarge,
    #[error("kind must be physician or practising")]
    InvalidKind,
    #[error("id_number is not a valid resident identity card number")]
    InvalidIdNumber,
    #[error("name at least one photo of the physician certificate, and only your own photos")]
    PhotosRequired,
    #[error("the certification was already approved")]
    AlreadyCertified,
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("this action needs a recent login; verify your phone again (step-up)")]
    ReauthRequired,
    #[error("this phone is not the account's phone")]
    PhoneMismatch,
    #[error("the web login request has expired; reload the page for a new code")]
    WebLoginExpired,
    #[error("the web login request was already confirmed or declined")]
    WebLoginUsed,
    #[error("the department does not belong to this unit")]
    DepartmentNotInUnit,
    #[error("no such post, or it was deleted")]
    PostNotFound,
    #[error("no such comment, or it was deleted")]
    CommentNotFound,
    #[error("no such photo")]
    PhotoNotFound,
    #[error("only the author may do this")]
    NotAuthor,
    #[error("the text is empty or too long")]
    InvalidText,
    #[error("a photo is unknown, not yours, or already used in a post")]
    InvalidPhoto,
    #[error("too many photos for one post")]
    TooManyPhotos,
    #[error("the photo's width or height is larger than the limit in GET /v1/limits")]
    PhotoTooLargeDimensions,
    #[error("photos must be image/jpeg or image/png")]
    UnsupportedImage,
    #[error("the body is not an image of its Content-Type")]
    InvalidImage,
    #[error("the search query must be 1 to 100 characters")]
    InvalidQuery,
    #[error("the cursor is not one this server gave")]
    InvalidCursor,
    #[error("Idempotency-Key must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")]
    InvalidIdempotencyKey,
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("too many codes were sent to this phone today; solve the challenge and send again")]
    ChallengeRequired(Challenge),
    #[error("the challenge solution is wrong, expired, already used or for another phone")]
    InvalidChallenge,
    #[error("the request's URI is longer than 8 KiB")]
    UriTooLong,
    #[error("the request has more than 64 headers or more than 32 KiB of them")]
    HeadersTooLarge,
    #[error("no such item in the mall")]
    ItemNotFound,
    #[error("no such address in the address book")]
    AddressNotFound,
    #[error("no such redemption")]
    RedemptionNotFound,
    #[error("the item is out of stock")]
    OutOfStock,
    #[error("not enough wheat grains for this item")]
    InsufficientPoints,
    #[error("the item's limit per user is reached")]
    LimitReached,
    #[error("the address is not acceptable: {0}")]
    AddressInvalid(medcircle_rules::address::AddressField),
    #[error("the redemption has shipped or ended; it can no longer be cancelled")]
    NotCancellable,
    #[error("no such help article")]
    ArticleNotFound,
    #[error("no such ticket among yours")]
    TicketNotFound,
    #[error("no product has this id")]
    UnknownProduct,
    #[error("this server takes no payments by this method")]
    PaymentMethodUnavailable,
    #[error("no such order")]
    OrderNotFound,
    #[error("only a paid order can be refunded")]
    OrderNotRefundable,
    #[error("the payment gateway cannot be reached or refused the order; retry later")]
    PaymentGatewayUnavailable,
    #[error("internal server error")]
    Internal,
}

impl ApiError {
    /// One error of every kind, as the document's examples show them (and the tests check).
    pub fn examples() -> Vec<ApiError> {
        vec![
            ApiError::MalformedJson("line 1, column 12".into()),
            ApiError::InvalidRequest("missing field `device_id` (line 1, column 23)".into()),
            ApiError::BodyTooLarge,
            ApiError::UnsupportedMediaType,
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::InvalidPhone,
            ApiError::RateLimited { retry_after_s: 42 },
            ApiError::CodeExpired,
            ApiError::WrongCode { attempts_left: 4 },
            ApiError::CodeLocked,
            ApiError::PersonalDataRefused,
            ApiError::VersionExists,
            ApiError::InvalidToken,
            ApiError::TokenExpired,
            ApiError::SessionRevoked,
            ApiError::ForcedLogout,
            ApiError::CurrentSession,
            ApiError::InvalidCarrierToken,
            ApiError::CarrierTokenExpired,
            ApiError::CarrierTokenUsed,
            ApiError::UnknownProvider,
            ApiError::InvalidIdToken("its signature does not verify"),
            ApiError::IdTokenExpired,
            ApiError::NonceMismatch,
            ApiError::IdTokenUsed,
            ApiError::ProviderUnavailable,
            ApiError::InvalidAuthorizationCode("the code has expired"),
            ApiError::NothingToBind,
            ApiError::ImageTooLarge,
            ApiError::InvalidKind,
            ApiError::InvalidIdNumber,
            ApiError::PhotosRequired,
            ApiError::AlreadyCertified,
            ApiError::ReasonRequired,
            ApiError::ReauthRequired,
            ApiError::PhoneMismatch,
            ApiError::WebLoginExpired,
            ApiError::WebLoginUsed,
            ApiError::DepartmentNotInUnit,
            ApiError::PostNotFound,
            ApiError::CommentNotFound,
            ApiError::PhotoNotFound,
            ApiError::NotAuthor,
            ApiError::InvalidText,
            ApiError::InvalidPhoto,
            ApiError::TooManyPhotos,
            ApiError::PhotoTooLargeDimensions,
            ApiError::UnsupportedImage,
            ApiError::InvalidImage,
            ApiError::InvalidQuery,
            ApiError::InvalidCursor,
            ApiError::InvalidIdempotencyKey,
            ApiError::IdempotencyKeyReused,
            ApiError::ChallengeRequired(Challenge {
                token: "AAAAAGlGd2wSq1w3Xb2e0nQmP4sVhYc9k1JzR0x2UeEo7Jv9hQ".into(),
                difficulty: 18,
                expires_in_s: 300,
            }),
            ApiError::InvalidChallenge,
            ApiError::UriTooLong,
            ApiError::HeadersTooLarge,
            ApiError::ItemNotFound,
            ApiError::AddressNotFound,
            ApiError::RedemptionNotFound,
            ApiError::OutOfStock,
            ApiError::InsufficientPoints,
            ApiError::LimitReached,
            ApiError::AddressInvalid(medcircle_rules::address::AddressField::Phone),
            ApiError::NotCancellable,
            ApiError::ArticleNotFound,
            ApiError::TicketNotFound,
            ApiError::UnknownProduct,
            ApiError::PaymentMethodUnavailable,
            ApiError::OrderNotFound,
            ApiError::OrderNotRefundable,
            ApiError::PaymentGatewayUnavailable,
            ApiError::Internal,
        ]
    }

    /// The JSON body this error is answered with.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                retry_after_s: match self {
                    ApiError::RateLimited { retry_after_s } => Some(*retry_after_s),
                    _ => None,
                },
                attempts_left: match self {
                    ApiError::WrongCode { attempts_left } => Some(*attempts_left),
                    _ => None,
                },
                challenge: match self {
                    ApiError::ChallengeRequired(challenge) => Some(challenge.clone()),
                    _ => None,
                },
                field: match self {
                    ApiError::AddressInvalid(field) => Some(field.key()),
                    _ => None,
                },
            },
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::BodyTooLarge => "body_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::InvalidPhone => "invalid_phone",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::CodeExpired => "code_expired",
            ApiError::WrongCode { .. } => "wrong_code",
            ApiError::CodeLocked => "code_locked",
            ApiError::PersonalDataRefused => "personal_data_refused",
            ApiError::VersionExists => "version_exists",
            ApiError::InvalidToken => "invalid_token",
            ApiError::TokenExpired => "token_expired",
            ApiError::SessionRevoked => "session_revoked",
            ApiError::ForcedLogout => "forced_logout",
            ApiError::CurrentSession => "current_session",
            ApiError::InvalidCarrierToken => "invalid_carrier_token",
            ApiError::CarrierTokenExpired => "carrier_token_expired",
            ApiError::CarrierTokenUsed => "carrier_token_used",
            ApiError::UnknownProvider => "unknown_provider",
            ApiError::InvalidIdToken(_) => "invalid_id_token",
            ApiError::IdTokenExpired => "id_token_expired",
            ApiError::NonceMismatch => "nonce_mismatch",
            ApiError::IdTokenUsed => "id_token_used",
            ApiError::ProviderUnavailable => "provider_unavailable",
            ApiError::InvalidAuthorizationCode(_) => "invalid_authorization_code",
            ApiError::NothingToBind => "nothing_to_bind",
            ApiError::ImageTooLarge => "too_large",
            ApiError::InvalidKind => "invalid_kind",
            ApiError::InvalidIdNumber => "invalid_id_number",
            ApiError::PhotosRequired => "photos_required",
            ApiError::AlreadyCertified => "already_certified",
            ApiError::ReasonRequired => "reason_required",
            ApiError::ReauthRequired => "reauth_required",
            ApiError::PhoneMismatch => "phone_mismatch",
            ApiError::WebLoginExpired => "web_login_expired",
            ApiError::WebLoginUsed => "web_login_used",
            ApiError::DepartmentNotInUnit => "department_not_in_unit",
            ApiError::PostNotFound => "post_not_found",
            ApiError::CommentNotFound => "comment_not_found",
            ApiError::PhotoNotFound => "photo_not_found",
            ApiError::NotAuthor => "not_author",
            ApiError::InvalidText => "invalid_text",
            ApiError::InvalidPhoto => "invalid_photo",
            ApiError::TooManyPhotos => "too_many_photos",
            ApiError::PhotoTooLargeDimensions => "photo_too_large_dimensions",
            ApiError::UnsupportedImage => "unsupported_image",
            ApiError::InvalidImage => "invalid_image",
            ApiError::InvalidQuery => "invalid_query",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::InvalidIdempotencyKey => "invalid_idempotency_key",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::ChallengeRequired(_) => "challenge_required",
            ApiError::InvalidChallenge => "invalid_challenge",
            ApiError::UriTooLong => "uri_too_long",
            ApiError::HeadersTooLarge => "headers_too_large",
            ApiError::ItemNotFound => "item_not_found",
            ApiError::AddressNotFound => "address_not_found",
            ApiError::RedemptionNotFound => "redemption_not_found",
            ApiError::OutOfStock => "out_of_stock",
            ApiError::InsufficientPoints => "insufficient_points",
            ApiError::LimitReached => "limit_reached",
            ApiError::AddressInvalid(_) => "address_invalid",
            ApiError::NotCancellable => "not_cancellable",
            ApiError::ArticleNotFound => "article_not_found",
            ApiError::TicketNotFound => "ticket_not_found",
            ApiError::UnknownProduct => "unknown_product",
            ApiError::PaymentMethodUnavailable => "payment_method_unavailable",
            ApiError::OrderNotFound => "order_not_found",
            ApiError::OrderNotRefundable => "order_not_refundable",
            ApiError::PaymentGatewayUnavailable => "payment_gateway_unavailable",
            ApiError::Internal => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::InvalidPhone => StatusCode::BAD_REQUEST,
            ApiError::InvalidRequest(_)
            | ApiError::WrongCode { .. }
            | ApiError::PersonalDataRefused
            | ApiError::DepartmentNotInUnit => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::VersionExists | ApiError::WebLoginUsed | ApiError::CurrentSession => {
                StatusCode::CONFLICT
            }
            ApiError::ReauthRequired | ApiError::PhoneMismatch => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::CodeExpired | ApiError::WebLoginExpired => StatusCode::GONE,
            ApiError::CodeLocked => StatusCode::LOCKED,
            ApiError::UnknownProvider
            | ApiError::InvalidKind
            | ApiError::InvalidIdNumber
            | ApiError::PhotosRequired
            | ApiError::ReasonRequired => StatusCode::BAD_REQUEST,
            ApiError::InvalidIdToken(_)
            | ApiError::IdTokenExpired
            | ApiError::NonceMismatch
            | ApiError::IdTokenUsed
            | ApiError::InvalidAuthorizationCode(_) => StatusCode::UNAUTHORIZED,
            ApiError::ProviderUnavailable => StatusCode::BAD_GATEWAY,
            ApiError::NothingToBind => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ImageTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::AlreadyCertified => StatusCode::CONFLICT,
            ApiError::InvalidToken
            | ApiError::TokenExpired
            | ApiError::SessionRevoked
            | ApiError::ForcedLogout
            | ApiError::InvalidCarrierToken
            | ApiError::CarrierTokenExpired
            | ApiError::CarrierTokenUsed => StatusCode::UNAUTHORIZED,
            ApiError::InvalidText
            | ApiError::InvalidPhoto
            | ApiError::TooManyPhotos
            | ApiError::PhotoTooLargeDimensions
            | ApiError::InvalidImage
            | ApiError::InvalidQuery
            | ApiError::InvalidCursor
            | ApiError::InvalidIdempotencyKey => StatusCode::BAD_REQUEST,
            ApiError::PostNotFound | ApiError::CommentNotFound | ApiError::PhotoNotFound => {
                StatusCode::NOT_FOUND
            }
            ApiError::NotAuthor => StatusCode::FORBIDDEN,
            ApiError::UnsupportedImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ChallengeRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::InvalidChallenge => StatusCode::BAD_REQUEST,
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::ItemNotFound | ApiError::AddressNotFound | ApiError::RedemptionNotFound => {
                StatusCode::NOT_FOUND
            }
            ApiError::OutOfStock
            | ApiError::InsufficientPoints
            | ApiError::LimitReached
            | ApiError::NotCancellable => StatusCode::CONFLICT,
            ApiError::AddressInvalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ArticleNotFound | ApiError::TicketNotFound => StatusCode::NOT_FOUND,
            ApiError::UnknownProduct | ApiError::PaymentMethodUnavailable => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::OrderNotFound => StatusCode::NOT_FOUND,
            ApiError::OrderNotRefundable => StatusCode::CONFLICT,
            ApiError::PaymentGatewayUnavailable => StatusCode::BAD_GATEWAY,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
/// Every 4xx/5xx response, including framework rejections (unknown route, wrong method, bad JSON, oversized body).
pub struct ErrorBody {
    #[schema(inline)]
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// Stable snake_case code: branch on this, not on the message or the status.
    #[schema(schema_with = crate::openapi::fields::error_code)]
    code: &'static str,
    /// Human-readable text, English. Never echoes submitted values.
    message: String,
    /// Only with `rate_limited`: seconds until a send may succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    retry_after_s: Option<i64>,
    /// Only with `wrong_code`: wrong tries left before the code locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1, maximum = 4)]
    attempts_left: Option<i64>,
    /// Only with `challenge_required`: what to solve.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    challenge: Option<Challenge>,
    /// Only with `address_invalid`: the part of the address refused (`recipient_name`, `phone`, `province`, `city`, `district` or `street`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<&'static str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        if let ApiError::RateLimited { retry_after_s } = &self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
        }
        if self.status() == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        // SQLite errors name tables and constraints, never bound values, so they are safe to log.
        tracing::error!(%error, "database error");
        ApiError::Internal
    }
}

/// Router fallback for paths that match no route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Router fallback for known paths called with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_statuses_are_errors() {
        let all = ApiError::examples();
        for error in all {
            assert!(error.status().as_u16() >= 400, "{error:?}");
            assert!(
                error
                    .code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{error:?}"
            );
        }
    }
}
