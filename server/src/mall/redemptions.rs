//! Redemptions: one item to one address. Redeeming debits the points, takes one from the
//! stock and creates the order in the caller's transaction (the routes run it once per
//! idempotency key, under the database's write lock), so a repeat, a retry or a race for the
//! last item never spends twice or sells what is not there. Cancelling (until it ships) gives
//! both back. Shipping discloses the address to the logistics provider and the supplier, and
//! each disclosure is recorded for the account's export.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::addresses::{self, Details};
use super::{catalogue, points};
use crate::error::ApiError;

/// The context a redemption's copy of the address is sealed under.
pub const CONTEXT: &str = "'redemption_address:' || id";

/// Who an address is disclosed to when an item ships.
pub const LOGISTICS_PROVIDER: &str = "logistics_provider";
pub const SUPPLIER: &str = "supplier";

#[derive(Debug, Serialize, ToSchema)]
pub struct Redemption {
    pub id: String,
    pub item_id: String,
    pub item_title: String,
    /// Wheat grains it cost (refunded when cancelled).
    pub points: i64,
    /// `placed`, `shipped`, `delivered` or `cancelled`.
    pub status: String,
    /// Where it ships to, with the recipient's name and phone masked.
    pub address: addresses::Address,
    /// Once shipped.
    pub carrier: Option<String>,
    /// Once shipped.
    pub tracking_number: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One disclosure of an address, as the account's export lists it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AddressDisclosure)]
pub struct Disclosure {
    pub redemption_id: String,
    /// The address book entry it was taken from (it may since have been deleted).
    pub address_id: String,
    /// `logistics_provider` or `supplier`.
    pub recipient: String,
    /// The carrier or the supplier by name.
    pub recipient_name: String,
    /// What they received.
    pub address: Details,
    pub disclosed_at: i64,
}

const SELECT: &str = "SELECT r.id, r.item_id, i.title, r.points, r.status,
         unseal(r.address_sealed, 'redemption_address:' || r.id), r.address_id,
         r.carrier, r.tracking_number, r.created_at, r.updated_at
     FROM redemptions r JOIN mall_items i ON i.id = r.item_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Redemption> {
    let details = Details::from_sealed_text(&row.get::<_, String>(5)?)?;
    let created_at = row.get(9)?;
    Ok(Redemption {
        id: row.get(0)?,
        item_id: row.get(1)?,
        item_title: row.get(2)?,
        points: row.get(3)?,
        status: row.get(4)?,
        address: details.listed(row.get(6)?, false, created_at),
        carrier: row.get(7)?,
        tracking_number: row.get(8)?,
        created_at,
        updated_at: row.get(10)?,
    })
}

/// The user's redemptions, newest first.
pub fn list(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Redemption>> {
    let mut statement = conn.prepare(&format!(
        "{SELECT} WHERE r.user_id = ?1 ORDER BY r.seq DESC"
    ))?;
    statement.query_map([user], from_row)?.collect()
}

fn get(conn: &Connection, id: &str) -> Result<Redemption, ApiError> {
    conn.query_row(&format!("{SELECT} WHERE r.id = ?1"), [id], from_row)
        .optional()?
        .ok_or(ApiError::RedemptionNotFound)
}

/// Redeems one `item_id` for `user` to their address `address_id`: checks in this order the
/// address, the item, the stock, the user's limit and the balance; then writes all three
/// changes. Run it inside one immediate transaction.
pub fn redeem(
    conn: &Connection,
    user: &str,
    item_id: &str,
    address_id: &str,
    now: i64,
) -> Result<Redemption, ApiError> {
    let details = addresses::details(conn, user, address_id)?;
    let item = catalogue::get(conn, item_id)?.ok_or(ApiError::ItemNotFound)?;
    if item.stock < 1 {
        return Err(ApiError::OutOfStock);
    }
    let redeemed: i64 = conn.query_row(
        "SELECT COUNT(*) FROM redemptions
         WHERE user_id = ?1 AND item_id = ?2 AND status != 'cancelled'",
        params![user, item_id],
        |row| row.get(0),
    )?;
    if redeemed >= item.per_user_limit {
        return Err(ApiError::LimitReached);
    }
    if points::balance(conn, user)? < item.price {
        return Err(ApiError::InsufficientPoints);
    }
    // The stock's CHECK (stock >= 0) is the last guard: a lost race fails the transaction.
    conn.execute(
        "UPDATE mall_items SET stock = stock - 1 WHERE id = ?1",
        [item_id],
    )?;
    let id = super::random_id("rd_");
    conn.execute(
        "INSERT INTO redemptions (id, user_id, item_id, address_id, address_sealed, points,
                                  status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, seal(?5, 'redemption_address:' || ?1), ?6, 'placed', ?7, ?7)",
        params![
            id,
            user,
            item_id,
            address_id,
            details.sealed_text()?,
            item.price,
            now
        ],
    )?;
    points::record(conn, user, -item.price, points::REDEMPTION, &id, now)?;
    tracing::info!(%user, redemption = %id, item = %item_id, "item redeemed");
    get(conn, &id)
}

/// Cancels a redemption that has not shipped: the stock and the points go back. Cancelling
/// one already cancelled answers it as it is.
pub fn cancel(conn: &Connection, user: &str, id: &str, now: i64) -> Result<Redemption, ApiError> {
    let found: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT status, item_id, points FROM redemptions WHERE id = ?1 AND user_id = ?2",
            params![id, user],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let (status, item_id, price) = found.ok_or(ApiError::RedemptionNotFound)?;
    match status.as_str() {
        "cancelled" => return get(conn, id),
        "placed" => {}
        _ => return Err(ApiError::NotCancellable),
    }
    conn.execute(
        "UPDATE redemptions SET status = 'cancelled', updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    conn.execute(
        "UPDATE mall_items SET stock = stock + 1 WHERE id = ?1",
        [&item_id],
    )?;
    points::record(conn, user, price, points::REFUND, id, now)?;
    tracing::info!(%user, redemption = %id, "redemption cancelled and refunded");
    get(conn, id)
}

/// Plays the supplier: the item ships with `carrier` under `tracking_number`. The address goes
/// to the carrier and the supplier now, and each disclosure is recorded.
pub fn ship(
    conn: &Connection,
    id: &str,
    carrier: &str,
    tracking_number: &str,
    now: i64,
) -> Result<Redemption, ApiError> {
    let found: Option<(String, String, String, String)> = conn
        .query_row(
            "SELECT r.status, r.user_id, r.address_id, i.supplier
             FROM redemptions r JOIN mall_items i ON i.id = r.item_id WHERE r.id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let (status, user, address_id, supplier) = found.ok_or(ApiError::RedemptionNotFound)?;
    if status != "placed" {
        return Err(ApiError::NotCancellable);
    }
    conn.execute(
        "UPDATE redemptions SET status = 'shipped', carrier = ?2, tracking_number = ?3,
             updated_at = ?4 WHERE id = ?1",
        params![id, carrier, tracking_number, now],
    )?;
    for (recipient, name) in [(LOGISTICS_PROVIDER, carrier), (SUPPLIER, supplier.as_str())] {
        conn.execute(
            "INSERT INTO address_disclosures (user_id, redemption_id, address_id, recipient,
                                              recipient_name, disclosed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![user, id, address_id, recipient, name, now],
        )?;
    }
    tracing::info!(redemption = %id, "redemption shipped; address disclosed to carrier and supplier");
    get(conn, id)
}

/// Plays the carrier: a shipped item arrived.
pub fn deliver(conn: &Connection, id: &str, now: i64) -> Result<Redemption, ApiError> {
    let changed = conn.execute(
        "UPDATE redemptions SET status = 'delivered', updated_at = ?2
         WHERE id = ?1 AND status = 'shipped'",
        params![id, now],
    )?;
    let redemption = get(conn, id)?;
    if changed == 0 && redemption.status != "delivered" {
        return Err(ApiError::NotCancellable);
    }
    Ok(redemption)
}

/// Every disclosure of the user's addresses, oldest first.
pub fn disclosures(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Disclosure>> {
    let mut statement = conn.prepare(
        "SELECT d.redemption_id, d.address_id, d.recipient, d.recipient_name,
                unseal(r.address_sealed, 'redemption_address:' || r.id), d.disclosed_at
         FROM address_disclosures d JOIN redemptions r ON r.id = d.redemption_id
         WHERE d.user_id = ?1 ORDER BY d.seq",
    )?;
    statement
        .query_map([user], |row| {
            Ok(Disclosure {
                redemption_id: row.get(0)?,
                address_id: row.get(1)?,
                recipient: row.get(2)?,
                recipient_name: row.get(3)?,
                address: Details::from_sealed_text(&row.get::<_, String>(4)?)?,
                disclosed_at: row.get(5)?,
            })
        })?
        .collect()
}
