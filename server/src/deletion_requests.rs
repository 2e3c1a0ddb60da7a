//! Requests to delete what the server holds for a purpose whose consent was withdrawn.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

/// Every request is accepted on arrival: what the server can delete at once it deletes then,
/// and nothing here has a later processing stage.
pub const ACCEPTED: &str = "accepted";

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletionRequest {
    pub request_id: String,
    #[schema(schema_with = crate::openapi::fields::purpose)]
    pub purpose: String,
    /// Unix time in seconds.
    pub requested_at: i64,
    /// Deletion the server can do happens on arrival; there is no later stage.
    #[schema(schema_with = crate::openapi::fields::deletion_status)]
    pub status: &'static str,
}

impl DeletionRequest {
    pub fn new(request_id: String, purpose: String, requested_at: i64) -> Self {
        DeletionRequest {
            request_id,
            purpose,
            requested_at,
            status: ACCEPTED,
        }
    }
}

/// Records the request; false if this user already sent one with the same id (a retry).
pub fn record(
    conn: &Connection,
    user_id: &str,
    request: &DeletionRequest,
) -> rusqlite::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO deletion_requests (user_id, request_id, purpose, requested_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, request_id) DO NOTHING",
        params![
            user_id,
            request.request_id,
            request.purpose,
            request.requested_at
        ],
    )?;
    Ok(inserted == 1)
}

/// The user's requests, by request time, then arrival.
pub fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<DeletionRequest>> {
    let mut statement = conn.prepare(
        "SELECT request_id, purpose, requested_at FROM deletion_requests
         WHERE user_id = ?1 ORDER BY requested_at, rowid",
    )?;
    statement
        .query_map([user_id], |row| {
            Ok(DeletionRequest::new(row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect()
}
