//! Physician certification: photos of the physician's and practising certificates, the
//! resident ID number and optionally where the user was, submitted for review; an operator
//! (in dev mode, `/dev/certification/decide`) approves or rejects. The ID number is shown
//! masked everywhere except to its holder right after a step-up.

pub mod image;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::tokens;
use image::{Dimensions, ImageType};
use medcircle_rules::id_number::IdNumber;

/// Which certificate a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 医师资格证书: the physician qualification certificate.
    Physician,
    /// 医师执业证书: the practising certificate.
    Practising,
}

impl Kind {
    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "physician" => Some(Kind::Physician),
            "practising" => Some(Kind::Practising),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Physician => "physician",
            Kind::Practising => "practising",
        }
    }
}

impl FromSql for Kind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Kind::parse(value.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

/// A stored photo, without its bytes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CertificationPhoto)]
pub struct Photo {
    #[schema(pattern = "^cp_[0-9a-f]{16}$")]
    pub photo_id: String,
    #[schema(schema_with = crate::openapi::fields::certificate_kind)]
    pub kind: Kind,
    /// In bytes.
    #[schema(minimum = 1, maximum = 5242880)]
    pub size: i64,
    #[schema(minimum = 1)]
    pub width: u32,
    #[schema(minimum = 1)]
    pub height: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Location {
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
}

impl Location {
    /// `latitude,longitude`, the sealed form.
    fn to_text(self) -> String {
        format!("{},{}", self.latitude, self.longitude)
    }

    fn from_text(text: &str) -> Option<Location> {
        let (latitude, longitude) = text.split_once(',')?;
        Some(Location {
            latitude: latitude.parse().ok()?,
            longitude: longitude.parse().ok()?,
        })
    }

    pub fn is_valid(&self) -> bool {
        (-90.0..=90.0).contains(&self.latitude) && (-180.0..=180.0).contains(&self.longitude)
    }
}

/// Where a user's certification stands, as the app shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CertificationStatus)]
pub struct Status {
    #[schema(schema_with = crate::openapi::fields::certification_status)]
    pub status: String,
    /// Why it was rejected; null otherwise.
    #[schema(required = true)]
    pub reason: Option<String>,
    #[schema(
        pattern = "^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$",
        examples("1101**********1234"),
        required = true
    )]
    pub id_number_masked: Option<String>,
    #[schema(minimum = 0)]
    pub photo_count: usize,
    #[schema(required = true)]
    pub submitted_at: Option<i64>,
    /// When the reviewer decided; null while pending.
    #[schema(required = true)]
    pub decided_at: Option<i64>,
}

impl Status {
    fn none() -> Status {
        Status {
            status: "none".into(),
            reason: None,
            id_number_masked: None,
            photo_count: 0,
            submitted_at: None,
            decided_at: None,
        }
    }
}

/// One certification as the dev witness lists it: never the ID number, nor the location.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WitnessedCertification)]
pub struct Summary {
    pub user_id: String,
    #[schema(schema_with = crate::openapi::fields::reviewed_status)]
    pub status: String,
    pub has_location: bool,
    #[schema(minimum = 0)]
    pub photo_count: usize,
}

/// What the account holder's export shows: the status (ID number masked), the location sent
/// and the photos kept.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CertificationExport)]
pub struct Exported {
    #[serde(flatten)]
    pub status: Status,
    #[schema(required = true)]
    pub location: Option<Location>,
    /// Every certificate photo kept, oldest first (metadata only).
    pub photos: Vec<Photo>,
}

pub fn store_photo(
    conn: &Connection,
    user_id: &str,
    kind: Kind,
    image_type: ImageType,
    bytes: &[u8],
    size: Dimensions,
    now: i64,
) -> rusqlite::Result<Photo> {
    let photo = Photo {
        photo_id: tokens::photo_id(),
        kind,
        size: bytes.len() as i64,
        width: size.width,
        height: size.height,
    };
    conn.execute(
        "INSERT INTO certification_photos
            (id, user_id, kind, content_type, width, height, bytes, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, seal(?7, 'certification_photo:' || ?1), ?8)",
        params![
            photo.photo_id,
            user_id,
            kind.as_str(),
            image_type.media_type(),
            photo.width,
            photo.height,
            bytes,
            now
        ],
    )?;
    Ok(photo)
}

/// The kinds of `photo_ids`, if every one is a photo of `user_id`'s.
pub fn owned_kinds(
    conn: &Connection,
    user_id: &str,
    photo_ids: &[String],
) -> rusqlite::Result<Option<Vec<Kind>>> {
    let mut statement =
        conn.prepare("SELECT kind FROM certification_photos WHERE id = ?1 AND user_id = ?2")?;
    let mut kinds = Vec::with_capacity(photo_ids.len());
    for id in photo_ids {
        match statement
            .query_row([id, user_id], |row| row.get(0))
            .optional()?
        {
            Some(kind) => kinds.push(kind),
            None => return Ok(None),
        }
    }
    Ok(Some(kinds))
}

