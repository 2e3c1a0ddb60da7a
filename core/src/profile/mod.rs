//! Completing the account: the unit (institution) and department, chosen from the server's
//! dictionaries. The completed profile reaches the shell through the session listener.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::auth::{AuthError, Named, SessionFailure, UserProfile};
use crate::client::Inner;
use crate::net::{Endpoint, NetError, NetworkProblem};
use crate::store::StoreError;

/// A search longer than this is refused before any request (the server's own limit).
const MAX_QUERY_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ProfileError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("a search is at most 64 characters")]
    QueryTooLong,
    #[error("no such unit")]
    UnknownUnit,
    /// The department was not chosen from this unit's list.
    #[error("that department does not belong to the unit")]
    DepartmentNotInUnit,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<AuthError> for ProfileError {
    fn from(error: AuthError) -> Self {
        match error.into_session_failure() {
            SessionFailure::NotLoggedIn => ProfileError::NotLoggedIn,
            SessionFailure::Ended => ProfileError::SessionExpired,
            SessionFailure::Network(problem) => ProfileError::Network { problem },
            SessionFailure::Storage(detail) => ProfileError::Storage { detail },
        }
    }
}

impl From<NetError> for ProfileError {
    fn from(error: NetError) -> Self {
        match error {
            NetError::Unauthorized { .. } => ProfileError::SessionExpired,
            NetError::Refused { error, .. } if error.code == "department_not_in_unit" => {
                ProfileError::DepartmentNotInUnit
            }
            NetError::Refused { error, .. }
                if error.code == "not_found" || error.code == "invalid_request" =>
            {
                ProfileError::UnknownUnit
            }
            other => ProfileError::Network {
                problem: other.into(),
            },
        }
    }
}

impl From<StoreError> for ProfileError {
    fn from(error: StoreError) -> Self {
        ProfileError::Storage {
            detail: error.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct Units {
    units: Vec<Named>,
}

#[derive(Deserialize)]
struct Departments {
    departments: Vec<Named>,
}

#[derive(Serialize)]
struct Update<'a> {
    unit_id: &'a str,
    department_id: &'a str,
}

/// The profile area of a [`crate::Client`].
#[derive(Clone)]
pub struct ProfileClient {
    inner: Arc<Inner>,
}

impl ProfileClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Units whose name contains `query` (Chinese or English; empty: the first ones).
    pub async fn search_units(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<Named>, ProfileError> {
        let query = query.trim().to_string();
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ProfileError::QueryTooLong);
        }
        let limit = limit.clamp(1, 50).to_string();
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let units: Units = inner
                    .session
                    .authorized::<_, ProfileError, _, _>(&inner, |token| {
                        let (inner, query, limit) = (&inner, &query, &limit);
                        async move {
                            inner
                                .net
                                .call_with_query(
                                    Endpoint::Units,
                                    &[("q", query.as_str()), ("limit", limit.as_str())],
                                    Some(&token),
                                )
                                .await
                        }
                    })
                    .await?;
                Ok(units.units)
            })
            .await
    }

    /// The departments of a unit.
    pub async fn departments(&self, unit_id: String) -> Result<Vec<Named>, ProfileError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let departments: Departments = inner
                    .session
                    .call_at::<_, ProfileError>(&inner, Endpoint::UnitDepartments, &unit_id)
                    .await?;
                Ok(departments.departments)
            })
            .await
    }

    /// Sets the unit and department; the session listener then reports the new profile.
    pub async fn complete_account(
        &self,
        unit_id: String,
        department_id: String,
    ) -> Result<UserProfile, ProfileError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let body = Update {
                    unit_id: &unit_id,
                    department_id: &department_id,
                };
                let user: UserProfile = inner
                    .session
                    .call::<_, ProfileError>(&inner, Endpoint::ProfileUpdate, Some(&body))
                    .await?;
                inner.session.updated_profile(&user).await?;
                Ok(user)
            })
            .await
    }

    /// True when logged in without a unit and department yet.
    pub fn needs_completion(&self) -> bool {
        matches!(
            self.inner.session.state(),
            crate::auth::SessionState::LoggedIn { user }
                if user.unit.is_none() || user.department.is_none()
        )
    }
}
