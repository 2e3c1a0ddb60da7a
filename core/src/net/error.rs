//! Network failures: a rich internal error, and the public problem kinds a UI can act on.

use reqwest::StatusCode;
use serde::Deserialize;

use super::code::ApiCode;
use crate::policy::ConsentPurpose;

/// What went wrong on the way to or from the server, as a UI needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum NetworkProblem {
    /// No connection could be made: show "offline", offer retry.
    Offline,
    /// The server did not answer in time.
    Timeout,
    /// The server failed (5xx): try again later.
    ServerUnavailable { status: u16 },
    /// The server answered something the app cannot read.
    MalformedResponse { detail: String },
    /// The answer exceeded the size the app accepts.
    ResponseTooLarge { limit_bytes: u64 },
    /// The user cancelled it.
    Cancelled,
    /// TLS failed: certificate invalid or not matching the pinned keys.
    InsecureConnection { detail: String },
    /// This app version is below the lowest the server serves: only the policy, the
    /// security notices and logout still work. Show an update prompt.
    UpdateRequired { minimum: String },
    /// The server refused the request for a reason this area has no better error for.
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
}

impl std::fmt::Display for NetworkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkProblem::Offline => write!(f, "offline"),
            NetworkProblem::Timeout => write!(f, "timed out"),
            NetworkProblem::Cancelled => write!(f, "cancelled"),
            NetworkProblem::ServerUnavailable { status } => write!(f, "server error {status}"),
            NetworkProblem::MalformedResponse { detail } => {
                write!(f, "malformed response: {detail}")
            }
            NetworkProblem::ResponseTooLarge { limit_bytes } => {
                write!(f, "response larger than {limit_bytes} bytes")
            }
            NetworkProblem::InsecureConnection { detail } => {
                write!(f, "insecure connection: {detail}")
            }
            NetworkProblem::UpdateRequired { minimum } => {
                write!(f, "update required: version {minimum} or newer")
            }
            NetworkProblem::Rejected { status, code, .. } => write!(f, "rejected: {status} {code}"),
        }
    }
}

/// The server's error body: `{"error": {"code", "message", ...}}`.
#[derive(Debug, Deserialize)]
struct ApiErrorBody {
    error: ApiErrorFields,
}

#[derive(Debug, Deserialize)]
struct ApiErrorFields {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    retry_after_s: Option<u64>,
    #[serde(default)]
    attempts_left: Option<u32>,
    #[serde(default)]
    challenge: Option<Challenge>,
    #[serde(default)]
    field: Option<String>,
}

/// The server's refusal: its code, parsed, and what came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) code: ApiCode,
    pub(crate) message: String,
    pub(crate) retry_after_s: Option<u64>,
    pub(crate) attempts_left: Option<u32>,
    pub(crate) challenge: Option<Challenge>,
    /// With `address_invalid`: the part of the address refused (kept as the rule's field,
    /// small, so every error stays small).
    pub(crate) field: Option<medcircle_rules::address::AddressField>,
}

/// A proof of work the server asks for (`challenge_required`): a nonce such that
/// SHA-256(`token` `:` `nonce`) starts with `difficulty` zero bits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Challenge {
    pub(crate) token: String,
    pub(crate) difficulty: u32,
}

