//! The minimum version the server announces with the notices: kept in the app database (it
//! holds offline and across restarts, whoever is logged in) and handed to the network layer's
//! gate, which refuses what an outdated build may no longer do.

use rusqlite::Connection;
use serde::Deserialize;

use super::{SecurityArea, SecurityError};
use crate::net::{Endpoint, VersionGate};
use crate::store::{StoreError, settings};

#[derive(Deserialize)]
struct Announced {
    minimum_version: Option<String>,
}

const MINIMUM: &str = "minimum_version";

/// At start: the gate closed as the last announcement left it.
pub(crate) fn load_gate(conn: &Connection, gate: &VersionGate) -> Result<(), StoreError> {
    gate.set(settings::get(conn, MINIMUM)?);
    Ok(())
}

/// The server's latest announcement (`None`: no minimum).
pub(super) fn apply(
    conn: &Connection,
    gate: &VersionGate,
    minimum: Option<String>,
) -> Result<(), StoreError> {
    match &minimum {
        Some(version) => settings::set(conn, MINIMUM, version)?,
        None => {
            settings::take(conn, MINIMUM)?;
        }
    }
    gate.set(minimum);
    if let Some(required) = gate.update_required() {
        tracing::warn!(minimum = %required, "this version is below the server's minimum");
    }
    Ok(())
}

impl SecurityArea {
    /// Asks the server for its minimum alone (no session needed) and applies it; returns it
    /// when this build is below it.
    pub(super) async fn check_minimum(&self) -> Result<Option<String>, SecurityError> {
        let request = Endpoint::MinimumVersion.request();
        let announced: Announced = self.platform.net.send(&request, None).await?.json()?;
        apply(
            &self.platform.app_db.conn(),
            &self.platform.versions,
            announced.minimum_version,
        )?;
        Ok(self.platform.versions.update_required())
    }
}
