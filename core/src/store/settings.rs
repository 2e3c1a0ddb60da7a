//! The app database's small settings table: named values that belong to the installation
//! (the install id, switches, what an area keeps between two steps of a flow).

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::migrations::{Migration, Schema};

pub(crate) const SCHEMA: Schema = Schema {
    area: "settings",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    }],
    in_single_list: true,
};

const INSTALL_ID: &str = "install_id";

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Reads and removes a setting in one step: for what may be used only once.
pub(crate) fn take(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "DELETE FROM settings WHERE key = ?1 RETURNING value",
            [key],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn flag(conn: &Connection, key: &str) -> Result<bool, StoreError> {
    Ok(get(conn, key)?.as_deref() == Some("1"))
}

pub(crate) fn set_flag(conn: &Connection, key: &str, on: bool) -> Result<(), StoreError> {
    set(conn, key, if on { "1" } else { "0" })
}

/// The per-install pseudonymous id (random, never derived from hardware), created on first use.
pub(crate) fn install_id(conn: &Connection) -> Result<String, StoreError> {
    if let Some(id) = get(conn, INSTALL_ID)? {
        return Ok(id);
    }
    let id = random_hex();
    set(conn, INSTALL_ID, &id)?;
    Ok(id)
}

/// 128 random bits in hex: keys, pseudonyms, request ids.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
