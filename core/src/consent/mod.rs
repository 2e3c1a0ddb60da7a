//! Consent: fetch the current policy, record the user's acceptance (the network gate opens
//! only then), grant or withdraw each optional purpose, and keep the decisions in step with
//! the account on the server.

mod store;
mod sync;

use std::sync::{Arc, Mutex};

use serde::Deserialize;

pub use sync::SyncReport;

use crate::account::{
    Account, AccountObserver, AreaError, ConsentRecorder, DataExport, Failure, Withdrawal,
    area_error,
};
use crate::net::{Endpoint, NetError, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::{ConsentGate, ConsentPurpose};
use crate::store::{Schema, StoreError, settings};
use store::{Decision, PendingDeletion, PolicyAcceptance};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PolicySection {
    pub id: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PolicyDocument {
    pub version: String,
    /// SHA-256 of the policy text, as the server publishes it.
    pub hash: String,
    pub title: String,
    pub sections: Vec<PolicySection>,
    /// The purposes (categories of collection) this version covers.
    #[serde(deserialize_with = "purposes_from_keys")]
    pub purposes: Vec<ConsentPurpose>,
    /// What changed since the previous version, for the re-consent prompt.
    #[serde(default)]
    pub changes: Vec<String>,
    #[serde(default)]
    pub previous_version: Option<String>,
}

/// Keys this client does not know (a purpose added for a newer app) are skipped: the client
/// cannot collect for them anyway.
fn purposes_from_keys<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ConsentPurpose>, D::Error> {
    let keys = Vec::<String>::deserialize(deserializer)?;
    Ok(keys
        .iter()
        .filter_map(|k| ConsentPurpose::from_key(k))
        .collect())
}

/// What the shell must show before collection covered only by a newer policy may start.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ConsentPrompt {
    pub version: String,
    /// What changed (empty on first acceptance).
    pub changes: Vec<String>,
    /// Categories of collection the new version adds; blocked until it is accepted.
    pub new_purposes: Vec<ConsentPurpose>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ConsentStatus {
    /// The version the user accepted, if any.
    pub accepted_version: Option<String>,
    /// When (unix seconds).
    pub accepted_at: Option<i64>,
    /// The newest version this client has seen from the server, if it fetched one.
    pub current_version: Option<String>,
    /// True until the user accepts the newest version the client knows of.
    pub needs_acceptance: bool,
    /// Set when the newest fetched version is not the accepted one: what to show.
    pub prompt: Option<ConsentPrompt>,
}

/// Where one optional purpose stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PurposeConsent {
    pub purpose: ConsentPurpose,
    pub granted: bool,
    /// When it was last granted or withdrawn (unix seconds); none if never decided.
    pub decided_at: Option<i64>,
    /// The policy version in force when it was decided.
    pub policy_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ConsentError {
    /// Accepting a version the user was not shown: fetch the policy and show it first.
    #[error("policy version {version} was not shown to the user; fetch the current policy first")]
    PolicyNotShown { version: String },
    /// Optional purposes are decided after the policy itself has been accepted.
    #[error("accept the privacy policy first")]
    PolicyNotAccepted,
    /// The accepted policy version does not cover this purpose: a newer version that does must
    /// be accepted first (see `status().prompt`).
    #[error("{purpose:?} is not covered by the accepted privacy policy")]
    NotInAcceptedPolicy { purpose: ConsentPurpose },
    /// The policy is accepted with `accept`, not granted like an optional purpose.
    #[error("{purpose:?} is not an optional purpose")]
    NotOptional { purpose: ConsentPurpose },
    /// The server ended the session during a sync: log in again.
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl AreaError for ConsentError {
    fn network(problem: NetworkProblem) -> Self {
        ConsentError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        ConsentError::Storage { detail }
    }

    fn session_expired() -> Self {
        ConsentError::SessionExpired
    }
}

area_error!(ConsentError);

/// The consent area's tables in the app database.
pub(crate) const APP_SCHEMA: &Schema = &store::SCHEMA;

pub(crate) struct ConsentArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    /// The policy last fetched, i.e. the one the user can have been shown.
    shown_policy: Mutex<Option<PolicyDocument>>,
    /// What withdrawing a purpose does in other areas.
    withdrawals: Vec<Arc<dyn Withdrawal>>,
}

impl OnPlatform for ConsentArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

/// The consent area of a [`crate::Client`].
#[derive(Clone)]
pub struct ConsentClient(Arc<ConsentArea>);

impl ConsentClient {
    pub(crate) fn new(area: Arc<ConsentArea>) -> Self {
        Self(area)
    }

    /// Fetches the policy the user must be shown. Allowed before any consent.
    pub async fn fetch_policy(&self) -> Result<PolicyDocument, ConsentError> {
        run(&self.0, |area| async move { area.fetch_policy().await }).await
    }

    /// Records that the user accepted `version`, which must be the policy last fetched (and
    /// so shown); from then on the network gate is open.
    pub async fn accept(&self, version: String) -> Result<ConsentStatus, ConsentError> {
        run(&self.0, |area| async move { area.accept(&version) }).await
    }

    pub async fn status(&self) -> Result<ConsentStatus, ConsentError> {
        run(&self.0, |area| async move { Ok(area.status()?) }).await
    }

    /// Grants an optional purpose. Effective at once; synced to the account when logged in.
    pub async fn grant(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        run(&self.0, |area| async move {
            let decided = area.decide(purpose, true)?;
            area.sync_in_background();
            Ok(decided)
        })
        .await
    }

    /// Withdraws an optional purpose: as easy as granting, effective at once — its queued
    /// data dropped, identifiers retired, dependent switches off, only its features stop — and
    /// a deletion request queued for the server (sent in the background, kept until it is).
    pub async fn withdraw(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        run(&self.0, |area| async move {
            let decided = area.decide(purpose, false)?;
            area.withdrawal_effects(purpose)?;
            area.sync_in_background();
            Ok(decided)
        })
        .await
    }

    /// Delivers what consent changes left for the server and restores decisions made on
    /// other devices. Runs on its own after every decision and login; call it to wait.
    pub async fn sync(&self) -> Result<SyncReport, ConsentError> {
        run(&self.0, |area| async move { area.sync().await }).await
    }

    /// Every optional purpose and where it stands.
    pub async fn purposes(&self) -> Result<Vec<PurposeConsent>, ConsentError> {
        run(&self.0, |area| async move {
            let conn = area.platform.app_db.conn();
            ConsentPurpose::OPTIONAL
                .iter()
                .map(|&purpose| Ok(purpose_consent(&conn, purpose)?))
                .collect()
        })
        .await
    }
}

impl ConsentArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        withdrawals: Vec<Arc<dyn Withdrawal>>,
    ) -> Self {
        Self {
            platform,
            account,
            shown_policy: Mutex::default(),
            withdrawals,
        }
    }

    fn shown(&self) -> std::sync::MutexGuard<'_, Option<PolicyDocument>> {
        self.shown_policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn fetch_policy(&self) -> Result<PolicyDocument, ConsentError> {
        let answer = self
            .platform
            .net
            .send(&Endpoint::Policy.request(), None)
            .await?;
        let policy: PolicyDocument = answer.json()?;
        if policy.version.is_empty() || policy.sections.is_empty() {
            return Err(ConsentError::Network {
                problem: NetworkProblem::MalformedResponse {
                    detail: "policy without version or sections".into(),
                },
            });
        }
        *self.shown() = Some(policy.clone());
        Ok(policy)
    }

    fn accept(&self, version: &str) -> Result<ConsentStatus, ConsentError> {
        let shown = self.shown().clone();
        let Some(policy) = shown.filter(|p| p.version == version) else {
            return Err(ConsentError::PolicyNotShown {
                version: version.to_string(),
            });
        };
        let acceptance = PolicyAcceptance {
            version: policy.version,
            hash: policy.hash,
            accepted_at: self.platform.now(),
            purposes: policy.purposes,
        };
        store::record_acceptance(&self.platform.app_db.conn(), &acceptance)?;
        let gate = &self.platform.gate;
        gate.set_covered(&acceptance.purposes);
        gate.set(ConsentPurpose::PrivacyPolicy, true);
        tracing::info!(version = %acceptance.version, "privacy policy accepted");
        Ok(self.status()?)
    }

    fn decide(
        &self,
        purpose: ConsentPurpose,
        granted: bool,
    ) -> Result<PurposeConsent, ConsentError> {
        let conn = self.platform.app_db.conn();
        let accepted = store::latest_acceptance(&conn)?;
        let version = self.decidable(purpose, granted, accepted)?;
        Ok(self.record(&conn, purpose, granted, version)?)
    }

    /// The accepted policy version a decision on `purpose` is made under, or why none can be.
    fn decidable(
        &self,
        purpose: ConsentPurpose,
        granted: bool,
        accepted: Option<PolicyAcceptance>,
    ) -> Result<String, ConsentError> {
        if purpose == ConsentPurpose::PrivacyPolicy {
            return Err(ConsentError::NotOptional { purpose });
        }
        let accepted = accepted.ok_or(ConsentError::PolicyNotAccepted)?;
        if granted && !self.platform.gate.covers(purpose) {
            return Err(ConsentError::NotInAcceptedPolicy { purpose });
        }
        Ok(accepted.version)
    }

    fn record(
        &self,
        conn: &rusqlite::Connection,
        purpose: ConsentPurpose,
        granted: bool,
        policy_version: String,
    ) -> Result<PurposeConsent, StoreError> {
        let decision = Decision {
            record_id: Some(settings::random_hex()),
            purpose: purpose.key().to_string(),
            granted,
            policy_version,
            decided_at: self.platform.now(),
        };
        store::record_decision(conn, &decision)?;
        self.platform.gate.set(purpose, granted);
        tracing::info!(purpose = purpose.key(), granted, "consent decided");
        purpose_consent(conn, purpose)
    }

    /// What withdrawing does, at once and locally: each area's part, then a deletion request
    /// for what the server holds queued (sent by `sync`, now if possible, later if not).
    fn withdrawal_effects(&self, purpose: ConsentPurpose) -> Result<(), StoreError> {
        for withdrawal in &self.withdrawals {
            withdrawal.withdrawn(purpose)?;
        }
        store::queue_deletion(
            &self.platform.app_db.conn(),
            &PendingDeletion {
                request_id: settings::random_hex(),
                purpose: purpose.key().to_string(),
                requested_at: self.platform.now(),
            },
        )
    }

    /// Consent sync, in the background: a failure leaves the work queued for the next try.
    fn sync_in_background(self: &Arc<Self>) {
        let area = self.clone();
        self.platform.runtime.spawn_background(async move {
            if let Err(error) = area.sync().await {
                tracing::info!(%error, "consent sync postponed");
            }
        });
    }

    fn status(&self) -> Result<ConsentStatus, StoreError> {
        let accepted = store::latest_acceptance(&self.platform.app_db.conn())?;
        let shown = self.shown().clone();
        let prompt = shown
            .as_ref()
            .filter(|s| accepted.as_ref().is_none_or(|a| a.version != s.version))
            .map(|s| ConsentPrompt {
                version: s.version.clone(),
                changes: if accepted.is_some() {
                    s.changes.clone()
                } else {
                    Vec::new()
                },
                new_purposes: s
                    .purposes
                    .iter()
                    .copied()
                    .filter(|p| accepted.as_ref().is_none_or(|a| !a.purposes.contains(p)))
                    .collect(),
            });
        Ok(ConsentStatus {
            needs_acceptance: accepted.is_none() || prompt.is_some(),
            accepted_version: accepted.as_ref().map(|a| a.version.clone()),
            accepted_at: accepted.map(|a| a.accepted_at),
            current_version: shown.map(|s| s.version),
            prompt,
        })
    }
}

