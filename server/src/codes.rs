//! One-time SMS codes, stored only as keyed hashes.

use rand::Rng;
use rusqlite::{Connection, OptionalExtension, params};

use crate::keyed::Keyed;
use crate::phone::Phone;

pub const TTL_S: i64 = 300;
const MAX_WRONG: i64 = 5;

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

/// Stores the code for a phone, replacing any earlier one and its wrong attempts.
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
    Ok(())
}

/// Checks a code; an accepted code is consumed, a wrong one counts towards the lock.
pub fn check(
    conn: &Connection,
    keyed: &Keyed,
    phone: &Phone,
    code: &str,
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
    if wrong_attempts >= MAX_WRONG {
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
    let attempts_left = MAX_WRONG - (wrong_attempts + 1);
    Ok(if attempts_left == 0 {
        Check::Locked
    } else {
        Check::Wrong { attempts_left }
    })
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
