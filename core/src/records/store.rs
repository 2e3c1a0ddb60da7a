//! The records area's tables in the app database: the queue of browsing records waiting for
//! upload (bounded) and the retired pseudonyms the server must forget. The current pseudonym
//! is a setting.

use rusqlite::{Connection, params};

use crate::store::{Migration, Schema, StoreError, settings};

pub(crate) const SCHEMA: Schema = Schema {
    area: "records",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE record_events (
                  id INTEGER PRIMARY KEY,
                  kind TEXT NOT NULL,
                  target TEXT NOT NULL,
                  at INTEGER NOT NULL
              );
              CREATE TABLE forget_pseudonyms (pseudonym TEXT PRIMARY KEY);",
    }],
    in_single_list: true,
};

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

pub(crate) fn queue(
    conn: &mut Connection,
    kind: &str,
    target: &str,
    at: i64,
) -> Result<(), StoreError> {
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

pub(crate) fn queued(conn: &Connection, limit: i64) -> Result<Vec<QueuedRecord>, StoreError> {
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

pub(crate) fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM record_events", [], |r| r.get(0))?)
}

/// Removes uploaded records (up to and including `last_id`).
pub(crate) fn drop_through(conn: &Connection, last_id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM record_events WHERE id <= ?1", [last_id])?;
    Ok(())
}

/// The pseudonym records go under, created on first use.
pub(crate) fn pseudonym(conn: &Connection) -> Result<String, StoreError> {
    if let Some(current) = settings::get(conn, PSEUDONYM)? {
        return Ok(current);
    }
    let fresh = settings::random_hex();
    settings::set(conn, PSEUDONYM, &fresh)?;
    Ok(fresh)
}

/// Withdrawal, in one transaction: the queue is dropped, the current pseudonym retired (to
/// be forgotten by the server) and no longer used.
pub(crate) fn retire(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM record_events", [])?;
    tx.execute(
        "INSERT OR IGNORE INTO forget_pseudonyms (pseudonym)
         SELECT value FROM settings WHERE key = ?1",
        [PSEUDONYM],
    )?;
    settings::remove(&tx, PSEUDONYM)?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn to_forget(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut statement = conn.prepare("SELECT pseudonym FROM forget_pseudonyms")?;
    let rows = statement
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(rows)
}

pub(crate) fn forgotten(conn: &Connection, pseudonyms: &[String]) -> Result<(), StoreError> {
    for p in pseudonyms {
        conn.execute("DELETE FROM forget_pseudonyms WHERE pseudonym = ?1", [p])?;
    }
    Ok(())
}
