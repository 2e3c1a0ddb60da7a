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

    pub async fn status(&self) -> Result<ConsentStatus, ConsentError> {
        self.consent.status().await
    }

    pub async fn grant(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        self.consent.grant(purpose).await
    }

    pub async fn withdraw(&self, purpose: ConsentPurpose) -> Result<PurposeConsent, ConsentError> {
        self.consent.withdraw(purpose).await
    }

    pub async fn purposes(&self) -> Result<Vec<PurposeConsent>, ConsentError> {
        self.consent.purposes().await
    }

    pub async fn sync(&self) -> Result<SyncReport, ConsentError> {
        self.consent.sync().await
    }
}
