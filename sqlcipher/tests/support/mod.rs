//! The compatibility content, and how every check opens a database: keyed with a raw 256-bit
//! key and in WAL mode, as the app's stores are (core/src/store/database.rs).

// Shared by the example and each test crate, which use different parts of it.
#![allow(dead_code)]

use std::path::Path;

use rusqlite::Connection;
// This crate's SQLCipher and provider (see the crate's documentation).
use medcircle_sqlcipher as _;

pub const CONTENT: &str = include_str!("content.sql");
pub const CHECK: &str = include_str!("check.sql");
/// The check's verdict on a database holding exactly `CONTENT`.
pub const CONTENT_OK: &str = "content ok";

/// Opens `file` with the raw key `key_hex` (64 hex digits).
pub fn open(file: &Path, key_hex: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open(file)?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    Ok(conn)
}

/// Creates `file` holding `CONTENT`; closing checkpoints the WAL into the file.
pub fn write(file: &Path, key_hex: &str) -> rusqlite::Result<()> {
    open(file, key_hex)?.execute_batch(CONTENT)
}

/// The check's verdict on `file`: `CONTENT_OK`, or what differs.
pub fn check(file: &Path, key_hex: &str) -> rusqlite::Result<String> {
    open(file, key_hex)?.query_row(CHECK, [], |row| row.get(0))
}
