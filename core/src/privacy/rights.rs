//! The user's rights over their data: see and remove what personalises their feed, export
//! everything, delete the account (and every trace of it on this device), clear the cache.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{LedgerFilter, PrivacyArea, PrivacyClient, PrivacyError, ledger_json};
use crate::account::SessionState;
use crate::net::Endpoint;
use crate::platform::run;

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
        run(&self.0, |area| async move {
            let tags: Tags = area
                .account
                .send(&Endpoint::Interests.request())
                .await?
                .json()?;
            Ok(tags.tags)
        })
        .await
    }

    /// Removes one interest tag.
    pub async fn delete_interest(&self, id: String) -> Result<(), PrivacyError> {
        run(&self.0, |area| async move {
            let request = Endpoint::InterestTag.request().id(&id);
            area.account.send(&request).await?;
            Ok(())
        })
        .await
    }

    /// Removes every interest tag.
    pub async fn clear_interests(&self) -> Result<(), PrivacyError> {
        run(&self.0, |area| async move {
            area.account
                .send(&Endpoint::InterestsClear.request())
                .await?;
            Ok(())
        })
        .await
    }

    /// Everything about the user, as one JSON document: what the server holds (when logged
    /// in) and what this device holds.
    pub async fn export_my_data(&self) -> Result<String, PrivacyError> {
        run(&self.0, |area| async move {
            let server = match area.account.send(&Endpoint::Export.request()).await {
                Ok(answer) => answer.json::<Value>()?,
                Err(crate::account::Failure::NotLoggedIn) => Value::Null,
                Err(error) => return Err(error.into()),
            };
            let document = json!({
                "exported_at": area.platform.now(),
                "server": server,
                "device": area.device_data()?,
            });
            Ok(serde_json::to_string_pretty(&document).expect("json values serialise"))
        })
        .await
    }

    /// Deletes the account on the server, then everything on this device: the account's
    /// tokens, key and database, and the app database with its key (consents, ledger,
    /// queues, install id). The client is left as on first start.
    pub async fn delete_account(&self) -> Result<(), PrivacyError> {
        run(&self.0, |area| async move {
            // No consent sync may write to the account or the ledger meanwhile.
            let _no_sync = area.account.sync_turn.lock().await;
            area.account
                .send(&Endpoint::DeleteAccount.request())
                .await?;
            area.account.erase_everything().await?;
            tracing::info!("account deleted");
            Ok(())
        })
        .await
    }

    /// Empties the account's local cache (it refills from the server); keeps the session,
    /// consents and ledger.
    pub async fn clear_local_cache(&self) -> Result<(), PrivacyError> {
        run(
            &self.0,
            |area| async move { Ok(area.account.clear_cache()?) },
        )
        .await
    }
}

impl PrivacyArea {
    fn device_data(&self) -> Result<Value, PrivacyError> {
        let mut device = serde_json::Map::new();
        for export in &self.exports {
            for (key, value) in export.export()? {
                device.insert(key.to_string(), value);
            }
        }
        let ledger = ledger_json(self.ledger(&LedgerFilter::default())?);
        device.insert("privacy_ledger".into(), ledger);
        let profile = match self.account.state() {
            SessionState::LoggedIn { user } => json!({ "id": user.id, "nickname": user.nickname,
                "phone_masked": user.phone_masked, "created_at": user.created_at }),
            SessionState::LoggedOut | SessionState::Ended { .. } => Value::Null,
        };
        device.insert("profile".into(), profile);
        Ok(Value::Object(device))
    }
}
