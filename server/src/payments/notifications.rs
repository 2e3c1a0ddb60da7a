//! A verified notification, checked against the order it names and recorded once: app id,
//! merchant, order, method, amount and currency must all match. Whatever is refused is
//! logged as a security event (kept for the operator, and in the log).

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::orders::{self, Status};
use super::{GatewayPayment, PayMethod, Refusal, entitlements};

/// The expected app and merchant for a gateway.
pub struct Expected<'a> {
    pub app_id: &'a str,
    pub merchant_id: &'a str,
}

/// What a notification did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Paid,
    /// Already recorded (a repeat), or a notification of something other than a payment.
    Unchanged,
}

/// Checks `payment` and records it; a refusal leaves the order as it was.
pub fn apply(
    conn: &Connection,
    expected: &Expected<'_>,
    payment: &GatewayPayment,
    now: i64,
) -> Result<Applied, Refusal> {
    let internal = |error: rusqlite::Error| {
        tracing::error!(%error, "database error recording a notification");
        Refusal::Malformed
    };
    if payment.app_id != expected.app_id {
        return Err(Refusal::WrongApp);
    }
    if payment.merchant_id != expected.merchant_id {
        return Err(Refusal::WrongMerchant);
    }
    orders::close_expired(conn, now).map_err(internal)?;
    let order = orders::get_any(conn, &payment.order_number)
        .map_err(internal)?
        .ok_or(Refusal::UnknownOrder)?;
    if order.method != payment.method {
        return Err(Refusal::WrongMethod);
    }
    if u64::from(order.amount_fen) != payment.amount_fen {
        return Err(Refusal::WrongAmount);
    }
    if payment.currency != "CNY" {
        return Err(Refusal::WrongCurrency);
    }
    if !payment.succeeded {
        return Ok(Applied::Unchanged);
    }
    if order.status == Status::Paid || order.status == Status::Refunded {
        let recorded = orders::trade_no(conn, &order.number).map_err(internal)?;
        return if recorded.as_deref() == Some(payment.trade_no.as_str()) {
            Ok(Applied::Unchanged)
        } else {
            Err(Refusal::ConflictingTrade)
        };
    }
    if !order.status.payable() {
        return Err(Refusal::OrderNotPayable);
    }
    let user = orders::owner(conn, &order.number)
        .map_err(internal)?
        .ok_or(Refusal::UnknownOrder)?;
    orders::mark_paid(
        conn,
        &order.number,
        &payment.trade_no,
        payment.payer.as_deref(),
        now,
    )
    .map_err(internal)?;
    entitlements::grant(conn, &user, &order.number, &order.product_id, now).map_err(internal)?;
    tracing::info!(order = %order.number, method = payment.method.as_str(), "order paid");
    Ok(Applied::Paid)
}

/// A refused notification, for the operator.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PaymentSecurityEvent)]
pub struct SecurityEvent {
    pub at: i64,
    pub method: PayMethod,
    /// Why it was refused: `bad_signature`, `stale`, `malformed`, `undecryptable`,
    /// `wrong_app`, `wrong_merchant`, `unknown_order`, `wrong_method`, `wrong_amount`,
    /// `wrong_currency`, `order_not_payable`, `conflicting_trade`, `not_configured`.
    pub reason: String,
    /// The order it named, when it could be read.
    #[schema(required = true)]
    pub order_number: Option<String>,
}

pub fn record_refusal(
    conn: &Connection,
    method: PayMethod,
    refusal: Refusal,
    order_number: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    tracing::warn!(
        target: "security",
        method = method.as_str(),
        reason = refusal.as_str(),
        order = order_number.unwrap_or("-"),
        "payment notification refused"
    );
    conn.execute(
        "INSERT INTO pay_security_events (at, method, reason, order_number) VALUES (?1, ?2, ?3, ?4)",
        params![now, method.as_str(), refusal.as_str(), order_number],
    )?;
    Ok(())
}

pub fn security_events(conn: &Connection) -> rusqlite::Result<Vec<SecurityEvent>> {
    conn.prepare("SELECT at, method, reason, order_number FROM pay_security_events ORDER BY seq")?
        .query_map([], |row| {
            let method: String = row.get(1)?;
            Ok(SecurityEvent {
                at: row.get(0)?,
                method: PayMethod::parse(&method).unwrap_or(PayMethod::Alipay),
                reason: row.get(2)?,
                order_number: row.get(3)?,
            })
        })?
        .collect()
}
