//! Limits on sending SMS codes: a cooldown per phone and per device, and a daily cap per phone.

use rusqlite::{Connection, params};

use crate::keyed::Keyed;
use crate::phone::Phone;

pub const COOLDOWN_S: i64 = 60;
const DAILY_LIMIT: usize = 10;
const DAY_S: i64 = 86_400;

/// Seconds to wait before a code may be sent to this phone from this device, if any.
pub fn retry_after(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    device_id: &str,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let phone_key = keyed.phone(phone);
    let last_send = |column: &str, key: &[u8]| -> rusqlite::Result<Option<i64>> {
        conn.query_row(
            &format!("SELECT MAX(sent_at) FROM sms_sends WHERE {column} = ?1"),
            [key],
            |row| row.get(0),
        )
    };
    let mut wait = 0;
    for last in [
        last_send("phone_key", &phone_key)?,
        last_send("device_key", &keyed.device(device_id))?,
    ]
    .into_iter()
    .flatten()
    {
        wait = wait.max(last + COOLDOWN_S - now);
    }
    let mut today = conn.prepare(
        "SELECT sent_at FROM sms_sends WHERE phone_key = ?1 AND sent_at > ?2 ORDER BY sent_at DESC",
    )?;
    let recent = today
        .query_map(params![phone_key, now - DAY_S], |row| row.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // The cap lifts when the send DAILY_LIMIT places back leaves the rolling window.
    if let Some(oldest_counted) = recent.get(DAILY_LIMIT - 1) {
        wait = wait.max(oldest_counted + DAY_S - now);
    }
    Ok((wait > 0).then_some(wait))
}

/// Records a send and forgets sends that no longer count towards any limit.
pub fn record(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    device_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sms_sends WHERE sent_at <= ?1", [now - DAY_S])?;
    conn.execute(
        "INSERT INTO sms_sends (phone_key, device_key, sent_at) VALUES (?1, ?2, ?3)",
        params![keyed.phone(phone), keyed.device(device_id), now],
    )?;
    Ok(())
}
