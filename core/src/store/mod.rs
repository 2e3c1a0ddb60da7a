//! The encrypted local store: one SQLCipher database for the app (consents, settings) and one
//! per account, each with its own random key held only in the secure store. Areas own their
//! tables and hand their schemas to the migration runner here.

mod database;
mod migrations;
pub(crate) mod settings;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub(crate) use database::Database;
use database::DatabaseSpec;
#[cfg(feature = "bench")]
pub(crate) use database::open_file;
pub(crate) use database::writing;
#[cfg(test)]
pub(crate) use migrations::apply as apply_migrations;
pub(crate) use migrations::{Migration, Schema};

use crate::secrets::SecretStore;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("secure store: {0}")]
    Secrets(#[from] crate::secrets::SecretError),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("database schema {found} is newer than this app knows ({known})")]
    SchemaTooNew { found: u32, known: u32 },
    #[error("database schema {found} predates the ones this app reads")]
    SchemaTooOld { found: u32 },
    #[error("stored data unreadable: {0}")]
    Corrupt(String),
}

/// The app database: what belongs to the installation rather than to an account.
pub(crate) fn app_database(
    data_dir: &Path,
    schemas: Vec<&'static Schema>,
    secrets: &SecretStore,
) -> Result<Database, StoreError> {
    let spec = DatabaseSpec {
        file: data_dir.join("app.db"),
        key_name: "app-db-key".into(),
        schemas: std::iter::once(&settings::SCHEMA).chain(schemas).collect(),
        label: "app",
    };
    Database::open(spec, secrets)
}

/// One account's database: everything cached for that account, removed with it.
pub(crate) fn account_database(
    data_dir: &Path,
    account_id: &str,
    schemas: Vec<&'static Schema>,
    secrets: &SecretStore,
) -> Result<Database, StoreError> {
    let spec = DatabaseSpec {
        file: account_file(data_dir, account_id),
        key_name: account_key_name(account_id),
        schemas,
        label: "account",
    };
    Database::open(spec, secrets)
}

/// File and key names derive from a digest of the account id: the server's id never becomes a
/// path (no traversal) and file names reveal nothing about who is signed in.
fn slot(account_id: &str) -> String {
    hex::encode(&Sha256::digest(account_id.as_bytes())[..12])
}

fn account_file(data_dir: &Path, account_id: &str) -> PathBuf {
    data_dir
        .join("accounts")
        .join(format!("{}.db", slot(account_id)))
}

fn account_key_name(account_id: &str) -> String {
    format!("account-db-key:{}", slot(account_id))
}

/// Deletes an account's database files and key (its connection may still be open elsewhere:
/// the unlinked file goes with its last user).
pub(crate) fn destroy_account_database(
    data_dir: &Path,
    account_id: &str,
    secrets: &SecretStore,
) -> Result<(), StoreError> {
    database::remove_database_files(&account_file(data_dir, account_id))?;
    secrets.delete(&account_key_name(account_id))?;
    Ok(())
}