fn purpose_consent(
    conn: &rusqlite::Connection,
    purpose: ConsentPurpose,
) -> Result<PurposeConsent, StoreError> {
    let latest = store::latest_decision(conn, purpose)?;
    Ok(PurposeConsent {
        purpose,
        granted: latest.as_ref().is_some_and(|d| d.granted),
        decided_at: latest.as_ref().map(|d| d.decided_at),
        policy_version: latest.map(|d| d.policy_version),
    })
}

/// The consents in force, from the app database: what the gate starts with.
pub(crate) fn load_gate(conn: &rusqlite::Connection, gate: &ConsentGate) -> Result<(), StoreError> {
    let acceptance = store::latest_acceptance(conn)?;
    gate.set_covered(acceptance.as_ref().map_or(&[], |a| &a.purposes));
    gate.set(ConsentPurpose::PrivacyPolicy, acceptance.is_some());
    for purpose in ConsentPurpose::OPTIONAL {
        let granted = store::latest_decision(conn, purpose)?.is_some_and(|d| d.granted);
        gate.set(purpose, granted);
    }
    Ok(())
}

#[async_trait::async_trait]
impl AccountObserver for ConsentArea {
    /// Consent decisions made on other devices come back and what was decided here while
    /// logged out goes out.
    async fn logged_in(&self) {
        if let Err(error) = self.sync().await {
            tracing::info!(%error, "consent sync after login postponed");
        }
    }

