//! The purchases area's tables in the account's encrypted database: the orders (so the
//! history reads offline, and an order handed to the SDK is remembered across a kill), the
//! idempotency key of the purchase being made, and the entitlements.

use rusqlite::{Connection, OptionalExtension, params};

use super::entitlements::{Entitlements, OwnedGood};
use super::method::PaymentMethod;
use super::orders::{Order, OrderStatus};
use crate::store::{Migration, Schema, StoreError};

pub(super) const SCHEMA: Schema = Schema {
    area: "purchases",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE purchase_orders (
                  number TEXT PRIMARY KEY,
                  product_id TEXT NOT NULL,
                  amount_fen INTEGER NOT NULL,
                  method TEXT NOT NULL,
                  status TEXT NOT NULL,
                  payer_account TEXT,
                  created_at INTEGER NOT NULL,
                  expires_at INTEGER NOT NULL,
                  paid_at INTEGER,
                  updated_at INTEGER NOT NULL,
                  confirming INTEGER NOT NULL DEFAULT 0,
                  seq INTEGER NOT NULL
              );
              CREATE TABLE purchase_attempts (
                  product_id TEXT NOT NULL,
                  method TEXT NOT NULL,
                  idempotency_key TEXT NOT NULL,
                  started_at INTEGER NOT NULL,
                  PRIMARY KEY (product_id, method)
              );
              CREATE TABLE purchase_entitlements (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  membership_until INTEGER,
                  goods TEXT NOT NULL
              );",
    }],
    in_single_list: false,
};

/// A retried purchase within this time reuses its idempotency key: the server makes one order.
const ATTEMPT_REUSE_S: i64 = 600;

/// The key for buying `product_id` with `method`: the one of an attempt that did not get its
/// order back, else a new one.
pub(super) fn attempt_key(
    conn: &Connection,
    product_id: &str,
    method: PaymentMethod,
    now: i64,
) -> Result<String, StoreError> {
    let kept: Option<String> = conn
        .query_row(
            "SELECT idempotency_key FROM purchase_attempts
             WHERE product_id = ?1 AND method = ?2 AND started_at > ?3",
            params![product_id, method.key(), now - ATTEMPT_REUSE_S],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(key) = kept {
        return Ok(key);
    }
    let key = crate::store::settings::random_hex();
    conn.execute(
        "INSERT OR REPLACE INTO purchase_attempts (product_id, method, idempotency_key, started_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![product_id, method.key(), key, now],
    )?;
    Ok(key)
}

pub(super) fn drop_attempt(
    conn: &Connection,
    product_id: &str,
    method: PaymentMethod,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM purchase_attempts WHERE product_id = ?1 AND method = ?2",
        params![product_id, method.key()],
    )?;
    Ok(())
}

/// The order came back: the attempt is over, and the order is kept, `confirming` until final.
pub(super) fn order_made(conn: &Connection, order: &Order) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    drop_attempt(&tx, &order.product_id, order.method)?;
    save_order(&tx, order)?;
    tx.commit()?;
    Ok(())
}

/// Keeps `order` as the server gave it; it stays `confirming` while it is not final. A new
/// order comes after every kept one: the server's times are in seconds, so several orders can
/// share one.
pub(super) fn save_order(conn: &Connection, order: &Order) -> Result<(), StoreError> {
    upsert(conn, order, false)
}

/// Keeps the server's list, newest first, in the server's order.
pub(super) fn save_listed(conn: &Connection, listed: &[Order]) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    for order in listed.iter().rev() {
        upsert(&tx, order, true)?;
    }
    tx.commit()?;
    Ok(())
}

/// With `renumber`, a kept order moves after every other one too.
fn upsert(conn: &Connection, order: &Order, renumber: bool) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO purchase_orders (number, product_id, amount_fen, method, status,
             payer_account, created_at, expires_at, paid_at, updated_at, confirming, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM purchase_orders))
         ON CONFLICT(number) DO UPDATE SET status = excluded.status,
             payer_account = excluded.payer_account, paid_at = excluded.paid_at,
             updated_at = excluded.updated_at,
             confirming = CASE WHEN ?12 THEN 0
                               ELSE purchase_orders.confirming OR excluded.confirming END,
             seq = CASE WHEN ?13 THEN excluded.seq ELSE purchase_orders.seq END",
        params![
            order.number,
            order.product_id,
            order.amount_fen,
            order.method.key(),
            order.status.key(),
            order.payer_account,
            order.created_at,
            order.expires_at,
            order.paid_at,
            order.updated_at,
            order.confirming && !order.status.is_final(),
            order.status.is_final(),
            renumber,
        ],
    )?;
    Ok(())
}

/// Newest first.
pub(super) fn orders(conn: &Connection) -> Result<Vec<Order>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT number, product_id, amount_fen, method, status, payer_account, created_at,
                expires_at, paid_at, updated_at, confirming
         FROM purchase_orders ORDER BY created_at DESC, seq DESC",
    )?;
    let orders = statement
        .query_map([], |row| {
            let method: String = row.get(3)?;
            let status: String = row.get(4)?;
            Ok(Order {
                number: row.get(0)?,
                product_id: row.get(1)?,
                amount_fen: row.get(2)?,
                method: PaymentMethod::of(&method).unwrap_or(PaymentMethod::Alipay),
                status: OrderStatus::of(&status),
                payer_account: row.get(5)?,
                created_at: row.get(6)?,
                expires_at: row.get(7)?,
                paid_at: row.get(8)?,
                updated_at: row.get(9)?,
                confirming: row.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(orders)
}

pub(super) fn confirming(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut statement =
        conn.prepare("SELECT number FROM purchase_orders WHERE confirming = 1 ORDER BY number")?;
    let numbers = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(numbers)
}

pub(super) fn save_entitlements(
    conn: &Connection,
    entitlements: &Entitlements,
) -> Result<(), StoreError> {
    let goods = serde_json::to_string(&entitlements.goods).expect("goods serialize");
    conn.execute(
        "INSERT OR REPLACE INTO purchase_entitlements (id, membership_until, goods)
         VALUES (1, ?1, ?2)",
        params![entitlements.membership_until, goods],
    )?;
    Ok(())
}

pub(super) fn load_entitlements(conn: &Connection) -> Result<Entitlements, StoreError> {
    let kept: Option<(Option<i64>, String)> = conn
        .query_row(
            "SELECT membership_until, goods FROM purchase_entitlements WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(match kept {
        Some((membership_until, goods)) => Entitlements {
            membership_until,
            goods: serde_json::from_str::<Vec<OwnedGood>>(&goods).unwrap_or_default(),
        },
        None => Entitlements::default(),
    })
}

/// The user cleared the cache: finished orders and the entitlements go (the server has
/// them); an order still being confirmed stays, or nothing would resolve it.
pub(super) fn clear(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "DELETE FROM purchase_orders WHERE confirming = 0;
         DELETE FROM purchase_entitlements;",
    )?;
    Ok(())
}
