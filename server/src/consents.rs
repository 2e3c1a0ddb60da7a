//! Consent decisions, kept per account as an append-only history so that they follow the
//! user to a new device.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// The purposes the app asks consent for (the client core's purpose keys).
pub const PURPOSES: [&str; 6] = [
    "privacy_policy",
    "personalisation",
    "browsing_records",
    "precise_location",
    "identity_verification",
    "third_party_sharing",
];

const MAX_POLICY_VERSION_CHARS: usize = 64;
const RECORD_ID_CHARS: usize = 32;

/// One decision: granted or withdrawn, under a policy version, at a time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[schema(as = ConsentRecord)]
pub struct Record {
    /// The client's id for this decision (32 lowercase hex digits): an upload repeated is
    /// recognised by it, and decisions made within one second are all kept. A record without
    /// one is recognised by its other fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        pattern = "^[0-9a-f]{32}$",
        examples("5f0c2a9e4b7d41c3a8e6f1d2b3c4a5e6")
    )]
    pub record_id: Option<String>,
    #[schema(schema_with = crate::openapi::fields::purpose)]
    pub purpose: String,
    /// true: granted; false: withdrawn.
    pub granted: bool,
    #[schema(min_length = 1, max_length = 64, examples("2026-11-01"))]
    pub policy_version: String,
    /// When the user decided, Unix seconds (client clock).
    pub decided_at: i64,
}

impl Record {
    pub fn validate(&self) -> Result<(), ApiError> {
        check_purpose(&self.purpose)?;
        if let Some(id) = &self.record_id
            && !(id.len() == RECORD_ID_CHARS
                && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            return Err(ApiError::InvalidRequest(format!(
                "record_id must be {RECORD_ID_CHARS} lowercase hexadecimal digits"
            )));
        }
        if (1..=MAX_POLICY_VERSION_CHARS).contains(&self.policy_version.chars().count()) {
            Ok(())
        } else {
            Err(ApiError::InvalidRequest(format!(
                "policy_version must be 1 to {MAX_POLICY_VERSION_CHARS} characters"
            )))
        }
    }
}

pub fn check_purpose(purpose: &str) -> Result<(), ApiError> {
    if PURPOSES.contains(&purpose) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "purpose must be one of {}",
            PURPOSES.join(", ")
        )))
    }
}

/// Appends the records not already in the user's history; returns how many were new.
pub fn append(conn: &Connection, user_id: &str, records: &[Record]) -> rusqlite::Result<usize> {
    // A client retrying an upload, or uploading from two devices, must not duplicate history.
    let mut insert = conn.prepare(
        "INSERT INTO consents (user_id, purpose, granted, policy_version, decided_at, record_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING",
    )?;
    let mut stored = 0;
    for record in records {
        stored += insert.execute(params![
            user_id,
            record.purpose,
            record.granted,
            record.policy_version,
            record.decided_at,
            record.record_id
        ])?;
    }
    Ok(stored)
}

/// The user's whole history, by decision time, then upload order.
pub fn history(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Record>> {
    let mut statement = conn.prepare(
        "SELECT record_id, purpose, granted, policy_version, decided_at FROM consents
         WHERE user_id = ?1 ORDER BY decided_at, id",
    )?;
    statement
        .query_map([user_id], |row| {
            Ok(Record {
                record_id: row.get(0)?,
                purpose: row.get(1)?,
                granted: row.get(2)?,
                policy_version: row.get(3)?,
                decided_at: row.get(4)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(purpose: &str, policy_version: &str) -> Record {
        Record {
            record_id: None,
            purpose: purpose.into(),
            granted: true,
            policy_version: policy_version.into(),
            decided_at: 1,
        }
    }

    #[test]
    fn validates_purpose_and_policy_version() {
        for purpose in PURPOSES {
            assert!(
                record(purpose, "2026-11-01").validate().is_ok(),
                "{purpose}"
            );
        }
        assert!(record("marketing", "2026-11-01").validate().is_err());
        assert!(record("Personalisation", "2026-11-01").validate().is_err());
        assert!(record("personalisation", "").validate().is_err());
        assert!(
            record("personalisation", &"v".repeat(65))
                .validate()
                .is_err()
        );
        let with_id = |id: &str| Record {
            record_id: Some(id.into()),
            ..record("personalisation", "2026-11-01")
        };
        assert!(with_id(&"0f".repeat(16)).validate().is_ok());
        for bad in [
            "",
            "0f",
            &"0F".repeat(16),
            &"0f".repeat(17),
            &"0g".repeat(16),
        ] {
            assert!(with_id(bad).validate().is_err(), "{bad}");
        }
    }
}
