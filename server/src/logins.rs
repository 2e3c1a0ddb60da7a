//! How each login began, as its account holder sees it in the security center: the method,
//! the app installation it came from (which tells a new device), the coarse place (updated at
//! each refresh), and the device the app reported for risk control, if it did.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

/// How a session was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = LoginMethod)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Sms,
    OneTap,
    /// A third-party account (OpenID Connect, or a provider's app SDK such as WeChat's).
    Provider,
    /// A browser a phone logged in by scanning its code.
    WebLogin,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::OneTap => "one_tap",
            Method::Provider => "provider",
            Method::WebLogin => "web_login",
        }
    }

    fn parse(stored: &str) -> Method {
        match stored {
            "one_tap" => Method::OneTap,
            "provider" => Method::Provider,
            "web_login" => Method::WebLogin,
            _ => Method::Sms,
        }
    }
}

/// Where a login came from.
pub struct Origin<'a> {
    pub method: Method,
    /// The app installation's pseudonymous id; a browser has none.
    pub install_id: Option<&'a str>,
    pub place: &'a str,
}

/// The device an app reported for risk control, as its holder sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionDevice)]
pub struct Device {
    model: String,
    #[schema(schema_with = crate::openapi::fields::os)]
    os: String,
    os_version: String,
    app_version: String,
}

/// One live session of the account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ListedSession)]
pub struct Listed {
    /// The session's id (for `DELETE /v1/me/sessions/{id}`).
    pub id: String,
    /// Whether this is the caller's session.
    pub current: bool,
    pub login_method: Method,
    /// Absent when the app reported none (no consent, or no report yet): "unknown device".
    pub device: Option<Device>,
    /// What the network address alone tells: `Loopback`, `Local network` or `Unknown`.
    pub place: String,
    /// When it logged in.
    pub created_at: i64,
    /// Its last login or refresh.
    pub last_used_at: i64,
}

/// Records the origin of the login `family` of `user_id`.
pub fn record(
    conn: &Connection,
    family: &str,
    user_id: &str,
    origin: &Origin<'_>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO logins (family, user_id, method, install_id, place)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            family,
            user_id,
            origin.method.as_str(),
            origin.install_id,
            origin.place
        ],
    )?;
    Ok(())
}

/// Whether a login from `origin` comes from an app installation the account has not logged
/// in from before, while it has logged in before (its first login alerts nobody). A browser
/// is confirmed on a phone of the account, so it is never new.
pub fn from_new_device(
    conn: &Connection,
    user_id: &str,
    origin: &Origin<'_>,
) -> rusqlite::Result<bool> {
    let Some(install_id) = origin.install_id else {
        return Ok(false);
    };
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM logins WHERE user_id = ?1 AND install_id IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM logins WHERE user_id = ?1 AND install_id = ?2)",
        params![user_id, install_id],
        |row| row.get(0),
    )
}

/// One login as the account's data export gives it: how, from which app installation, and
/// the coarse place last seen.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ExportedLogin)]
pub struct Recorded {
    /// The session's id.
    id: String,
    login_method: Method,
    /// The app installation's pseudonymous id; absent for a browser.
    install_id: Option<String>,
    place: String,
}

/// Every recorded login of `user_id`, ended ones too.
pub fn export(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Recorded>> {
    conn.prepare(
        "SELECT family, method, install_id, place FROM logins WHERE user_id = ?1 ORDER BY rowid",
    )?
    .query_map([user_id], |row| {
        Ok(Recorded {
            id: row.get(0)?,
            login_method: Method::parse(&row.get::<_, String>(1)?),
            install_id: row.get(2)?,
            place: row.get(3)?,
        })
    })?
    .collect()
}

/// The session was used again from `place`.
pub fn seen_at(conn: &Connection, family: &str, place: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE logins SET place = ?2 WHERE family = ?1",
        params![family, place],
    )?;
    Ok(())
}

/// The account's sessions still usable at `now`, the most recently used first; `current` is
/// the caller's.
pub fn live(
    conn: &Connection,
    user_id: &str,
    current: &str,
    now: i64,
) -> rusqlite::Result<Vec<Listed>> {
    let mut statement = conn.prepare(
        "SELECT l.family, l.method, l.place, MIN(s.created_at), MAX(s.last_used_at),
                d.model, d.os, d.os_version, d.app_version
         FROM logins l
         JOIN sessions s ON s.family = l.family
         LEFT JOIN risk_devices d ON d.id = (
             SELECT MAX(id) FROM risk_devices WHERE family = l.family)
         WHERE l.user_id = ?1
         GROUP BY l.family
         HAVING MAX(s.revoked) = 0
            AND MAX(CASE WHEN l.method = 'web_login' THEN s.access_expires_at
                         ELSE s.refresh_expires_at END) > ?2
         ORDER BY MAX(s.last_used_at) DESC, l.rowid DESC",
    )?;
    statement
        .query_map(params![user_id, now], |row| {
            let family: String = row.get(0)?;
            let model: Option<String> = row.get(5)?;
            let device = match model {
                Some(model) => Some(Device {
                    model,
                    os: row.get(6)?,
                    os_version: row.get(7)?,
                    app_version: row.get(8)?,
                }),
                None => None,
            };
            Ok(Listed {
                current: family == current,
                id: family,
                login_method: Method::parse(&row.get::<_, String>(1)?),
                device,
                place: row.get(2)?,
                created_at: row.get(3)?,
                last_used_at: row.get(4)?,
            })
        })?
        .collect()
}

/// The login `id` of `user_id`, if it is the account's.
pub fn owned(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM logins WHERE family = ?1 AND user_id = ?2",
            params![id, user_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}
