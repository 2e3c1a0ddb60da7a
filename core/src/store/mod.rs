//! The encrypted local store: one SQLCipher database for the app (consents, settings) and one
//! per account, each with its own random key held only in the secure store.

mod account;
mod app;
mod database;
mod migrations;
mod pending;

pub(crate) use account::AccountStore;
pub(crate) use app::{AppStore, PermissionRefusal, PolicyAcceptance, PurposeDecision};
#[cfg(feature = "bench")]
pub(crate) use database::open_file;
pub(crate) use pending::{PendingDeletion, UnsyncedDecision};

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
}
