use std::sync::Arc;

use medcircle_core::{Client, ClientConfig, ClientError};

use crate::auth::Auth;
use crate::certification::Certification;
use crate::consent::Consent;
use crate::feed::Feed;
use crate::help::Help;
use crate::mall::Mall;
use crate::permissions::Permissions;
use crate::privacy::Privacy;
use crate::profile::Profile;
use crate::purchases::Purchases;
use crate::records::Records;
use crate::security::Security;

/// The app's one handle on the core. Open it once at start.
#[derive(uniffi::Object)]
pub struct MedCircleClient {
    client: Client,
}

#[uniffi::export]
impl MedCircleClient {
    /// Opens the stores (creating keys on first run) and restores the previous session.
    #[uniffi::constructor]
    pub async fn open(config: ClientConfig) -> Result<Arc<Self>, ClientError> {
        let client = Client::open(config).await?;
        Ok(Arc::new(Self { client }))
    }

    pub fn auth(&self) -> Arc<Auth> {
        Arc::new(Auth::new(self.client.clone()))
    }

    pub fn certification(&self) -> Arc<Certification> {
        Arc::new(Certification::new(self.client.clone()))
    }

    pub fn consent(&self) -> Arc<Consent> {
        Arc::new(Consent::new(self.client.consent()))
    }

    pub fn feed(&self) -> Arc<Feed> {
        Arc::new(Feed::new(self.client.clone()))
    }

    pub fn help(&self) -> Arc<Help> {
        Arc::new(Help::new(self.client.clone()))
    }

    pub fn permissions(&self) -> Arc<Permissions> {
        Arc::new(Permissions::new(self.client.permissions()))
    }

    pub fn mall(&self) -> Arc<Mall> {
        Arc::new(Mall::new(self.client.clone()))
    }

    pub fn privacy(&self) -> Arc<Privacy> {
        Arc::new(Privacy::new(self.client.privacy()))
    }

    pub fn profile(&self) -> Arc<Profile> {
        Arc::new(Profile::new(self.client.profile()))
    }

    pub fn records(&self) -> Arc<Records> {
        Arc::new(Records::new(self.client.records()))
    }

    pub fn security(&self) -> Arc<Security> {
        Arc::new(Security::new(self.client.clone()))
    }

    pub fn purchases(&self) -> Arc<Purchases> {
        Arc::new(Purchases::new(self.client.clone()))
    }

    /// Lets background work (consent syncs, outbox flushes) finish, for up to `limit_ms`:
    /// before a process that exits on its own ends, so no write is cut off by the exit.
    pub async fn finish_background_work(&self, limit_ms: u64) {
        self.client.close(limit_ms).await
    }
}
