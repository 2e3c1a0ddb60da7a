//! Wheat grains: every change of a balance is one row of the ledger, and the balance is their
//! sum, so the history always adds up to it. Each earning rule awards once per reference (a
//! day, a post, a comment) and at most a few times a day; spending and refunds are written by
//! redemptions in their own transactions.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

/// Days begin at midnight in China (UTC+8), where the app's users live.
const DAY_OFFSET_S: i64 = 8 * 3600;

pub fn day_of(now: i64) -> i64 {
    (now + DAY_OFFSET_S).div_euclid(86_400)
}

/// How points are earned: the amount and how many awards a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    CheckIn,
    PostPublished,
    CommentReceived,
    CertificationCompleted,
}

impl Rule {
    pub fn reason(self) -> &'static str {
        match self {
            Rule::CheckIn => "check_in",
            Rule::PostPublished => "post_published",
            Rule::CommentReceived => "comment_received",
            Rule::CertificationCompleted => "certification_completed",
        }
    }

    pub fn amount(self) -> i64 {
        match self {
            Rule::CheckIn => 10,
            Rule::PostPublished => 5,
            Rule::CommentReceived => 2,
            Rule::CertificationCompleted => 100,
        }
    }

    pub fn daily_cap(self) -> i64 {
        match self {
            Rule::CheckIn | Rule::CertificationCompleted => 1,
            Rule::PostPublished => 3,
            Rule::CommentReceived => 10,
        }
    }
}

/// The reasons a redemption writes.
pub const REDEMPTION: &str = "redemption";
pub const REFUND: &str = "refund";
/// An operator's grant (dev mode only).
pub const GRANT: &str = "grant";

/// One change of the balance.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PointsChange)]
pub struct Change {
    pub id: String,
    /// Positive when earned or refunded, negative when spent.
    pub amount: i64,
    /// `check_in`, `post_published`, `comment_received`, `certification_completed`, `redemption`, `refund` or `grant`.
    pub reason: String,
    /// What it is about: the day, post, comment or redemption.
    pub reference: String,
    pub created_at: i64,
}

/// Awards `rule` to `user` for `reference` unless it was already awarded for it or today's
/// cap is reached; returns whether it was. Call it inside the transaction of what earned it.
pub fn earn(
    conn: &Connection,
    user: &str,
    rule: Rule,
    reference: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let day = day_of(now);
    let today: i64 = conn.query_row(
        "SELECT COUNT(*) FROM points_ledger WHERE user_id = ?1 AND reason = ?2 AND day = ?3",
        params![user, rule.reason(), day],
        |row| row.get(0),
    )?;
    if today >= rule.daily_cap() {
        return Ok(false);
    }
    let added = record(conn, user, rule.amount(), rule.reason(), reference, now)?;
    if added {
        tracing::info!(%user, reason = rule.reason(), "points earned");
    }
    Ok(added)
}

/// Writes one change unless (reason, reference) is already in the user's ledger.
pub fn record(
    conn: &Connection,
    user: &str,
    amount: i64,
    reason: &str,
    reference: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let added = conn.execute(
        "INSERT OR IGNORE INTO points_ledger (user_id, amount, reason, ref, day, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![user, amount, reason, reference, day_of(now), now],
    )?;
    Ok(added == 1)
}

pub fn balance(conn: &Connection, user: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(SUM(amount), 0) FROM points_ledger WHERE user_id = ?1",
        [user],
        |row| row.get(0),
    )
}

/// The whole history, newest first.
pub fn history(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Change>> {
    let mut statement = conn.prepare(
        "SELECT seq, amount, reason, ref, created_at FROM points_ledger WHERE user_id = ?1
         ORDER BY seq DESC",
    )?;
    statement
        .query_map([user], |row| {
            Ok(Change {
                id: format!("pt_{}", row.get::<_, i64>(0)?),
                amount: row.get(1)?,
                reason: row.get(2)?,
                reference: row.get(3)?,
                created_at: row.get(4)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_at_midnight_in_china() {
        // 2026-12-04 16:00 UTC is midnight of the 5th in Beijing.
        let midnight = 1_796_400_000;
        assert_eq!(day_of(midnight) - day_of(midnight - 1), 1);
        assert_eq!(day_of(midnight + 86_399), day_of(midnight));
    }
}
