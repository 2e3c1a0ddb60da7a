//! The account layer: who is logged in. The tokens sit behind their own lock (held across a
//! refresh, single-flight); the account's database sits behind another, swapped at login and
//! logout and never held across an await, so a local read never waits on the network. Areas
//! register what they forget when a session ends and what they do at every login.

mod failure;
mod kept;
mod observer;
mod photo_queue;
mod profile;
mod revocations;
mod services;
mod tokens;

use std::sync::{Arc, RwLock, Weak};

use tokio::sync::{Mutex, watch};

pub(crate) use failure::{AreaError, Failure, area_error, convert};
pub(crate) use observer::AccountObserver;
pub(crate) use photo_queue::PhotoQueue;
pub use profile::{EndReason, Named, SessionState, UserProfile};
pub(crate) use services::{
    BrowsingRecorder, ConsentRecorder, DataExport, FeatureGate, PositionSource, Withdrawal,
};
pub(crate) use tokens::TokenResponse;
use tokens::Tokens;

use crate::net::{Answer, Endpoint, NetError, Request};
use crate::platform::Platform;
use crate::store::{self, Database, Schema, StoreError};

/// The signed-in account's database.
pub(crate) struct AccountDb {
    pub(crate) account_id: String,
    db: Database,
}

impl AccountDb {
    /// The connection, for one short synchronous unit of work.
    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.conn()
    }
}

pub(crate) struct Account {
    platform: Arc<Platform>,
    /// Every area's tables in an account's database.
    schemas: Vec<&'static Schema>,
    /// Held across a refresh: concurrent callers wait for it and reuse its result.
    tokens: Mutex<Option<Tokens>>,
    /// The account's database; only cloned out under this lock.
    db: RwLock<Option<Arc<AccountDb>>>,
    state: watch::Sender<SessionState>,
    observers: RwLock<Vec<Weak<dyn AccountObserver>>>,
    /// One account-bound synchronisation at a time; deleting the account waits for it.
    pub(crate) sync_turn: Mutex<()>,
    /// One delivery of pending logouts at a time.
    revoking: Mutex<()>,
}

#[derive(serde::Serialize)]
struct RefreshRequest<'a> {
    refresh_token: &'a str,
}

