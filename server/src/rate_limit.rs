//! Limits on sending SMS codes, so that nobody can pump SMS through the server nor use up
//! someone else's phone:
//! - a cooldown per phone (waived once its code is locked by wrong guesses) and per device;
//! - per requester (its network address): sends per hour, distinct phones per day, and sends
//!   per phone per day, so one requester's sends count against its own budget only;
//! - a global budget per hour;
//! - past a few sends to one phone in a day, whoever asks must solve a challenge, which any
//!   owner can do and no flood can use up.

use rusqlite::{Connection, params};

use crate::codes;
use crate::keyed::Keyed;
use crate::phone::Phone;

pub const COOLDOWN_S: i64 = 60;
const HOUR_S: i64 = 3_600;
const DAY_S: i64 = 86_400;
/// Sends to one phone from one requester in a rolling day.
const PER_PHONE_PER_REQUESTER_DAILY: i64 = 10;
/// Sends from one requester in a rolling hour.
const PER_REQUESTER_HOURLY: i64 = 20;
/// Distinct phones one requester may send to in a rolling day.
const PHONES_PER_REQUESTER_DAILY: i64 = 10;
/// Sends from everyone in a rolling hour.
const GLOBAL_HOURLY: i64 = 1_000;
/// Sends to one phone in a rolling day (from anyone) after which a challenge is required.
pub const CHALLENGE_AFTER: i64 = 5;

/// Who is sending: keys of the phone, the device and the requester's address.
pub struct Sender<'a> {
    pub phone: &'a Phone,
    pub device_id: &'a str,
    pub requester: &'a [u8],
}

/// What may happen to a send now.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// Seconds until some limit lifts.
    Wait(i64),
    /// Allowed only with a solved challenge.
    Challenge,
}

/// Whether a code may be sent for `sender` at `now`.
pub fn decide(
    conn: &Connection,
    keyed: &Keyed,
    sender: &Sender<'_>,
    now: i64,
) -> rusqlite::Result<Decision> {
    let phone_key = keyed.phone(sender.phone);
    let device_key = keyed.device(sender.device_id);
    let requester = sender.requester;
    let mut wait = 0;
    let mut at_least = |until: Option<i64>| {
        if let Some(until) = until {
            wait = wait.max(until - now);
        }
    };
    // Cooldowns: since the last send to this phone (unless its code is locked), from this device.
    if !codes::is_locked(conn, &phone_key)? {
        at_least(last(conn, "phone_key = ?1", &phone_key)?.map(|at| at + COOLDOWN_S));
    }
    at_least(last(conn, "device_key = ?1", &device_key)?.map(|at| at + COOLDOWN_S));
    // Rolling windows: the cap lifts when the send `cap` places back leaves the window.
    at_least(
        nth_newest(
            conn,
            "phone_key = ?1 AND requester_key = ?2",
            params![phone_key, requester],
            now - DAY_S,
            PER_PHONE_PER_REQUESTER_DAILY,
        )?
        .map(|at| at + DAY_S),
    );
    at_least(
        nth_newest(
            conn,
            "requester_key = ?1",
            params![requester],
            now - HOUR_S,
            PER_REQUESTER_HOURLY,
        )?
        .map(|at| at + HOUR_S),
    );
    at_least(nth_newest(conn, "1", params![], now - HOUR_S, GLOBAL_HOURLY)?.map(|at| at + HOUR_S));
    at_least(new_phone_wait(conn, requester, &phone_key, now)?);
    if wait > 0 {
        return Ok(Decision::Wait(wait));
    }
    let to_phone_today: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sms_sends WHERE phone_key = ?1 AND sent_at > ?2",
        params![phone_key, now - DAY_S],
        |row| row.get(0),
    )?;
    Ok(if to_phone_today >= CHALLENGE_AFTER {
        Decision::Challenge
    } else {
        Decision::Send
    })
}

/// Records a send and forgets sends that no longer count towards any limit.
pub fn record(
    conn: &Connection,
    keyed: &Keyed,
    sender: &Sender<'_>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sms_sends WHERE sent_at <= ?1", [now - DAY_S])?;
    conn.execute(
        "INSERT INTO sms_sends (phone_key, device_key, requester_key, sent_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            keyed.phone(sender.phone),
            keyed.device(sender.device_id),
            sender.requester,
            now
        ],
    )?;
    Ok(())
}

fn last(conn: &Connection, condition: &str, key: &[u8]) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        &format!("SELECT MAX(sent_at) FROM sms_sends WHERE {condition}"),
        [key],
        |row| row.get(0),
    )
}

/// The time of the `cap`-th newest send matching `condition` after `since`, if there are
/// that many: the send whose leaving the window lifts the cap.
fn nth_newest(
    conn: &Connection,
    condition: &str,
    values: &[&dyn rusqlite::ToSql],
    since: i64,
    cap: i64,
) -> rusqlite::Result<Option<i64>> {
    let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
    all.push(&since);
    all.push(&cap);
    let (since_at, cap_at) = (values.len() + 1, values.len() + 2);
    let mut statement = conn.prepare(&format!(
        "SELECT sent_at FROM sms_sends WHERE {condition} AND sent_at > ?{since_at}
         ORDER BY sent_at DESC LIMIT 1 OFFSET ?{cap_at} - 1"
    ))?;
    let mut rows = statement.query(all.as_slice())?;
    rows.next()?.map(|row| row.get(0)).transpose()
}

/// When this requester may send to one more new phone, if it is at its daily number of
/// distinct phones and this phone is not one of them.
fn new_phone_wait(
    conn: &Connection,
    requester: &[u8],
    phone_key: &[u8],
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let since = now - DAY_S;
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sms_sends
                        WHERE requester_key = ?1 AND phone_key = ?2 AND sent_at > ?3)",
        params![requester, phone_key, since],
        |row| row.get(0),
    )?;
    if known {
        return Ok(None);
    }
    // Each phone counts from its latest send: the cap lifts when the oldest of those leaves.
    let latest: Vec<i64> = conn
        .prepare(
            "SELECT MAX(sent_at) AS latest FROM sms_sends
             WHERE requester_key = ?1 AND sent_at > ?2
             GROUP BY phone_key ORDER BY latest DESC",
        )?
        .query_map(params![requester, since], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let cap = usize::try_from(PHONES_PER_REQUESTER_DAILY).expect("a small cap");
    Ok(latest.get(cap - 1).map(|at| at + DAY_S))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        (dir, conn)
    }

    fn phone(n: usize) -> Phone {
        Phone::parse(&format!("139{n:08}")).unwrap()
    }

    #[test]
    fn the_global_budget_holds_whoever_sends() {
        let (_dir, conn) = database();
        let keyed = Keyed::new(vec![1; 32]);
        for n in 0..GLOBAL_HOURLY as usize {
            let requester = format!("requester-{n}");
            let sender = Sender {
                phone: &phone(n),
                device_id: &format!("device-{n}"),
                requester: requester.as_bytes(),
            };
            record(&conn, &keyed, &sender, NOW - 600).unwrap();
        }
        let fresh = Sender {
            phone: &phone(99_999),
            device_id: "device-new",
            requester: b"requester-new",
        };
        assert_eq!(
            decide(&conn, &keyed, &fresh, NOW).unwrap(),
            Decision::Wait(HOUR_S - 600)
        );
        assert_eq!(
            decide(&conn, &keyed, &fresh, NOW + HOUR_S - 600).unwrap(),
            Decision::Send
        );
    }
}
