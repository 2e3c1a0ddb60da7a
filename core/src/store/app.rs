//! The app database: what belongs to the installation rather than to an account — policy
//! acceptances and the install id.

use std::path::{Path, PathBuf};

use rand::RngCore;
use rusqlite::{OptionalExtension, params};

use super::StoreError;
use super::database::{Database, DatabaseSpec};
use super::migrations::Migration;
use crate::consent::ConsentPurpose;
use crate::net::{Transmission, TransmissionLog};
use crate::secrets::SecretStore;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
              CREATE TABLE policy_acceptances (
                  id INTEGER PRIMARY KEY,
                  policy_version TEXT NOT NULL,
                  policy_hash TEXT NOT NULL,
                  accepted_at INTEGER NOT NULL
              );",
    },
    Migration {
        version: 2,
        // Consent decisions are a history (never updated in place): the latest row wins.
        sql: "CREATE TABLE purpose_consents (
                  id INTEGER PRIMARY KEY,
                  purpose TEXT NOT NULL,
                  granted INTEGER NOT NULL,
                  policy_version TEXT NOT NULL,
                  decided_at INTEGER NOT NULL
              );
              CREATE INDEX purpose_consents_by_purpose ON purpose_consents (purpose, id);
              CREATE TABLE permission_refusals (
                  permission TEXT PRIMARY KEY,
                  refused_at INTEGER NOT NULL,
                  permanent INTEGER NOT NULL
              );",
    },
    Migration {
        version: 3,
        sql: "CREATE TABLE privacy_ledger (
                  id INTEGER PRIMARY KEY,
                  item TEXT NOT NULL,
                  purpose TEXT NOT NULL,
                  destination TEXT NOT NULL,
                  endpoint TEXT NOT NULL,
                  sent_at INTEGER NOT NULL
              );
              CREATE INDEX privacy_ledger_by_time ON privacy_ledger (sent_at);",
    },
    Migration {
        version: 4,
        sql: "ALTER TABLE purpose_consents ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;
              CREATE TABLE record_events (
                  id INTEGER PRIMARY KEY,
                  kind TEXT NOT NULL,
                  target TEXT NOT NULL,
                  at INTEGER NOT NULL
              );
              CREATE TABLE forget_pseudonyms (pseudonym TEXT PRIMARY KEY);
              CREATE TABLE deletion_requests (
                  request_id TEXT PRIMARY KEY,
                  purpose TEXT NOT NULL,
                  requested_at INTEGER NOT NULL
              );",
    },
    Migration {
        version: 5,
        // The purposes (categories of collection) the accepted version covers, as stable keys
        // separated by commas; empty for acceptances recorded before versions said.
        sql: "ALTER TABLE policy_acceptances ADD COLUMN purposes TEXT NOT NULL DEFAULT '';",
    },
];

const INSTALL_ID: &str = "install_id";

