//! The session's tokens: kept only in the secure store, never in a database, never logged.

use serde::{Deserialize, Serialize};

use super::UserProfile;
use crate::secrets::SecretStore;
use crate::store::StoreError;

/// The secure-store entry holding the signed-in account and its tokens: the session's home,
/// so the tokens and "who is signed in" can never disagree.
const SESSION_SECRET: &str = "session";
/// Refresh a little before the server would refuse the token.
const EXPIRY_MARGIN_S: i64 = 30;

/// What the server answers to a login or a refresh.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: String,
    expires_in_s: i64,
    pub(crate) user: UserProfile,
}

impl TokenResponse {
    pub(crate) fn access_token(&self) -> &str {
        &self.access_token
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Tokens {
    pub(crate) account_id: String,
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    access_expires_at: i64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub(crate) fn from_response(response: &TokenResponse, now: i64) -> Self {
        Self {
            account_id: response.user.id.clone(),
            access_token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            // The server's number is not trusted to stay in range.
            access_expires_at: now.saturating_add(response.expires_in_s.max(0)),
        }
    }

    pub(crate) fn expiring(&self, now: i64) -> bool {
        now.saturating_add(EXPIRY_MARGIN_S) >= self.access_expires_at
    }

    pub(crate) fn save(&self, secrets: &SecretStore) -> Result<(), StoreError> {
        let json = serde_json::to_vec(self).expect("tokens are plain data");
        Ok(secrets.set(SESSION_SECRET, &json)?)
    }

    pub(crate) fn load(secrets: &SecretStore) -> Result<Option<Tokens>, StoreError> {
        let Some(bytes) = secrets.get(SESSION_SECRET)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("stored session: {e}")))
    }

    pub(crate) fn delete(secrets: &SecretStore) -> Result<(), StoreError> {
        Ok(secrets.delete(SESSION_SECRET)?)
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_lifetime_the_server_names_gives_a_time_without_overflow(
            expires_in_s in any::<i64>(),
            now in any::<i64>(),
        ) {
            let answer: TokenResponse = serde_json::from_value(serde_json::json!({
                "access_token": "a", "refresh_token": "r", "expires_in_s": expires_in_s,
                "user": { "id": "u", "phone_masked": "", "nickname": "", "created_at": 0 },
            }))
            .unwrap();
            let tokens = Tokens::from_response(&answer, now);
            let _ = tokens.expiring(now);
            prop_assert!(tokens.access_expires_at >= now, "a lifetime is never negative");
        }
    }
}
