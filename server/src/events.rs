//! Browsing and click records: stored under a client-chosen pseudonym and nothing else, so
//! they cannot be tied to an account; forgotten by pseudonym.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::{ident, phone};
use medcircle_rules::text;

pub const KINDS: [&str; 2] = ["view", "click"];
const MAX_TARGET_CHARS: usize = 128;

#[derive(Debug, Deserialize, ToSchema)]
pub struct Event {
    #[schema(schema_with = crate::openapi::fields::event_kind)]
    kind: String,
    /// What was viewed or clicked, e.g. a content path. Must not contain a phone number.
    #[schema(min_length = 1, max_length = 128, examples("article/42"))]
    target: String,
    at: i64,
}

impl Event {
    pub fn validate(&self) -> Result<(), ApiError> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(ApiError::InvalidRequest(
                "kind must be view or click".into(),
            ));
        }
        if self.target.chars().count() > MAX_TARGET_CHARS || !text::is_visible_line(&self.target) {
            return Err(ApiError::InvalidRequest(format!(
                "target must be 1 to {MAX_TARGET_CHARS} visible characters, without control characters"
            )));
        }
        // A phone number in a target would make the record personal, whatever the pseudonym.
        if phone::appears_in(&self.target) {
            return Err(ApiError::PersonalDataRefused);
        }
        Ok(())
    }
}

/// An event as stored, for the dev witness.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StoredEvent)]
pub struct Stored {
    pseudonym: String,
    #[schema(schema_with = crate::openapi::fields::event_kind)]
    kind: String,
    target: String,
    /// Unix time in seconds.
    at: i64,
}

pub fn check_pseudonym(pseudonym: &str) -> Result<(), ApiError> {
    if ident::is_valid(pseudonym, 16..=64) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(
            "a pseudonym must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -".into(),
        ))
    }
}

pub fn store(
    conn: &Connection,
    pseudonym: &str,
    events: &[Event],
    now: i64,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare(
        "INSERT INTO events (pseudonym, kind, target, at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for event in events {
        insert.execute(params![pseudonym, event.kind, event.target, event.at, now])?;
    }
    Ok(())
}

/// Deletes every event stored under these pseudonyms; returns how many.
pub fn forget(conn: &Connection, pseudonyms: &[String]) -> rusqlite::Result<usize> {
    let mut delete = conn.prepare("DELETE FROM events WHERE pseudonym = ?1")?;
    let mut deleted = 0;
    for pseudonym in pseudonyms {
        deleted += delete.execute([pseudonym])?;
    }
    Ok(deleted)
}

/// Every stored event, in arrival order.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Stored>> {
    let mut statement =
        conn.prepare("SELECT pseudonym, kind, target, at FROM events ORDER BY id")?;
    statement
        .query_map([], |row| {
            Ok(Stored {
                pseudonym: row.get(0)?,
                kind: row.get(1)?,
                target: row.get(2)?,
                at: row.get(3)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, target: &str) -> Event {
        Event {
            kind: kind.into(),
            target: target.into(),
            at: 1,
        }
    }

    #[test]
    fn validates_kind_target_and_personal_data() {
        assert!(event("view", "article/42").validate().is_ok());
        assert!(event("click", &"é".repeat(128)).validate().is_ok());
        for bad in [
            event("scroll", "a"),
            event("view", ""),
            event("view", &"a".repeat(129)),
        ] {
            assert!(
                matches!(bad.validate(), Err(ApiError::InvalidRequest(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            event("view", "profile/13800138000").validate(),
            Err(ApiError::PersonalDataRefused)
        ));
    }
}
