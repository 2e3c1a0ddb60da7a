//! The user's rights over their data: see and remove what personalises their feed, export
//! everything, delete the account (and every trace of it on this device), clear the cache.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{LedgerFilter, PrivacyClient, PrivacyError};
use crate::auth::SessionState;
use crate::client::Inner;
use crate::consent;
use crate::net::Endpoint;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct InterestTag {
    pub id: String,
    pub label: String,
}

#[derive(Deserialize)]
struct Tags {
    tags: Vec<InterestTag>,
}

impl PrivacyClient {
    /// The interest tags the server holds to personalise the feed.
    pub async fn interests(&self) -> Result<Vec<InterestTag>, PrivacyError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let tags: Tags = inner
                    .session
                    .call::<_, PrivacyError>(&inner, Endpoint::Interests, None::<&()>)
                    .await?;
                Ok(tags.tags)
            })
            .await
    }

    /// Removes one interest tag, or all of them with `None`.
    pub async fn delete_interest(&self, id: Option<String>) -> Result<(), PrivacyError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                let session = &inner.session;
                match &id {
                    Some(id) => {
                        session
                            .call_no_content_at::<PrivacyError>(&inner, Endpoint::InterestTag, id)
                            .await?
                    }
                    None => {
                        session
                            .call_no_content::<PrivacyError>(
                                &inner,
                                Endpoint::InterestTag,
                                None::<&()>,
                            )
                            .await?
                    }
                }
                Ok(())
            })
            .await
    }

    /// Everything about the user, as one JSON document: what the server holds (when logged
    /// in) and what this device holds.
    pub async fn export_my_data(&self) -> Result<String, PrivacyError> {
        let this = self.clone();
        self.inner
            .clone()
            .run(async move {
                let inner = &this.inner;
                let server = match inner
                    .session
                    .call::<Value, PrivacyError>(inner, Endpoint::Export, None::<&()>)
                    .await
                {
                    Ok(document) => document,
                    Err(PrivacyError::NotLoggedIn) => Value::Null,
                    Err(error) => return Err(error),
                };
                let device = device_data(&this)?;
                let document = json!({
                    "exported_at": inner.clock.now_unix(),
                    "server": server,
                    "device": device,
                });
                Ok(serde_json::to_string_pretty(&document).expect("json values serialise"))
            })
            .await
    }

    /// Deletes the account on the server, then everything on this device: the account's
    /// tokens, key and database, and the app database with its key (consents, ledger,
    /// queues, install id). The client is left as on first start.
    pub async fn delete_account(&self) -> Result<(), PrivacyError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move {
                // No consent sync may write to the account or the ledger meanwhile.
                let _no_sync = inner.consent_sync.lock().await;
                inner
                    .session
                    .call_no_content::<PrivacyError>(&inner, Endpoint::DeleteAccount, None::<&()>)
                    .await?;
                forget_everything(&inner).await?;
                tracing::info!("account deleted");
                Ok(())
            })
            .await
    }

    /// Empties the account's local cache (it refills from the server); keeps the session,
    /// consents and ledger.
    pub async fn clear_local_cache(&self) -> Result<(), PrivacyError> {
        let inner = self.inner.clone();
        self.inner
            .run(async move { Ok(inner.session.clear_cache().await?) })
            .await
    }
}

async fn forget_everything(inner: &Inner) -> Result<(), PrivacyError> {
    inner.session.end_locally(inner).await?;
    inner.app.reset(&inner.secrets)?;
    *inner.shown_policy.lock().unwrap_or_else(|p| p.into_inner()) = None;
    consent::load_gate(&inner.app, &inner.gate)?;
    Ok(())
}

fn device_data(privacy: &PrivacyClient) -> Result<Value, PrivacyError> {
    let inner = &privacy.inner;
    let acceptance = inner.app.latest_policy_acceptance()?;
    let purposes: Vec<Value> = crate::consent::ConsentPurpose::OPTIONAL
        .iter()
        .filter_map(|&p| {
            inner
                .app
                .latest_purpose_decision(p.key())
                .ok()
                .flatten()
                .map(|d| {
                    json!({ "purpose": p.key(), "granted": d.granted,
                                 "policy_version": d.policy_version, "decided_at": d.decided_at })
                })
        })
        .collect();
    let ledger: Value = serde_json::from_str(&privacy.export_ledger(LedgerFilter::default())?)
        .expect("our own json");
    let profile = match inner.session.state() {
        SessionState::LoggedIn { user } => json!({ "id": user.id, "nickname": user.nickname,
            "phone_masked": user.phone_masked, "created_at": user.created_at }),
        SessionState::LoggedOut => Value::Null,
    };
    Ok(json!({
        "policy_acceptance": acceptance.map(|a| json!({ "version": a.version, "accepted_at": a.accepted_at })),
        "purposes": purposes,
        "positioning_enabled": crate::permissions::positioning_enabled(inner)?,
        "queued_browsing_records": inner.app.count_queued_records()?,
        "privacy_ledger": ledger["privacy_ledger"],
        "profile": profile,
    }))
}
