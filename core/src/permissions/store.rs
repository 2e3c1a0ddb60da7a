//! The permission area's memory in the app database: the last refusal of each permission (so
//! the app does not ask again within 48 hours, or ever after "don't ask again") and the
//! positioning switch.

use rusqlite::{Connection, OptionalExtension, params};

use crate::policy::Permission;
use crate::store::{Migration, Schema, StoreError, settings};

pub(crate) const SCHEMA: Schema = Schema {
    area: "permissions",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE permission_refusals (
                  permission TEXT PRIMARY KEY,
                  refused_at INTEGER NOT NULL,
                  permanent INTEGER NOT NULL
              );",
    }],
    in_single_list: true,
};

const POSITIONING: &str = "positioning_enabled";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PermissionRefusal {
    pub(crate) refused_at: i64,
    /// The OS will not show its dialog again ("don't ask again").
    pub(crate) permanent: bool,
}

pub(crate) fn refusal(
    conn: &Connection,
    permission: Permission,
) -> Result<Option<PermissionRefusal>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT refused_at, permanent FROM permission_refusals WHERE permission = ?1",
            [permission.key()],
            |r| {
                Ok(PermissionRefusal {
                    refused_at: r.get(0)?,
                    permanent: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn set_refusal(
    conn: &Connection,
    permission: Permission,
    refusal: Option<PermissionRefusal>,
) -> Result<(), StoreError> {
    match refusal {
        Some(r) => conn.execute(
            "INSERT INTO permission_refusals (permission, refused_at, permanent)
             VALUES (?1, ?2, ?3)
             ON CONFLICT(permission) DO UPDATE SET refused_at = excluded.refused_at,
                 permanent = excluded.permanent",
            params![permission.key(), r.refused_at, r.permanent],
        )?,
        None => conn.execute(
            "DELETE FROM permission_refusals WHERE permission = ?1",
            [permission.key()],
        )?,
    };
    Ok(())
}

pub(crate) fn positioning(conn: &Connection) -> Result<bool, StoreError> {
    settings::flag(conn, POSITIONING)
}

pub(crate) fn set_positioning(conn: &Connection, on: bool) -> Result<(), StoreError> {
    settings::set_flag(conn, POSITIONING, on)
}
