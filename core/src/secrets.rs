//! The OS secure store (Keychain, Android Keystore, Linux keyutils) through keyring-core.
//! Database keys and session tokens live here and nowhere else.

use std::sync::Arc;

use keyring_core::{Entry, Error as KeyringError};
use sha2::{Digest, Sha256};

pub use keyring_core::CredentialStore;

const SERVICE: &str = "medcircle";
const PROBE: &str = "probe";
#[cfg(all(target_os = "linux", not(target_os = "android")))]
const PROBE_HINT: &str =
    " (keyutils needs a session keyring: run the process under `keyctl session -`)";
#[cfg(not(all(target_os = "linux", not(target_os = "android"))))]
const PROBE_HINT: &str = "";

#[derive(Debug, thiserror::Error)]
pub(crate) enum SecretError {
    #[error("{0}")]
    Unavailable(String),
    #[error("secure store entry {0} is corrupt")]
    Corrupt(String),
}

/// Secrets of one installation. Entries are namespaced by the data directory so two clients
/// (two test installs, two app flavours) never read each other's keys.
#[derive(Clone)]
pub(crate) struct SecretStore {
    store: Arc<CredentialStore>,
    namespace: String,
}

impl SecretStore {
    pub(crate) fn new(store: Arc<CredentialStore>, data_dir: &str) -> Self {
        let digest = Sha256::digest(data_dir.as_bytes());
        Self {
            store,
            namespace: hex::encode(&digest[..8]),
        }
    }

    /// The platform's own store. On Android the Keystore-backed store needs the app context:
    /// the shell calls `io.crates.keyring.Keyring.initializeNdkContext(context)` once first.
    pub(crate) fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
        #[cfg(all(target_os = "linux", not(target_os = "android")))]
        {
            require_own_session_keyring()?;
            let store = linux_keyutils_keyring_store::Store::new()
                .map_err(|e| SecretError::Unavailable(e.to_string()))?;
            Ok(store)
        }
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        {
            let store = apple_native_keyring_store::protected::Store::new()
                .map_err(|e| SecretError::Unavailable(e.to_string()))?;
            Ok(store)
        }
        #[cfg(target_os = "android")]
        {
            let store = android_native_keyring_store::Store::new()
                .map_err(|e| SecretError::Unavailable(e.to_string()))?;
            Ok(store)
        }
    }

    /// Writes, reads back and deletes a random value. A store that cannot return what it was
    /// given (a locked keychain, a Linux process without a session keyring) must be reported,
    /// never mistaken for "no key yet": that would wipe the encrypted databases.
    pub(crate) fn probe(&self) -> Result<(), SecretError> {
        let mut value = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut value);
        let round_trip = self
            .set(PROBE, &value)
            .and_then(|()| self.get(PROBE))
            .and_then(|read| self.delete(PROBE).map(|()| read));
        match round_trip {
            Ok(Some(read)) if read == value => Ok(()),
            Ok(_) => Err(SecretError::Unavailable(format!(
                "it does not return what was stored{PROBE_HINT}"
            ))),
            Err(e) => Err(SecretError::Unavailable(format!("{e}{PROBE_HINT}"))),
        }
    }

    pub(crate) fn entry(&self, name: &str) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, SERVICE, &format!("{}:{name}", self.namespace))
            .map_err(|e| SecretError::Unavailable(e.to_string()))
    }

    pub(crate) fn get(&self, name: &str) -> Result<Option<Vec<u8>>, SecretError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(secret)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(KeyringError::BadEncoding(_)) | Err(KeyringError::BadDataFormat(..)) => {
                Err(SecretError::Corrupt(name.to_string()))
            }
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }

    pub(crate) fn set(&self, name: &str, secret: &[u8]) -> Result<(), SecretError> {
        self.entry(name)?
            .set_secret(secret)
            .map_err(|e| SecretError::Unavailable(e.to_string()))
    }

    pub(crate) fn delete(&self, name: &str) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }
}

/// keyutils in a process without a session keyring of its own falls back to the shared
/// user-session keyring, where a key stored from one thread is not reliably found from another
/// (the store's persistent-keyring lookup gives threads private session keyrings). A key that
/// seems missing would then make the core recreate its databases: refuse instead.
#[cfg(all(target_os = "linux", not(target_os = "android")))]
fn require_own_session_keyring() -> Result<(), SecretError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .and_then(|keyring| keyring.metadata())
        .map_err(|e| SecretError::Unavailable(format!("no session keyring: {e:?}{PROBE_HINT}")))?;
    if session.get_description().starts_with("_uid_ses.") {
        return Err(SecretError::Unavailable(format!(
            "only the shared user-session keyring is available{PROBE_HINT}"
        )));
    }
    Ok(())
}
