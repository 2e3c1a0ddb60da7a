//! Orders and their state machine, enforced here:
//!
//! ```text
//! created ─(app: SDK returned success/processing)→ paying
//! created|paying ─(app: user cancelled)→ cancelled     ─(app: SDK failed)→ failed
//! created|paying|cancelled|failed ─(verified notification)→ paid ─(refund)→ refunded
//! created|paying ─(time limit)→ closed
//! ```
//!
//! Only a verified gateway notification makes an order paid: the app's report moves it to
//! `paying`, `cancelled` or `failed` and never further. A cancelled or failed order can still
//! be paid, because the gateway's word on money outranks the app's.

use rand::Rng;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::PayMethod;
use super::catalogue::Product;

/// An order not paid within 15 minutes is closed (the pay request says so to the gateway).
pub const TIMEOUT_S: i64 = 900;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStatus)]
pub enum Status {
    Created,
    Paying,
    Paid,
    Cancelled,
    Failed,
    Closed,
    Refunded,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Paying => "paying",
            Status::Paid => "paid",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
            Status::Closed => "closed",
            Status::Refunded => "refunded",
        }
    }

    fn parse(stored: &str) -> Status {
        match stored {
            "paying" => Status::Paying,
            "paid" => Status::Paid,
            "cancelled" => Status::Cancelled,
            "failed" => Status::Failed,
            "closed" => Status::Closed,
            "refunded" => Status::Refunded,
            _ => Status::Created,
        }
    }

    /// A verified notification may make an order of this status paid.
    pub fn payable(self) -> bool {
        matches!(
            self,
            Status::Created | Status::Paying | Status::Cancelled | Status::Failed
        )
    }
}

/// What the app's payment SDK answered, as the app reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SdkReport)]
pub enum Report {
    /// The SDK says paid (or processing): the server waits for the gateway's notification.
    Succeeded,
    Cancelled,
    Failed,
}

/// The status after the app's report: never paid, and nothing once final.
pub fn after_report(status: Status, report: Report) -> Status {
    match (status, report) {
        (Status::Created, Report::Succeeded) => Status::Paying,
        (Status::Created | Status::Paying, Report::Cancelled) => Status::Cancelled,
        (Status::Created | Status::Paying, Report::Failed) => Status::Failed,
        (status, _) => status,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    /// The merchant's order number (`out_trade_no` at the gateway).
    #[schema(pattern = "^MC[0-9]{20}$")]
    pub number: String,
    pub product_id: String,
    /// Fen.
    pub amount_fen: u32,
    #[schema(examples("CNY"))]
    pub currency: String,
    pub method: PayMethod,
    pub status: Status,
    /// The payment account, masked as the gateway gave it; once paid.
    #[schema(required = true)]
    pub payer_account: Option<String>,
    pub created_at: i64,
    /// When an unpaid order closes.
    pub expires_at: i64,
    #[schema(required = true)]
    pub paid_at: Option<i64>,
    pub updated_at: i64,
}

const COLUMNS: &str = "number, product_id, amount_fen, method, status, payer_account, \
                       created_at, expires_at, paid_at, updated_at";

fn read(row: &Row<'_>) -> rusqlite::Result<Order> {
    let method: String = row.get(3)?;
    let status: String = row.get(4)?;
    Ok(Order {
        number: row.get(0)?,
        product_id: row.get(1)?,
        amount_fen: row.get(2)?,
        currency: "CNY".into(),
        method: PayMethod::parse(&method).unwrap_or(PayMethod::Alipay),
        status: Status::parse(&status),
        payer_account: row.get(5)?,
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        paid_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

/// A fresh order number (`out_trade_no` at the gateway).
pub fn new_number() -> String {
    let mut rng = rand::rng();
    let digits: String = (0..20)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    format!("MC{digits}")
}

pub fn create(
    conn: &Connection,
    number: &str,
    user: &str,
    product: &Product,
    method: PayMethod,
    now: i64,
) -> rusqlite::Result<Order> {
    conn.execute(
        "INSERT INTO pay_orders (number, user_id, product_id, amount_fen, method, status,
                                 created_at, expires_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6, ?7, ?6)",
        params![
            number,
            user,
            product.id,
            product.price_fen,
            method.as_str(),
            now,
            now + TIMEOUT_S
        ],
    )?;
    Ok(get_any(conn, number)?.expect("the order was just made"))
}

/// Closes every unpaid order past its time limit: before anything reads or pays an order.
pub fn close_expired(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    let closed = conn.execute(
        "UPDATE pay_orders SET status = 'closed', updated_at = expires_at
         WHERE status IN ('created', 'paying') AND expires_at <= ?1",
        [now],
    )?;
    if closed > 0 {
        tracing::info!(closed, "unpaid orders closed after their time limit");
    }
    Ok(closed)
}

/// The caller's order.
pub fn get(conn: &Connection, user: &str, number: &str) -> rusqlite::Result<Option<Order>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM pay_orders WHERE number = ?1 AND user_id = ?2"),
        params![number, user],
        read,
    )
    .optional()
}

/// Any order, with its owner: what a notification names.
pub fn get_any(conn: &Connection, number: &str) -> rusqlite::Result<Option<Order>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM pay_orders WHERE number = ?1"),
        [number],
        read,
    )
    .optional()
}

pub fn owner(conn: &Connection, number: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT user_id FROM pay_orders WHERE number = ?1",
        [number],
        |row| row.get(0),
    )
    .optional()
}

/// The gateway trade that paid the order.
pub fn trade_no(conn: &Connection, number: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT trade_no FROM pay_orders WHERE number = ?1",
        [number],
        |row| row.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// Newest first.
pub fn list(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Order>> {
    conn.prepare(&format!(
        "SELECT {COLUMNS} FROM pay_orders WHERE user_id = ?1 ORDER BY created_at DESC, seq DESC"
    ))?
    .query_map([user], read)?
    .collect()
}

pub fn set_status(
    conn: &Connection,
    number: &str,
    status: Status,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE pay_orders SET status = ?2, updated_at = ?3 WHERE number = ?1",
        params![number, status.as_str(), now],
    )?;
    Ok(())
}

pub fn mark_paid(
    conn: &Connection,
    number: &str,
    trade_no: &str,
    payer: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE pay_orders SET status = 'paid', trade_no = ?2, payer_account = ?3, paid_at = ?4,
             updated_at = ?4
         WHERE number = ?1",
        params![number, trade_no, payer, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_report_never_pays_and_never_reopens() {
        assert_eq!(
            after_report(Status::Created, Report::Succeeded),
            Status::Paying
        );
        assert_eq!(
            after_report(Status::Paying, Report::Cancelled),
            Status::Cancelled
        );
        assert_eq!(
            after_report(Status::Created, Report::Failed),
            Status::Failed
        );
        let finals = [
            Status::Paid,
            Status::Cancelled,
            Status::Failed,
            Status::Closed,
            Status::Refunded,
        ];
        for status in finals {
            for report in [Report::Succeeded, Report::Cancelled, Report::Failed] {
                assert_eq!(
                    after_report(status, report),
                    status,
                    "{status:?} {report:?}"
                );
            }
        }
        assert!(!Status::Closed.payable() && !Status::Refunded.payable());
        assert!(!Status::Paid.payable() && Status::Cancelled.payable());
    }
}
