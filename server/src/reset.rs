//! Emptying the database for a dev reset or a scenario: every table but the fixed dictionaries
//! and the keys of the simulated carrier and login provider (theirs, not the server's data).

use rusqlite::Connection;

/// Tables kept: the unit and department dictionaries and the help articles (seeded by a
/// migration), the simulated carrier's and dev provider's signing keys, and an older server's
/// lookup key (moved out at start).
const KEPT: [&str; 6] = [
    "units",
    "help_articles",
    "departments",
    "carrier_key",
    "oidc_signing_key",
    "server_secret",
];

/// Deletes every row of every other table, within the caller's transaction. The search index
/// follows the posts through its triggers.
pub fn empty(conn: &Connection) -> rusqlite::Result<()> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'posts_fts%'",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Rows reference each other across tables: checked once, at commit, all gone by then.
    conn.pragma_update(None, "defer_foreign_keys", true)?;
    for table in tables
        .iter()
        .filter(|table| !KEPT.contains(&table.as_str()))
    {
        conn.execute(&format!("DELETE FROM \"{table}\""), [])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empties_all_but_the_dictionaries_and_the_simulated_parties_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        let carrier = crate::db::carrier_key(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        crate::feed::seed::demo(&tx, 1_700_000_000).unwrap();
        tx.commit().unwrap();
        let tx = conn.transaction().unwrap();
        empty(&tx).unwrap();
        tx.commit().unwrap();
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
        };
        for table in ["users", "posts", "comments", "likes"] {
            assert_eq!(count(table), 0, "{table}");
        }
        assert_eq!(count("units"), 12);
        assert!(count("departments") > 0);
        assert_eq!(crate::db::carrier_key(&conn).unwrap(), carrier);
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH '心肌梗死'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(found, 0, "the search index followed");
    }
}