/// Whether the user's certification was approved.
pub fn is_approved(conn: &Connection, user_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM certifications WHERE user_id = ?1 AND status = 'approved')",
        [user_id],
        |row| row.get(0),
    )
}

/// Submits (or resubmits) the user's certification for review.
pub fn submit(
    conn: &Connection,
    user_id: &str,
    id_number: &IdNumber,
    photo_ids: &[String],
    location: Option<Location>,
    now: i64,
) -> rusqlite::Result<()> {
    let photo_ids = serde_json::to_string(photo_ids).expect("strings serialize to JSON");
    conn.execute(
        "INSERT INTO certifications (user_id, id_number, id_number_masked, photo_ids, location,
                                     status, reason, submitted_at, decided_at)
         VALUES (?1, seal(?2, 'id_number:' || ?1), seal(?3, 'id_number_masked:' || ?1), ?4,
                 seal(?5, 'location:' || ?1), 'pending', NULL, ?6, NULL)
         ON CONFLICT (user_id) DO UPDATE SET
            id_number = excluded.id_number, id_number_masked = excluded.id_number_masked,
            photo_ids = excluded.photo_ids, location = excluded.location,
            status = 'pending', reason = NULL, submitted_at = excluded.submitted_at,
            decided_at = NULL",
        params![
            user_id,
            id_number.as_str(),
            id_number.masked(),
            photo_ids,
            location.map(Location::to_text),
            now
        ],
    )?;
    Ok(())
}

pub fn status(conn: &Connection, user_id: &str) -> rusqlite::Result<Status> {
    Ok(conn
        .query_row(
            "SELECT status, reason, unseal(id_number_masked, 'id_number_masked:' || user_id),
                    photo_ids, submitted_at, decided_at
             FROM certifications WHERE user_id = ?1",
            [user_id],
            |row| {
                Ok(Status {
                    status: row.get(0)?,
                    reason: row.get(1)?,
                    id_number_masked: row.get(2)?,
                    photo_count: count(&row.get::<_, String>(3)?),
                    submitted_at: row.get(4)?,
                    decided_at: row.get(5)?,
                })
            },
        )
        .optional()?
        .unwrap_or_else(Status::none))
}

/// The submitted ID number, in full.
pub fn id_number(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT unseal(id_number, 'id_number:' || user_id) FROM certifications WHERE user_id = ?1",
        [user_id],
        |row| row.get(0),
    )
    .optional()
}

/// Records the reviewer's decision; false if the user submitted nothing.
pub fn decide(
    conn: &Connection,
    user_id: &str,
    approve: bool,
    reason: Option<&str>,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE certifications SET status = ?2, reason = ?3, decided_at = ?4 WHERE user_id = ?1",
        params![
            user_id,
            if approve { "approved" } else { "rejected" },
            reason,
            now
        ],
    )?;
    Ok(changed == 1)
}

pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Summary>> {
    let mut statement = conn.prepare(
        "SELECT user_id, status, location IS NOT NULL, photo_ids FROM certifications
         ORDER BY submitted_at, user_id",
    )?;
    statement
        .query_map([], |row| {
            Ok(Summary {
                user_id: row.get(0)?,
                status: row.get(1)?,
                has_location: row.get(2)?,
                photo_count: count(&row.get::<_, String>(3)?),
            })
        })?
        .collect()
}

pub fn export(conn: &Connection, user_id: &str) -> rusqlite::Result<Exported> {
    let location = conn
        .query_row(
            "SELECT unseal(location, 'location:' || user_id) FROM certifications
             WHERE user_id = ?1 AND location IS NOT NULL",
            [user_id],
            |row| row.get::<_, String>(0),
        )
        .optional()?
        .map(|text| Location::from_text(&text).ok_or(rusqlite::Error::InvalidQuery))
        .transpose()?;
    let mut statement = conn.prepare(
        "SELECT id, kind, length(unseal(bytes, 'certification_photo:' || id)), width, height
         FROM certification_photos
         WHERE user_id = ?1 ORDER BY uploaded_at, id",
    )?;
    let photos = statement
        .query_map([user_id], |row| {
            Ok(Photo {
                photo_id: row.get(0)?,
                kind: row.get(1)?,
                size: row.get(2)?,
                width: row.get(3)?,
                height: row.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Exported {
        status: status(conn, user_id)?,
        location,
        photos,
    })
}

/// How many photo ids a stored JSON array holds.
fn count(photo_ids: &str) -> usize {
    serde_json::from_str::<Vec<String>>(photo_ids).map_or(0, |ids| ids.len())
}
