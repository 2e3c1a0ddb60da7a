use medcircle_core::{RecordsClient, RecordsError};

/// Browsing and click records (consent-gated, pseudonymous).
#[derive(uniffi::Object)]
pub struct Records {
    records: RecordsClient,
}

impl Records {
    pub(crate) fn new(records: RecordsClient) -> Self {
        Self { records }
    }
}

#[uniffi::export]
impl Records {
    /// Returns whether it was recorded (false without consent: nothing is kept).
    pub async fn viewed(&self, target: String) -> Result<bool, RecordsError> {
        self.records.viewed(target).await
    }

    pub async fn clicked(&self, target: String) -> Result<bool, RecordsError> {
        self.records.clicked(target).await
    }

    pub async fn pending(&self) -> Result<u32, RecordsError> {
        self.records.pending().await
    }

    pub async fn flush(&self) -> Result<u32, RecordsError> {
        self.records.flush().await
    }
}