    fn app_reset(&self) -> Result<(), StoreError> {
        *self.shown() = None;
        load_gate(&self.platform.app_db.conn(), &self.platform.gate)
    }
}

impl ConsentRecorder for ConsentArea {
    fn grant(&self, purpose: ConsentPurpose) -> Result<bool, Failure> {
        if self.platform.gate.allows(purpose) {
            return Ok(false);
        }
        self.record_in_flow(purpose, true)?;
        Ok(true)
    }

    fn revert_grant(&self, purpose: ConsentPurpose) -> Result<(), Failure> {
        // Nothing was shared under it: there is nothing for the server to delete.
        self.record_in_flow(purpose, false)
    }
}

impl ConsentArea {
    /// A decision a flow records for the user (see `ConsentRecorder`).
    fn record_in_flow(&self, purpose: ConsentPurpose, granted: bool) -> Result<(), Failure> {
        let conn = self.platform.app_db.conn();
        let accepted = store::latest_acceptance(&conn)?;
        let version = self
            .decidable(purpose, granted, accepted)
            .map_err(|_| Failure::Net(NetError::ConsentRequired { purpose }))?;
        self.record(&conn, purpose, granted, version)?;
        Ok(())
    }
}

impl DataExport for ConsentArea {
    fn export(&self) -> Result<Vec<(&'static str, serde_json::Value)>, StoreError> {
        let conn = self.platform.app_db.conn();
        let acceptance = store::latest_acceptance(&conn)?
            .map(|a| serde_json::json!({ "version": a.version, "accepted_at": a.accepted_at }));
        let mut purposes = Vec::new();
        for purpose in ConsentPurpose::OPTIONAL {
            if let Some(d) = store::latest_decision(&conn, purpose)? {
                purposes.push(serde_json::json!({
                    "purpose": purpose.key(), "granted": d.granted,
                    "policy_version": d.policy_version, "decided_at": d.decided_at,
                }));
            }
        }
        Ok(vec![
            ("policy_acceptance", acceptance.into()),
            ("purposes", purposes.into()),
        ])
    }
}
