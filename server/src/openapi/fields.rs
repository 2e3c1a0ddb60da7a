//! Field schemas the derive's attributes cannot state: enumerations and constants of fields
//! that are strings or numbers in Rust, and arrays whose items have bounds. Each is built from
//! the constant the server itself uses where there is one, so the document follows the code.

use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema};

use crate::feed::limits;
use crate::oidc::dev_provider;
use crate::{carrier, codes, consents, deletion_requests, events, rate_limit, risk, sessions};

fn one_of<V: Into<Value>>(kind: Type, values: impl IntoIterator<Item = V>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(kind)
        .enum_values(Some(values))
}

fn string_of<'a>(values: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
    one_of(Type::String, values)
}

fn integer<N: Into<Value>>(value: N) -> ObjectBuilder {
    one_of(Type::Integer, [value])
}

fn described(schema: ObjectBuilder, description: &str) -> Schema {
    schema.description(Some(description)).into()
}

fn usize_value(value: usize) -> Value {
    Value::from(value as u64)
}

// Login and sessions.

pub fn sms_cooldown_s() -> Schema {
    described(
        integer(rate_limit::COOLDOWN_S),
        "Seconds before another code may be requested for this phone or from this device.",
    )
}

pub fn sms_code_expires_in_s() -> Schema {
    described(integer(codes::TTL_S), "Seconds the code stays valid.")
}

pub fn access_expires_in_s() -> Schema {
    integer(sessions::ACCESS_TTL_S).into()
}

pub fn carrier() -> Schema {
    string_of(carrier::CARRIERS).into()
}

pub fn carrier_token_expires_in_s() -> Schema {
    integer(carrier::TOKEN_TTL_S).into()
}

pub fn web_login_expires_in_s() -> Schema {
    integer(crate::web_logins::TTL_S).into()
}

pub fn web_login_status() -> Schema {
    string_of(["pending", "scanned"]).into()
}

pub fn polled_status() -> Schema {
    described(
        string_of(["pending", "scanned", "confirmed", "declined", "expired"]),
        "`expired`: still pending or scanned 120 s after the request.",
    )
}

pub fn decision_status() -> Schema {
    string_of(["confirmed", "declined"]).into()
}

/// Where a requesting browser is, coarsely.
pub fn place() -> Schema {
    string_of(["Loopback", "Unknown"]).into()
}

// The dev OpenID provider.

pub fn grant_type() -> Schema {
    string_of(["authorization_code"]).into()
}

pub fn response_type() -> Schema {
    string_of(["code"]).into()
}

pub fn client_id() -> Schema {
    string_of([dev_provider::CLIENT_ID]).into()
}

pub fn redirect_uri() -> Schema {
    string_of([dev_provider::REDIRECT_URI]).into()
}

pub fn code_challenge_method() -> Schema {
    string_of(["S256"]).into()
}

pub fn dev_decision() -> Schema {
    string_of(["deny"]).into()
}

pub fn oauth_error_code() -> Schema {
    string_of([
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
    ])
    .into()
}

pub fn always_true() -> Schema {
    one_of(Type::Boolean, [true]).into()
}

pub fn jwk_kty() -> Schema {
    string_of(["EC"]).into()
}

pub fn jwk_crv() -> Schema {
    string_of(["P-256"]).into()
}

pub fn jwk_alg() -> Schema {
    string_of(["ES256"]).into()
}

pub fn jwk_use() -> Schema {
    string_of(["sig"]).into()
}

pub fn bearer() -> Schema {
    string_of(["Bearer"]).into()
}

pub fn oidc_access_expires_in() -> Schema {
    integer(dev_provider::ACCESS_TOKEN_TTL_S).into()
}

pub fn oidc_scope() -> Schema {
    string_of(["openid profile"]).into()
}

pub fn mint_signature() -> Schema {
    string_of(["valid", "bad"])
        .default(Some("valid".into()))
        .description(Some("`bad` signs with a throwaway key."))
        .into()
}

// Consent, the policy, data rights.

pub fn purpose() -> Schema {
    string_of(consents::PURPOSES).into()
}

pub fn policy_title() -> Schema {
    string_of([crate::policy::TITLE]).into()
}

