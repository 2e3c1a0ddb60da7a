use medcircle_core::{
    CollectedDataItem, LedgerEntry, LedgerFilter, PermissionUse, PrivacyClient, PrivacyError,
    SharingEntry,
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

    pub fn ledger(&self, filter: LedgerFilter) -> Result<Vec<LedgerEntry>, PrivacyError> {
        self.privacy.ledger(filter)
    }

    pub fn export_ledger(&self, filter: LedgerFilter) -> Result<String, PrivacyError> {
        self.privacy.export_ledger(filter)
    }
}
