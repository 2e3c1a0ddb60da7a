//! Browsing and click records: queued locally only with consent, uploaded in batches under a
//! random pseudonym (never the account, phone or install id), dropped — and the pseudonym
//! retired and forgotten by the server — when the user withdraws.

mod store;

use std::sync::Arc;

use serde::Serialize;

use sha2::{Digest, Sha256};

use crate::account::{
    Account, AreaError, BrowsingRecorder, DataExport, Failure, Withdrawal, area_error,
};
use crate::logging::redact;
use crate::net::{Endpoint, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::{ConsentPurpose, inventory};
use crate::store::{Schema, StoreError};

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

impl AreaError for RecordsError {
    fn network(problem: NetworkProblem) -> Self {
        RecordsError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        RecordsError::Storage { detail }
    }
}

area_error!(RecordsError);

/// The records area's tables in the app database.
pub(crate) const APP_SCHEMA: &Schema = &store::SCHEMA;

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

pub(crate) struct RecordsArea {
    platform: Arc<Platform>,
    /// Whose records these are: each account (and nobody signed in) has pseudonyms of its
    /// own, so the server cannot tie one account's records to another's on the same phone.
    account: Arc<Account>,
}

const DAY_S: i64 = 24 * 3600;

impl OnPlatform for RecordsArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

/// The browsing-records area of a [`crate::Client`].
#[derive(Clone)]
pub struct RecordsClient(Arc<RecordsArea>);

impl RecordsClient {
    pub(crate) fn new(area: Arc<RecordsArea>) -> Self {
        Self(area)
    }

    /// A post (or other content, by its id) was viewed. Returns whether it was recorded:
    /// without consent nothing is kept, not even locally.
    pub async fn viewed(&self, target: String) -> Result<bool, RecordsError> {
        run(&self.0, |area| async move { area.record("view", &target) }).await
    }

    /// Something was tapped; see [`RecordsClient::viewed`].
    pub async fn clicked(&self, target: String) -> Result<bool, RecordsError> {
        run(&self.0, |area| async move { area.record("click", &target) }).await
    }

    /// Records waiting for upload.
    pub async fn pending(&self) -> Result<u32, RecordsError> {
        run(&self.0, |area| async move {
            Ok(store::count(&area.platform.app_db.conn())? as u32)
        })
        .await
    }

    /// Uploads what is queued (in batches) and asks the server to forget retired pseudonyms.
    /// Returns how many records were uploaded.
    pub async fn flush(&self) -> Result<u32, RecordsError> {
        run(&self.0, |area| async move { area.flush().await }).await
    }
}

impl RecordsArea {
    pub(crate) fn new(platform: Arc<Platform>, account: Arc<Account>) -> Self {
        Self { platform, account }
    }

    fn record(&self, kind: &str, target: &str) -> Result<bool, RecordsError> {
        let target = target.trim();
        if target.is_empty() || target.chars().count() > MAX_TARGET_CHARS {
            return Err(RecordsError::InvalidTarget);
        }
        if redact(target) != target {
            return Err(RecordsError::PersonalDataRefused);
        }
        Ok(self.queue(kind, target)?)
    }

    /// Kept only with consent: without it nothing is written, not even locally. Each record
    /// goes under the pseudonym of its account and day: a pseudonym rotates every day.
    fn queue(&self, kind: &str, target: &str) -> Result<bool, StoreError> {
        if !self.platform.gate.allows(ConsentPurpose::BrowsingRecords) {
            return Ok(false);
        }
        let now = self.platform.now();
        // A digest: the app database never pairs an account id with a pseudonym.
        let who = match self.account.db() {
            Ok(db) => hex::encode(&Sha256::digest(db.account_id.as_bytes())[..12]),
            Err(_) => "nobody".to_string(),
        };
        let scope = store::Scope {
            who: &who,
            day: now.div_euclid(DAY_S),
        };
        store::queue(&mut self.platform.app_db.conn(), &scope, kind, target, now)?;
        Ok(true)
    }

    async fn flush(&self) -> Result<u32, RecordsError> {
        self.forget_retired().await?;
        let mut uploaded = 0;
        loop {
            // Withdrawal may land between batches: checked every time.
            if !self.platform.gate.allows(ConsentPurpose::BrowsingRecords) {
                return Ok(uploaded);
            }
            let batch = store::queued(&self.platform.app_db.conn(), BATCH)?;
            let Some(first) = batch.first() else {
                self.prune()?;
                return Ok(uploaded);
            };
            let upload = Upload {
                pseudonym: &first.pseudonym,
                events: batch
                    .iter()
                    .map(|r| Event {
                        kind: &r.kind,
                        target: &r.target,
                        at: r.at,
                    })
                    .collect(),
            };
            let request = Endpoint::Events.request().json(&upload);
            self.platform.net.send(&request, None).await?;
            store::uploaded(&self.platform.app_db.conn(), &batch)?;
            uploaded += batch.len() as u32;
        }
    }

    /// Pseudonyms older than what the server keeps under them are not needed to forget it.
    fn prune(&self) -> Result<(), StoreError> {
        let kept_days = inventory()
            .item("browsing_records")
            .and_then(|item| item.deleted_after_days)
            .unwrap_or(180);
        let today = self.platform.now().div_euclid(DAY_S);
        store::prune(&self.platform.app_db.conn(), today - i64::from(kept_days))
    }

    /// Asks the server to delete everything it holds under retired pseudonyms.
    async fn forget_retired(&self) -> Result<(), Failure> {
        let retired = store::to_forget(&self.platform.app_db.conn())?;
        if retired.is_empty() {
            return Ok(());
        }
        let request = Endpoint::EventsForget.request().json(&Forget {
            pseudonyms: &retired,
        });
        self.platform.net.send(&request, None).await?;
        store::forgotten(&self.platform.app_db.conn(), &retired)?;
        Ok(())
    }
}

impl BrowsingRecorder for RecordsArea {
    /// A post viewed or clicked in the feed. Its id is the server's (random, not personal),
    /// so the shell-input heuristic does not apply: digits in a random id are not a phone.
    fn post_event(&self, kind: &str, post_id: &str) -> Result<bool, StoreError> {
        let is_id = !post_id.is_empty()
            && post_id.len() <= 64
            && post_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !is_id {
            return Ok(false);
        }
        self.queue(kind, &format!("post:{post_id}"))
    }
}

#[async_trait::async_trait]
impl Withdrawal for RecordsArea {
    fn withdrawn(&self, purpose: ConsentPurpose) -> Result<(), StoreError> {
        if purpose == ConsentPurpose::BrowsingRecords {
            store::retire(&mut self.platform.app_db.conn())?;
        }
        Ok(())
    }

    async fn deliver(&self) -> Result<(), Failure> {
        self.forget_retired().await
    }
}

impl DataExport for RecordsArea {
    fn export(&self) -> Result<Vec<(&'static str, serde_json::Value)>, StoreError> {
        let queued = store::count(&self.platform.app_db.conn())?;
        Ok(vec![("queued_browsing_records", queued.into())])
    }
}
