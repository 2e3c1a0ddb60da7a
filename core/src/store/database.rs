//! Opening a SQLCipher database with its own raw key, and recovering (recreating) one that
//! cannot be decrypted or read, with the reason logged, instead of failing the app.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rand::RngCore;
use rusqlite::{Connection, ErrorCode};

use super::StoreError;
use super::migrations::{self, Migration};
use crate::secrets::SecretStore;

const KEY_LEN: usize = 32;

pub(crate) struct DatabaseSpec<'a> {
    pub(crate) file: PathBuf,
    /// Name of the raw key's entry in the secure store.
    pub(crate) key_name: String,
    pub(crate) migrations: &'a [Migration],
    /// What the database is, for log lines (never a path: paths can name the account).
    pub(crate) label: &'static str,
}

pub(crate) struct Database {
    conn: Mutex<Connection>,
}

impl Database {
    pub(crate) fn open(spec: &DatabaseSpec<'_>, secrets: &SecretStore) -> Result<Self, StoreError> {
        if let Some(dir) = spec.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let key = match secrets.get(&spec.key_name)? {
            Some(key) if key.len() == KEY_LEN => key,
            found => {
                if spec.file.exists() {
                    let reason = if found.is_some() {
                        "its key in the secure store is malformed"
                    } else {
                        "its key is missing from the secure store"
                    };
                    tracing::warn!(db = spec.label, reason, "recreating unreadable database");
                    remove_database_files(&spec.file)?;
                }
                let mut key = vec![0u8; KEY_LEN];
                rand::rng().fill_bytes(&mut key);
                secrets.set(&spec.key_name, &key)?;
                key
            }
        };
        let mut conn = match open_with_key(&spec.file, &key) {
            Err(StoreError::Sqlite(e)) if is_unreadable(&e) => {
                tracing::warn!(
                    db = spec.label,
                    reason = "the file is corrupt or encrypted with another key",
                    "recreating unreadable database"
                );
                remove_database_files(&spec.file)?;
                open_with_key(&spec.file, &key)?
            }
            other => other?,
        };
        migrations::apply(&mut conn, spec.migrations)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The connection, for one short synchronous unit of work.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on
        // drop), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

fn open_with_key(file: &Path, key: &[u8]) -> Result<Connection, StoreError> {
    let conn = Connection::open(file)?;
    // A raw key skips SQLCipher's per-open PBKDF2: the key is already 256 random bits.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))?;
    // The first read is what fails on a wrong key or a damaged file.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    // Temporary tables and sort spills stay in memory: no plaintext temp files on disk.
    conn.execute_batch(
        "PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -16000;",
    )?;
    Ok(conn)
}

fn is_unreadable(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt)
    )
}

/// Removes a database with its WAL and shared-memory files.
pub(crate) fn remove_database_files(file: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
