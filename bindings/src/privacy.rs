use medcircle_core::{
    CollectedDataItem, InterestTag, LedgerEntry, LedgerFilter, PermissionUse, PrivacyClient,
    PrivacyError, SharingEntry,
};

/// What the user can see about their data: the declared lists and the privacy ledger.
#[derive(uniffi::Object)]
pub struct Privacy {
    privacy: PrivacyClient,
}

impl Privacy {
    pub(crate) fn new(privacy: PrivacyClient) -> Self {
        Self { privacy }
    }
}

#[uniffi::export]
impl Privacy {
    pub fn collected_data(&self) -> Vec<CollectedDataItem> {
        self.privacy.collected_data()
    }

    pub fn third_party_sharing(&self) -> Vec<SharingEntry> {
        self.privacy.third_party_sharing()
    }

    pub fn permission_uses(&self) -> Vec<PermissionUse> {
        self.privacy.permission_uses()
    }

    pub async fn ledger(&self, filter: LedgerFilter) -> Result<Vec<LedgerEntry>, PrivacyError> {
        self.privacy.ledger(filter).await
    }

    pub async fn export_ledger(&self, filter: LedgerFilter) -> Result<String, PrivacyError> {
        self.privacy.export_ledger(filter).await
    }

    pub async fn interests(&self) -> Result<Vec<InterestTag>, PrivacyError> {
        self.privacy.interests().await
    }

    pub async fn delete_interest(&self, id: String) -> Result<(), PrivacyError> {
        self.privacy.delete_interest(id).await
    }

    pub async fn clear_interests(&self) -> Result<(), PrivacyError> {
        self.privacy.clear_interests().await
    }

    pub async fn export_my_data(&self) -> Result<String, PrivacyError> {
        self.privacy.export_my_data().await
    }

    pub async fn delete_account(&self) -> Result<(), PrivacyError> {
        self.privacy.delete_account().await
    }

    pub async fn clear_local_cache(&self) -> Result<(), PrivacyError> {
        self.privacy.clear_local_cache().await
    }
}
