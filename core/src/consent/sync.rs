//! Consent with the server: decisions follow the user to another device, and deletion
//! requests and retired pseudonyms queued by withdrawals are delivered. Everything pending
//! stays in the app database until the server confirms it.

use serde::{Deserialize, Serialize};

use super::{ConsentError, ConsentPurpose, load_gate};
use crate::auth::AuthError;
use crate::client::Inner;
use crate::net::Endpoint;
use crate::records;
use crate::store::UnsyncedDecision;

/// What one synchronisation delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SyncReport {
    pub decisions_pushed: u32,
    pub decisions_restored: u32,
    pub deletion_requests_sent: u32,
    /// False when logged out: account-bound work waits for the next login.
    pub logged_in: bool,
}

#[derive(Serialize, Deserialize)]
struct Record {
    purpose: String,
    granted: bool,
    policy_version: String,
    decided_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Records {
    records: Vec<Record>,
}

#[derive(Serialize)]
struct DeletionBody<'a> {
    purpose: &'a str,
    requested_at: i64,
    request_id: &'a str,
}

pub(super) async fn sync(inner: &Inner) -> Result<SyncReport, ConsentError> {
    // One at a time: a sync after login and one the user asked for must not both merge.
    let _one = inner.consent_sync.lock().await;
    records::forget_retired(inner)
        .await
        .map_err(|e| ConsentError::Storage {
            detail: e.to_string(),
        })?;
    let mut report = SyncReport::default();
    match sync_account(inner, &mut report).await {
        Ok(()) => report.logged_in = true,
        Err(AuthError::NotLoggedIn) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(report)
}

async fn sync_account(inner: &Inner, report: &mut SyncReport) -> Result<(), AuthError> {
    let session = &inner.session;
    for pending in inner.app.pending_deletions()? {
        let body = DeletionBody {
            purpose: &pending.purpose,
            requested_at: pending.requested_at,
            request_id: &pending.request_id,
        };
        session
            .call_no_content::<AuthError>(inner, Endpoint::DeletionRequest, Some(&body))
            .await?;
        inner.app.deletion_delivered(&pending.request_id)?;
        report.deletion_requests_sent += 1;
    }

    let unsynced = inner.app.unsynced_decisions()?;
    if !unsynced.is_empty() {
        let body = Records {
            records: unsynced
                .iter()
                .map(|d| Record {
                    purpose: d.purpose.clone(),
                    granted: d.granted,
                    policy_version: d.policy_version.clone(),
                    decided_at: d.decided_at,
                })
                .collect(),
        };
        session
            .call_no_content::<AuthError>(inner, Endpoint::ConsentsPush, Some(&body))
            .await?;
        let ids: Vec<i64> = unsynced.iter().map(|d| d.id).collect();
        inner.app.decisions_synced(&ids)?;
        report.decisions_pushed = ids.len() as u32;
    }

    let remote: Records = session
        .call::<_, AuthError>(inner, Endpoint::ConsentsPull, None::<&()>)
        .await?;
    for record in remote.records {
        // Only optional purposes travel; the policy is accepted on each device.
        if ConsentPurpose::from_key(&record.purpose)
            .is_none_or(|p| p == ConsentPurpose::PrivacyPolicy)
        {
            continue;
        }
        let decision = UnsyncedDecision {
            id: 0,
            purpose: record.purpose,
            granted: record.granted,
            policy_version: record.policy_version,
            decided_at: record.decided_at,
        };
        if inner.app.merge_decision(&decision)? {
            report.decisions_restored += 1;
        }
    }
    load_gate(&inner.app, &inner.gate)?;
    Ok(())
}
