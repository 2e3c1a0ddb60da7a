use std::sync::Arc;

use medcircle_core::{AccountSession, Client, SecurityClient, SecurityError, SecurityNotices};

use crate::task::{TaskHandle, observe};

/// Follows the security notices: the first call carries the kept list, then every change.
#[uniffi::export(foreign)]
pub trait SecurityNoticesListener: Send + Sync {
    fn on_update(&self, notices: SecurityNotices);
}

/// The security center: the account's sessions, signing them out, security notices and the
/// minimum version.
#[derive(uniffi::Object)]
pub struct Security {
    client: Client,
    security: SecurityClient,
}

impl Security {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            security: client.security(),
            client,
        }
    }
}

#[uniffi::export]
impl Security {
    pub async fn sessions(&self) -> Result<Vec<AccountSession>, SecurityError> {
        self.security.sessions().await
    }

    /// Signs another session out (may need `Auth.reauthenticate` first).
    pub async fn revoke_session(&self, id: String) -> Result<(), SecurityError> {
        self.security.revoke_session(id).await
    }

    /// Signs every other session out (may need `Auth.reauthenticate` first); how many.
    pub async fn revoke_other_sessions(&self) -> Result<u32, SecurityError> {
        self.security.revoke_other_sessions().await
    }

    pub async fn refresh_notices(&self) -> Result<SecurityNotices, SecurityError> {
        self.security.refresh_notices().await
    }

    pub async fn notices(&self) -> Result<SecurityNotices, SecurityError> {
        self.security.notices().await
    }

    pub async fn mark_notice_read(&self, id: String) -> Result<SecurityNotices, SecurityError> {
        self.security.mark_notice_read(id).await
    }

    pub fn observe_notices(&self, listener: Arc<dyn SecurityNoticesListener>) -> Arc<TaskHandle> {
        observe(
            &self.client,
            self.security.notice_updates(),
            move |notices| listener.on_update(notices),
        )
    }

    /// Works logged out: the server's minimum version, when this build is below it.
    pub async fn check_minimum_version(&self) -> Result<Option<String>, SecurityError> {
        self.security.check_minimum_version().await
    }

    /// The minimum version, when this build is below it: show an update prompt.
    pub fn update_required(&self) -> Option<String> {
        self.security.update_required()
    }
}
