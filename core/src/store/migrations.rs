//! The migration runner. Each area contributes its own schema (its tables, as numbered steps)
//! to a database; the runner keeps one version per area in `schema_versions` and applies each
//! pending step in its own transaction, so a failure leaves the previous schema intact.
//!
//! `PRAGMA user_version` says which bookkeeping a file uses: 0 for a new file, 5 for a file
//! written when one numbered list covered the whole database (its tables are exactly every
//! area's first step, which is adopted as applied), 6 for per-area versions. A build that
//! predates per-area versions refuses a 6 as too new instead of misreading it.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::database::writing;

/// The last version of the single numbered list, kept by databases written before areas
/// owned their schemas.
const SINGLE_LIST: u32 = 5;
/// Per-area versions in `schema_versions`.
const PER_AREA: u32 = 6;

pub(crate) struct Migration {
    pub(crate) version: u32,
    pub(crate) sql: &'static str,
}

/// One area's tables in one database.
pub(crate) struct Schema {
    /// The area's stable name, its key in `schema_versions`.
    pub(crate) area: &'static str,
    pub(crate) migrations: &'static [Migration],
    /// Its tables existed, as its first step creates them, in a single-list database.
    pub(crate) in_single_list: bool,
}

impl Schema {
    fn latest(&self) -> u32 {
        self.migrations.last().map_or(0, |m| m.version)
    }
}

pub(crate) fn apply(conn: &mut Connection, schemas: &[&Schema]) -> Result<(), StoreError> {
    let bookkeeping: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    match bookkeeping {
        0 | PER_AREA => {}
        SINGLE_LIST => adopt_single_list(conn, schemas)?,
        found if found > PER_AREA => {
            return Err(StoreError::SchemaTooNew {
                found,
                known: PER_AREA,
            });
        }
        found => return Err(StoreError::SchemaTooOld { found }),
    }
    if bookkeeping == 0 {
        let tx = writing(conn)?;
        tx.execute_batch(
            "CREATE TABLE schema_versions (area TEXT PRIMARY KEY, version INTEGER NOT NULL);",
        )?;
        tx.pragma_update(None, "user_version", PER_AREA)?;
        tx.commit()?;
    }
    for schema in schemas {
        apply_area(conn, schema)?;
    }
    Ok(())
}

fn adopt_single_list(conn: &mut Connection, schemas: &[&Schema]) -> Result<(), StoreError> {
    let tx = writing(conn)?;
    tx.execute_batch(
        "CREATE TABLE schema_versions (area TEXT PRIMARY KEY, version INTEGER NOT NULL);",
    )?;
    for schema in schemas.iter().filter(|s| s.in_single_list) {
        tx.execute(
            "INSERT INTO schema_versions (area, version) VALUES (?1, 1)",
            [schema.area],
        )?;
    }
    tx.pragma_update(None, "user_version", PER_AREA)?;
    tx.commit()?;
    Ok(())
}

fn apply_area(conn: &mut Connection, schema: &Schema) -> Result<(), StoreError> {
    let current: u32 = conn
        .query_row(
            "SELECT version FROM schema_versions WHERE area = ?1",
            [schema.area],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if current > schema.latest() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: schema.latest(),
        });
    }
    for migration in schema.migrations.iter().filter(|m| m.version > current) {
        let tx = writing(conn)?;
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_versions (area, version) VALUES (?1, ?2)
             ON CONFLICT(area) DO UPDATE SET version = excluded.version",
            params![schema.area, migration.version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTES: Schema = Schema {
        area: "notes",
        migrations: &[
            Migration {
                version: 1,
                sql: "CREATE TABLE a (x INTEGER);",
            },
            Migration {
                version: 2,
                sql: "ALTER TABLE a ADD COLUMN y TEXT;",
            },
        ],
        in_single_list: true,
    };

    const TAGS: Schema = Schema {
        area: "tags",
        migrations: &[Migration {
            version: 1,
            sql: "CREATE TABLE t (name TEXT);",
        }],
        in_single_list: false,
    };

    fn version(conn: &Connection, area: &str) -> Option<u32> {
        conn.query_row(
            "SELECT version FROM schema_versions WHERE area = ?1",
            [area],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
    }

    fn first_step_only() -> Schema {
        Schema {
            migrations: &NOTES.migrations[..1],
            ..NOTES
        }
    }

    #[test]
    fn each_area_advances_on_its_own_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &[&first_step_only()]).unwrap();
        assert_eq!(version(&conn, "notes"), Some(1));
        apply(&mut conn, &[&NOTES, &TAGS]).unwrap();
        assert_eq!(version(&conn, "notes"), Some(2));
        assert_eq!(version(&conn, "tags"), Some(1));
        apply(&mut conn, &[&NOTES, &TAGS]).unwrap();
        conn.execute("INSERT INTO a (x, y) VALUES (1, 'z')", [])
            .unwrap();
    }

    #[test]
    fn a_failing_step_rolls_back_and_keeps_the_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &[&first_step_only()]).unwrap();
        let broken = Schema {
            migrations: &[
                Migration {
                    version: 1,
                    sql: "CREATE TABLE a (x INTEGER);",
                },
                Migration {
                    version: 2,
                    sql: "CREATE TABLE b (x); THIS IS NOT SQL;",
                },
            ],
            ..NOTES
        };
        assert!(apply(&mut conn, &[&broken]).is_err());
        assert_eq!(version(&conn, "notes"), Some(1));
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &[&NOTES]).unwrap();
        assert!(matches!(
            apply(&mut conn, &[&first_step_only()]),
            Err(StoreError::SchemaTooNew { found: 2, known: 1 })
        ));
        conn.pragma_update(None, "user_version", 7).unwrap();
        assert!(matches!(
            apply(&mut conn, &[&NOTES]),
            Err(StoreError::SchemaTooNew { found: 7, .. })
        ));
    }

    #[test]
    fn a_single_list_database_keeps_its_tables_and_continues_from_them() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE a (x INTEGER); INSERT INTO a (x) VALUES (42);")
            .unwrap();
        conn.pragma_update(None, "user_version", SINGLE_LIST)
            .unwrap();
        apply(&mut conn, &[&NOTES, &TAGS]).unwrap();
        assert_eq!(version(&conn, "notes"), Some(2));
        assert_eq!(version(&conn, "tags"), Some(1));
        let kept: i64 = conn.query_row("SELECT x FROM a", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 42);
        conn.execute("UPDATE a SET y = 'new column'", []).unwrap();
    }

    #[test]
    fn an_older_single_list_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        assert!(matches!(
            apply(&mut conn, &[&NOTES]),
            Err(StoreError::SchemaTooOld { found: 3 })
        ));
    }
}
