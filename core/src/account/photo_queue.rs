//! Photos waiting in an area's outbox with their entry (a post, a feedback): kept in the
//! account's database with the entry, uploaded each once under its own idempotency key
//! (`{entry key}-{position}`), the id the server gave remembered at once, so a flush resumed
//! after a kill never uploads a photo again. Each area has its table, with these columns:
//! `key, position, content_type, bytes, photo_id`.

use std::sync::Arc;

use rusqlite::{Connection, params};
use serde::Deserialize;

use super::{Account, AccountDb, Failure};
use crate::net::{CancelToken, Endpoint, Upload, UploadProgress};
use crate::store::StoreError;

/// One area's queue: its table's name (a constant, never user input).
pub(crate) struct PhotoQueue {
    pub(crate) table: &'static str,
}

/// A photo waiting with its entry; `photo_id` once uploaded.
pub(crate) struct QueuedPhoto {
    pub(crate) position: u32,
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) photo_id: Option<String>,
}

#[derive(Deserialize)]
struct Uploaded {
    id: String,
}

/// Progress nobody watches (a flush in the background).
struct Unwatched;

impl UploadProgress for Unwatched {
    fn progress(&self, _sent: u64, _total: u64) {}
}

impl PhotoQueue {
    pub(crate) fn attach(
        &self,
        conn: &Connection,
        key: &str,
        position: u32,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        conn.execute(
            &format!(
                "INSERT INTO {} (key, position, content_type, bytes) VALUES (?1, ?2, ?3, ?4)",
                self.table
            ),
            params![key, position, content_type, bytes],
        )?;
        Ok(())
    }

    pub(crate) fn photos(
        &self,
        conn: &Connection,
        key: &str,
    ) -> Result<Vec<QueuedPhoto>, StoreError> {
        let mut query = conn.prepare_cached(&format!(
            "SELECT position, content_type, bytes, photo_id FROM {} WHERE key = ?1
             ORDER BY position",
            self.table
        ))?;
        let rows = query.query_map([key], |r| {
            Ok(QueuedPhoto {
                position: r.get(0)?,
                content_type: r.get(1)?,
                bytes: r.get(2)?,
                photo_id: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn count(&self, conn: &Connection, key: &str) -> Result<u32, StoreError> {
        Ok(conn.query_row(
            &format!("SELECT COUNT(*) FROM {} WHERE key = ?1", self.table),
            [key],
            |r| r.get(0),
        )?)
    }

    pub(crate) fn set_photo_id(
        &self,
        conn: &Connection,
        key: &str,
        position: u32,
        photo_id: &str,
    ) -> Result<(), StoreError> {
        conn.execute(
            &format!(
                "UPDATE {} SET photo_id = ?3 WHERE key = ?1 AND position = ?2",
                self.table
            ),
            params![key, position, photo_id],
        )?;
        Ok(())
    }

    /// Removes an entry's photos (inside the caller's transaction).
    pub(crate) fn remove(&self, conn: &Connection, key: &str) -> Result<(), StoreError> {
        conn.execute(&format!("DELETE FROM {} WHERE key = ?1", self.table), [key])?;
        Ok(())
    }

    /// Uploads entry `key`'s photos not uploaded yet to `endpoint`, on behalf of the account
    /// `db` belongs to, under `control` (the sender's progress and cancellation) when someone
    /// watches; returns every photo's id, in order.
    pub(crate) async fn upload(
        &self,
        account: &Account,
        db: &AccountDb,
        key: &str,
        endpoint: Endpoint,
        control: Option<Upload>,
    ) -> Result<Vec<String>, Failure> {
        let queued = self.photos(&db.conn(), key)?;
        let mut ids = Vec::new();
        for photo in queued {
            if let Some(id) = photo.photo_id {
                ids.push(id);
                continue;
            }
            let bytes = bytes::Bytes::from(photo.bytes);
            let content_type = medcircle_rules::image::ImageType::of(&bytes)
                .map(|t| t.media_type())
                .unwrap_or("application/octet-stream");
            let upload = control.clone().unwrap_or_else(|| Upload {
                progress: Arc::new(Unwatched),
                cancel: CancelToken::new(),
            });
            let request = endpoint
                .request()
                .upload(content_type, bytes, upload)
                .idempotency_key(&format!("{key}-{}", photo.position));
            let uploaded: Uploaded = account.send_for(&db.account_id, &request).await?.json()?;
            self.set_photo_id(&db.conn(), key, photo.position, &uploaded.id)?;
            ids.push(uploaded.id);
        }
        Ok(ids)
    }
}
