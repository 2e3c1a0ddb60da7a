//! Rotating the data key: a new key is added to the key file, every sealed value is sealed
//! again under it, and the older keys leave the file. Run with the server stopped: a running
//! server keeps the keys it started with.

use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::keys::{KeySource, Keys};
use crate::{db, sealed};

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    /// The id of the data key everything is now sealed under.
    pub key_id: u32,
    /// How many values were sealed again.
    pub values: usize,
}

/// Rotates the data key of the database at `db_path` kept in the key file `key_file`.
pub fn rotate_keys(db_path: &Path, key_file: &Path) -> io::Result<Rotated> {
    let keys = Keys::load(&KeySource::File(key_file.to_owned()), false)?.keys;
    let conn = db::open(db_path)?;
    // Old and new keys together first: whatever happens next, the file opens every value.
    let both = keys.with_new_data_key();
    both.save(key_file)?;
    let both = Arc::new(both);
    sealed::register(&conn, &both).map_err(io::Error::other)?;
    let values = sealed::reseal(&conn)
        .map_err(|error| io::Error::other(format!("sealing again: {error}")))?;
    let current = both.only_current();
    current.save(key_file)?;
    Ok(Rotated {
        key_id: current.current().0,
        values,
    })
}
