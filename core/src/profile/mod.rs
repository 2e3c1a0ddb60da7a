//! Completing the account: the unit (institution) and department, chosen from the server's
//! dictionaries. The completed profile reaches the shell through the session listener.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::account::{Account, AreaError, Named, SessionState, UserProfile, area_error};
use crate::net::{ApiCode, ApiError, Endpoint, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};

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

impl AreaError for ProfileError {
    fn network(problem: NetworkProblem) -> Self {
        ProfileError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        ProfileError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        ProfileError::NotLoggedIn
    }

    fn session_expired() -> Self {
        ProfileError::SessionExpired
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        match error.code {
            ApiCode::DepartmentNotInUnit => Some(ProfileError::DepartmentNotInUnit),
            ApiCode::NotFound | ApiCode::InvalidRequest => Some(ProfileError::UnknownUnit),
            _ => None,
        }
    }
}

area_error!(ProfileError);

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

pub(crate) struct ProfileArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
}

impl OnPlatform for ProfileArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl ProfileArea {
    pub(crate) fn new(platform: Arc<Platform>, account: Arc<Account>) -> Self {
        Self { platform, account }
    }
}

/// The profile area of a [`crate::Client`].
#[derive(Clone)]
pub struct ProfileClient(Arc<ProfileArea>);

impl ProfileClient {
    pub(crate) fn new(area: Arc<ProfileArea>) -> Self {
        Self(area)
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
        let request = Endpoint::Units
            .request()
            .query("q", query)
            .query("limit", limit.clamp(1, 50).to_string());
        run(&self.0, |area| async move {
            let units: Units = area.account.send(&request).await?.json()?;
            Ok(units.units)
        })
        .await
    }

    /// The departments of a unit.
    pub async fn departments(&self, unit_id: String) -> Result<Vec<Named>, ProfileError> {
        run(&self.0, |area| async move {
            let request = Endpoint::UnitDepartments.request().id(&unit_id);
            let departments: Departments = area.account.send(&request).await?.json()?;
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
        run(&self.0, |area| async move {
            let request = Endpoint::ProfileUpdate.request().json(&Update {
                unit_id: &unit_id,
                department_id: &department_id,
            });
            let user: UserProfile = area.account.send(&request).await?.json()?;
            area.account.updated_profile(&user)?;
            Ok(user)
        })
        .await
    }

    /// True when logged in without a unit and department yet.
    pub fn needs_completion(&self) -> bool {
        matches!(
            self.0.account.state(),
            SessionState::LoggedIn { user } if user.unit.is_none() || user.department.is_none()
        )
    }
}
