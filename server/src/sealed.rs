//! Sensitive columns sealed with AES-256-GCM under the data keys (see `keys`), through two SQL
//! functions every connection of the server has: `seal(value, context)` and
//! `unseal(sealed, context)`. The context (e.g. `'id_number:' || user_id`) is authenticated
//! with the value, so a sealed value copied into another row or column does not open.
//!
//! A sealed value is a BLOB: `MCS1`, the data key's id (4 bytes, big-endian), a 12-byte random
//! nonce, then the ciphertext of a type byte (`t` text, `b` blob) and the value, and the tag.
//! `NULL` stays `NULL`.

use std::sync::Arc;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error};

use crate::keys::Keys;
use crate::sessions;

const MAGIC: &[u8; 4] = b"MCS1";
const HEADER: usize = MAGIC.len() + 4 + NONCE_LEN;

/// Gives `conn` the `seal` and `unseal` functions under `keys`.
pub fn register(conn: &Connection, keys: &Arc<Keys>) -> rusqlite::Result<()> {
    let sealing = Arc::clone(keys);
    conn.create_scalar_function("seal", 2, FunctionFlags::SQLITE_UTF8, move |ctx| {
        seal_arguments(&sealing, ctx)
    })?;
    let opening = Arc::clone(keys);
    conn.create_scalar_function(
        "unseal",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| unseal_arguments(&opening, ctx),
    )
}

fn seal_arguments(keys: &Keys, ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let context = ctx.get::<String>(1)?;
    let (kind, bytes) = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(Value::Null),
        ValueRef::Text(text) => (b't', text),
        ValueRef::Blob(blob) => (b'b', blob),
        ValueRef::Integer(_) | ValueRef::Real(_) => {
            return Err(user_error("seal takes text or a blob"));
        }
    };
    Ok(Value::Blob(seal(keys, kind, bytes, &context)))
}

fn unseal_arguments(keys: &Keys, ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let context = ctx.get::<String>(1)?;
    match ctx.get_raw(0) {
        ValueRef::Null => Ok(Value::Null),
        ValueRef::Blob(sealed) => {
            unseal(keys, sealed, &context).ok_or_else(|| user_error("a sealed value does not open"))
        }
        _ => Err(user_error("unseal takes a sealed blob")),
    }
}

fn seal(keys: &Keys, kind: u8, value: &[u8], context: &str) -> Vec<u8> {
    let (id, key) = keys.current();
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .expect("the system random generator works");
    let mut sealed = Vec::with_capacity(HEADER + 1 + value.len() + AES_256_GCM.tag_len());
    sealed.extend_from_slice(MAGIC);
    sealed.extend_from_slice(&id.to_be_bytes());
    sealed.extend_from_slice(&nonce);
    let mut body = Vec::with_capacity(1 + value.len() + AES_256_GCM.tag_len());
    body.push(kind);
    body.extend_from_slice(value);
    cipher(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut body,
        )
        .expect("AES-GCM seals any length SQLite can hold");
    sealed.extend_from_slice(&body);
    sealed
}

fn unseal(keys: &Keys, sealed: &[u8], context: &str) -> Option<Value> {
    let rest = sealed.strip_prefix(MAGIC)?;
    let (id, rest) = rest.split_first_chunk::<4>()?;
    let (nonce, ciphertext) = rest.split_first_chunk::<NONCE_LEN>()?;
    let key = keys.data_key(u32::from_be_bytes(*id))?;
    let mut body = ciphertext.to_vec();
    let plain = cipher(key)
        .open_in_place(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(context.as_bytes()),
            &mut body,
        )
        .ok()?;
    let (kind, value) = plain.split_first()?;
    match kind {
        b't' => String::from_utf8(value.to_vec()).ok().map(Value::Text),
        b'b' => Some(Value::Blob(value.to_vec())),
        _ => None,
    }
}

fn cipher(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte key is an AES-256 key"))
}

fn user_error(message: &'static str) -> Error {
    Error::UserFunctionError(message.into())
}

