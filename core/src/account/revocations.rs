//! Logouts the server has not heard of yet. A logout made offline still ends the session on
//! the phone at once; its refresh token waits here, in the secure store only (never in a
//! database or a log), and is revoked when the network answers: the token is exchanged once
//! more, and the session it yields is logged out on the server.

use super::{Account, Failure, TokenResponse};
use crate::net::{Endpoint, NetError};
use crate::store::StoreError;

/// The secure-store entry holding the refresh tokens waiting to be revoked.
const PENDING: &str = "pending-revocations";

#[derive(serde::Serialize)]
struct RefreshRequest<'a> {
    refresh_token: &'a str,
}

impl Account {
    fn pending_revocations(&self) -> Result<Vec<String>, StoreError> {
        let Some(bytes) = self.platform.secrets.get(PENDING)? else {
            return Ok(Vec::new());
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Corrupt(format!("pending revocations: {e}")))
    }

    fn save_pending_revocations(&self, tokens: &[String]) -> Result<(), StoreError> {
        if tokens.is_empty() {
            return Ok(self.platform.secrets.delete(PENDING)?);
        }
        let json = serde_json::to_vec(tokens).expect("a list of strings serialises");
        Ok(self.platform.secrets.set(PENDING, &json)?)
    }

    /// Ends the session here now and keeps its refresh token to revoke on the server later.
    pub(crate) async fn end_revoking_later(&self) -> Result<(), Failure> {
        let refresh_token = self
            .tokens
            .lock()
            .await
            .as_ref()
            .map(|t| t.refresh_token.clone());
        if let Some(token) = refresh_token {
            let mut pending = self.pending_revocations()?;
            pending.push(token);
            self.save_pending_revocations(&pending)?;
        }
        self.end().await
    }

    /// Revokes what waits; what the network did not take stays for the next try. Returns
    /// how many were revoked.
    pub(crate) async fn deliver_revocations(&self) -> Result<u32, Failure> {
        let _turn = self.revoking.lock().await;
        let mut pending = self.pending_revocations()?;
        let mut revoked = 0;
        while let Some(token) = pending.first().cloned() {
            match self.revoke(&token).await {
                Ok(()) => revoked += 1,
                // The server refused the token: that session has ended already.
                Err(NetError::Unauthorized { .. } | NetError::Refused { .. }) => {
                    tracing::info!("a pending logout was already void");
                }
                Err(error) => {
                    tracing::info!(%error, "a logout waits for the network");
                    break;
                }
            }
            pending.remove(0);
            self.save_pending_revocations(&pending)?;
        }
        Ok(revoked)
    }

    async fn revoke(&self, refresh_token: &str) -> Result<(), NetError> {
        let net = &self.platform.net;
        let refresh = Endpoint::Refresh
            .request()
            .json(&RefreshRequest { refresh_token });
        // The session the token leads to, then its logout: the whole family ends.
        let response: TokenResponse = net.send(&refresh, None).await?.json()?;
        net.send(&Endpoint::Logout.request(), Some(response.access_token()))
            .await
            .map(drop)
    }
}
