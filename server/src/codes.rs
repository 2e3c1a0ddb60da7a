//! One-time SMS codes, stored only as keyed hashes.

use rand::Rng;
use rusqlite::{Connection, OptionalExtension, params};

use crate::keyed::Keyed;
use crate::phone::Phone;

pub const TTL_S: i64 = 300;
/// Wrong guesses one requester may make at one code.
const MAX_WRONG: i64 = 5;
/// Wrong guesses, from every requester together, after which a code is dead: a new one may
/// then be sent at once (see `rate_limit`).
const MAX_WRONG_TOTAL: i64 = 20;

pub enum Check {
    Accepted,
    Wrong { attempts_left: i64 },
    Locked,
    Expired,
}

/// Six random digits.
pub fn generate() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// Stores the code for a phone, replacing any earlier one and every wrong guess at it.
pub fn store(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    code: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO sms_codes (phone_key, code_mac, expires_at, wrong_attempts)
         VALUES (?1, ?2, ?3, 0)",
        params![keyed.phone(phone), keyed.code(phone, code), now + TTL_S],
    )?;
    conn.execute(
        "DELETE FROM sms_code_guesses WHERE phone_key = ?1",
        [keyed.phone(phone)],
    )?;
    Ok(())
}

/// Whether the phone's current code is dead from wrong guesses.
pub fn is_locked(conn: &Connection, phone_key: &[u8]) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sms_codes WHERE phone_key = ?1 AND wrong_attempts >= ?2)",
        params![phone_key, MAX_WRONG_TOTAL],
        |row| row.get(0),
    )
}

/// Checks a code guessed by `requester`; an accepted code is consumed, a wrong one counts
/// towards that requester's lock (and, with everyone's, towards the code's).
pub fn check(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    code: &str,
    requester: &[u8],
    now: i64,
) -> rusqlite::Result<Check> {
    let phone_key = keyed.phone(phone);
    let stored = conn
        .query_row(
            "SELECT code_mac, expires_at, wrong_attempts FROM sms_codes WHERE phone_key = ?1",
            [&phone_key],
            |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((code_mac, expires_at, wrong_attempts)) = stored else {
        return Ok(Check::Expired);
    };
    let guessed: i64 = conn
        .query_row(
            "SELECT wrong FROM sms_code_guesses WHERE phone_key = ?1 AND requester_key = ?2",
            params![phone_key, requester],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if wrong_attempts >= MAX_WRONG_TOTAL || guessed >= MAX_WRONG {
        return Ok(Check::Locked);
    }
    if now >= expires_at {
        return Ok(Check::Expired);
    }
    if keyed.code_matches(phone, code, &code_mac) {
        conn.execute("DELETE FROM sms_codes WHERE phone_key = ?1", [&phone_key])?;
        return Ok(Check::Accepted);
    }
    conn.execute(
        "UPDATE sms_codes SET wrong_attempts = wrong_attempts + 1 WHERE phone_key = ?1",
        [&phone_key],
    )?;
    conn.execute(
        "INSERT INTO sms_code_guesses (phone_key, requester_key, wrong) VALUES (?1, ?2, 1)
         ON CONFLICT (phone_key, requester_key) DO UPDATE SET wrong = wrong + 1",
        params![phone_key, requester],
    )?;
    let attempts_left = MAX_WRONG - (guessed + 1);
    Ok(
        if attempts_left == 0 || wrong_attempts + 1 >= MAX_WRONG_TOTAL {
            Check::Locked
        } else {
            Check::Wrong { attempts_left }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let code = generate();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
