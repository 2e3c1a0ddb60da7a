//! The certification area's table in the account's database: the last known status, the ID
//! number only ever masked (the full one is never written on the phone).

use rusqlite::{Connection, OptionalExtension, params};

use super::{CertificationState, CertificationStatus};
use crate::store::{Migration, Schema, StoreError};

pub(crate) const SCHEMA: Schema = Schema {
    area: "certification",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE certification (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  state TEXT NOT NULL,
                  reason TEXT,
                  id_number_masked TEXT,
                  photo_count INTEGER NOT NULL,
                  submitted_at INTEGER,
                  decided_at INTEGER
              );",
    }],
    in_single_list: true,
};

pub(crate) fn save(conn: &Connection, status: &CertificationStatus) -> Result<(), StoreError> {
    let (state, reason) = status.state.to_columns();
    conn.execute(
        "INSERT OR REPLACE INTO certification
             (id, state, reason, id_number_masked, photo_count, submitted_at, decided_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            state,
            reason,
            status.id_number_masked,
            status.photo_count,
            status.submitted_at,
            status.decided_at,
        ],
    )?;
    Ok(())
}

pub(crate) fn load(conn: &Connection) -> Result<Option<CertificationStatus>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT state, reason, id_number_masked, photo_count, submitted_at, decided_at
             FROM certification",
            [],
            |r| {
                Ok(CertificationStatus {
                    state: CertificationState::from_columns(&r.get::<_, String>(0)?, r.get(1)?),
                    id_number_masked: r.get(2)?,
                    photo_count: r.get(3)?,
                    submitted_at: r.get(4)?,
                    decided_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}
