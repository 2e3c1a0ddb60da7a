//! Opening a SQLCipher database with its own raw key, and recovering (recreating) one that
//! cannot be decrypted or read, with the reason logged, instead of failing the app.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rand::RngCore;
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};
// SQLCipher's crypto provider: linked only where code names the crate.
use medcircle_sqlcipher as _;

use super::StoreError;
use super::migrations::{self, Schema};
use crate::secrets::SecretStore;

const KEY_LEN: usize = 32;

pub(crate) struct DatabaseSpec {
    pub(crate) file: PathBuf,
    /// Name of the raw key's entry in the secure store.
    pub(crate) key_name: String,
    /// The tables of every area that keeps data here.
    pub(crate) schemas: Vec<&'static Schema>,
    /// What the database is, for log lines (never a path: paths can name the account).
    pub(crate) label: &'static str,
}

pub(crate) struct Database {
    conn: Mutex<Connection>,
    spec: DatabaseSpec,
}

impl Database {
    pub(crate) fn open(spec: DatabaseSpec, secrets: &SecretStore) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Mutex::new(open_connection(&spec, secrets)?),
            spec,
        })
    }

    /// Deletes the database's files and key and starts an empty one in their place, for
    /// whoever holds this handle.
    pub(crate) fn recreate(&self, secrets: &SecretStore) -> Result<(), StoreError> {
        let mut conn = self.conn();
        // Unlinking the open file is fine on every platform we ship: the old connection keeps
        // the unlinked inode until it is replaced below.
        remove_database_files(&self.spec.file)?;
        secrets.delete(&self.spec.key_name)?;
        *conn = open_connection(&self.spec, secrets)?;
        Ok(())
    }

    /// Deletes the database's files and key; the handle must not be used after.
    pub(crate) fn destroy(self, secrets: &SecretStore) -> Result<(), StoreError> {
        let Database { conn, spec } = self;
        drop(conn);
        remove_database_files(&spec.file)?;
        secrets.delete(&spec.key_name)?;
        Ok(())
    }

    /// The connection, for one short synchronous unit of work.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on
        // drop), so a poisoned lock is still safe to use.
        self.conn
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

fn open_connection(spec: &DatabaseSpec, secrets: &SecretStore) -> Result<Connection, StoreError> {
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
    let mut conn = match open_file(&spec.file, Some(&key)) {
        Err(StoreError::Sqlite(e)) if is_unreadable(&e) => {
            tracing::warn!(
                db = spec.label,
                reason = "the file is corrupt or encrypted with another key",
                "recreating unreadable database"
            );
            remove_database_files(&spec.file)?;
            open_file(&spec.file, Some(&key))?
        }
        other => other?,
    };
    match migrations::apply(&mut conn, &spec.schemas) {
        Err(StoreError::SchemaTooOld { found }) => {
            // A development build's file from before the last single-list schema.
            tracing::warn!(
                db = spec.label,
                found,
                "recreating a database with an old schema"
            );
            drop(conn);
            remove_database_files(&spec.file)?;
            let mut conn = open_file(&spec.file, Some(&key))?;
            migrations::apply(&mut conn, &spec.schemas)?;
            Ok(conn)
        }
        other => other.map(|()| conn),
    }
}

/// Opens `file` with the store's settings; encrypted with `key` (none only for benchmarks
/// that compare with plain SQLite).
pub(crate) fn open_file(file: &Path, key: Option<&[u8]>) -> Result<Connection, StoreError> {
    let conn = Connection::open(file)?;
    if let Some(key) = key {
        // A raw key skips SQLCipher's per-open PBKDF2: the key is already 256 random bits.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))?;
    }
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

/// Every write transaction: it takes the write lock at once, so another connection writing
/// meanwhile (a client still finishing while a new one opens) makes it wait for the busy
/// timeout. A deferred one that reads first fails at once instead, when it tries to write.
pub(crate) fn writing(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring_core::mock;

    const NOTES: Schema = Schema {
        area: "notes",
        migrations: &[super::super::migrations::Migration {
            version: 1,
            sql: "CREATE TABLE notes (text TEXT NOT NULL);",
        }],
        in_single_list: false,
    };
    const MARKER: &str = "PLAINTEXT-MARKER-4242";

    struct Fixture {
        dir: tempfile::TempDir,
        secrets: SecretStore,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let secrets = SecretStore::new(mock::Store::new().unwrap(), "fixture");
            Self { dir, secrets }
        }

        fn spec(&self) -> DatabaseSpec {
            DatabaseSpec {
                file: self.dir.path().join("test.db"),
                key_name: "test-key".into(),
                schemas: vec![&NOTES],
                label: "test",
            }
        }

        fn open(&self) -> Result<Database, StoreError> {
            Database::open(self.spec(), &self.secrets)
        }

        fn write_note(&self) {
            let db = self.open().unwrap();
            db.conn()
                .execute("INSERT INTO notes (text) VALUES (?1)", [MARKER])
                .unwrap();
        }

        fn notes(&self) -> i64 {
            self.open()
                .unwrap()
                .conn()
                .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
                .unwrap()
        }
    }

    #[test]
    fn data_survives_reopening_and_is_not_plaintext_on_disk() {
        let f = Fixture::new();
        f.write_note();
        assert_eq!(f.notes(), 1);
        let key = f.secrets.get("test-key").unwrap().unwrap();
        assert_eq!(key.len(), KEY_LEN);
        for suffix in ["", "-wal"] {
            let path = format!("{}{suffix}", f.spec().file.display());
            if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(MARKER), "{path} holds plaintext");
                assert!(!text.contains("SQLite format 3"), "{path} is not encrypted");
                assert!(!text.contains(&hex::encode(&key)), "{path} holds its key");
            }
        }
    }

    #[test]
    fn a_missing_key_recreates_the_database() {
        let f = Fixture::new();
        f.write_note();
        f.secrets.delete("test-key").unwrap();
        assert_eq!(f.notes(), 0);
    }

    #[test]
    fn a_malformed_key_recreates_the_database() {
        let f = Fixture::new();
        f.write_note();
        f.secrets.set("test-key", b"short").unwrap();
        assert_eq!(f.notes(), 0);
        assert_eq!(f.secrets.get("test-key").unwrap().unwrap().len(), KEY_LEN);
    }

    #[test]
    fn a_corrupt_file_is_recreated() {
        let f = Fixture::new();
        f.write_note();
        remove_database_files(&f.spec().file).unwrap();
        std::fs::write(f.spec().file, vec![0x5a; 8192]).unwrap();
        assert_eq!(f.notes(), 0);
    }

    #[test]
    fn a_file_encrypted_with_another_key_is_recreated() {
        let f = Fixture::new();
        f.write_note();
        f.secrets.set("test-key", &[9u8; KEY_LEN]).unwrap();
        assert_eq!(f.notes(), 0);
    }

    #[test]
    fn an_unavailable_secure_store_fails_without_touching_the_data() {
        let f = Fixture::new();
        f.write_note();
        let entry = f.secrets.entry("test-key").unwrap();
        let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::NoStorageAccess("locked".into()));
        assert!(matches!(f.open(), Err(StoreError::Secrets(_))));
        assert_eq!(f.notes(), 1, "the database was kept");
    }
}
