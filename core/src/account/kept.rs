//! A session the server ended while work was unsent (a refused refresh: expired, or revoked
//! elsewhere). The account's encrypted database and its key stay on the device and the
//! session state says so; the same account's next login picks the database up as it was,
//! another account's login or a logout discards it. The app database notes which account is
//! kept, its profile and how much waits.

use serde::{Deserialize, Serialize};

use super::tokens::Tokens;
use super::{Account, AccountDb, EndReason, Failure, SessionState, UserProfile, profile};
use crate::store::{self, Database, StoreError, settings};

const KEPT: &str = "kept_account";

#[derive(Serialize, Deserialize)]
struct Kept {
    user: UserProfile,
    unsent: u32,
    /// Absent in what older builds kept.
    #[serde(default)]
    reason: EndReason,
}

/// The state a kept account shows, if there is one.
pub(super) fn restored_state(app_db: &Database) -> Result<Option<SessionState>, StoreError> {
    Ok(load(app_db)?.map(|kept| SessionState::Ended {
        user: kept.user,
        unsent: kept.unsent,
        reason: kept.reason,
    }))
}

fn load(app_db: &Database) -> Result<Option<Kept>, StoreError> {
    let Some(json) = settings::get(&app_db.conn(), KEPT)? else {
        return Ok(None);
    };
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("kept account: {e}")))
}

impl Account {
    /// The server refused to refresh the session of `account_id`, for `reason`. With nothing
    /// unsent the account's data goes as with a logout; otherwise it is kept. Either way the
    /// state says the session ended and why. The caller holds the token lock.
    pub(super) fn ended_by_server(
        &self,
        account_id: &str,
        reason: EndReason,
    ) -> Result<(), Failure> {
        let Some(db) = self.db_of(account_id) else {
            return self.wipe(account_id);
        };
        let unsent = self.count_unsent(&db)?;
        let user = profile::load(&db.conn())?.unwrap_or_else(|| UserProfile::unknown(account_id));
        drop(db);
        if unsent == 0 {
            let ended = SessionState::Ended {
                user,
                unsent,
                reason,
            };
            return self.wipe_into(account_id, ended);
        }
        let kept = Kept {
            user,
            unsent,
            reason,
        };
        let json = serde_json::to_string(&kept).expect("a profile serialises");
        settings::set(&self.platform.app_db.conn(), KEPT, &json)?;
        self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        Tokens::delete(&self.platform.secrets)?;
        self.state.send_replace(SessionState::Ended {
            user: kept.user,
            unsent,
            reason,
        });
        for observer in self.observers() {
            observer.session_ended();
        }
        tracing::info!(unsent, "the server ended the session; unsent work kept");
        Ok(())
    }

    fn count_unsent(&self, db: &AccountDb) -> Result<u32, StoreError> {
        let conn = db.conn();
        let mut total = 0u32;
        for observer in self.observers() {
            total = total.saturating_add(observer.unsent(&conn)?);
        }
        Ok(total)
    }

    /// What a logout would discard now: the signed-in account's unsent items, or a kept
    /// account's.
    pub(crate) fn unsent(&self) -> Result<u32, Failure> {
        match self.db() {
            Ok(db) => Ok(self.count_unsent(&db)?),
            Err(_) => Ok(load(&self.platform.app_db)?.map_or(0, |kept| kept.unsent)),
        }
    }

    /// Before a login as `account_id`: another account's kept database goes; the same
    /// account's stays for the login to open as it was.
    pub(super) fn settle_kept(&self, account_id: &str) -> Result<(), Failure> {
        match load(&self.platform.app_db)? {
            Some(kept) if kept.user.id != account_id => self.discard_kept(),
            Some(_) => {
                settings::take(&self.platform.app_db.conn(), KEPT)?;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Discards a kept account and what it held; an ended session's state becomes logged
    /// out.
    pub(super) fn discard_kept(&self) -> Result<(), Failure> {
        if let Some(kept) = load(&self.platform.app_db)? {
            store::destroy_account_database(
                &self.platform.data_dir,
                &kept.user.id,
                &self.platform.secrets,
            )?;
            settings::take(&self.platform.app_db.conn(), KEPT)?;
        }
        self.state.send_if_modified(|state| {
            let ended = matches!(state, SessionState::Ended { .. });
            if ended {
                *state = SessionState::LoggedOut;
            }
            ended
        });
        Ok(())
    }
}
