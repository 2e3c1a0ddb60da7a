//! Where the account is logged in, and signing other sessions out.

use serde::Deserialize;

use super::{SecurityArea, SecurityError};
use crate::net::Endpoint;

/// How a session logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LoginMethod {
    Sms,
    OneTap,
    /// A third-party account.
    Provider,
    /// A browser this account's phone logged in by scanning its code.
    WebLogin,
    /// A method this version does not know.
    #[serde(other)]
    Other,
}

/// The device a session's app reported (with consent, for risk control).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SessionDevice {
    pub model: String,
    /// `android`, `ios`, `linux` or `other`.
    pub os: String,
    pub os_version: String,
    pub app_version: String,
}

/// One session of the account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct AccountSession {
    pub id: String,
    /// This device's own session.
    #[serde(rename = "current")]
    pub is_current: bool,
    pub login_method: LoginMethod,
    /// `None` when its app reported nothing: show "unknown device".
    pub device: Option<SessionDevice>,
    /// What the server can tell from the network address alone ("Loopback", "Local
    /// network", "Unknown"): no location is looked up.
    pub place: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used_at: i64,
}

#[derive(Deserialize)]
struct SessionList {
    sessions: Vec<AccountSession>,
}

#[derive(Deserialize)]
struct Revoked {
    revoked: u32,
}

impl SecurityArea {
    pub(super) async fn sessions(&self) -> Result<Vec<AccountSession>, SecurityError> {
        let request = Endpoint::Sessions.request();
        let list: SessionList = self.account.send(&request).await?.json()?;
        Ok(list.sessions)
    }

    pub(super) async fn revoke(&self, id: &str) -> Result<(), SecurityError> {
        let request = Endpoint::SessionRevoke.request().id(id);
        self.account.send(&request).await?;
        tracing::info!("another session signed out");
        Ok(())
    }

    pub(super) async fn revoke_others(&self) -> Result<u32, SecurityError> {
        let request = Endpoint::SessionsRevokeOthers.request();
        let revoked: Revoked = self.account.send(&request).await?.json()?;
        tracing::info!(count = revoked.revoked, "other sessions signed out");
        Ok(revoked.revoked)
    }
}
