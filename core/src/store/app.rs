//! The app database: what belongs to the installation rather than to an account — policy
//! acceptances and the install id.

use std::path::Path;

use rand::RngCore;
use rusqlite::{OptionalExtension, params};

use super::StoreError;
use super::database::{Database, DatabaseSpec};
use super::migrations::Migration;
use crate::secrets::SecretStore;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE policy_acceptances (
              id INTEGER PRIMARY KEY,
              policy_version TEXT NOT NULL,
              policy_hash TEXT NOT NULL,
              accepted_at INTEGER NOT NULL
          );",
}];

const INSTALL_ID: &str = "install_id";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyAcceptance {
    pub(crate) version: String,
    pub(crate) hash: String,
    pub(crate) accepted_at: i64,
}

pub(crate) struct AppStore {
    db: Database,
}

impl AppStore {
    pub(crate) fn open(data_dir: &Path, secrets: &SecretStore) -> Result<Self, StoreError> {
        let spec = DatabaseSpec {
            file: data_dir.join("app.db"),
            key_name: "app-db-key".into(),
            migrations: MIGRATIONS,
            label: "app",
        };
        Ok(Self {
            db: Database::open(&spec, secrets)?,
        })
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The per-install pseudonymous id (random, never derived from hardware), created on first use.
    pub(crate) fn install_id(&self) -> Result<String, StoreError> {
        if let Some(id) = self.setting(INSTALL_ID)? {
            return Ok(id);
        }
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let id = hex::encode(bytes);
        self.set_setting(INSTALL_ID, &id)?;
        Ok(id)
    }

    pub(crate) fn record_policy_acceptance(
        &self,
        acceptance: &PolicyAcceptance,
    ) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT INTO policy_acceptances (policy_version, policy_hash, accepted_at)
             VALUES (?1, ?2, ?3)",
            params![acceptance.version, acceptance.hash, acceptance.accepted_at],
        )?;
        Ok(())
    }

    pub(crate) fn latest_policy_acceptance(&self) -> Result<Option<PolicyAcceptance>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT policy_version, policy_hash, accepted_at FROM policy_acceptances
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(PolicyAcceptance {
                        version: r.get(0)?,
                        hash: r.get(1)?,
                        accepted_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }
}
