//! The server's own keys, kept outside the database so that a copy of the database file
//! reveals nothing they protect: the lookup key (HMACs of phone numbers, device ids and
//! codes) and the data keys (AEAD of sensitive columns, see `sealed`). Several data keys may
//! be listed: the newest seals, every listed one opens, which is how a key is rotated.
//!
//! The text form, one key a line (`#` starts a comment):
//! ```text
//! lookup <64 hex digits>
//! data <id> <64 hex digits>
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::files;

const KEY_BYTES: usize = 32;

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A key file, created (in dev mode only) if missing.
    File(PathBuf),
    /// The key file's text itself (e.g. from an environment variable); lines may also be
    /// separated by `;`.
    Inline(String),
}

impl KeySource {
    /// `MEDCIRCLE_KEYS` (the text) or else `MEDCIRCLE_KEY_FILE` (a path), if either is set.
    pub fn from_env() -> Option<KeySource> {
        if let Some(text) = std::env::var_os("MEDCIRCLE_KEYS") {
            return Some(KeySource::Inline(text.to_string_lossy().into_owned()));
        }
        std::env::var_os("MEDCIRCLE_KEY_FILE").map(|path| KeySource::File(path.into()))
    }

    /// The dev default: a key file beside the database, generated on first start.
    pub fn beside(db_path: &Path) -> KeySource {
        let mut name = db_path.as_os_str().to_owned();
        name.push(".keys");
        KeySource::File(name.into())
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    lookup: [u8; KEY_BYTES],
    data: BTreeMap<u32, [u8; KEY_BYTES]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        f.debug_struct("Keys")
            .field("data_key_ids", &self.data.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Keys {
    pub fn generate() -> Keys {
        Keys {
            lookup: rand::random(),
            data: BTreeMap::from([(1, rand::random())]),
        }
    }

    /// Loads the keys of `source`. A missing key file is generated when `create` allows it;
    /// `fresh` then tells the caller it was.
    pub fn load(source: &KeySource, create: bool) -> io::Result<Loaded> {
        match source {
            KeySource::Inline(text) => Ok(Loaded {
                keys: Keys::parse(text)?,
                fresh: false,
            }),
            KeySource::File(path) => match fs::read_to_string(path) {
                Ok(text) => Ok(Loaded {
                    keys: Keys::parse(&text).map_err(|error| {
                        io::Error::other(format!("{}: {error}", path.display()))
                    })?,
                    fresh: false,
                }),
                Err(error) if error.kind() == io::ErrorKind::NotFound && create => {
                    let keys = Keys::generate();
                    keys.save(path)?;
                    tracing::warn!(path = %path.display(), "generated new server keys");
                    Ok(Loaded { keys, fresh: true })
                }
                Err(error) => Err(io::Error::new(
                    error.kind(),
                    format!("key file {}: {error}", path.display()),
                )),
            },
        }
    }

    pub fn parse(text: &str) -> io::Result<Keys> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let mut lookup = None;
        let mut data = BTreeMap::new();
        for line in text.split(['\n', ';']).map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["lookup", key] if lookup.is_none() => lookup = Some(hex_key(key)?),
                ["data", id, key] => {
                    let id: u32 = id
                        .parse()
                        .map_err(|_| invalid(format!("data key id {id:?} is not a number")))?;
                    if data.insert(id, hex_key(key)?).is_some() {
                        return Err(invalid(format!("data key {id} is listed twice")));
                    }
                }
                _ => {
                    return Err(invalid(format!(
                        "expected `lookup <hex>` once and `data <id> <hex>` lines, found {:?}",
                        words.first().unwrap_or(&"")
                    )));
                }
            }
        }
        let lookup = lookup.ok_or_else(|| invalid("no lookup key".into()))?;
        if data.is_empty() {
            return Err(invalid("no data key".into()));
        }
        Ok(Keys { lookup, data })
    }

    pub fn to_text(&self) -> String {
        let mut text = String::from(
            "# medcircle-server keys: keep outside the data directory, readable by the server only.\n",
        );
        text.push_str(&format!("lookup {}\n", hex::encode(self.lookup)));
        for (id, key) in &self.data {
            text.push_str(&format!("data {id} {}\n", hex::encode(key)));
        }
        text
    }

    /// Writes the keys to `path` (owner-only on Unix), replacing the file in one step.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        files::replace(path, self.to_text().as_bytes(), files::PRIVATE)
    }

    pub fn lookup(&self) -> &[u8] {
        &self.lookup
    }

    /// The key new values are sealed with: the newest.
    pub fn current(&self) -> (u32, &[u8; KEY_BYTES]) {
        let (id, key) = self
            .data
            .last_key_value()
            .expect("parse and generate keep at least one data key");
        (*id, key)
    }

    pub fn data_key(&self, id: u32) -> Option<&[u8; KEY_BYTES]> {
        self.data.get(&id)
    }

    /// These keys with a new data key, newer than every other.
    pub fn with_new_data_key(&self) -> Keys {
        let mut keys = self.clone();
        let next = self
            .current()
            .0
            .checked_add(1)
            .expect("fewer than 2^32 rotations");
        keys.data.insert(next, rand::random());
        keys
    }

    /// These keys without any data key but the newest.
    pub fn only_current(&self) -> Keys {
        let (id, key) = self.current();
        Keys {
            lookup: self.lookup,
            data: BTreeMap::from([(id, *key)]),
        }
    }

    /// The lookup key and the data keys, for an existing database's lookup key.
    pub fn with_lookup(mut self, lookup: [u8; KEY_BYTES]) -> Keys {
        self.lookup = lookup;
        self
    }
}

/// Keys as loaded, and whether they were generated just now.
pub struct Loaded {
    pub keys: Keys,
    pub fresh: bool,
}

fn hex_key(text: &str) -> io::Result<[u8; KEY_BYTES]> {
    hex::decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a key must be 64 hex digits (32 bytes)",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_round_trips_and_bad_text_is_refused() {
        let keys = Keys::generate().with_new_data_key();
        assert_eq!(Keys::parse(&keys.to_text()).unwrap(), keys);
        assert_eq!(keys.current().0, 2);
        let inline = keys.to_text().replace('\n', ";");
        assert_eq!(Keys::parse(&inline).unwrap(), keys);
        let lookup = format!("lookup {}", "ab".repeat(32));
        for bad in [
            String::new(),
            lookup.clone(),
            format!("{lookup}\ndata x {}", "ab".repeat(32)),
            format!("{lookup}\ndata 1 {}", "ab".repeat(31)),
            format!("{lookup}\ndata 1 {0}\ndata 1 {0}", "ab".repeat(32)),
            format!("{lookup}\n{lookup}\ndata 1 {}", "ab".repeat(32)),
            format!("{lookup}\nsecret 1"),
        ] {
            assert!(Keys::parse(&bad).is_err(), "{bad}");
        }
        assert!(!format!("{keys:?}").contains(&hex::encode(keys.lookup)));
    }

    #[test]
    fn a_key_file_is_generated_once_owner_only_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.keys");
        let source = KeySource::File(path.clone());
        assert!(
            Keys::load(&source, false).is_err(),
            "missing and not to be created"
        );
        let first = Keys::load(&source, true).unwrap();
        assert!(first.fresh);
        let again = Keys::load(&source, true).unwrap();
        assert!(!again.fresh);
        assert_eq!(again.keys, first.keys);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let rotated = first.keys.with_new_data_key().only_current();
        assert_eq!(rotated.data.len(), 1);
        assert_eq!(rotated.current().0, 2);
    }
}
