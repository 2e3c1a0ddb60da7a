//! Consent with the server: decisions follow the user to another device, and deletion
//! requests and retired pseudonyms queued by withdrawals are delivered. Everything pending
//! stays in the app database until the server confirms it.

use serde::{Deserialize, Serialize};

use super::store::{self, Decision};
use super::{ConsentArea, ConsentError, load_gate};
use crate::account::Failure;
use crate::net::Endpoint;
use crate::policy::ConsentPurpose;

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
    /// The decision's own id; decisions synced before ids existed come back without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record_id: Option<String>,
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

impl ConsentArea {
    pub(super) async fn sync(&self) -> Result<SyncReport, ConsentError> {
        // One at a time: a sync after login and one the user asked for must not both merge.
        let _turn = self.account.sync_turn.lock().await;
        for withdrawal in &self.withdrawals {
            withdrawal.deliver().await?;
        }
        let mut report = SyncReport::default();
        match self.sync_account(&mut report).await {
            Ok(()) => report.logged_in = true,
            Err(Failure::NotLoggedIn) => {}
            Err(error) => return Err(error.into()),
        }
        Ok(report)
    }

    async fn sync_account(&self, report: &mut SyncReport) -> Result<(), Failure> {
        // Account-bound: nothing goes out, not even a deletion request, while logged out.
        self.account.db()?;
        let app = &self.platform.app_db;
        let pending = store::pending_deletions(&app.conn())?;
        for deletion in pending {
            let body = DeletionBody {
                purpose: &deletion.purpose,
                requested_at: deletion.requested_at,
                request_id: &deletion.request_id,
            };
            let request = Endpoint::DeletionRequest.request().json(&body);
            self.account.send(&request).await?;
            store::deletion_delivered(&app.conn(), &deletion.request_id)?;
            report.deletion_requests_sent += 1;
        }

        let unsynced = store::unsynced_decisions(&app.conn())?;
        if !unsynced.is_empty() {
            let body = Records {
                records: unsynced
                    .iter()
                    .map(|(_, d)| Record {
                        record_id: d.record_id.clone(),
                        purpose: d.purpose.clone(),
                        granted: d.granted,
                        policy_version: d.policy_version.clone(),
                        decided_at: d.decided_at,
                    })
                    .collect(),
            };
            self.account
                .send(&Endpoint::ConsentsPush.request().json(&body))
                .await?;
            let ids: Vec<i64> = unsynced.iter().map(|(id, _)| *id).collect();
            store::decisions_synced(&app.conn(), &ids)?;
            report.decisions_pushed = ids.len() as u32;
        }

        let remote: Records = self
            .account
            .send(&Endpoint::ConsentsPull.request())
            .await?
            .json()?;
        let conn = app.conn();
        for (listed, record) in (0i64..).zip(remote.records) {
            // Only optional purposes travel; the policy is accepted on each device.
            if ConsentPurpose::from_key(&record.purpose)
                .is_none_or(|p| p == ConsentPurpose::PrivacyPolicy)
            {
                continue;
            }
            let decision = Decision {
                record_id: record.record_id,
                purpose: record.purpose,
                granted: record.granted,
                policy_version: record.policy_version,
                decided_at: record.decided_at,
            };
            if store::merge_decision(&conn, &decision, listed)? {
                report.decisions_restored += 1;
            }
        }
        load_gate(&conn, &self.platform.gate)?;
        Ok(())
    }
}