fn spec(file: &Path) -> DatabaseSpec<'static> {
    DatabaseSpec {
        file: file.to_path_buf(),
        key_name: "app-db-key".into(),
        migrations: MIGRATIONS,
        label: "app",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PurposeDecision {
    pub(crate) granted: bool,
    pub(crate) policy_version: String,
    pub(crate) decided_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PermissionRefusal {
    pub(crate) refused_at: i64,
    /// The OS will not show its dialog again ("don't ask again").
    pub(crate) permanent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyAcceptance {
    pub(crate) version: String,
    pub(crate) hash: String,
    pub(crate) accepted_at: i64,
    pub(crate) purposes: Vec<ConsentPurpose>,
}

fn purposes_to_column(purposes: &[ConsentPurpose]) -> String {
    purposes
        .iter()
        .map(|p| p.key())
        .collect::<Vec<_>>()
        .join(",")
}

fn purposes_from_column(column: &str) -> Vec<ConsentPurpose> {
    if column.is_empty() {
        // Accepted before policy versions listed their purposes: the first version covered all.
        return std::iter::once(ConsentPurpose::PrivacyPolicy)
            .chain(ConsentPurpose::OPTIONAL)
            .collect();
    }
    column
        .split(',')
        .filter_map(ConsentPurpose::from_key)
        .collect()
}

pub(crate) struct AppStore {
    pub(super) db: Database,
    file: PathBuf,
}

impl AppStore {
    pub(crate) fn open(data_dir: &Path, secrets: &SecretStore) -> Result<Self, StoreError> {
        let file = data_dir.join("app.db");
        Ok(Self {
            db: Database::open(&spec(&file), secrets)?,
            file,
        })
    }

    /// Everything of this installation gone — consents, ledger, queues, settings, the install
    /// id — and a new empty database under a new key: the app as on first start.
    pub(crate) fn reset(&self, secrets: &SecretStore) -> Result<(), StoreError> {
        self.db.recreate(&spec(&self.file), secrets)
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Reads and removes a setting in one step: for what may be used only once.
    pub(crate) fn take_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "DELETE FROM settings WHERE key = ?1 RETURNING value",
                [key],
                |r| r.get(0),
            )
            .optional()?)
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
            "INSERT INTO policy_acceptances (policy_version, policy_hash, accepted_at, purposes)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                acceptance.version,
                acceptance.hash,
                acceptance.accepted_at,
                purposes_to_column(&acceptance.purposes)
            ],
        )?;
        Ok(())
    }

    pub(crate) fn latest_policy_acceptance(&self) -> Result<Option<PolicyAcceptance>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT policy_version, policy_hash, accepted_at, purposes FROM policy_acceptances
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(PolicyAcceptance {
                        version: r.get(0)?,
                        hash: r.get(1)?,
                        accepted_at: r.get(2)?,
                        purposes: purposes_from_column(&r.get::<_, String>(3)?),
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn flag(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.setting(key)?.as_deref() == Some("1"))
    }

    pub(crate) fn set_flag(&self, key: &str, on: bool) -> Result<(), StoreError> {
        self.set_setting(key, if on { "1" } else { "0" })
    }

    pub(crate) fn record_purpose_decision(
        &self,
        purpose: &str,
        decision: &PurposeDecision,
    ) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT INTO purpose_consents (purpose, granted, policy_version, decided_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                purpose,
                decision.granted,
                decision.policy_version,
                decision.decided_at
            ],
        )?;
        Ok(())
    }

    pub(crate) fn latest_purpose_decision(
        &self,
        purpose: &str,
    ) -> Result<Option<PurposeDecision>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT granted, policy_version, decided_at FROM purpose_consents
                 WHERE purpose = ?1 ORDER BY decided_at DESC, id DESC LIMIT 1",
                [purpose],
                |r| {
                    Ok(PurposeDecision {
                        granted: r.get(0)?,
                        policy_version: r.get(1)?,
                        decided_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn permission_refusal(
        &self,
        permission: &str,
    ) -> Result<Option<PermissionRefusal>, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row(
                "SELECT refused_at, permanent FROM permission_refusals WHERE permission = ?1",
                [permission],
                |r| {
                    Ok(PermissionRefusal {
                        refused_at: r.get(0)?,
                        permanent: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn set_permission_refusal(
        &self,
        permission: &str,
        refusal: Option<PermissionRefusal>,
    ) -> Result<(), StoreError> {
        let conn = self.db.conn();
        match refusal {
            Some(r) => conn.execute(
                "INSERT INTO permission_refusals (permission, refused_at, permanent)
                 VALUES (?1, ?2, ?3)
                 ON CONFLICT(permission) DO UPDATE SET refused_at = excluded.refused_at,
                     permanent = excluded.permanent",
                params![permission, r.refused_at, r.permanent],
            )?,
            None => conn.execute(
                "DELETE FROM permission_refusals WHERE permission = ?1",
                [permission],
            )?,
        };
        Ok(())
    }

    /// Ledger rows matching the filter, oldest first: (item, purpose key, destination,
    /// endpoint, sent_at).
    pub(crate) fn ledger(
        &self,
        item: Option<&str>,
        purpose: Option<&str>,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let conn = self.db.conn();
        let mut statement = conn.prepare(
            "SELECT item, purpose, destination, endpoint, sent_at FROM privacy_ledger
             WHERE (?1 IS NULL OR item = ?1) AND (?2 IS NULL OR purpose = ?2)
               AND (?3 IS NULL OR sent_at >= ?3) AND (?4 IS NULL OR sent_at <= ?4)
             ORDER BY id",
        )?;
        let rows = statement
            .query_map(params![item, purpose, since, until], |r| {
                Ok(LedgerRow {
                    item: r.get(0)?,
                    purpose: r.get(1)?,
                    destination: r.get(2)?,
                    endpoint: r.get(3)?,
                    sent_at: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerRow {
    pub(crate) item: String,
    pub(crate) purpose: String,
    pub(crate) destination: String,
    pub(crate) endpoint: String,
    pub(crate) sent_at: i64,
}

impl TransmissionLog for AppStore {
    fn record(&self, sent: &[Transmission]) {
        let mut conn = self.db.conn();
        let written = conn.transaction().and_then(|tx| {
            for t in sent {
                tx.execute(
                    "INSERT INTO privacy_ledger (item, purpose, destination, endpoint, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        t.item,
                        t.purpose.key(),
                        t.destination,
                        t.endpoint,
                        t.sent_at
                    ],
                )?;
            }
            tx.commit()
        });
        if let Err(error) = written {
            // The request has already gone; failing it now would not unsend it.
            tracing::error!(%error, "privacy ledger write failed");
        }
    }
}
