//! The privacy ledger: every personal data item the network layer sent, when, where and why,
//! in the app database, written by the network layer through [`TransmissionLog`].

use std::sync::Arc;

use rusqlite::{Connection, params};

use crate::net::{Transmission, TransmissionLog};
use crate::store::{self, Database, Migration, Schema, StoreError};

pub(crate) const SCHEMA: Schema = Schema {
    area: "privacy",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE privacy_ledger (
                  id INTEGER PRIMARY KEY,
                  item TEXT NOT NULL,
                  purpose TEXT NOT NULL,
                  destination TEXT NOT NULL,
                  endpoint TEXT NOT NULL,
                  sent_at INTEGER NOT NULL
              );
              CREATE INDEX privacy_ledger_by_time ON privacy_ledger (sent_at);",
    }],
    in_single_list: true,
};

/// Where the network layer records what it sent: the app database.
pub(crate) struct Ledger(pub(crate) Arc<Database>);

impl TransmissionLog for Ledger {
    fn record(&self, sent: &[Transmission]) {
        let mut conn = self.0.conn();
        let written = store::writing(&mut conn).and_then(|tx| {
            for t in sent {
                tx.execute(
                    "INSERT INTO privacy_ledger (item, purpose, destination, endpoint, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        t.item,
                        t.purpose.key(),
                        t.destination,
                        t.endpoint,
                        t.sent_at
                    ],
                )?;
            }
            tx.commit()
        });
        if let Err(error) = written {
            // The request has already gone; failing it now would not unsend it.
            tracing::error!(%error, "privacy ledger write failed");
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerRow {
    pub(crate) item: String,
    pub(crate) purpose: String,
    pub(crate) destination: String,
    pub(crate) endpoint: String,
    pub(crate) sent_at: i64,
}

/// Rows matching the filter, oldest first.
pub(crate) fn rows(
    conn: &Connection,
    item: Option<&str>,
    purpose: Option<&str>,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<Vec<LedgerRow>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT item, purpose, destination, endpoint, sent_at FROM privacy_ledger
         WHERE (?1 IS NULL OR item = ?1) AND (?2 IS NULL OR purpose = ?2)
           AND (?3 IS NULL OR sent_at >= ?3) AND (?4 IS NULL OR sent_at <= ?4)
         ORDER BY id",
    )?;
    let rows = statement
        .query_map(params![item, purpose, since, until], |r| {
            Ok(LedgerRow {
                item: r.get(0)?,
                purpose: r.get(1)?,
                destination: r.get(2)?,
                endpoint: r.get(3)?,
                sent_at: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
