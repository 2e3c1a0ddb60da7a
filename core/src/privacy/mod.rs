//! What the user can see about their data: the in-app lists generated from the data inventory
//! (what is collected, who it is shared with, which permissions serve which feature) and the
//! privacy ledger — every personal data item the core sent, when, where and why.

mod ledger;
pub mod manifests;
mod rights;

use std::sync::Arc;

pub(crate) use ledger::Ledger;
pub use rights::InterestTag;

use crate::account::{Account, AreaError, DataExport, area_error};
use crate::net::{ApiCode, ApiError, NetworkProblem};
use crate::platform::{OnPlatform, Platform, run};
use crate::policy::inventory::{LegalBasis, RecipientKind, Sensitivity};
use crate::policy::{ConsentPurpose, Feature, Permission, inventory};
use crate::store::{Schema, StoreError};

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

impl AreaError for PrivacyError {
    fn network(problem: NetworkProblem) -> Self {
        PrivacyError::Network { problem }
    }

    fn storage(detail: String) -> Self {
        PrivacyError::Storage { detail }
    }

    fn not_logged_in() -> Self {
        PrivacyError::NotLoggedIn
    }

    fn session_expired() -> Self {
        PrivacyError::SessionExpired
    }

    fn refused(_status: u16, error: &ApiError) -> Option<Self> {
        (error.code == ApiCode::ReauthRequired).then_some(PrivacyError::ReauthRequired)
    }
}

area_error!(PrivacyError);

/// The privacy area's table in the app database (the ledger).
pub(crate) const APP_SCHEMA: &Schema = &ledger::SCHEMA;

pub(crate) struct PrivacyArea {
    platform: Arc<Platform>,
    account: Arc<Account>,
    /// Every area's part of the device's data, for the export.
    exports: Vec<Arc<dyn DataExport>>,
}

impl OnPlatform for PrivacyArea {
    fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl PrivacyArea {
    pub(crate) fn new(
        platform: Arc<Platform>,
        account: Arc<Account>,
        exports: Vec<Arc<dyn DataExport>>,
    ) -> Self {
        Self {
            platform,
            account,
            exports,
        }
    }

    fn ledger(&self, filter: &LedgerFilter) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = ledger::rows(
            &self.platform.app_db.conn(),
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
}

/// The ledger as a JSON value: what the user saves or shares.
fn ledger_json(entries: Vec<LedgerEntry>) -> serde_json::Value {
    entries
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "item": e.item, "item_name": e.item_name, "purpose": e.purpose.key(),
                "destination": e.destination, "endpoint": e.endpoint, "sent_at": e.sent_at,
            })
        })
        .collect()
}

/// The privacy area of a [`crate::Client`].
#[derive(Clone)]
pub struct PrivacyClient(Arc<PrivacyArea>);

impl PrivacyClient {
    pub(crate) fn new(area: Arc<PrivacyArea>) -> Self {
        Self(area)
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
                let rationale = feature.rationale();
                PermissionUse {
                    permission: rationale.permission,
                    feature,
                    purpose: rationale.purpose,
                }
            })
            .collect()
    }

    /// What the core sent, oldest first.
    pub async fn ledger(&self, filter: LedgerFilter) -> Result<Vec<LedgerEntry>, PrivacyError> {
        run(&self.0, |area| async move { Ok(area.ledger(&filter)?) }).await
    }

    /// The ledger as a JSON document the user can save or share.
    pub async fn export_ledger(&self, filter: LedgerFilter) -> Result<String, PrivacyError> {
        run(&self.0, |area| async move {
            let document =
                serde_json::json!({ "privacy_ledger": ledger_json(area.ledger(&filter)?) });
            Ok(serde_json::to_string_pretty(&document).expect("json values serialise"))
        })
        .await
    }
}