/// A login provider's error body (RFC 6749 §5.2): `{"error", "error_description"}`.
#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl ApiError {
    /// The error a body describes, in our API's shape or a login provider's.
    pub(crate) fn parse(status: StatusCode, body: &[u8]) -> Self {
        if let Ok(api) = serde_json::from_slice::<ApiErrorBody>(body) {
            let fields = api.error;
            return Self {
                code: ApiCode::parse(&fields.code),
                message: fields.message,
                retry_after_s: fields.retry_after_s,
                attempts_left: fields.attempts_left,
                challenge: fields.challenge,
                field: fields
                    .field
                    .as_deref()
                    .and_then(medcircle_rules::address::AddressField::from_key),
            };
        }
        match serde_json::from_slice::<OAuthErrorBody>(body) {
            Ok(oauth) => Self {
                code: ApiCode::parse(&oauth.error),
                message: oauth.error_description,
                retry_after_s: None,
                attempts_left: None,
                challenge: None,
                field: None,
            },
            Err(_) => Self::unparsed(status),
        }
    }

    pub(crate) fn unparsed(status: StatusCode) -> Self {
        Self {
            code: ApiCode::Other(format!("http_{}", status.as_u16())),
            message: status.canonical_reason().unwrap_or_default().to_string(),
            retry_after_s: None,
            attempts_left: None,
            challenge: None,
            field: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum NetError {
    #[error("consent required: {purpose:?}")]
    ConsentRequired { purpose: ConsentPurpose },
    /// A request names an item the data inventory does not declare: a bug, refused.
    #[error("{0} is not declared in the data inventory")]
    Undeclared(&'static str),
    #[error("offline: {0}")]
    Offline(String),
    #[error("timed out")]
    Timeout,
    #[error("rate limited, retry after {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error("unauthorized: {code}")]
    Unauthorized { code: ApiCode },
    #[error("refused: {status} {}", error.code)]
    Refused { status: u16, error: ApiError },
    /// A 5xx. Its body may name what failed behind the server (a payment gateway), for the
    /// area to name in turn.
    #[error("server error {status}")]
    Server { status: u16, error: ApiError },
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    #[error("insecure connection: {0}")]
    Insecure(String),
    /// The user cancelled (an upload).
    #[error("cancelled")]
    Cancelled,
    /// Below the server's minimum version: refused before it left.
    #[error("update required: {minimum}")]
    UpdateRequired { minimum: String },
}

impl NetError {
    pub(crate) fn from_transport(error: reqwest::Error) -> Self {
        if let Some(tls) = find_source::<rustls::Error>(&error) {
            return NetError::Insecure(tls.to_string());
        }
        if error.is_timeout() {
            NetError::Timeout
        } else if error.is_body() || error.is_decode() {
            NetError::Malformed(error.without_url().to_string())
        } else {
            NetError::Offline(error.without_url().to_string())
        }
    }

    /// Whether the request reached the server (and so the data left the device).
    pub(crate) fn reached_server(&self) -> bool {
        !matches!(
            self,
            NetError::ConsentRequired { .. }
                | NetError::UpdateRequired { .. }
                | NetError::Undeclared(_)
                | NetError::Offline(_)
                | NetError::Insecure(_)
                | NetError::Cancelled
        )
    }

    /// Worth another try for an idempotent request.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            NetError::Offline(_) | NetError::Timeout => true,
            NetError::Server { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

fn find_source<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        // An io::Error's `source` skips the error it wraps (a TLS failure arrives so).
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(wrapped) => Some(wrapped),
            None => e.source(),
        };
    }
    None
}

/// Whatever no area has a more specific error for.
impl From<NetError> for NetworkProblem {
    fn from(error: NetError) -> Self {
        match error {
            NetError::Offline(_) => NetworkProblem::Offline,
            NetError::Timeout => NetworkProblem::Timeout,
            NetError::Server { status, .. } => NetworkProblem::ServerUnavailable { status },
            NetError::Malformed(detail) => NetworkProblem::MalformedResponse { detail },
            NetError::TooLarge(limit) => NetworkProblem::ResponseTooLarge {
                limit_bytes: limit as u64,
            },
            NetError::Insecure(detail) => NetworkProblem::InsecureConnection { detail },
            NetError::Cancelled => NetworkProblem::Cancelled,
            NetError::UpdateRequired { minimum } => NetworkProblem::UpdateRequired { minimum },
            NetError::Refused { status, error } => NetworkProblem::Rejected {
                status,
                code: error.code.to_string(),
                message: error.message,
            },
            NetError::Unauthorized { code } => NetworkProblem::Rejected {
                status: 401,
                message: String::new(),
                code: code.to_string(),
            },
            NetError::RateLimited { retry_after_s } => NetworkProblem::Rejected {
                status: 429,
                code: "rate_limited".into(),
                message: format!("retry after {retry_after_s} s"),
            },
            NetError::ConsentRequired { purpose } => NetworkProblem::Rejected {
                status: 0,
                code: "consent_required".into(),
                message: format!("consent required: {purpose:?}"),
            },
            NetError::Undeclared(item) => NetworkProblem::Rejected {
                status: 0,
                code: "undeclared_item".into(),
                message: format!("{item} is not declared in the data inventory"),
            },
        }
    }
}
