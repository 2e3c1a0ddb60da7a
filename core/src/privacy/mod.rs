//! What the user can see about their data: the in-app lists generated from the data inventory
//! (what is collected, who it is shared with, which permissions serve which feature) and the
//! privacy ledger — every personal data item the core sent, when, where and why.

pub(crate) mod inventory;
pub mod manifests;
mod rights;

use std::sync::Arc;

pub(crate) use inventory::inventory;
use inventory::{LegalBasis, RecipientKind, Sensitivity};
pub use rights::InterestTag;

use crate::auth::AuthError;
use crate::client::Inner;
use crate::consent::ConsentPurpose;
use crate::net::{NetError, NetworkProblem};
use crate::permissions::{Feature, Permission};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CollectedDataItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub purpose: ConsentPurpose,
    /// The privacy policy section that announces it.
    pub policy_section: String,
    /// consent, contract or legal obligation.
    pub legal_basis: String,
    /// Sensitive personal information, with its own consent.
    pub sensitive: bool,
    pub retention: String,
    /// Who receives it (names).
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SharingEntry {
    pub recipient: String,
    /// Processes the data on MedCircle's behalf (true), or for its own purposes (false).
    pub processor: bool,
    pub why: String,
    /// Names of the items it receives.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PermissionUse {
    pub permission: Permission,
    pub feature: Feature,
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerEntry {
    pub item: String,
    pub item_name: String,
    pub purpose: ConsentPurpose,
    /// The server it went to.
    pub destination: String,
    pub endpoint: String,
    /// Unix seconds.
    pub sent_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerFilter {
    pub item: Option<String>,
    pub purpose: Option<ConsentPurpose>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum PrivacyError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// Deleting the account needs a recent authentication: re-authenticate, then retry.
    #[error("confirm it is you: re-authenticate, then try again")]
    ReauthRequired,
    #[error("network: {problem}")]
    Network { problem: NetworkProblem },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<NetError> for PrivacyError {
    fn from(error: NetError) -> Self {
        match error {
            NetError::Unauthorized { .. } => PrivacyError::SessionExpired,
            NetError::Refused { error, .. } if error.code == "reauth_required" => {
                PrivacyError::ReauthRequired
            }
            other => PrivacyError::Network {
                problem: other.into(),
            },
        }
    }
}

impl From<AuthError> for PrivacyError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::NotLoggedIn => PrivacyError::NotLoggedIn,
            AuthError::SessionExpired => PrivacyError::SessionExpired,
            AuthError::ReauthRequired => PrivacyError::ReauthRequired,
            AuthError::Network { problem } => PrivacyError::Network { problem },
            AuthError::Storage { detail } => PrivacyError::Storage { detail },
            other => PrivacyError::Network {
                problem: NetworkProblem::Rejected {
                    status: 0,
                    code: "auth".into(),
                    message: other.to_string(),
                },
            },
        }
    }
}

impl From<StoreError> for PrivacyError {
    fn from(error: StoreError) -> Self {
        PrivacyError::Storage {
            detail: error.to_string(),
        }
    }
}

/// The privacy area of a [`crate::Client`].
#[derive(Clone)]
pub struct PrivacyClient {
    inner: Arc<Inner>,
}

impl PrivacyClient {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Every personal data item the app collects, and why.
    pub fn collected_data(&self) -> Vec<CollectedDataItem> {
        let inventory = inventory();
        inventory
            .items
            .iter()
            .map(|item| CollectedDataItem {
                id: item.id.clone(),
                name: item.name.clone(),
                description: item.description.clone(),
                purpose: item.purpose(),
                policy_section: item.policy_section.clone(),
                legal_basis: match item.legal_basis {
                    LegalBasis::Consent => "consent",
                    LegalBasis::Contract => "contract",
                    LegalBasis::LegalObligation => "legal obligation",
                }
                .into(),
                sensitive: item.sensitivity == Sensitivity::Sensitive,
                retention: item.retention.clone(),
                recipients: item
                    .recipients
                    .iter()
                    .filter_map(|r| inventory.recipient(r).map(|r| r.name.clone()))
                    .collect(),
            })
            .collect()
    }

    /// Everyone outside MedCircle who receives personal data, and what.
    pub fn third_party_sharing(&self) -> Vec<SharingEntry> {
        let inventory = inventory();
        inventory
            .recipients
            .iter()
            .filter(|r| r.kind != RecipientKind::FirstParty)
            .map(|r| SharingEntry {
                recipient: r.name.clone(),
                processor: r.kind == RecipientKind::Processor,
                why: r.why.clone(),
                items: inventory
                    .items
                    .iter()
                    .filter(|item| item.recipients.contains(&r.id))
                    .map(|item| item.name.clone())
                    .collect(),
            })
            .collect()
    }

    /// Which device permission serves which feature, and why.
    pub fn permission_uses(&self) -> Vec<PermissionUse> {
        Feature::ALL
            .iter()
            .map(|&feature| {
                let rationale = crate::permissions::rationale_for(feature);
                PermissionUse {
                    permission: rationale.permission,
                    feature,
                    purpose: rationale.purpose,
                }
            })
            .collect()
    }

    /// What the core sent, oldest first.
    pub fn ledger(&self, filter: LedgerFilter) -> Result<Vec<LedgerEntry>, PrivacyError> {
        let rows = self.inner.app.ledger(
            filter.item.as_deref(),
            filter.purpose.map(ConsentPurpose::key),
            filter.since,
            filter.until,
        )?;
        Ok(rows
            .into_iter()
            .map(|row| LedgerEntry {
                item_name: inventory()
                    .item(&row.item)
                    .map_or_else(|| row.item.clone(), |i| i.name.clone()),
                purpose: ConsentPurpose::from_key(&row.purpose)
                    .unwrap_or(ConsentPurpose::PrivacyPolicy),
                item: row.item,
                destination: row.destination,
                endpoint: row.endpoint,
                sent_at: row.sent_at,
            })
            .collect())
    }

    /// The ledger as a JSON document the user can save or share.
    pub fn export_ledger(&self, filter: LedgerFilter) -> Result<String, PrivacyError> {
        let entries: Vec<_> = self
            .ledger(filter)?
            .into_iter()
            .map(|e| {
                serde_json::json!({
                    "item": e.item, "item_name": e.item_name, "purpose": e.purpose.key(),
                    "destination": e.destination, "endpoint": e.endpoint, "sent_at": e.sent_at,
                })
            })
            .collect();
        Ok(
            serde_json::to_string_pretty(&serde_json::json!({ "privacy_ledger": entries }))
                .expect("json values serialise"),
        )
    }
}