impl Account {
    /// The session the previous run left, if its secrets and database are intact.
    pub(crate) fn restore(platform: Arc<Platform>, schemas: Vec<&'static Schema>) -> Account {
        let restored = Tokens::load(&platform.secrets).and_then(|tokens| match tokens {
            Some(tokens) => {
                let db = open_db(&platform, &schemas, &tokens.account_id)?;
                Ok(Some((tokens, db)))
            }
            None => Ok(None),
        });
        let (tokens, db) = match restored {
            Ok(Some((tokens, db))) => (Some(tokens), Some(Arc::new(db))),
            Ok(None) => (None, None),
            Err(error) => {
                tracing::warn!(%error, "stored session unusable; starting logged out");
                let _ = Tokens::delete(&platform.secrets);
                (None, None)
            }
        };
        let state = match &db {
            Some(db) => SessionState::LoggedIn {
                user: profile::load(&db.conn())
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| UserProfile::unknown(&db.account_id)),
            },
            None => kept::restored_state(&platform.app_db)
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "kept account unreadable");
                    None
                })
                .unwrap_or(SessionState::LoggedOut),
        };
        Account {
            platform,
            schemas,
            tokens: Mutex::new(tokens),
            db: RwLock::new(db),
            state: watch::Sender::new(state),
            observers: RwLock::default(),
            sync_turn: Mutex::default(),
            revoking: Mutex::default(),
        }
    }

    /// Registers an area's part in logins, session ends, cache clearing and resets.
    pub(crate) fn observe(&self, observer: Weak<dyn AccountObserver>) {
        self.observers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(observer);
    }

    fn observers(&self) -> Vec<Arc<dyn AccountObserver>> {
        self.observers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    pub(crate) fn state(&self) -> SessionState {
        self.state.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<SessionState> {
        self.state.subscribe()
    }

    /// The signed-in account's database: the one place that decides "logged out" for local
    /// work. Never waits on the network.
    pub(crate) fn db(&self) -> Result<Arc<AccountDb>, Failure> {
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(Failure::NotLoggedIn)
    }

    /// The database of `account_id` while it is the one signed in: work that began for one
    /// account never writes into another's.
    pub(crate) fn db_of(&self, account_id: &str) -> Option<Arc<AccountDb>> {
        self.db().ok().filter(|db| db.account_id == account_id)
    }

    /// Stores a new session: a login's answer. Another account signed in without a logout
    /// leaves no trace first.
    pub(crate) async fn establish(&self, response: TokenResponse) -> Result<UserProfile, Failure> {
        let mut tokens = self.tokens.lock().await;
        self.settle_kept(&response.user.id)?;
        if let Some(previous) = tokens.take()
            && previous.account_id != response.user.id
        {
            self.wipe(&previous.account_id)?;
        }
        let fresh = Tokens::from_response(&response, self.platform.now());
        let db = match self.db_of(&fresh.account_id) {
            Some(db) => db,
            None => Arc::new(open_db(&self.platform, &self.schemas, &fresh.account_id)?),
        };
        profile::save(&db.conn(), &response.user)?;
        // Saved last: a crash before this line leaves no half-made session behind.
        fresh.save(&self.platform.secrets)?;
        *self.db.write().unwrap_or_else(|p| p.into_inner()) = Some(db);
        *tokens = Some(fresh);
        self.state.send_replace(SessionState::LoggedIn {
            user: response.user.clone(),
        });
        tracing::info!("logged in");
        Ok(response.user)
    }

    /// What every login does after the session is stored (each area's part), awaited.
    pub(crate) async fn logged_in(&self) {
        for observer in self.observers() {
            observer.logged_in().await;
        }
    }

    /// Caches a profile the server just returned and tells the listeners if it changed.
    pub(crate) fn updated_profile(&self, user: &UserProfile) -> Result<(), Failure> {
        if let Some(db) = self.db_of(&user.id) {
            profile::save(&db.conn(), user)?;
            self.state.send_if_modified(|state| {
                let fresh = SessionState::LoggedIn { user: user.clone() };
                let changed = *state != fresh;
                *state = fresh;
                changed
            });
        }
        Ok(())
    }

    /// Sends `request` with the session's token; on an expired token refreshes once
    /// (single-flight) and sends it again once.
    pub(crate) async fn send(&self, request: &Request) -> Result<Answer, Failure> {
        self.send_as(None, request).await
    }

    /// As [`Account::send`], only while `account_id` is the one signed in: work that began
    /// for one account never goes out with another's token.
    pub(crate) async fn send_for(
        &self,
        account_id: &str,
        request: &Request,
    ) -> Result<Answer, Failure> {
        self.send_as(Some(account_id), request).await
    }

    async fn send_as(
        &self,
        account_id: Option<&str>,
        request: &Request,
    ) -> Result<Answer, Failure> {
        let (token, expiring) = {
            let tokens = self.tokens.lock().await;
            let tokens = tokens
                .as_ref()
                .filter(|t| account_id.is_none_or(|id| id == t.account_id))
                .ok_or(Failure::NotLoggedIn)?;
            (
                tokens.access_token.clone(),
                tokens.expiring(self.platform.now()),
            )
        };
        let token = if expiring {
            self.refresh(&token).await?
        } else {
            token
        };
        match self.platform.net.send(request, Some(&token)).await {
            Err(NetError::Unauthorized { .. }) => {
                let fresh = self.refresh(&token).await?;
                Ok(self.platform.net.send(request, Some(&fresh)).await?)
            }
            other => Ok(other?),
        }
    }

    /// Exchanges the refresh token unless another caller already did since `stale` was read.
    async fn refresh(&self, stale: &str) -> Result<String, Failure> {
        let mut guard = self.tokens.lock().await;
        let tokens = guard.as_mut().ok_or(Failure::NotLoggedIn)?;
        if tokens.access_token != stale {
            return Ok(tokens.access_token.clone());
        }
        let request = Endpoint::Refresh.request().json(&RefreshRequest {
            refresh_token: &tokens.refresh_token,
        });
        match self.platform.net.send(&request, None).await {
            Ok(answer) => {
                let response: TokenResponse = answer.json()?;
                let fresh = Tokens::from_response(&response, self.platform.now());
                fresh.save(&self.platform.secrets)?;
                *tokens = fresh;
                tracing::debug!("session refreshed");
                Ok(tokens.access_token.clone())
            }
            Err(NetError::Unauthorized { code }) => {
                let reason = EndReason::of(&code);
                if let Some(ended) = guard.take() {
                    self.ended_by_server(&ended.account_id, reason)?;
                }
                tracing::info!(?reason, "the server ended the session");
                Err(Failure::SessionEnded)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the account from this device (tokens, key, database), and an account kept
    /// since the server ended its session, and reports logged out.
    pub(crate) async fn end(&self) -> Result<(), Failure> {
        let mut tokens = self.tokens.lock().await;
        if let Some(ended) = tokens.take() {
            self.wipe(&ended.account_id)?;
        }
        self.discard_kept()
    }

    /// Everything of the account gone from this device; the listeners see logged out and
    /// every area forgets what it showed of it. The caller holds the token lock.
    fn wipe(&self, account_id: &str) -> Result<(), Failure> {
        self.wipe_into(account_id, SessionState::LoggedOut)
    }

    /// As [`Account::wipe`], the listeners seeing `state` instead.
    fn wipe_into(&self, account_id: &str, state: SessionState) -> Result<(), Failure> {
        let db = self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        self.state.send_replace(state);
        for observer in self.observers() {
            observer.session_ended();
        }
        Tokens::delete(&self.platform.secrets)?;
        match db.map(Arc::try_unwrap) {
            Some(Ok(db)) if db.account_id == account_id => db.db.destroy(&self.platform.secrets)?,
            // Someone still reads it: the file goes now, the connection with its last user.
            _ => store::destroy_account_database(
                &self.platform.data_dir,
                account_id,
                &self.platform.secrets,
            )?,
        }
        Ok(())
    }

    /// Empties the account's cache (every area's cached rows and the profile); the session
    /// stays.
    pub(crate) fn clear_cache(&self) -> Result<(), Failure> {
        let Ok(db) = self.db() else { return Ok(()) };
        let conn = db.conn();
        profile::clear(&conn)?;
        for observer in self.observers() {
            observer.clear_cache(&conn)?;
        }
        Ok(())
    }

    /// The installation as on first start: the account gone, the app database recreated
    /// under a new key, every area's memory of it reset.
    pub(crate) async fn erase_everything(&self) -> Result<(), Failure> {
        self.end().await?;
        self.platform.app_db.recreate(&self.platform.secrets)?;
        for observer in self.observers() {
            observer.app_reset()?;
        }
        Ok(())
    }
}

fn open_db(
    platform: &Platform,
    schemas: &[&'static Schema],
    account_id: &str,
) -> Result<AccountDb, StoreError> {
    let db = store::account_database(
        &platform.data_dir,
        account_id,
        schemas.to_vec(),
        &platform.secrets,
    )?;
    Ok(AccountDb {
        account_id: account_id.to_string(),
        db,
    })
}

/// The account layer's own tables in an account's database.
pub(crate) const SCHEMA: &Schema = &profile::SCHEMA;