/// Every sealed column, with the context its rows are sealed under: what re-sealing after a
/// key rotation walks.
const SEALED: [(&str, &str, &str); 9] = [
    ("addresses", "sealed", crate::mall::addresses::CONTEXT),
    (
        "redemptions",
        "address_sealed",
        crate::mall::redemptions::CONTEXT,
    ),
    ("users", "phone_sealed", "'phone:' || id"),
    ("certifications", "id_number", "'id_number:' || user_id"),
    (
        "certifications",
        "id_number_masked",
        "'id_number_masked:' || user_id",
    ),
    ("certifications", "location", "'location:' || user_id"),
    (
        "certification_photos",
        "bytes",
        "'certification_photo:' || id",
    ),
    (
        "sessions",
        "replacement_sealed",
        sessions::REPLACEMENT_CONTEXT,
    ),
    ("help_tickets", "contact", "'help_contact:' || id"),
];

/// Seals what an older server stored in clear: ID numbers and their masks (text), the
/// position (two columns), certificate photos (image bytes). Idempotent; run at start.
pub fn seal_legacy(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         UPDATE certifications SET id_number = seal(id_number, 'id_number:' || user_id)
             WHERE typeof(id_number) = 'text';
         UPDATE certifications
             SET id_number_masked = seal(id_number_masked, 'id_number_masked:' || user_id)
             WHERE typeof(id_number_masked) = 'text';
         UPDATE certifications
             SET location = seal(latitude || ',' || longitude, 'location:' || user_id),
                 latitude = NULL, longitude = NULL
             WHERE latitude IS NOT NULL;
         UPDATE certification_photos SET bytes = seal(bytes, 'certification_photo:' || id)
             WHERE substr(bytes, 1, 4) != CAST('MCS1' AS BLOB);
         COMMIT;",
    )
}

/// Seals every sealed value again under the newest data key, in one transaction; afterwards
/// older data keys open nothing the database holds.
pub fn reseal(conn: &Connection) -> rusqlite::Result<usize> {
    let tx = conn.unchecked_transaction()?;
    let mut count = 0;
    for (table, column, context) in SEALED {
        count += tx.execute(
            &format!(
                "UPDATE {table} SET {column} = seal(unseal({column}, {context}), {context})
                 WHERE {column} IS NOT NULL"
            ),
            [],
        )?;
    }
    tx.commit()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(keys: &Keys) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn, &Arc::new(keys.clone())).unwrap();
        conn
    }

    fn sealed(conn: &Connection, value: &str, context: &str) -> Vec<u8> {
        conn.query_row("SELECT seal(?1, ?2)", [value, context], |row| row.get(0))
            .unwrap()
    }

    fn opened(conn: &Connection, sealed: &[u8], context: &str) -> rusqlite::Result<String> {
        conn.query_row(
            "SELECT unseal(?1, ?2)",
            rusqlite::params![sealed, context],
            |row| row.get(0),
        )
    }

    #[test]
    fn values_open_only_under_their_key_and_context() {
        let keys = Keys::generate();
        let conn = connection(&keys);
        let value = "11010519491231002X";
        let first = sealed(&conn, value, "id_number:u_1");
        let second = sealed(&conn, value, "id_number:u_1");
        assert_ne!(first, second, "a fresh nonce each time");
        assert!(!first.windows(value.len()).any(|w| w == value.as_bytes()));
        assert_eq!(opened(&conn, &first, "id_number:u_1").unwrap(), value);
        assert!(opened(&conn, &first, "id_number:u_2").is_err());
        let mut tampered = first.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(opened(&conn, &tampered, "id_number:u_1").is_err());
        assert!(opened(&connection(&Keys::generate()), &first, "id_number:u_1").is_err());
        let blob: Vec<u8> = conn
            .query_row("SELECT unseal(seal(x'00ff', 'c'), 'c')", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(blob, [0, 255]);
        let null: Option<Vec<u8>> = conn
            .query_row("SELECT seal(NULL, 'c')", [], |row| row.get(0))
            .unwrap();
        assert_eq!(null, None);
    }

    #[test]
    fn a_rotated_key_set_opens_old_values_and_seals_with_the_new_key() {
        let keys = Keys::generate();
        let old = sealed(&connection(&keys), "13800138000", "phone:u_1");
        let rotated = keys.with_new_data_key();
        let conn = connection(&rotated);
        assert_eq!(opened(&conn, &old, "phone:u_1").unwrap(), "13800138000");
        let new = sealed(&conn, "13800138000", "phone:u_1");
        assert_eq!(&new[4..8], &2u32.to_be_bytes());
        let only_new = connection(&rotated.only_current());
        assert!(opened(&only_new, &old, "phone:u_1").is_err());
        assert_eq!(opened(&only_new, &new, "phone:u_1").unwrap(), "13800138000");
    }
}
