//! Work waiting for the server, kept in the app database so a kill or a flaky network loses
//! nothing: browsing records to upload, old pseudonyms to forget, deletion requests, and
//! consent decisions not yet synced.

use rusqlite::params;

use super::StoreError;
use super::app::AppStore;

/// The local queue of browsing records never grows past this; the oldest go first.
pub(crate) const MAX_QUEUED_RECORDS: i64 = 1000;
const PSEUDONYM: &str = "records_pseudonym";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedRecord {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) target: String,
    pub(crate) at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingDeletion {
    pub(crate) request_id: String,
    pub(crate) purpose: String,
    pub(crate) requested_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsyncedDecision {
    pub(crate) id: i64,
    pub(crate) purpose: String,
    pub(crate) granted: bool,
    pub(crate) policy_version: String,
    pub(crate) decided_at: i64,
}

impl AppStore {
    pub(crate) fn queue_record(&self, kind: &str, target: &str, at: i64) -> Result<(), StoreError> {
        let mut conn = self.db.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO record_events (kind, target, at) VALUES (?1, ?2, ?3)",
            params![kind, target, at],
        )?;
        tx.execute(
            "DELETE FROM record_events WHERE id NOT IN
                 (SELECT id FROM record_events ORDER BY id DESC LIMIT ?1)",
            [MAX_QUEUED_RECORDS],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn queued_records(&self, limit: i64) -> Result<Vec<QueuedRecord>, StoreError> {
        let conn = self.db.conn();
        let mut statement =
            conn.prepare("SELECT id, kind, target, at FROM record_events ORDER BY id LIMIT ?1")?;
        let rows = statement
            .query_map([limit], |r| {
                Ok(QueuedRecord {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    target: r.get(2)?,
                    at: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub(crate) fn count_queued_records(&self) -> Result<i64, StoreError> {
        Ok(self
            .db
            .conn()
            .query_row("SELECT count(*) FROM record_events", [], |r| r.get(0))?)
    }

    /// Removes uploaded records (up to and including `last_id`).
    pub(crate) fn drop_records_through(&self, last_id: i64) -> Result<(), StoreError> {
        self.db
            .conn()
            .execute("DELETE FROM record_events WHERE id <= ?1", [last_id])?;
        Ok(())
    }

    pub(crate) fn pseudonym(&self) -> Result<Option<String>, StoreError> {
        self.setting(PSEUDONYM)
    }

    pub(crate) fn set_pseudonym(&self, pseudonym: &str) -> Result<(), StoreError> {
        self.set_setting(PSEUDONYM, pseudonym)
    }

    /// Withdrawal of browsing records, in one transaction: the queue is dropped, the current
    /// pseudonym retired (to be forgotten by the server) and no longer used.
    pub(crate) fn retire_records(&self) -> Result<(), StoreError> {
        let mut conn = self.db.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM record_events", [])?;
        tx.execute(
            "INSERT OR IGNORE INTO forget_pseudonyms (pseudonym)
             SELECT value FROM settings WHERE key = ?1",
            [PSEUDONYM],
        )?;
        tx.execute("DELETE FROM settings WHERE key = ?1", [PSEUDONYM])?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn pseudonyms_to_forget(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.db.conn();
        let mut statement = conn.prepare("SELECT pseudonym FROM forget_pseudonyms")?;
        let rows = statement
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    pub(crate) fn forgotten(&self, pseudonyms: &[String]) -> Result<(), StoreError> {
        let conn = self.db.conn();
        for p in pseudonyms {
            conn.execute("DELETE FROM forget_pseudonyms WHERE pseudonym = ?1", [p])?;
        }
        Ok(())
    }

    pub(crate) fn queue_deletion(&self, request: &PendingDeletion) -> Result<(), StoreError> {
        self.db.conn().execute(
            "INSERT OR IGNORE INTO deletion_requests (request_id, purpose, requested_at)
             VALUES (?1, ?2, ?3)",
            params![request.request_id, request.purpose, request.requested_at],
        )?;
        Ok(())
    }

    pub(crate) fn pending_deletions(&self) -> Result<Vec<PendingDeletion>, StoreError> {
        let conn = self.db.conn();
        let mut statement = conn.prepare(
            "SELECT request_id, purpose, requested_at FROM deletion_requests ORDER BY rowid",
        )?;
        let rows = statement
            .query_map([], |r| {
                Ok(PendingDeletion {
                    request_id: r.get(0)?,
                    purpose: r.get(1)?,
                    requested_at: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub(crate) fn deletion_delivered(&self, request_id: &str) -> Result<(), StoreError> {
        self.db.conn().execute(
            "DELETE FROM deletion_requests WHERE request_id = ?1",
            [request_id],
        )?;
        Ok(())
    }

    pub(crate) fn unsynced_decisions(&self) -> Result<Vec<UnsyncedDecision>, StoreError> {
        let conn = self.db.conn();
        let mut statement = conn.prepare(
            "SELECT id, purpose, granted, policy_version, decided_at FROM purpose_consents
             WHERE synced = 0 ORDER BY id",
        )?;
        let rows = statement
            .query_map([], |r| {
                Ok(UnsyncedDecision {
                    id: r.get(0)?,
                    purpose: r.get(1)?,
                    granted: r.get(2)?,
                    policy_version: r.get(3)?,
                    decided_at: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub(crate) fn decisions_synced(&self, ids: &[i64]) -> Result<(), StoreError> {
        let conn = self.db.conn();
        for id in ids {
            conn.execute("UPDATE purpose_consents SET synced = 1 WHERE id = ?1", [id])?;
        }
        Ok(())
    }

    /// Adds a decision made on another device, unless this one already has it.
    pub(crate) fn merge_decision(&self, decision: &UnsyncedDecision) -> Result<bool, StoreError> {
        let conn = self.db.conn();
        let known: i64 = conn.query_row(
            "SELECT count(*) FROM purpose_consents WHERE purpose = ?1 AND granted = ?2
                 AND policy_version = ?3 AND decided_at = ?4",
            params![
                decision.purpose,
                decision.granted,
                decision.policy_version,
                decision.decided_at
            ],
            |r| r.get(0),
        )?;
        if known > 0 {
            return Ok(false);
        }
        conn.execute(
            "INSERT INTO purpose_consents (purpose, granted, policy_version, decided_at, synced)
             VALUES (?1, ?2, ?3, ?4, 1)",
            params![
                decision.purpose,
                decision.granted,
                decision.policy_version,
                decision.decided_at
            ],
        )?;
        Ok(true)
    }
}
