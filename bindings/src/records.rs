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
    pub fn viewed(&self, target: String) -> Result<bool, RecordsError> {
        self.records.viewed(target)
    }

    pub fn clicked(&self, target: String) -> Result<bool, RecordsError> {
        self.records.clicked(target)
    }

    pub fn pending(&self) -> Result<u32, RecordsError> {
        self.records.pending()
    }

    pub async fn flush(&self) -> Result<u32, RecordsError> {
        self.records.flush().await
    }
}