pub fn policy_purposes() -> Schema {
    ArrayBuilder::new()
        .items(RefOr::T(purpose()))
        .min_items(Some(1))
        .max_items(Some(consents::PURPOSES.len()))
        .unique_items(true)
        .into()
}

pub fn policy_changes() -> Schema {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1)),
        )
        .max_items(Some(crate::policy::MAX_CHANGES))
        .into()
}

pub fn draft_changes() -> Schema {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::policy::MAX_CHANGE_CHARS))
                .description(Some("Not blank.")),
        )
        .min_items(Some(1))
        .max_items(Some(crate::policy::MAX_CHANGES))
        .into()
}

fn pseudonym() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]{16,64}$"))
        .description(Some(
            "A client-chosen random id, rotated on withdrawal; never derived from the account or device.",
        ))
        .examples(["p-4f9c2a7e1b3d5f60"])
}

/// The pseudonyms a withdrawal of browsing records names (none for other purposes).
pub fn withdrawn_pseudonyms() -> Schema {
    ArrayBuilder::new()
        .items(pseudonym())
        .max_items(Some(crate::routes::events::MAX_FORGET))
        .into()
}

pub fn pseudonyms_to_forget() -> Schema {
    ArrayBuilder::new()
        .items(pseudonym())
        .min_items(Some(1))
        .max_items(Some(crate::routes::events::MAX_FORGET))
        .into()
}

pub fn deletion_status() -> Schema {
    string_of([deletion_requests::ACCEPTED]).into()
}

pub fn event_kind() -> Schema {
    string_of(events::KINDS).into()
}

// Risk control.

pub fn os() -> Schema {
    string_of(risk::OS).into()
}

pub fn network_type() -> Schema {
    string_of(risk::NETWORK_TYPES).into()
}

// Certification.

pub fn certification_status() -> Schema {
    string_of(["none", "pending", "approved", "rejected"]).into()
}

pub fn reviewed_status() -> Schema {
    string_of(["pending", "approved", "rejected"]).into()
}

/// The certificate kinds, as the query parameter and the photo name them.
pub fn certificate_kind() -> Schema {
    match crate::certification::Kind::schema() {
        RefOr::T(schema) => schema,
        RefOr::Ref(_) => unreachable!("a plain enumeration is inline"),
    }
}

// Feed limits.

pub fn max_photo_bytes() -> Schema {
    integer(usize_value(limits::MAX_PHOTO_BYTES)).into()
}

pub fn max_photo_dimension() -> Schema {
    described(
        integer(limits::MAX_PHOTO_DIMENSION),
        "Largest width and height, in pixels.",
    )
}

pub fn max_photos_per_post() -> Schema {
    integer(usize_value(limits::MAX_PHOTOS_PER_POST)).into()
}

pub fn max_text_chars() -> Schema {
    integer(usize_value(limits::MAX_TEXT_CHARS)).into()
}

pub fn max_comment_chars() -> Schema {
    integer(usize_value(limits::MAX_COMMENT_CHARS)).into()
}

// Errors.

pub fn error_code() -> Schema {
    let mut codes: Vec<&str> = crate::error::ApiError::examples()
        .iter()
        .map(|error| error.code())
        .collect();
    codes.dedup();
    described(
        string_of(codes),
        "Stable snake_case code: branch on this, not on the message or the status.",
    )
}

/// Response header values a handler always sets the same way, for
/// `headers(("Name" = inline(Type), description = "…"))`.
macro_rules! header_value {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                RefOr::T($schema.into())
            }
        }
    };
}

header_value!(
    /// `Idempotent-Replay`: present, and `true`, only on a replayed answer.
    IdempotentReplay,
    string_of(["true"])
);
header_value!(
    /// `Cache-Control` of the feed: kept, but revalidated each time.
    PrivateNoCache,
    string_of(["private, no-cache"])
);
header_value!(
    /// `Cache-Control` of answers that hold tokens.
    NoStore,
    string_of(["no-store"])
);
header_value!(
    /// The feed's entity tag: a quoted 128-bit hash of the first page.
    FeedEtag,
    schema::ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r#"^"[0-9a-f]{32}"$"#))
);
