//! Feedback photos: checked and stripped of their metadata as post photos are, kept for their
//! owner until a feedback uses them (then with its ticket) or the account goes.

use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::certification::image::{Dimensions, ImageType};
use crate::feed::photos::PhotoTable;

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

pub const TICKET_PHOTOS: PhotoTable = PhotoTable {
    table: "help_photos",
    owner: "user_id",
    user_of: "ticket_id",
    id_prefix: "hp_",
};

pub fn store(
    conn: &Connection,
    owner: &str,
    image_type: ImageType,
    bytes: &[u8],
    size: Dimensions,
    now: i64,
) -> rusqlite::Result<HelpPhoto> {
    let id = TICKET_PHOTOS.store(conn, owner, image_type, bytes, size, now)?;
    Ok(HelpPhoto {
        id,
        width: size.width,
        height: size.height,
    })
}

pub fn of_ticket(conn: &Connection, ticket_id: &str) -> rusqlite::Result<Vec<HelpPhoto>> {
    Ok(TICKET_PHOTOS
        .of(conn, ticket_id)?
        .into_iter()
        .map(|(id, width, height)| HelpPhoto { id, width, height })
        .collect())
}

/// The bytes of the photos of ticket `ticket_id`, in order (the team's view).
pub fn bytes_of_ticket(conn: &Connection, ticket_id: &str) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut statement = conn
        .prepare_cached("SELECT bytes FROM help_photos WHERE ticket_id = ?1 ORDER BY position")?;
    statement
        .query_map([ticket_id], |row| row.get(0))?
        .collect()
}
