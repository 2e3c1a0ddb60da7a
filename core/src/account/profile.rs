//! Who is signed in, as the shell shows it: the profile, cached in the account's database so
//! a restart shows it offline, and the session state a shell observes.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::store::{Migration, Schema, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct UserProfile {
    pub id: String,
    /// Only ever the masked form (138****8000): the full number is not kept on the phone.
    pub phone_masked: String,
    pub nickname: String,
    /// From a third-party account, only if the user authorized binding.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The institution, once the account is completed.
    #[serde(default)]
    pub unit: Option<Named>,
    #[serde(default)]
    pub department: Option<Named>,
}

impl UserProfile {
    /// What is known of an account whose cached profile is missing.
    pub(crate) fn unknown(id: &str) -> UserProfile {
        UserProfile {
            id: id.to_string(),
            phone_masked: String::new(),
            nickname: String::new(),
            avatar_url: None,
            created_at: 0,
            unit: None,
            department: None,
        }
    }
}

/// An entry of a server dictionary (a unit, a department).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum SessionState {
    LoggedOut,
    LoggedIn {
        user: UserProfile,
    },
    /// The server ended the session (its refresh was refused), for `reason`. The `unsent`
    /// items that waited stay on this device, encrypted, and go out when `user` logs in
    /// again; another account's login, or a logout, discards them. With nothing unsent the
    /// account's data is gone as after a logout, and the next start shows `LoggedOut`.
    Ended {
        user: UserProfile,
        unsent: u32,
        reason: EndReason,
    },
}

/// Why the server ended a session, for the screen that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum EndReason {
    /// The account holder signed this device out from another one.
    SignedOutFromAnotherDevice,
    /// The operator ended the account's sessions (a security measure); the notice that says
    /// why is read after the next login.
    ForcedLogout,
    /// The server refused to renew the session: it expired, or ended for another reason.
    #[default]
    RefreshRefused,
}

impl EndReason {
    /// The reason a refused refresh's code gives.
    pub(crate) fn of(code: &crate::net::ApiCode) -> EndReason {
        match code {
            crate::net::ApiCode::SessionRevoked => EndReason::SignedOutFromAnotherDevice,
            crate::net::ApiCode::ForcedLogout => EndReason::ForcedLogout,
            _ => EndReason::RefreshRefused,
        }
    }
}

pub(crate) const SCHEMA: Schema = Schema {
    area: "profile",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE profile (
                  id TEXT PRIMARY KEY,
                  phone_masked TEXT NOT NULL,
                  nickname TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  unit_id TEXT,
                  unit_name TEXT,
                  department_id TEXT,
                  department_name TEXT,
                  avatar_url TEXT
              );",
    }],
    in_single_list: true,
};

fn named(id: Option<String>, name: Option<String>) -> Option<Named> {
    Some(Named {
        id: id?,
        name: name?,
    })
}

pub(crate) fn save(conn: &Connection, profile: &UserProfile) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO profile (id, phone_masked, nickname, created_at, unit_id, unit_name,
                              department_id, department_name, avatar_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET phone_masked = excluded.phone_masked,
             nickname = excluded.nickname, created_at = excluded.created_at,
             unit_id = excluded.unit_id, unit_name = excluded.unit_name,
             department_id = excluded.department_id,
             department_name = excluded.department_name,
             avatar_url = excluded.avatar_url",
        params![
            profile.id,
            profile.phone_masked,
            profile.nickname,
            profile.created_at,
            profile.unit.as_ref().map(|u| &u.id),
            profile.unit.as_ref().map(|u| &u.name),
            profile.department.as_ref().map(|d| &d.id),
            profile.department.as_ref().map(|d| &d.name),
            profile.avatar_url,
        ],
    )?;
    Ok(())
}

pub(crate) fn load(conn: &Connection) -> Result<Option<UserProfile>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, phone_masked, nickname, created_at, unit_id, unit_name,
                    department_id, department_name, avatar_url FROM profile LIMIT 1",
            [],
            |r| {
                Ok(UserProfile {
                    id: r.get(0)?,
                    phone_masked: r.get(1)?,
                    nickname: r.get(2)?,
                    created_at: r.get(3)?,
                    unit: named(r.get(4)?, r.get(5)?),
                    department: named(r.get(6)?, r.get(7)?),
                    avatar_url: r.get(8)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn clear(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("DELETE FROM profile", [])?;
    Ok(())
}
