//! Device reports for risk control: stored under the account that sent them and used for
//! nothing else; shown back only to that account's holder (in the export) and to the dev
//! witness.

use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::ident;
use medcircle_rules::text;

pub const OS: [&str; 4] = ["android", "ios", "linux", "other"];
pub const NETWORK_TYPES: [&str; 5] = ["wifi", "cellular", "ethernet", "none", "unknown"];

/// One report, as the app sends it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeviceReport {
    #[schema(min_length = 1, max_length = 64, examples("Pixel 8"))]
    model: String,
    #[schema(schema_with = crate::openapi::fields::os)]
    os: String,
    #[schema(min_length = 1, max_length = 32, examples("15"))]
    os_version: String,
    #[schema(min_length = 1, max_length = 32, examples("1.4.0"))]
    app_version: String,
    #[schema(schema_with = crate::openapi::fields::network_type)]
    network_type: String,
    /// The SIM's carrier; `null` (or absent) without one.
    #[schema(min_length = 1, max_length = 64, examples("China Mobile"))]
    carrier: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$", examples("install-7f3a9c"))]
    install_id: String,
}

impl DeviceReport {
    pub fn validate(&self) -> Result<(), ApiError> {
        check_length("model", &self.model, 64)?;
        check_one_of("os", &self.os, &OS)?;
        check_length("os_version", &self.os_version, 32)?;
        check_length("app_version", &self.app_version, 32)?;
        check_one_of("network_type", &self.network_type, &NETWORK_TYPES)?;
        if let Some(carrier) = &self.carrier {
            check_length("carrier", carrier, 64)?;
        }
        ident::device_id("install_id", &self.install_id)?;
        Ok(())
    }

    fn from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(DeviceReport {
            model: row.get(first)?,
            os: row.get(first + 1)?,
            os_version: row.get(first + 2)?,
            app_version: row.get(first + 3)?,
            network_type: row.get(first + 4)?,
            carrier: row.get(first + 5)?,
            install_id: row.get(first + 6)?,
        })
    }
}

/// A device report in the account holder's export.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReceivedDeviceReport)]
pub struct Received {
    #[serde(flatten)]
    report: DeviceReport,
    /// When the server received it (Unix time in seconds).
    received_at: i64,
}

/// A report as the dev witness shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WitnessedDevice)]
pub struct Witnessed {
    #[schema(pattern = "^u_[0-9a-f]{16}$")]
    user_id: String,
    #[serde(flatten)]
    report: DeviceReport,
    /// When the server received it (Unix time in seconds).
    received_at: i64,
}

const COLUMNS: &str =
    "model, os, os_version, app_version, network_type, carrier, install_id, received_at";

fn check_length(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() <= max && text::is_visible_line(value) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{field} must be 1 to {max} visible characters, without control characters"
        )))
    }
}

fn check_one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{field} must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// Stores a report of the login `family` (the sessions list shows its device).
pub fn store(
    conn: &Connection,
    user_id: &str,
    family: &str,
    report: &DeviceReport,
    received_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO risk_devices (user_id, family, {COLUMNS}) VALUES (?1, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            user_id,
            report.model,
            report.os,
            report.os_version,
            report.app_version,
            report.network_type,
            report.carrier,
            report.install_id,
            received_at,
            family
        ],
    )?;
    Ok(())
}

/// The user's reports, in arrival order.
pub fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Received>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM risk_devices WHERE user_id = ?1 ORDER BY id"
    ))?;
    statement
        .query_map([user_id], |row| {
            Ok(Received {
                report: DeviceReport::from_row(row, 0)?,
                received_at: row.get(7)?,
            })
        })?
        .collect()
}

/// Every stored report, in arrival order.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Witnessed>> {
    let mut statement = conn.prepare(&format!(
        "SELECT user_id, {COLUMNS} FROM risk_devices ORDER BY id"
    ))?;
    statement
        .query_map([], |row| {
            Ok(Witnessed {
                user_id: row.get(0)?,
                report: DeviceReport::from_row(row, 1)?,
                received_at: row.get(8)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> DeviceReport {
        DeviceReport {
            model: "Pixel 8".into(),
            os: "android".into(),
            os_version: "15".into(),
            app_version: "1.4.0".into(),
            network_type: "wifi".into(),
            carrier: Some("China Mobile".into()),
            install_id: "install-7f3a9c".into(),
        }
    }

    #[test]
    fn validates_every_field() {
        assert!(report().validate().is_ok());
        assert!(
            DeviceReport {
                carrier: None,
                model: "é".repeat(64),
                ..report()
            }
            .validate()
            .is_ok()
        );
        let bad = [
            DeviceReport {
                model: String::new(),
                ..report()
            },
            DeviceReport {
                model: "m".repeat(65),
                ..report()
            },
            DeviceReport {
                os: "windows".into(),
                ..report()
            },
            DeviceReport {
                os: "Android".into(),
                ..report()
            },
            DeviceReport {
                os_version: String::new(),
                ..report()
            },
            DeviceReport {
                os_version: "1".repeat(33),
                ..report()
            },
            DeviceReport {
                app_version: "1".repeat(33),
                ..report()
            },
            DeviceReport {
                network_type: "5g".into(),
                ..report()
            },
            DeviceReport {
                carrier: Some(String::new()),
                ..report()
            },
            DeviceReport {
                carrier: Some("c".repeat(65)),
                ..report()
            },
            DeviceReport {
                install_id: String::new(),
                ..report()
            },
            DeviceReport {
                install_id: "install 1".into(),
                ..report()
            },
        ];
        for report in bad {
            assert!(
                matches!(report.validate(), Err(ApiError::InvalidRequest(_))),
                "{report:?}"
            );
        }
    }
}
