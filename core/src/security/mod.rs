//! The account's security center: where the account is logged in and signing other sessions
//! out (`sessions.rs`), the server's security notices kept in the encrypted store
//! (`notices.rs`), and the minimum app version they announce (`min_version.rs`).

mod min_version;
mod notices;
mod sessions;

use std::sync::Arc;

use tokio::sync::watch;

pub(crate) use min_version::load_gate;
pub use notices::{NoticeKind, SecurityNotice, SecurityNotices};
pub use sessions::{AccountSession, LoginMethod, SessionDevice};

use crate::account::{Account, AccountObserver, AreaError, area_error};
use crate::net::{ApiCode, ApiError, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::store::Schema;
use crate::updates::Updates;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum SecurityError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// Signing sessions out needs a recent authentication: re-verify, then retry.
    #[error("confirm it is you: re-authenticate, then try again")]
    ReauthRequired,
    /// The session is not (or no longer) one of the account's: refresh the list.
    #[error("no such session")]
    SessionNotFound,
    /// This device's own session: log out instead.
    #[error("this is this device's session; log out instead")]
    CurrentSession,
    #[error("no such notice")]
    NoticeNotFound,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for SecurityError {
    fn network(problem: NetworkProblem) -> Self {
        SecurityError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        SecurityError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        SecurityError::NotLoggedIn
    }

    fn session_expired() -> Self {
        SecurityError::SessionExpired
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        Some(match error.code {
            ApiCode::ReauthRequired => SecurityError::ReauthRequired,
            ApiCode::NotFound => SecurityError::SessionNotFound,
            ApiCode::CurrentSession => SecurityError::CurrentSession,
            _ => return None,
        })
    }
}

area_error!(SecurityError);

/// The security area's table in an account's database.
pub(crate) const ACCOUNT_SCHEMA: &Schema = &notices::SCHEMA;

pub(crate) struct SecurityArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    /// The notices as listeners see them.
    notices: watch::Sender<SecurityNotices>,
}

impl OnPlatform for SecurityArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl SecurityArea {
    pub(crate) fn new(platform: Arc<Platform>, account: Arc<Account>) -> Self {
        Self {
            platform,
            account,
            notices: watch::Sender::new(SecurityNotices::default()),
        }
    }

    /// At start, in the background: the notices when a session was restored, else (once the
    /// policy is accepted) the minimum version alone.
    pub(crate) fn resume(self: &Arc<Self>) {
        let logged_in = self.account.db().is_ok();
        if !logged_in && !self.platform.gate.policy_accepted() {
            return;
        }
        let area = self.clone();
        self.platform.runtime.spawn_background(async move {
            let checked = if logged_in {
                area.sync_notices().await.map(drop)
            } else {
                area.check_minimum().await.map(drop)
            };
            if let Err(error) = checked {
                tracing::info!(%error, "security notices not fetched at start");
            }
        });
    }
}

#[async_trait::async_trait]
impl AccountObserver for SecurityArea {
    /// Every login reads the notices (a new-login alert, a broadcast, the minimum version).
    async fn logged_in(&self) {
        if let Err(error) = self.sync_notices().await {
            tracing::info!(%error, "security notices not fetched after login");
        }
    }

    fn session_ended(&self) {
        self.notices.send_modify(|notices| {
            let update_required = notices.update_required.take();
            *notices = SecurityNotices {
                update_required,
                ..SecurityNotices::default()
            };
        });
    }
}

/// The security center of a [`crate::Client`].
#[derive(Clone)]
pub struct SecurityClient(Arc<SecurityArea>);

impl SecurityClient {
    pub(crate) fn new(area: Arc<SecurityArea>) -> Self {
        Self(area)
    }

    /// Every session of the account, this device's marked `is_current`.
    pub async fn sessions(&self) -> Result<Vec<AccountSession>, SecurityError> {
        run(&self.0, |area| async move { area.sessions().await }).await
    }

    /// Signs another session out (needs a recent authentication: `ReauthRequired`, then
    /// `Auth.reauthenticate`). That device learns why at its next request.
    pub async fn revoke_session(&self, id: String) -> Result<(), SecurityError> {
        run(&self.0, |area| async move { area.revoke(&id).await }).await
    }

    /// Signs every other session out (needs a recent authentication); returns how many.
    pub async fn revoke_other_sessions(&self) -> Result<u32, SecurityError> {
        run(&self.0, |area| async move { area.revoke_others().await }).await
    }

    /// Fetches the notices (and the minimum version they announce) and keeps them; the
    /// listeners get the new list.
    pub async fn refresh_notices(&self) -> Result<SecurityNotices, SecurityError> {
        run(&self.0, |area| async move { area.sync_notices().await }).await
    }

    /// The kept notices, offline.
    pub async fn notices(&self) -> Result<SecurityNotices, SecurityError> {
        run(&self.0, |area| async move { area.kept_notices() }).await
    }

    /// Marks a notice read, on this device; the unread count goes down.
    pub async fn mark_notice_read(&self, id: String) -> Result<SecurityNotices, SecurityError> {
        run(&self.0, |area| async move { area.mark_read(&id) }).await
    }

    /// The kept notices now, then every change.
    pub fn notice_updates(&self) -> Updates<SecurityNotices> {
        let area = self.0.clone();
        let load = async move {
            if let Err(error) = area.kept_notices() {
                tracing::debug!(%error, "no kept notices to show");
                area.publish(Vec::new());
            }
        };
        Updates::watching(self.0.notices.subscribe(), load)
    }

    /// Asks the server for its minimum version alone (works logged out); returns it when this
    /// build is below it.
    pub async fn check_minimum_version(&self) -> Result<Option<String>, SecurityError> {
        run(&self.0, |area| async move { area.check_minimum().await }).await
    }

    /// The minimum version the server announced, when this build is below it: then every
    /// request but the policy, the notices and logout fails with `UpdateRequired`.
    pub fn update_required(&self) -> Option<String> {
        self.0.platform.versions.update_required()
    }
}
