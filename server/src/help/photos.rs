//! Feedback photos: checked and stripped of their metadata as post photos are, kept for their
//! owner until a feedback uses them (then with its ticket) or the account goes.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::certification::image::{Dimensions, ImageType};
use crate::error::ApiError;

/// A stored feedback photo.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HelpPhoto)]
pub struct HelpPhoto {
    #[schema(pattern = "^hp_[0-9a-f]{16}$")]
    pub id: String,
    #[schema(minimum = 1, maximum = 4096)]
    pub width: u32,
    #[schema(minimum = 1, maximum = 4096)]
    pub height: u32,
}

pub fn store(
    conn: &Connection,
    owner: &str,
    image_type: ImageType,
    bytes: &[u8],
    size: Dimensions,
    now: i64,
) -> rusqlite::Result<HelpPhoto> {
    let id = crate::feed::random_id("hp_");
    conn.execute(
        "INSERT INTO help_photos (id, user_id, content_type, width, height, bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            owner,
            image_type.media_type(),
            size.width,
            size.height,
            bytes,
            now
        ],
    )?;
    Ok(HelpPhoto {
        id,
        width: size.width,
        height: size.height,
    })
}

/// Puts photos `ids` with ticket `ticket_id`, in order: each must be `owner`'s and unused,
/// else `invalid_photo` (the caller's transaction then undoes the ticket).
pub fn attach(
    conn: &Connection,
    owner: &str,
    ticket_id: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    let mut attach = conn.prepare(
        "UPDATE help_photos SET ticket_id = ?1, position = ?2
         WHERE id = ?3 AND user_id = ?4 AND ticket_id IS NULL",
    )?;
    for (position, id) in (0_i64..).zip(ids) {
        if attach.execute(params![ticket_id, position, id, owner])? != 1 {
            return Err(ApiError::InvalidPhoto);
        }
    }
    Ok(())
}

pub fn of_ticket(conn: &Connection, ticket_id: &str) -> rusqlite::Result<Vec<HelpPhoto>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, width, height FROM help_photos WHERE ticket_id = ?1 ORDER BY position",
    )?;
    statement
        .query_map([ticket_id], |row| {
            Ok(HelpPhoto {
                id: row.get(0)?,
                width: row.get(1)?,
                height: row.get(2)?,
            })
        })?
        .collect()
}

/// The bytes of the photos of ticket `ticket_id`, in order (the team's view).
pub fn bytes_of_ticket(conn: &Connection, ticket_id: &str) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut statement = conn
        .prepare_cached("SELECT bytes FROM help_photos WHERE ticket_id = ?1 ORDER BY position")?;
    statement
        .query_map([ticket_id], |row| row.get(0))?
        .collect()
}
