//! The SQLite database: opening, schema migrations and the per-server secret.

use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

/// Schema steps; `PRAGMA user_version` records how many have been applied. Append only.
const MIGRATIONS: &[&str] = &[r"
    CREATE TABLE server_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL
    );
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        phone_key BLOB NOT NULL UNIQUE,
        phone_masked TEXT NOT NULL,
        nickname TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        family TEXT NOT NULL,
        access_hash BLOB NOT NULL UNIQUE,
        refresh_hash BLOB NOT NULL UNIQUE,
        access_expires_at INTEGER NOT NULL,
        refresh_expires_at INTEGER NOT NULL,
        rotated INTEGER NOT NULL DEFAULT 0,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_family ON sessions(family);
    CREATE TABLE sms_codes (
        phone_key BLOB PRIMARY KEY,
        code_mac BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        wrong_attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sms_sends (
        id INTEGER PRIMARY KEY,
        phone_key BLOB NOT NULL,
        device_key BLOB NOT NULL,
        sent_at INTEGER NOT NULL
    );
    CREATE INDEX sms_sends_by_phone ON sms_sends(phone_key, sent_at);
    CREATE INDEX sms_sends_by_device ON sms_sends(device_key, sent_at);
"];

/// Opens (creating if needed) and migrates the database at `path`.
pub fn open(path: &Path) -> io::Result<Connection> {
    let context =
        |error: rusqlite::Error| io::Error::other(format!("database {}: {error}", path.display()));
    let mut conn = Connection::open(path).map_err(context)?;
    configure(&conn).map_err(context)?;
    let applied: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(context)?;
    if applied as usize > MIGRATIONS.len() {
        return Err(io::Error::other(format!(
            "database {}: schema version {applied} is newer than this server's ({})",
            path.display(),
            MIGRATIONS.len()
        )));
    }
    migrate(&mut conn, applied).map_err(context)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "foreign_keys", true)
}

fn migrate(conn: &mut Connection, applied: u32) -> rusqlite::Result<()> {
    for (version, step) in (1u32..).zip(MIGRATIONS).skip(applied as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// The HMAC key for codes, phones and devices: generated at first start, then kept.
pub fn server_secret(conn: &Connection) -> io::Result<Vec<u8>> {
    let load = || -> rusqlite::Result<Vec<u8>> {
        let existing = conn
            .query_row("SELECT secret FROM server_secret WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?;
        if let Some(secret) = existing {
            return Ok(secret);
        }
        let secret = rand::random::<[u8; 32]>().to_vec();
        conn.execute(
            "INSERT INTO server_secret (id, secret) VALUES (1, ?1)",
            [&secret],
        )?;
        Ok(secret)
    };
    load().map_err(|error| io::Error::other(format!("server secret: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_keeps_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let first = {
            let conn = open(&path).unwrap();
            server_secret(&conn).unwrap()
        };
        let conn = open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        assert_eq!(server_secret(&conn).unwrap(), first);
        assert_eq!(first.len(), 32);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        drop(open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let error = open(&path).unwrap_err();
        assert!(error.to_string().contains("newer"), "{error}");
    }
}
