//! The signed-in session: tokens kept only in the secure store, refreshed single-flight,
//! restored on start, wiped on logout or when the server ends the session.

use std::future::Future;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, watch};

use super::{AuthError, LogoutOutcome, SessionState, UserProfile};
use crate::client::Inner;
use crate::net::{Endpoint, NetError};
use crate::secrets::SecretStore;
use crate::store::{AccountStore, StoreError};

/// The secure-store entry holding the signed-in account and its tokens.
const SESSION_SECRET: &str = "session";
/// Refresh a little before the server would refuse the token.
const EXPIRY_MARGIN_S: i64 = 30;

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: String,
    expires_in_s: i64,
    user: UserProfile,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredSession {
    account_id: String,
    access_token: String,
    refresh_token: String,
    access_expires_at: i64,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

impl StoredSession {
    fn from_response(response: &TokenResponse, now: i64) -> Self {
        Self {
            account_id: response.user.id.clone(),
            access_token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            access_expires_at: now + response.expires_in_s,
        }
    }

    fn save(&self, secrets: &SecretStore) -> Result<(), StoreError> {
        let json = serde_json::to_vec(self).expect("a session always serialises");
        Ok(secrets.set(SESSION_SECRET, &json)?)
    }
}

struct Active {
    tokens: StoredSession,
    store: AccountStore,
}

pub(crate) struct Session {
    state: watch::Sender<SessionState>,
    /// Held across a refresh: concurrent callers wait for it and reuse its result.
    active: Mutex<Option<Active>>,
}

#[derive(Serialize)]
struct RefreshRequest<'a> {
    refresh_token: &'a str,
}

