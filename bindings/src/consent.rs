use medcircle_core::{ConsentClient, ConsentError, ConsentStatus, PolicyDocument};

/// Privacy-policy consent: show the policy, record acceptance.
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
}
