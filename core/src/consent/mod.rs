//! Privacy-policy consent: fetch the current policy, record the user's acceptance locally,
//! and open the network gate only then.

mod gate;
mod purpose;
mod sync;
mod withdrawal;

use std::sync::Arc;

use serde::Deserialize;

pub(crate) use gate::ConsentGate;
pub use purpose::{ConsentPurpose, PurposeConsent};
pub use sync::SyncReport;

use crate::auth::AuthError;
use crate::client::Inner;
use crate::net::{Endpoint, NetError, NetworkProblem};
use crate::store::{AppStore, PolicyAcceptance, PurposeDecision, StoreError};

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

impl From<AuthError> for ConsentError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Network { problem } => ConsentError::Network { problem },
            AuthError::Storage { detail } => ConsentError::Storage { detail },
            AuthError::SessionExpired | AuthError::NotLoggedIn => ConsentError::SessionExpired,
            other => ConsentError::Network {
                problem: NetworkProblem::Rejected {
                    status: 0,
                    code: "auth".into(),
                    message: other.to_string(),
                },
            },
        }
    }
}

impl From<NetError> for ConsentError {
    fn from(error: NetError) -> Self {
        ConsentError::Network {
            problem: error.into(),
        }
    }
}

impl From<StoreError> for ConsentError {
    fn from(error: StoreError) -> Self {
        ConsentError::Storage {
            detail: error.to_string(),
        }
    }
}

/// The consent area of a [`crate::Client`].
#[derive(Clone)]
pub struct ConsentClient {
    inner: Arc<Inner>,
}

impl ConsentClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Fetches the policy the user must be shown. Allowed before any consent.
    pub async fn fetch_policy(&self) -> Result<PolicyDocument, ConsentError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let policy: PolicyDocument =
                    inner.net.call(Endpoint::Policy, None::<&()>, None).await?;
                if policy.version.is_empty() || policy.sections.is_empty() {
                    return Err(ConsentError::Network {
                        problem: NetworkProblem::MalformedResponse {
                            detail: "policy without version or sections".into(),
                        },
                    });
                }
                *inner.shown_policy.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(policy.clone());
                Ok(policy)
            })
            .await
    }

    /// Records that the user accepted `version`, which must be the policy last fetched (and
    /// so shown); from then on the network gate is open.
    pub async fn accept(&self, version: String) -> Result<ConsentStatus, ConsentError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let shown = inner
                    .shown_policy
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                let Some(policy) = shown.filter(|p| p.version == version) else {
                    return Err(ConsentError::PolicyNotShown { version });
                };
                let acceptance = PolicyAcceptance {
                    version: policy.version,
                    hash: policy.hash,
                    accepted_at: inner.clock.now_unix(),
                    purposes: policy.purposes,
                };
                inner.app.record_policy_acceptance(&acceptance)?;
                inner.gate.set_covered(&acceptance.purposes);
                inner.gate.set(ConsentPurpose::PrivacyPolicy, true);
                tracing::info!(version = %acceptance.version, "privacy policy accepted");
                Ok(status(&inner)?)
            })
            .await
    }

    pub fn status(&self) -> Result<ConsentStatus, ConsentError> {
        Ok(status(&self.inner)?)
    }

    /// Grants an optional purpose. Effective at once; synced to the account when logged in.
    pub fn grant(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        let decided = decide(&self.inner, purpose, true)?;
        self.inner.sync_in_background();
        Ok(decided)
    }

    /// Withdraws an optional purpose: as easy as granting, effective at once — its queued
    /// data dropped, identifiers retired, dependent switches off, only its features stop — and
    /// a deletion request queued for the server (sent in the background, kept until it is).
    pub fn withdraw(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        let decided = decide(&self.inner, purpose, false)?;
        withdrawal::apply(&self.inner, purpose)?;
        self.inner.sync_in_background();
        Ok(decided)
    }

    /// Delivers what consent changes left for the server and restores decisions made on
    /// other devices. Runs on its own after every decision and login; call it to wait.
    pub async fn sync(&self) -> Result<SyncReport, ConsentError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { sync::sync(&inner).await })
            .await
    }

    /// Every optional purpose and where it stands.
    pub fn purposes(&self) -> Result<Vec<PurposeConsent>, ConsentError> {
        ConsentPurpose::OPTIONAL
            .iter()
            .map(|&purpose| purpose_consent(&self.inner, purpose).map_err(Into::into))
            .collect()
    }
}

pub(crate) fn decide(
    inner: &Inner,
    purpose: ConsentPurpose,
    granted: bool,
) -> Result<PurposeConsent, ConsentError> {
    if purpose == ConsentPurpose::PrivacyPolicy {
        return Err(ConsentError::NotOptional { purpose });
    }
    let accepted = inner
        .app
        .latest_policy_acceptance()?
        .ok_or(ConsentError::PolicyNotAccepted)?;
    if granted && !inner.gate.covers(purpose) {
        return Err(ConsentError::NotInAcceptedPolicy { purpose });
    }
    let decision = PurposeDecision {
        granted,
        policy_version: accepted.version,
        decided_at: inner.clock.now_unix(),
    };
    inner
        .app
        .record_purpose_decision(purpose.key(), &decision)?;
    inner.gate.set(purpose, granted);
    tracing::info!(purpose = purpose.key(), granted, "consent decided");
    Ok(purpose_consent(inner, purpose)?)
}

fn purpose_consent(inner: &Inner, purpose: ConsentPurpose) -> Result<PurposeConsent, StoreError> {
    let latest = inner.app.latest_purpose_decision(purpose.key())?;
    Ok(PurposeConsent {
        purpose,
        granted: latest.as_ref().is_some_and(|d| d.granted),
        decided_at: latest.as_ref().map(|d| d.decided_at),
        policy_version: latest.map(|d| d.policy_version),
    })
}

pub(crate) async fn sync_now(inner: &Inner) -> Result<SyncReport, ConsentError> {
    sync::sync(inner).await
}

/// The consents in force, from the app database: what the gate starts with.
pub(crate) fn load_gate(app: &AppStore, gate: &ConsentGate) -> Result<(), StoreError> {
    let acceptance = app.latest_policy_acceptance()?;
    gate.set_covered(acceptance.as_ref().map_or(&[], |a| &a.purposes));
    gate.set(ConsentPurpose::PrivacyPolicy, acceptance.is_some());
    for purpose in ConsentPurpose::OPTIONAL {
        let granted = app
            .latest_purpose_decision(purpose.key())?
            .is_some_and(|d| d.granted);
        gate.set(purpose, granted);
    }
    Ok(())
}

fn status(inner: &Inner) -> Result<ConsentStatus, StoreError> {
    let accepted = inner.app.latest_policy_acceptance()?;
    let shown = inner
        .shown_policy
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
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