impl Session {
    /// The session left by the previous run, if its secrets and database are intact.
    pub(crate) fn restore(data_dir: &Path, secrets: &SecretStore) -> Session {
        let active = match Self::load(data_dir, secrets) {
            Ok(active) => active,
            Err(error) => {
                tracing::warn!(%error, "stored session unusable; starting logged out");
                let _ = secrets.delete(SESSION_SECRET);
                None
            }
        };
        let state = match &active {
            Some(Active { store, tokens }) => SessionState::LoggedIn {
                user: store
                    .profile()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| UserProfile {
                        id: tokens.account_id.clone(),
                        phone_masked: String::new(),
                        nickname: String::new(),
                        avatar_url: None,
                        created_at: 0,
                        unit: None,
                        department: None,
                    }),
            },
            None => SessionState::LoggedOut,
        };
        Session {
            state: watch::Sender::new(state),
            active: Mutex::new(active),
        }
    }

    fn load(data_dir: &Path, secrets: &SecretStore) -> Result<Option<Active>, StoreError> {
        let Some(bytes) = secrets.get(SESSION_SECRET)? else {
            return Ok(None);
        };
        let tokens: StoredSession = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        let store = AccountStore::open(data_dir, &tokens.account_id, secrets)?;
        Ok(Some(Active { tokens, store }))
    }

    pub(crate) fn state(&self) -> SessionState {
        self.state.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<SessionState> {
        self.state.subscribe()
    }

    pub(crate) async fn establish(
        &self,
        inner: &Inner,
        response: TokenResponse,
    ) -> Result<UserProfile, AuthError> {
        let mut active = self.active.lock().await;
        // Another account signing in without a logout: the previous one leaves no trace.
        if let Some(previous) = active.take()
            && previous.tokens.account_id != response.user.id
        {
            wipe(inner, previous)?;
        }
        let tokens = StoredSession::from_response(&response, inner.clock.now_unix());
        let store = AccountStore::open(&inner.data_dir, &tokens.account_id, &inner.secrets)?;
        store.save_profile(&response.user)?;
        // Saved last: a crash before this line leaves no half-made session behind.
        tokens.save(&inner.secrets)?;
        *active = Some(Active { tokens, store });
        self.state.send_replace(SessionState::LoggedIn {
            user: response.user.clone(),
        });
        tracing::info!("logged in");
        Ok(response.user)
    }

    pub(crate) async fn whoami(&self, inner: &Inner) -> Result<UserProfile, AuthError> {
        let user: UserProfile = self
            .call::<_, AuthError>(inner, Endpoint::Me, None::<&()>)
            .await?;
        self.updated_profile(&user).await?;
        Ok(user)
    }

    /// Caches a profile the server just returned and tells the listeners if it changed.
    pub(crate) async fn updated_profile(&self, user: &UserProfile) -> Result<(), StoreError> {
        let guard = self.active.lock().await;
        if let Some(active) = guard.as_ref().filter(|a| a.tokens.account_id == user.id) {
            active.store.save_profile(user)?;
            self.state.send_if_modified(|state| {
                let fresh = SessionState::LoggedIn { user: user.clone() };
                let changed = *state != fresh;
                *state = fresh;
                changed
            });
        }
        Ok(())
    }

    pub(crate) async fn logout(&self, inner: &Inner) -> Result<LogoutOutcome, AuthError> {
        let revoked = self
            .call_no_content::<AuthError>(inner, Endpoint::Logout, None::<&()>)
            .await;
        let revoked_on_server = match revoked {
            Ok(()) => true,
            // The server already ended it: nothing left to revoke.
            Err(AuthError::SessionExpired) => true,
            Err(AuthError::NotLoggedIn) => return Err(AuthError::NotLoggedIn),
            Err(error) => {
                tracing::warn!(%error, "server did not confirm logout; wiping locally anyway");
                false
            }
        };
        self.end_locally(inner).await?;
        tracing::info!(revoked_on_server, "logged out");
        Ok(LogoutOutcome { revoked_on_server })
    }

    /// Removes the account from this device (tokens, key, database) and reports logged out.
    pub(crate) async fn end_locally(&self, inner: &Inner) -> Result<(), StoreError> {
        if let Some(active) = self.active.lock().await.take() {
            wipe(inner, active)?;
        }
        self.state.send_replace(SessionState::LoggedOut);
        Ok(())
    }

    /// The signed-in account's id.
    pub(crate) async fn account_id(&self) -> Option<String> {
        self.active
            .lock()
            .await
            .as_ref()
            .map(|a| a.tokens.account_id.clone())
    }

    /// Like [`Session::with_store`], only while `account_id` is the one signed in: work that
    /// began for one account never writes into another's database.
    pub(crate) async fn with_store_of<R>(
        &self,
        account_id: &str,
        f: impl FnOnce(&AccountStore) -> Result<R, StoreError>,
    ) -> Result<Option<R>, StoreError> {
        match self.active.lock().await.as_ref() {
            Some(active) if active.tokens.account_id == account_id => f(&active.store).map(Some),
            _ => Ok(None),
        }
    }

    /// Runs `f` on the signed-in account's database; none when logged out.
    pub(crate) async fn with_store<R>(
        &self,
        f: impl FnOnce(&AccountStore) -> Result<R, StoreError>,
    ) -> Result<Option<R>, StoreError> {
        match self.active.lock().await.as_ref() {
            Some(active) => f(&active.store).map(Some),
            None => Ok(None),
        }
    }

    /// Empties the account's cache; the session stays.
    pub(crate) async fn clear_cache(&self) -> Result<(), StoreError> {
        if let Some(active) = self.active.lock().await.as_ref() {
            active.store.clear_cache()?;
        }
        Ok(())
    }

    /// Runs an authenticated request; on an expired token refreshes once (single-flight) and
    /// retries once.
    /// The caller's area error `E` gets the session's own failures (not logged in, session
    /// ended) and converts the request's network errors its own way.
    pub(crate) async fn authorized<T, E, F, Fut>(&self, inner: &Inner, request: F) -> Result<T, E>
    where
        E: From<AuthError> + From<NetError>,
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, NetError>>,
    {
        let (token, expires_at) = {
            let guard = self.active.lock().await;
            let active = guard.as_ref().ok_or(AuthError::NotLoggedIn)?;
            (
                active.tokens.access_token.clone(),
                active.tokens.access_expires_at,
            )
        };
        let token = if inner.clock.now_unix() + EXPIRY_MARGIN_S >= expires_at {
            self.refresh(inner, &token).await?
        } else {
            token
        };
        match request(token.clone()).await {
            Err(NetError::Unauthorized { .. }) => {
                let fresh = self.refresh(inner, &token).await?;
                Ok(request(fresh).await?)
            }
            other => Ok(other?),
        }
    }

    /// [`Net::call`](crate::net::Net) with the session's token, refreshed when needed.
    pub(crate) async fn call<T, E>(
        &self,
        inner: &Inner,
        endpoint: Endpoint,
        body: Option<&(impl Serialize + Sync + ?Sized)>,
    ) -> Result<T, E>
    where
        T: DeserializeOwned,
        E: From<AuthError> + From<NetError>,
    {
        self.authorized(inner, |token| async move {
            inner.net.call(endpoint, body, Some(&token)).await
        })
        .await
    }

    /// As [`Session::call`], for answers without a body worth reading.
    pub(crate) async fn call_no_content<E>(
        &self,
        inner: &Inner,
        endpoint: Endpoint,
        body: Option<&(impl Serialize + Sync + ?Sized)>,
    ) -> Result<(), E>
    where
        E: From<AuthError> + From<NetError>,
    {
        self.authorized(inner, |token| async move {
            inner
                .net
                .call_no_content(endpoint, body, Some(&token))
                .await
        })
        .await
    }

    /// As [`Session::call`], for the resource of `endpoint` named `id`.
    pub(crate) async fn call_at<T, E>(
        &self,
        inner: &Inner,
        endpoint: Endpoint,
        id: &str,
    ) -> Result<T, E>
    where
        T: DeserializeOwned,
        E: From<AuthError> + From<NetError>,
    {
        self.authorized(inner, |token| async move {
            inner.net.call_at(endpoint, id, Some(&token)).await
        })
        .await
    }

    /// As [`Session::call_no_content`], for the resource of `endpoint` named `id`.
    pub(crate) async fn call_no_content_at<E>(
        &self,
        inner: &Inner,
        endpoint: Endpoint,
        id: &str,
    ) -> Result<(), E>
    where
        E: From<AuthError> + From<NetError>,
    {
        self.authorized(inner, |token| async move {
            inner
                .net
                .call_no_content_at(endpoint, id, Some(&token))
                .await
        })
        .await
    }

    /// Exchanges the refresh token unless another caller already did since `stale` was read.
    async fn refresh(&self, inner: &Inner, stale: &str) -> Result<String, AuthError> {
        let mut guard = self.active.lock().await;
        let active = guard.as_mut().ok_or(AuthError::NotLoggedIn)?;
        if active.tokens.access_token != stale {
            return Ok(active.tokens.access_token.clone());
        }
        let body = RefreshRequest {
            refresh_token: &active.tokens.refresh_token,
        };
        match inner
            .net
            .call::<TokenResponse>(Endpoint::Refresh, Some(&body), None)
            .await
        {
            Ok(response) => {
                let tokens = StoredSession::from_response(&response, inner.clock.now_unix());
                tokens.save(&inner.secrets)?;
                active.tokens = tokens;
                tracing::debug!("session refreshed");
                Ok(active.tokens.access_token.clone())
            }
            Err(NetError::Unauthorized { .. }) => {
                if let Some(active) = guard.take() {
                    wipe(inner, active)?;
                }
                self.state.send_replace(SessionState::LoggedOut);
                tracing::info!("the server ended the session; logged out");
                Err(AuthError::SessionExpired)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Removes everything of the account from this device: tokens, database key and files.
fn wipe(inner: &Inner, active: Active) -> Result<(), StoreError> {
    let account_id = active.tokens.account_id.clone();
    drop(active.store);
    // A screen still subscribed shows nothing of the account that left.
    crate::feed::forget(inner);
    inner.certification.send_replace(Default::default());
    inner.secrets.delete(SESSION_SECRET)?;
    AccountStore::destroy(&inner.data_dir, &account_id, &inner.secrets)
}
