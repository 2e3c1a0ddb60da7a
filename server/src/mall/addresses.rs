//! The address book. Each address is checked with the rules the app applies
//! (`medcircle_rules::address`) and kept sealed whole; lists show the recipient's name and
//! phone masked, and the clear address leaves the database only towards the logistics provider
//! and the supplier when an item ships (`redemptions`).

use medcircle_rules::address::{self, AddressParts};
use medcircle_rules::phone;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// The context an address is sealed under: a sealed address copied to another row does not open.
pub const CONTEXT: &str = "'address:' || id";

/// An address as typed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = NewAddress)]
pub struct Details {
    /// 1 to 20 visible characters.
    #[schema(max_length = 20)]
    pub recipient_name: String,
    /// A mainland mobile number: 11 digits starting 13 to 19.
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    pub phone: String,
    #[schema(max_length = 20)]
    pub province: String,
    #[schema(max_length = 20)]
    pub city: String,
    #[schema(max_length = 20)]
    pub district: String,
    /// 1 to 120 visible characters.
    #[schema(max_length = 120)]
    pub street: String,
    /// Make it the default address (the first address always is).
    #[serde(default, skip_serializing)]
    pub is_default: bool,
}

impl Details {
    pub fn check(&self) -> Result<(), ApiError> {
        address::check(&AddressParts {
            recipient_name: &self.recipient_name,
            phone: &self.phone,
            province: &self.province,
            city: &self.city,
            district: &self.district,
            street: &self.street,
        })
        .map_err(ApiError::AddressInvalid)
    }

    /// As every list shows it: name and phone masked.
    pub(super) fn listed(self, id: String, is_default: bool, created_at: i64) -> Address {
        Address {
            id,
            recipient_name: address::mask_name(&self.recipient_name),
            phone: phone::masked(&self.phone),
            province: self.province,
            city: self.city,
            district: self.district,
            street: self.street,
            is_default,
            created_at,
        }
    }

    pub fn sealed_text(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|_| ApiError::Internal)
    }

    pub fn from_sealed_text(text: &str) -> rusqlite::Result<Details> {
        serde_json::from_str(text).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
    }
}

/// An address as listed: the recipient's name and phone masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Address {
    pub id: String,
    /// Masked: the first character, then a star for each other.
    pub recipient_name: String,
    /// Masked: `138****8000`.
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    pub is_default: bool,
    pub created_at: i64,
}

pub fn add(
    conn: &Connection,
    user: &str,
    details: &Details,
    now: i64,
) -> Result<Address, ApiError> {
    details.check()?;
    let id = super::random_id("ad_");
    let first: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM addresses WHERE user_id = ?1)",
        [user],
        |row| row.get(0),
    )?;
    conn.execute(
        "INSERT INTO addresses (id, user_id, sealed, created_at)
         VALUES (?1, ?2, seal(?3, 'address:' || ?1), ?4)",
        params![id, user, details.sealed_text()?, now],
    )?;
    if first || details.is_default {
        set_default(conn, user, &id)?;
    }
    tracing::info!(%user, address = %id, "address added");
    get(conn, user, &id)?.ok_or(ApiError::Internal)
}

/// The user's addresses, the default first, then newest first.
pub fn list(conn: &Connection, user: &str) -> rusqlite::Result<Vec<Address>> {
    let mut statement = conn.prepare(&format!(
        "SELECT id, unseal(sealed, {CONTEXT}), is_default, created_at FROM addresses
         WHERE user_id = ?1 ORDER BY is_default DESC, seq DESC"
    ))?;
    statement
        .query_map([user], |row| {
            let details = Details::from_sealed_text(&row.get::<_, String>(1)?)?;
            Ok(details.listed(row.get(0)?, row.get(2)?, row.get(3)?))
        })?
        .collect()
}

pub fn get(conn: &Connection, user: &str, id: &str) -> rusqlite::Result<Option<Address>> {
    Ok(list(conn, user)?
        .into_iter()
        .find(|address| address.id == id))
}

/// The clear address, for a redemption that ships to it.
pub fn details(conn: &Connection, user: &str, id: &str) -> Result<Details, ApiError> {
    let text: Option<String> = conn
        .query_row(
            &format!(
                "SELECT unseal(sealed, {CONTEXT}) FROM addresses WHERE user_id = ?1 AND id = ?2"
            ),
            params![user, id],
            |row| row.get(0),
        )
        .optional()?;
    let text = text.ok_or(ApiError::AddressNotFound)?;
    Ok(Details::from_sealed_text(&text)?)
}

pub fn set_default(conn: &Connection, user: &str, id: &str) -> Result<(), ApiError> {
    let owned = conn.execute(
        "UPDATE addresses SET is_default = (id = ?2) WHERE user_id = ?1",
        params![user, id],
    )?;
    let found: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM addresses WHERE user_id = ?1 AND id = ?2)",
        params![user, id],
        |row| row.get(0),
    )?;
    if owned == 0 || !found {
        return Err(ApiError::AddressNotFound);
    }
    Ok(())
}

/// Deletes an address from the book; the newest remaining becomes the default if it was.
/// Redemptions keep the copy they ship to.
pub fn delete(conn: &Connection, user: &str, id: &str) -> Result<(), ApiError> {
    let was_default: Option<bool> = conn
        .query_row(
            "SELECT is_default FROM addresses WHERE user_id = ?1 AND id = ?2",
            params![user, id],
            |row| row.get(0),
        )
        .optional()?;
    let was_default = was_default.ok_or(ApiError::AddressNotFound)?;
    conn.execute(
        "DELETE FROM addresses WHERE user_id = ?1 AND id = ?2",
        params![user, id],
    )?;
    if was_default {
        conn.execute(
            "UPDATE addresses SET is_default = 1 WHERE seq =
                 (SELECT MAX(seq) FROM addresses WHERE user_id = ?1)",
            [user],
        )?;
    }
    tracing::info!(%user, address = %id, "address deleted");
    Ok(())
}
