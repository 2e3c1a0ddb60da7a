//! Failures below the areas, and the one place they become an area's public error. Each area
//! says which of its variants stand for the common cases and for the server's codes it knows;
//! everything else reaches the user as a network problem, never as something else.

use crate::net::{ApiCode, ApiError, NetError, NetworkProblem};
use crate::policy::ConsentPurpose;
use crate::store::StoreError;

/// What can go wrong below an area: the session, the network, the store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error("not logged in")]
    NotLoggedIn,
    /// The server ended the session (a refused refresh): log in again.
    #[error("the session has ended")]
    SessionEnded,
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An area's public error, as built from a [`Failure`] by [`convert`].
pub(crate) trait AreaError: Sized {
    fn network(problem: NetworkProblem) -> Self;
    fn storage(detail: String) -> Self;

    fn not_logged_in() -> Self {
        Self::network(NetworkProblem::Rejected {
            status: 401,
            code: "not_logged_in".into(),
            message: "log in first".into(),
        })
    }

    fn session_expired() -> Self {
        Self::network(NetworkProblem::Rejected {
            status: 401,
            code: "session_expired".into(),
            message: "the session has ended; log in again".into(),
        })
    }

    fn consent_required(purpose: ConsentPurpose) -> Self {
        Self::network(NetError::ConsentRequired { purpose }.into())
    }

    fn cancelled() -> Self {
        Self::network(NetworkProblem::Cancelled)
    }

    fn rate_limited(retry_after_s: u64) -> Self {
        Self::network(NetError::RateLimited { retry_after_s }.into())
    }

    /// The area's typed error for a refusal the server gave with `error`, if it has one.
    fn refused(_status: u16, _error: &ApiError) -> Option<Self> {
        None
    }

    /// A 401 that names a refused credential rather than an expired session.
    fn unauthorized(_code: &ApiCode) -> Option<Self> {
        None
    }
}

pub(crate) fn convert<E: AreaError>(failure: Failure) -> E {
    match failure {
        Failure::NotLoggedIn => E::not_logged_in(),
        Failure::SessionEnded => E::session_expired(),
        Failure::Store(error) => E::storage(error.to_string()),
        Failure::Net(error) => match error {
            NetError::ConsentRequired { purpose } => E::consent_required(purpose),
            NetError::Cancelled => E::cancelled(),
            NetError::RateLimited { retry_after_s } => E::rate_limited(retry_after_s),
            NetError::Unauthorized { code } => {
                E::unauthorized(&code).unwrap_or_else(E::session_expired)
            }
            NetError::Refused { status, error } => E::refused(status, &error)
                .unwrap_or_else(|| E::network(NetError::Refused { status, error }.into())),
            NetError::Server { status, error } => E::refused(status, &error)
                .unwrap_or_else(|| E::network(NetError::Server { status, error }.into())),
            other => E::network(other.into()),
        },
    }
}

/// `From` the failures below for an area's error, through [`convert`].
macro_rules! area_error {
    ($error:ty) => {
        impl From<$crate::account::Failure> for $error {
            fn from(failure: $crate::account::Failure) -> Self {
                $crate::account::convert(failure)
            }
        }

        impl From<$crate::net::NetError> for $error {
            fn from(error: $crate::net::NetError) -> Self {
                $crate::account::convert($crate::account::Failure::Net(error))
            }
        }

        impl From<$crate::store::StoreError> for $error {
            fn from(error: $crate::store::StoreError) -> Self {
                $crate::account::convert($crate::account::Failure::Store(error))
            }
        }
    };
}
pub(crate) use area_error;
