//! Numbered schema migrations, tracked in `PRAGMA user_version`, each applied in its own
//! transaction so a failure leaves the previous schema intact.

use rusqlite::Connection;

use super::StoreError;

pub(crate) struct Migration {
    pub(crate) version: u32,
    pub(crate) sql: &'static str,
}

pub(crate) fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StoreError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = migrations.last().map_or(0, |m| m.version);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for migration in migrations.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        tx.pragma_update(None, "user_version", migration.version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[Migration] = &[
        Migration {
            version: 1,
            sql: "CREATE TABLE a (x INTEGER);",
        },
        Migration {
            version: 2,
            sql: "ALTER TABLE a ADD COLUMN y TEXT;",
        },
    ];

    fn version(conn: &Connection) -> u32 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn applies_pending_steps_in_order_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &STEPS[..1]).unwrap();
        assert_eq!(version(&conn), 1);
        apply(&mut conn, STEPS).unwrap();
        assert_eq!(version(&conn), 2);
        apply(&mut conn, STEPS).unwrap();
        conn.execute("INSERT INTO a (x, y) VALUES (1, 'z')", [])
            .unwrap();
    }

    #[test]
    fn a_failing_step_rolls_back_and_keeps_the_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &STEPS[..1]).unwrap();
        let broken = [
            Migration {
                version: 1,
                sql: STEPS[0].sql,
            },
            Migration {
                version: 2,
                sql: "CREATE TABLE b (x); THIS IS NOT SQL;",
            },
        ];
        assert!(apply(&mut conn, &broken).is_err());
        assert_eq!(version(&conn), 1);
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
        conn.pragma_update(None, "user_version", 7).unwrap();
        assert!(matches!(
            apply(&mut conn, STEPS),
            Err(StoreError::SchemaTooNew { found: 7, known: 2 })
        ));
    }
}
