//! The consent area's tables in the app database: policy acceptances, decisions per purpose
//! (a history, never updated in place: the latest row wins) with what is not yet synced, and
//! deletion requests waiting for the server.

use rusqlite::{Connection, OptionalExtension, params};

use crate::policy::ConsentPurpose;
use crate::store::{Migration, Schema, StoreError};

pub(crate) const SCHEMA: Schema = Schema {
    area: "consent",
    migrations: &[
        Migration {
            version: 1,
            // `purposes`: the purposes (categories of collection) the accepted version covers,
            // as stable keys separated by commas; empty for acceptances recorded before
            // versions said.
            sql: "CREATE TABLE policy_acceptances (
                  id INTEGER PRIMARY KEY,
                  policy_version TEXT NOT NULL,
                  policy_hash TEXT NOT NULL,
                  accepted_at INTEGER NOT NULL,
                  purposes TEXT NOT NULL DEFAULT ''
              );
              CREATE TABLE purpose_consents (
                  id INTEGER PRIMARY KEY,
                  purpose TEXT NOT NULL,
                  granted INTEGER NOT NULL,
                  policy_version TEXT NOT NULL,
                  decided_at INTEGER NOT NULL,
                  synced INTEGER NOT NULL DEFAULT 0
              );
              CREATE INDEX purpose_consents_by_purpose ON purpose_consents (purpose, id);
              CREATE TABLE deletion_requests (
                  request_id TEXT PRIMARY KEY,
                  purpose TEXT NOT NULL,
                  requested_at INTEGER NOT NULL
              );",
        },
        // A decision's own id: decisions are in seconds, and a grant, a withdrawal and a grant
        // again within one second are three decisions, not a repeat. What is not synced yet
        // gets one now; what was synced before is known by its fields. `listed`: the place in
        // the account's history the last sync saw it at, which orders decisions of one second
        // the same way on every device.
        Migration {
            version: 2,
            sql: "ALTER TABLE purpose_consents ADD COLUMN record_id TEXT;
                  ALTER TABLE purpose_consents ADD COLUMN listed INTEGER;
                  UPDATE purpose_consents SET record_id = lower(hex(randomblob(16)))
                  WHERE synced = 0;
                  CREATE UNIQUE INDEX purpose_consents_by_record
                  ON purpose_consents (record_id);",
        },
    ],
    in_single_list: true,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyAcceptance {
    pub(crate) version: String,
    pub(crate) hash: String,
    pub(crate) accepted_at: i64,
    pub(crate) purposes: Vec<ConsentPurpose>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    /// None for a decision synced before decisions had ids.
    pub(crate) record_id: Option<String>,
    pub(crate) purpose: String,
    pub(crate) granted: bool,
    pub(crate) policy_version: String,
    pub(crate) decided_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingDeletion {
    pub(crate) request_id: String,
    pub(crate) purpose: String,
    pub(crate) requested_at: i64,
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

pub(crate) fn record_acceptance(
    conn: &Connection,
    acceptance: &PolicyAcceptance,
) -> Result<(), StoreError> {
    conn.execute(
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

pub(crate) fn latest_acceptance(conn: &Connection) -> Result<Option<PolicyAcceptance>, StoreError> {
    Ok(conn
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

/// Records a decision made here (to be synced).
pub(crate) fn record_decision(conn: &Connection, decision: &Decision) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO purpose_consents (record_id, purpose, granted, policy_version, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            decision.record_id,
            decision.purpose,
            decision.granted,
            decision.policy_version,
            decision.decided_at
        ],
    )?;
    Ok(())
}

pub(crate) fn latest_decision(
    conn: &Connection,
    purpose: ConsentPurpose,
) -> Result<Option<Decision>, StoreError> {
    Ok(conn
        .query_row(
            // Within a second: what the server has not listed yet was decided here after the
            // last sync; the rest in the server's order.
            "SELECT record_id, purpose, granted, policy_version, decided_at FROM purpose_consents
             WHERE purpose = ?1
             ORDER BY decided_at DESC, listed IS NULL DESC, listed DESC, id DESC LIMIT 1",
            [purpose.key()],
            |r| decision_at(r, 0),
        )
        .optional()?)
}

/// The decision in the row's columns from `first`: record_id, purpose, granted,
/// policy_version, decided_at.
fn decision_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Decision> {
    Ok(Decision {
        record_id: r.get(first)?,
        purpose: r.get(first + 1)?,
        granted: r.get(first + 2)?,
        policy_version: r.get(first + 3)?,
        decided_at: r.get(first + 4)?,
    })
}

/// Decisions made here that the account has not received yet, with their row ids.
pub(crate) fn unsynced_decisions(conn: &Connection) -> Result<Vec<(i64, Decision)>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, record_id, purpose, granted, policy_version, decided_at
         FROM purpose_consents WHERE synced = 0 ORDER BY id",
    )?;
    let rows = statement
        .query_map([], |r| Ok((r.get(0)?, decision_at(r, 1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn decisions_synced(conn: &Connection, ids: &[i64]) -> Result<(), StoreError> {
    for id in ids {
        conn.execute("UPDATE purpose_consents SET synced = 1 WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Takes a decision of the account's history at its place `listed`: notes the place on the
/// row this device has (the same id, or for a decision without one, the same fields), or adds
/// the decision, made on another device. True when it was added.
pub(crate) fn merge_decision(
    conn: &Connection,
    decision: &Decision,
    listed: i64,
) -> Result<bool, StoreError> {
    let known = match &decision.record_id {
        Some(id) => conn.execute(
            "UPDATE purpose_consents SET listed = ?2 WHERE record_id = ?1",
            params![id, listed],
        )?,
        None => conn.execute(
            "UPDATE purpose_consents SET listed = ?5
             WHERE id = (SELECT id FROM purpose_consents WHERE purpose = ?1 AND granted = ?2
                             AND policy_version = ?3 AND decided_at = ?4 LIMIT 1)",
            params![
                decision.purpose,
                decision.granted,
                decision.policy_version,
                decision.decided_at,
                listed
            ],
        )?,
    };
    if known > 0 {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO purpose_consents
             (record_id, purpose, granted, policy_version, decided_at, synced, listed)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
        params![
            decision.record_id,
            decision.purpose,
            decision.granted,
            decision.policy_version,
            decision.decided_at,
            listed
        ],
    )?;
    Ok(true)
}

pub(crate) fn queue_deletion(
    conn: &Connection,
    request: &PendingDeletion,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO deletion_requests (request_id, purpose, requested_at)
         VALUES (?1, ?2, ?3)",
        params![request.request_id, request.purpose, request.requested_at],
    )?;
    Ok(())
}

pub(crate) fn pending_deletions(conn: &Connection) -> Result<Vec<PendingDeletion>, StoreError> {
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

pub(crate) fn deletion_delivered(conn: &Connection, request_id: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM deletion_requests WHERE request_id = ?1",
        [request_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apply_migrations;

    fn decision(id: &str, granted: bool) -> Decision {
        Decision {
            record_id: Some(id.repeat(32)),
            purpose: "personalisation".into(),
            granted,
            policy_version: "v1".into(),
            decided_at: 10,
        }
    }

    /// Two devices deciding within one second: each has its own decision first, the other's
    /// merged after; both end with the one the account's history lists last.
    #[test]
    fn decisions_of_one_second_on_two_devices_end_the_same_on_both() {
        let history = [decision("a", false), decision("b", true)];
        for own in &history {
            let mut conn = Connection::open_in_memory().unwrap();
            apply_migrations(&mut conn, &[&SCHEMA]).unwrap();
            record_decision(&conn, own).unwrap();
            for (listed, remote) in (0i64..).zip(&history) {
                merge_decision(&conn, remote, listed).unwrap();
            }
            let latest = latest_decision(&conn, ConsentPurpose::Personalisation).unwrap();
            assert_eq!(latest.as_ref(), Some(&history[1]), "own: {own:?}");
            // Decided here after that sync, in the same second: this one is the latest.
            let after = decision("c", false);
            record_decision(&conn, &after).unwrap();
            let latest = latest_decision(&conn, ConsentPurpose::Personalisation).unwrap();
            assert_eq!(latest, Some(after));
        }
    }

    #[test]
    fn decisions_not_yet_synced_get_an_id_when_ids_arrive() {
        let mut conn = Connection::open_in_memory().unwrap();
        let first = Schema {
            migrations: &SCHEMA.migrations[..1],
            ..SCHEMA
        };
        apply_migrations(&mut conn, &[&first]).unwrap();
        conn.execute_batch(
            "INSERT INTO purpose_consents (purpose, granted, policy_version, decided_at, synced)
             VALUES ('personalisation', 1, 'v1', 10, 1), ('personalisation', 0, 'v1', 10, 0);",
        )
        .unwrap();
        apply_migrations(&mut conn, &[&SCHEMA]).unwrap();
        let unsynced = unsynced_decisions(&conn).unwrap();
        assert_eq!(unsynced.len(), 1);
        let id = unsynced[0].1.record_id.clone().unwrap();
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        let synced_id: Option<String> = conn
            .query_row(
                "SELECT record_id FROM purpose_consents WHERE synced = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(synced_id, None, "the server has it without an id");
        // The synced one is known by its fields when the server lists it without an id.
        let synced = Decision {
            record_id: None,
            purpose: "personalisation".into(),
            granted: true,
            policy_version: "v1".into(),
            decided_at: 10,
        };
        assert!(!merge_decision(&conn, &synced, 0).unwrap());
        assert!(
            merge_decision(
                &conn,
                &Decision {
                    record_id: Some("0f".repeat(16)),
                    ..synced
                },
                1
            )
            .unwrap()
        );
    }
}
