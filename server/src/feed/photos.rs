//! Photo uploads: checked and stripped of their metadata as certification photos are (the
//! declared type against the bytes, the size from the PNG or JPEG header), then bounded in
//! size, and kept in the database until their post is deleted.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::certification::image::{self, Cleaned, Dimensions, ImageType};
use crate::error::ApiError;

/// A photo as a post shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Photo)]
pub struct PhotoRef {
    #[schema(pattern = "^ph_[0-9a-f]{16}$")]
    pub id: String,
    /// `/v1/photos/{id}`, on this server (needs a session).
    #[schema(examples("/v1/photos/ph_0123456789abcdef"))]
    pub url: String,
    #[schema(minimum = 1, maximum = 4096)]
    pub width: u32,
    #[schema(minimum = 1, maximum = 4096)]
    pub height: u32,
}

impl PhotoRef {
    fn new(id: String, width: u32, height: u32) -> PhotoRef {
        PhotoRef {
            url: format!("/v1/photos/{id}"),
            id,
            width,
            height,
        }
    }
}

/// Checks an upload: `content_type` must be an accepted type (415 otherwise) and `bytes` an
/// image of that type within the limits; returns it as it is kept, without its metadata (see
/// `image::clean`).
pub fn check(content_type: &str, bytes: &[u8]) -> Result<(ImageType, Cleaned), ApiError> {
    let declared = ImageType::declared(content_type).ok_or(ApiError::UnsupportedImage)?;
    Ok((declared, image::clean(declared, bytes)?))
}

/// A table of uploaded photos. The feed's (`photos`, used by posts) and the help center's
/// (`help_photos`, used by tickets) have the same shape under their own names: kept for their
/// owner until what uses them takes them, in order.
pub struct PhotoTable {
    pub table: &'static str,
    pub owner: &'static str,
    /// The column naming what uses the photo once attached.
    pub user_of: &'static str,
    pub id_prefix: &'static str,
}

pub const POST_PHOTOS: PhotoTable = PhotoTable {
    table: "photos",
    owner: "owner_id",
    user_of: "post_id",
    id_prefix: "ph_",
};

impl PhotoTable {
    /// Keeps an upload of `owner`, used by nothing yet; returns its id.
    pub fn store(
        &self,
        conn: &Connection,
        owner: &str,
        image_type: ImageType,
        bytes: &[u8],
        size: Dimensions,
        now: i64,
    ) -> rusqlite::Result<String> {
        let id = super::random_id(self.id_prefix);
        conn.execute(
            &format!(
                "INSERT INTO {} (id, {}, content_type, width, height, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                self.table, self.owner
            ),
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
        Ok(id)
    }

    /// Gives the photos `ids` to `user_of`, in that order. Each must be `owner`'s and used by
    /// nothing yet, else `invalid_photo` (the caller's transaction then undoes what it made).
    pub fn attach(
        &self,
        conn: &Connection,
        owner: &str,
        user_of: &str,
        ids: &[String],
    ) -> Result<(), ApiError> {
        let mut attach = conn.prepare_cached(&format!(
            "UPDATE {table} SET {user_of} = ?1, position = ?2
             WHERE id = ?3 AND {owner} = ?4 AND {user_of} IS NULL",
            table = self.table,
            user_of = self.user_of,
            owner = self.owner,
        ))?;
        for (position, id) in (0_i64..).zip(ids) {
            // A repeated id finds its photo already attached, so it is refused too.
            if attach.execute(params![user_of, position, id, owner])? != 1 {
                return Err(ApiError::InvalidPhoto);
            }
        }
        Ok(())
    }

    /// Id, width and height of the photos of `user_of`, in order.
    pub fn of(
        &self,
        conn: &Connection,
        user_of: &str,
    ) -> rusqlite::Result<Vec<(String, u32, u32)>> {
        let mut statement = conn.prepare_cached(&format!(
            "SELECT id, width, height FROM {} WHERE {} = ?1 ORDER BY position",
            self.table, self.user_of
        ))?;
        statement
            .query_map([user_of], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect()
    }
}

/// Keeps an upload of `owner`, in no post yet; returns it as a post would show it.
pub fn store(
    conn: &Connection,
    owner: &str,
    image_type: ImageType,
    bytes: &[u8],
    size: Dimensions,
    now: i64,
) -> rusqlite::Result<PhotoRef> {
    let id = POST_PHOTOS.store(conn, owner, image_type, bytes, size, now)?;
    Ok(PhotoRef::new(id, size.width, size.height))
}

pub fn of_post(conn: &Connection, post_id: &str) -> rusqlite::Result<Vec<PhotoRef>> {
    Ok(POST_PHOTOS
        .of(conn, post_id)?
        .into_iter()
        .map(|(id, width, height)| PhotoRef::new(id, width, height))
        .collect())
}

/// The type and bytes of photo `id`, if `viewer` may see it: any post's photo, or their own
/// upload not used yet.
pub fn get(
    conn: &Connection,
    viewer: &str,
    id: &str,
) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.query_row(
        "SELECT content_type, bytes FROM photos
         WHERE id = ?1 AND (post_id IS NOT NULL OR owner_id = ?2)",
        params![id, viewer],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG that is only a signature, an IHDR chunk and the end (CRCs not checked).
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
        bytes
    }

    #[test]
    fn accepts_only_jpeg_and_png_up_to_4096_pixels_a_side() {
        let code =
            |content_type: &str, bytes: &[u8]| check(content_type, bytes).unwrap_err().code();
        let (image_type, kept) = check("image/png", &png(4096, 1)).unwrap();
        assert_eq!(
            (image_type, kept.size.width, kept.size.height),
            (ImageType::Png, 4096, 1)
        );
        assert_eq!(kept.bytes, png(4096, 1), "nothing to strip");
        assert_eq!(code("image/gif", &png(1, 1)), "unsupported_image");
        assert_eq!(code("image/jpeg", &png(1, 1)), "invalid_image");
        assert_eq!(
            code("image/png", &png(4097, 1)),
            "photo_too_large_dimensions"
        );
        assert_eq!(
            code("image/png", &png(1, 4097)),
            "photo_too_large_dimensions"
        );
    }
}
