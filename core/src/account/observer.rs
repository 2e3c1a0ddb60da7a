//! What an area does when the account changes: its part in every login, what it forgets when
//! a session ends, its rows when the cache is cleared, its memory when everything is erased.

use rusqlite::Connection;

use crate::store::StoreError;

#[async_trait::async_trait]
pub(crate) trait AccountObserver: Send + Sync {
    /// Part of every login, awaited before the login returns. Failures wait for next time.
    async fn logged_in(&self) {}

    /// The session ended: nothing of the account may stay on screen.
    fn session_ended(&self) {}

    /// How many items of the account's database the server has not received yet: kept when
    /// the server ends the session, counted before a logout discards them.
    fn unsent(&self, _conn: &Connection) -> Result<u32, StoreError> {
        Ok(0)
    }

    /// The user cleared the cache: the area's cached rows go (the session stays).
    fn clear_cache(&self, _conn: &Connection) -> Result<(), StoreError> {
        Ok(())
    }

    /// Everything of the installation was erased (account deletion): as on first start.
    fn app_reset(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
