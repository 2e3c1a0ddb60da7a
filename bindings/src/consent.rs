use medcircle_core::{
    ConsentClient, ConsentError, ConsentPurpose, ConsentStatus, PolicyDocument, PurposeConsent,
    SyncReport,
};

/// Consent: show the policy and record its acceptance; grant or withdraw optional purposes.
#[derive(uniffi::Object)]
pub struct Consent {
    consent: ConsentClient,
}

impl Consent {
    pub(crate) fn new(consent: ConsentClient) -> Self {
        Self { consent }
    }
}

#[uniffi::export]
impl Consent {
    pub async fn fetch_policy(&self) -> Result<PolicyDocument, ConsentError> {
        self.consent.fetch_policy().await
    }

    pub async fn accept(&self, version: String) -> Result<ConsentStatus, ConsentError> {
        self.consent.accept(version).await
    }

    pub fn status(&self) -> Result<ConsentStatus, ConsentError> {
        self.consent.status()
    }

    pub fn grant(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        self.consent.grant(purpose)
    }

    pub fn withdraw(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        self.consent.withdraw(purpose)
    }

    pub fn purposes(&self) -> Result<Vec<PurposeConsent>, ConsentError> {
        self.consent.purposes()
    }

    pub async fn sync(&self) -> Result<SyncReport, ConsentError> {
        self.consent.sync().await
    }
}
