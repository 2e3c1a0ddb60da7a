//! One encrypted database per account: everything cached for that account, removed with it.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::database::{Database, DatabaseSpec, remove_database_files};
use super::migrations::Migration;
use crate::auth::{Named, UserProfile};
use crate::certification::{CertificationState, CertificationStatus};
use crate::secrets::SecretStore;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "CREATE TABLE profile (
                  id TEXT PRIMARY KEY,
                  phone_masked TEXT NOT NULL,
                  nickname TEXT NOT NULL,
                  created_at INTEGER NOT NULL
              );",
    },
    Migration {
        version: 2,
        sql: "ALTER TABLE profile ADD COLUMN unit_id TEXT;
              ALTER TABLE profile ADD COLUMN unit_name TEXT;
              ALTER TABLE profile ADD COLUMN department_id TEXT;
              ALTER TABLE profile ADD COLUMN department_name TEXT;",
    },
    Migration {
        version: 3,
        sql: "ALTER TABLE profile ADD COLUMN avatar_url TEXT;",
    },
    Migration {
        version: 4,
        // The ID number only ever masked: the full one is never written on the phone.
        sql: "CREATE TABLE certification (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  state TEXT NOT NULL,
                  reason TEXT,
                  id_number_masked TEXT,
                  photo_count INTEGER NOT NULL,
                  submitted_at INTEGER,
                  decided_at INTEGER
              );",
    },
    Migration {
        version: 5,
        sql: crate::feed::SCHEMA,
    },
];

fn named(id: Option<String>, name: Option<String>) -> Option<Named> {
    Some(Named {
        id: id?,
        name: name?,
    })
}

pub(crate) struct AccountStore {
    db: Database,
}

/// File and key names derive from a digest of the account id: the server's id never becomes a
/// path (no traversal) and file names reveal nothing about who is signed in.
fn slot(account_id: &str) -> String {
    hex::encode(&Sha256::digest(account_id.as_bytes())[..12])
}

fn file(data_dir: &Path, account_id: &str) -> PathBuf {
    data_dir
        .join("accounts")
        .join(format!("{}.db", slot(account_id)))
}

fn key_name(account_id: &str) -> String {
    format!("account-db-key:{}", slot(account_id))
}

impl AccountStore {
    pub(crate) fn open(
        data_dir: &Path,
        account_id: &str,
        secrets: &SecretStore,
    ) -> Result<Self, StoreError> {
        let spec = DatabaseSpec {
            file: file(data_dir, account_id),
            key_name: key_name(account_id),
            migrations: MIGRATIONS,
            label: "account",
        };
        Ok(Self {
            db: Database::open(&spec, secrets)?,
        })
    }

    /// Deletes the account's database files and its key. The caller drops any open store first.
    pub(crate) fn destroy(
        data_dir: &Path,
        account_id: &str,
        secrets: &SecretStore,
    ) -> Result<(), StoreError> {
        remove_database_files(&file(data_dir, account_id))?;
        secrets.delete(&key_name(account_id))?;
        Ok(())
    }

    pub(crate) fn save_profile(&self, profile: &UserProfile) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT INTO profile (id, phone_masked, nickname, created_at, unit_id, unit_name,
                                  department_id, department_name, avatar_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET phone_masked = excluded.phone_masked,
                 nickname = excluded.nickname, created_at = excluded.created_at,
                 unit_id = excluded.unit_id, unit_name = excluded.unit_name,
                 department_id = excluded.department_id,
                 department_name = excluded.department_name,
                 avatar_url = excluded.avatar_url",
            params![
                profile.id,
                profile.phone_masked,
                profile.nickname,
                profile.created_at,
                profile.unit.as_ref().map(|u| &u.id),
                profile.unit.as_ref().map(|u| &u.name),
                profile.department.as_ref().map(|d| &d.id),
                profile.department.as_ref().map(|d| &d.name),
                profile.avatar_url,
            ],
        )?;
        Ok(())
    }

    pub(crate) fn profile(&self) -> Result<Option<UserProfile>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT id, phone_masked, nickname, created_at, unit_id, unit_name,
                        department_id, department_name, avatar_url FROM profile LIMIT 1",
                [],
                |r| {
                    Ok(UserProfile {
                        id: r.get(0)?,
                        phone_masked: r.get(1)?,
                        nickname: r.get(2)?,
                        created_at: r.get(3)?,
                        unit: named(r.get(4)?, r.get(5)?),
                        department: named(r.get(6)?, r.get(7)?),
                        avatar_url: r.get(8)?,
                    })
                },
            )
            .optional()?)
    }

    /// The connection, for an area that owns its tables here (the feed).
    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.conn()
    }

    pub(crate) fn save_certification(
        &self,
        status: &CertificationStatus,
    ) -> Result<(), StoreError> {
        let (state, reason) = status.state.to_columns();
        self.db.conn().execute(
            "INSERT OR REPLACE INTO certification
                 (id, state, reason, id_number_masked, photo_count, submitted_at, decided_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                state,
                reason,
                status.id_number_masked,
                status.photo_count,
                status.submitted_at,
                status.decided_at,
            ],
        )?;
        Ok(())
    }

    pub(crate) fn certification(&self) -> Result<Option<CertificationStatus>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT state, reason, id_number_masked, photo_count, submitted_at, decided_at
                 FROM certification",
                [],
                |r| {
                    Ok(CertificationStatus {
                        state: CertificationState::from_columns(&r.get::<_, String>(0)?, r.get(1)?),
                        id_number_masked: r.get(2)?,
                        photo_count: r.get(3)?,
                        submitted_at: r.get(4)?,
                        decided_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn clear_cache(&self) -> Result<(), StoreError> {
        let conn = self.db.conn();
        conn.execute("DELETE FROM profile", [])?;
        crate::feed::clear_cache(&conn)
    }
}
