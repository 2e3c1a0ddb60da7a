//! Browsing and click records: queued locally only with consent, uploaded in batches under a
//! random pseudonym (never the account, phone or install id), dropped — and the pseudonym
//! retired and forgotten by the server — when the user withdraws.

use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;

use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::logging::redact;
use crate::net::{Endpoint, NetError, NetworkProblem};
use crate::store::StoreError;

/// Records per upload (the server accepts up to 200).
const BATCH: i64 = 100;
const MAX_TARGET_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum RecordsError {
    /// A record names something that looks personal (a phone or ID number): refused.
    #[error("a browsing record must not contain personal data")]
    PersonalDataRefused,
    #[error("a record target is 1 to 128 characters")]
    InvalidTarget,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<StoreError> for RecordsError {
    fn from(error: StoreError) -> Self {
        RecordsError::Storage {
            detail: error.to_string(),
        }
    }
}

impl From<NetError> for RecordsError {
    fn from(error: NetError) -> Self {
        RecordsError::Network {
            problem: error.into(),
        }
    }
}

#[derive(Serialize)]
struct Upload<'a> {
    pseudonym: &'a str,
    events: Vec<Event<'a>>,
}

#[derive(Serialize)]
struct Event<'a> {
    kind: &'a str,
    target: &'a str,
    at: i64,
}

#[derive(Serialize)]
struct Forget<'a> {
    pseudonyms: &'a [String],
}

/// The browsing-records area of a [`crate::Client`].
#[derive(Clone)]
pub struct RecordsClient {
    inner: Arc<Inner>,
}

impl RecordsClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// A post (or other content, by its id) was viewed. Returns whether it was recorded:
    /// without consent nothing is kept, not even locally.
    pub fn viewed(&self, target: String) -> Result<bool, RecordsError> {
        self.record("view", &target)
    }

    /// Something was tapped; see [`RecordsClient::viewed`].
    pub fn clicked(&self, target: String) -> Result<bool, RecordsError> {
        self.record("click", &target)
    }

    /// Records waiting for upload.
    pub fn pending(&self) -> Result<u32, RecordsError> {
        Ok(self.inner.app.count_queued_records()? as u32)
    }

    /// Uploads what is queued (in batches) and asks the server to forget retired pseudonyms.
    /// Returns how many records were uploaded.
    pub async fn flush(&self) -> Result<u32, RecordsError> {
        let inner = self.inner.clone();
        self.inner.run(async move { flush(&inner).await }).await
    }

    fn record(&self, kind: &str, target: &str) -> Result<bool, RecordsError> {
        let target = target.trim();
        if target.is_empty() || target.chars().count() > MAX_TARGET_CHARS {
            return Err(RecordsError::InvalidTarget);
        }
        if redact(target) != target {
            return Err(RecordsError::PersonalDataRefused);
        }
        queue(&self.inner, kind, target)
    }
}

/// A post viewed or clicked in the feed. Its id is the server's (random, not personal), so
/// the shell-input heuristic above does not apply: digits in a random id are not a phone.
pub(crate) fn post_event(inner: &Inner, kind: &str, post_id: &str) -> Result<bool, RecordsError> {
    let is_id = !post_id.is_empty()
        && post_id.len() <= 64
        && post_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !is_id {
        return Err(RecordsError::InvalidTarget);
    }
    queue(inner, kind, &format!("post:{post_id}"))
}

/// Kept only with consent: without it nothing is written, not even locally.
fn queue(inner: &Inner, kind: &str, target: &str) -> Result<bool, RecordsError> {
    if !inner.gate.allows(ConsentPurpose::BrowsingRecords) {
        return Ok(false);
    }
    inner
        .app
        .queue_record(kind, target, inner.clock.now_unix())?;
    Ok(true)
}

pub(crate) async fn flush(inner: &Inner) -> Result<u32, RecordsError> {
    forget_retired(inner).await?;
    let mut uploaded = 0;
    loop {
        // Withdrawal may land between batches: checked every time.
        if !inner.gate.allows(ConsentPurpose::BrowsingRecords) {
            return Ok(uploaded);
        }
        let batch = inner.app.queued_records(BATCH)?;
        let Some(last) = batch.last().map(|r| r.id) else {
            return Ok(uploaded);
        };
        let pseudonym = pseudonym(inner)?;
        let upload = Upload {
            pseudonym: &pseudonym,
            events: batch
                .iter()
                .map(|r| Event {
                    kind: &r.kind,
                    target: &r.target,
                    at: r.at,
                })
                .collect(),
        };
        inner
            .net
            .call_no_content(Endpoint::Events, Some(&upload), None)
            .await?;
        inner.app.drop_records_through(last)?;
        uploaded += batch.len() as u32;
    }
}

/// Asks the server to delete everything it holds under retired pseudonyms.
pub(crate) async fn forget_retired(inner: &Inner) -> Result<(), RecordsError> {
    let retired = inner.app.pseudonyms_to_forget()?;
    if retired.is_empty() {
        return Ok(());
    }
    inner
        .net
        .call_no_content(
            Endpoint::EventsForget,
            Some(&Forget {
                pseudonyms: &retired,
            }),
            None,
        )
        .await?;
    inner.app.forgotten(&retired)?;
    Ok(())
}

fn pseudonym(inner: &Inner) -> Result<String, StoreError> {
    if let Some(current) = inner.app.pseudonym()? {
        return Ok(current);
    }
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let fresh = hex::encode(bytes);
    inner.app.set_pseudonym(&fresh)?;
    Ok(fresh)
}
