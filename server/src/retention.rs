//! The retention sweep: deletes what the data inventory (`core/privacy/inventory.toml`,
//! `deleted_after_days`) says is kept only until some time, once that time has passed. It runs
//! at start, every hour, and in dev mode after each move of the clock.

use std::time::Duration;

use rusqlite::Connection;

use crate::app::Shared;
use crate::sessions;

const DAY_S: i64 = 86_400;
/// `device_info`: a device report, from its receipt.
pub const DEVICE_REPORT_DAYS: i64 = 90;
/// `browsing_records`: a pseudonymous event, from its receipt.
pub const BROWSING_EVENT_DAYS: i64 = 180;
/// `certificate_photos`: a photo not part of the user's latest application, from its upload.
pub const SUPERSEDED_CERTIFICATE_PHOTO_DAYS: i64 = 1;
/// `post_photos`: an uploaded photo no post uses, from its upload.
pub const UNUSED_POST_PHOTO_DAYS: i64 = 1;
/// `feedback_photos`: an uploaded photo no feedback uses, from its upload.
pub const UNUSED_FEEDBACK_PHOTO_DAYS: i64 = 1;
const EVERY: Duration = Duration::from_secs(3600);

/// How many rows a sweep deleted, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub device_reports: usize,
    pub browsing_events: usize,
    pub certificate_photos: usize,
    pub post_photos: usize,
    pub feedback_photos: usize,
    /// Sealed refresh replacements past their grace (`sessions::REFRESH_GRACE_S`).
    pub refresh_replacements: usize,
}

/// Deletes everything past its retention at `now`, in one transaction.
pub fn sweep(conn: &Connection, now: i64) -> rusqlite::Result<Swept> {
    let before = |days: i64| now.saturating_sub(days.saturating_mul(DAY_S));
    let tx = conn.unchecked_transaction()?;
    let swept = Swept {
        device_reports: tx.execute(
            "DELETE FROM risk_devices WHERE received_at <= ?1",
            [before(DEVICE_REPORT_DAYS)],
        )?,
        browsing_events: tx.execute(
            "DELETE FROM events WHERE received_at <= ?1",
            [before(BROWSING_EVENT_DAYS)],
        )?,
        certificate_photos: tx.execute(
            "DELETE FROM certification_photos WHERE uploaded_at <= ?1 AND id NOT IN (
                 SELECT photo.value FROM certifications, json_each(certifications.photo_ids) AS photo
                 WHERE certifications.user_id = certification_photos.user_id)",
            [before(SUPERSEDED_CERTIFICATE_PHOTO_DAYS)],
        )?,
        post_photos: tx.execute(
            "DELETE FROM photos WHERE post_id IS NULL AND created_at <= ?1",
            [before(UNUSED_POST_PHOTO_DAYS)],
        )?,
        feedback_photos: tx.execute(
            "DELETE FROM help_photos WHERE ticket_id IS NULL AND created_at <= ?1",
            [before(UNUSED_FEEDBACK_PHOTO_DAYS)],
        )?,
        refresh_replacements: sessions::forget_replacements(&tx, now)?,
    };
    tx.commit()?;
    Ok(swept)
}

/// Sweeps with one of the server's connections, logging what went.
pub async fn run(state: &Shared) {
    let now = state.clock.now();
    match sweep(&*state.writer().await, now) {
        Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "retention sweep"),
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "retention sweep failed"),
    }
}

/// Sweeps now and then every hour, for as long as the server's runtime runs.
pub fn spawn(state: Shared) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            run(&state).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures the data inventory declares, by item id.
    fn declared(item: &str) -> i64 {
        let inventory: toml::Table =
            toml::from_str(include_str!("../../core/privacy/inventory.toml")).unwrap();
        inventory["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["id"].as_str() == Some(item))
            .and_then(|entry| entry.get("deleted_after_days")?.as_integer())
            .unwrap_or_else(|| panic!("{item} declares no deleted_after_days"))
    }

    #[test]
    fn the_sweep_uses_the_inventorys_figures() {
        assert_eq!(declared("device_info"), DEVICE_REPORT_DAYS);
        assert_eq!(declared("browsing_records"), BROWSING_EVENT_DAYS);
        assert_eq!(
            declared("certificate_photos"),
            SUPERSEDED_CERTIFICATE_PHOTO_DAYS
        );
        assert_eq!(declared("post_photos"), UNUSED_POST_PHOTO_DAYS);
        assert_eq!(declared("feedback_photos"), UNUSED_FEEDBACK_PHOTO_DAYS);
    }
}
