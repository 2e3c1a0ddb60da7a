//! The mall's tables in the account's encrypted database: what the server last said (the
//! balance and its history, catalogue pages, the address book, the redemptions), kept as the
//! server's JSON so it reads offline, and the redemption being sent with its idempotency key.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::{Migration, Schema, StoreError};

pub(super) const SCHEMA: Schema = Schema {
    area: "mall",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE mall_cache (
                  kind TEXT NOT NULL,
                  position INTEGER NOT NULL,
                  id TEXT NOT NULL,
                  json TEXT NOT NULL,
                  PRIMARY KEY (kind, id)
              );
              CREATE TABLE mall_state (
                  key TEXT PRIMARY KEY,
                  value TEXT NOT NULL
              );
              CREATE TABLE mall_pending_redemptions (
                  item_id TEXT NOT NULL,
                  address_id TEXT NOT NULL,
                  key TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  PRIMARY KEY (item_id, address_id)
              );",
    }],
    in_single_list: false,
};

/// What a cached list holds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Items,
    Addresses,
    Redemptions,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Items => "item",
            Kind::Addresses => "address",
            Kind::Redemptions => "redemption",
        }
    }
}

fn encode(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Replaces the whole list of `kind` with `rows` (in their order).
pub(super) fn replace<T: Serialize>(
    conn: &Connection,
    kind: Kind,
    rows: &[(String, T)],
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM mall_cache WHERE kind = ?1", [kind.key()])?;
    append(conn, kind, rows)
}

/// Adds `rows` after the list of `kind` (a row already there is replaced where it was).
pub(super) fn append<T: Serialize>(
    conn: &Connection,
    kind: Kind,
    rows: &[(String, T)],
) -> Result<(), StoreError> {
    let next: i64 = conn.query_row(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM mall_cache WHERE kind = ?1",
        [kind.key()],
        |row| row.get(0),
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO mall_cache (kind, position, id, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
    )?;
    for (offset, (id, row)) in (0..).zip(rows) {
        insert.execute(params![kind.key(), next + offset, id, encode(row)?])?;
    }
    Ok(())
}

pub(super) fn load<T: DeserializeOwned>(
    conn: &Connection,
    kind: Kind,
) -> Result<Vec<T>, StoreError> {
    let mut statement =
        conn.prepare("SELECT json FROM mall_cache WHERE kind = ?1 ORDER BY position")?;
    let rows = statement
        .query_map([kind.key()], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.iter().map(|json| decode(json)).collect()
}

pub(super) fn set_state(
    conn: &Connection,
    key: &str,
    value: &impl Serialize,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO mall_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, encode(value)?],
    )?;
    Ok(())
}

pub(super) fn state<T: DeserializeOwned>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM mall_state WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?;
    value.as_deref().map(decode).transpose()
}

/// The key of the redemption of `item_id` to `address_id` not yet confirmed by the server,
/// else a new one, kept before anything is sent: a retry (or the user's second tap after a
/// lost answer) sends the same key, so the server redeems once.
pub(super) fn pending_key(
    conn: &Connection,
    item_id: &str,
    address_id: &str,
    now: i64,
) -> Result<String, StoreError> {
    let fresh = format!("rd-{}", crate::store::settings::random_hex());
    conn.execute(
        "INSERT OR IGNORE INTO mall_pending_redemptions (item_id, address_id, key, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![item_id, address_id, fresh, now],
    )?;
    Ok(conn.query_row(
        "SELECT key FROM mall_pending_redemptions WHERE item_id = ?1 AND address_id = ?2",
        params![item_id, address_id],
        |row| row.get(0),
    )?)
}

/// The server answered (a redemption, or a refusal that changed nothing): the key is spent.
pub(super) fn settle(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM mall_pending_redemptions WHERE key = ?1", [key])?;
    Ok(())
}

/// The cache goes; a redemption still unconfirmed keeps its key.
pub(super) fn clear(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("DELETE FROM mall_cache; DELETE FROM mall_state;")?;
    Ok(())
}
