//! The records area's tables in the app database: the queue of browsing records waiting for
//! upload (bounded), each under the pseudonym it was recorded with; the pseudonyms in use,
//! one per account and per day; and the retired ones the server must forget.

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::{self, Migration, Schema, StoreError, settings};

pub(crate) const SCHEMA: Schema = Schema {
    area: "records",
    migrations: &[
        Migration {
            version: 1,
            sql: "CREATE TABLE record_events (
                      id INTEGER PRIMARY KEY,
                      kind TEXT NOT NULL,
                      target TEXT NOT NULL,
                      at INTEGER NOT NULL
                  );
                  CREATE TABLE forget_pseudonyms (pseudonym TEXT PRIMARY KEY);",
        },
        Migration {
            version: 2,
            // The one pseudonym of before (a setting) becomes the queue's and a kept one.
            sql: "ALTER TABLE record_events ADD COLUMN pseudonym TEXT;
                  CREATE TABLE record_pseudonyms (
                      scope TEXT NOT NULL,
                      day INTEGER NOT NULL,
                      pseudonym TEXT NOT NULL UNIQUE,
                      PRIMARY KEY (scope, day)
                  );
                  INSERT INTO record_pseudonyms (scope, day, pseudonym)
                      SELECT 'before-rotation', 0, value FROM settings
                      WHERE key = 'records_pseudonym';
                  UPDATE record_events SET pseudonym =
                      (SELECT value FROM settings WHERE key = 'records_pseudonym');
                  DELETE FROM record_events WHERE pseudonym IS NULL;
                  DELETE FROM settings WHERE key = 'records_pseudonym';",
        },
    ],
    in_single_list: true,
};

/// The local queue of browsing records never grows past this; the oldest go first.
pub(crate) const MAX_QUEUED_RECORDS: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedRecord {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) target: String,
    pub(crate) at: i64,
    pub(crate) pseudonym: String,
}

/// Where a pseudonym applies: one account (or nobody signed in), one day.
pub(crate) struct Scope<'a> {
    pub(crate) who: &'a str,
    pub(crate) day: i64,
}

/// The pseudonym of `scope`, created on first use.
fn pseudonym(conn: &Connection, scope: &Scope<'_>) -> Result<String, StoreError> {
    let known: Option<String> = conn
        .query_row(
            "SELECT pseudonym FROM record_pseudonyms WHERE scope = ?1 AND day = ?2",
            params![scope.who, scope.day],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(known) = known {
        return Ok(known);
    }
    let fresh = settings::random_hex();
    conn.execute(
        "INSERT INTO record_pseudonyms (scope, day, pseudonym) VALUES (?1, ?2, ?3)",
        params![scope.who, scope.day, fresh],
    )?;
    Ok(fresh)
}

/// Queues a record under the pseudonym of its scope.
pub(crate) fn queue(
    conn: &mut Connection,
    scope: &Scope<'_>,
    kind: &str,
    target: &str,
    at: i64,
) -> Result<(), StoreError> {
    let tx = store::writing(conn)?;
    let pseudonym = pseudonym(&tx, scope)?;
    tx.execute(
        "INSERT INTO record_events (kind, target, at, pseudonym) VALUES (?1, ?2, ?3, ?4)",
        params![kind, target, at, pseudonym],
    )?;
    tx.execute(
        "DELETE FROM record_events WHERE id NOT IN
             (SELECT id FROM record_events ORDER BY id DESC LIMIT ?1)",
        [MAX_QUEUED_RECORDS],
    )?;
    tx.commit()?;
    Ok(())
}

/// The oldest records, all under the pseudonym of the oldest one (a batch goes under one).
pub(crate) fn queued(conn: &Connection, limit: i64) -> Result<Vec<QueuedRecord>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, kind, target, at, pseudonym FROM record_events
         WHERE pseudonym = (SELECT pseudonym FROM record_events ORDER BY id LIMIT 1)
         ORDER BY id LIMIT ?1",
    )?;
    let rows = statement
        .query_map([limit], |r| {
            Ok(QueuedRecord {
                id: r.get(0)?,
                kind: r.get(1)?,
                target: r.get(2)?,
                at: r.get(3)?,
                pseudonym: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM record_events", [], |r| r.get(0))?)
}

/// Removes uploaded records.
pub(crate) fn uploaded(conn: &Connection, records: &[QueuedRecord]) -> Result<(), StoreError> {
    for record in records {
        conn.execute("DELETE FROM record_events WHERE id = ?1", [record.id])?;
    }
    Ok(())
}

/// Pseudonyms of days before `oldest_day` go, unless a queued record still needs one: the
/// server has deleted what they carried.
pub(crate) fn prune(conn: &Connection, oldest_day: i64) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM record_pseudonyms WHERE day < ?1 AND pseudonym NOT IN
             (SELECT pseudonym FROM record_events WHERE pseudonym IS NOT NULL)",
        [oldest_day],
    )?;
    Ok(())
}

/// Withdrawal, in one transaction: the queue is dropped and every pseudonym in use retired
/// (to be forgotten by the server) and no longer used.
pub(crate) fn retire(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = store::writing(conn)?;
    tx.execute("DELETE FROM record_events", [])?;
    tx.execute(
        "INSERT OR IGNORE INTO forget_pseudonyms (pseudonym)
         SELECT pseudonym FROM record_pseudonyms",
        [],
    )?;
    tx.execute("DELETE FROM record_pseudonyms", [])?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pseudonym_of_before_keeps_its_queue_and_can_be_forgotten() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(settings::SCHEMA.migrations[0].sql)
            .unwrap();
        conn.execute_batch(SCHEMA.migrations[0].sql).unwrap();
        settings::set(&conn, "records_pseudonym", "old-pseudonym-0001").unwrap();
        conn.execute(
            "INSERT INTO record_events (kind, target, at) VALUES ('view', 'post:1', 5)",
            [],
        )
        .unwrap();
        conn.execute_batch(SCHEMA.migrations[1].sql).unwrap();
        let queued = queued(&conn, 10).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].pseudonym, "old-pseudonym-0001");
        assert_eq!(settings::get(&conn, "records_pseudonym").unwrap(), None);
        retire(&mut conn).unwrap();
        assert_eq!(to_forget(&conn).unwrap(), ["old-pseudonym-0001"]);
    }

    #[test]
    fn each_scope_and_day_has_its_own_pseudonym_and_old_ones_are_pruned() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(settings::SCHEMA.migrations[0].sql)
            .unwrap();
        for step in SCHEMA.migrations {
            conn.execute_batch(step.sql).unwrap();
        }
        let day = |who, day| Scope { who, day };
        queue(&mut conn, &day("a", 10), "view", "x", 1).unwrap();
        queue(&mut conn, &day("a", 10), "view", "y", 2).unwrap();
        queue(&mut conn, &day("a", 11), "view", "z", 3).unwrap();
        queue(&mut conn, &day("b", 11), "view", "w", 4).unwrap();
        let first = queued(&conn, 10).unwrap();
        assert_eq!(first.len(), 2, "a batch holds one pseudonym");
        uploaded(&conn, &first).unwrap();
        prune(&conn, 11).unwrap();
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM record_pseudonyms", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 2, "day 10's pseudonym went; day 11's two stay");
    }
}
