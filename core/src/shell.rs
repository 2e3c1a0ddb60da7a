//! What the shells perform for the core and hand back: a position, and the error any of their
//! providers may throw (an exception in Kotlin or Swift arrives as this, never as a panic).

/// A position of the phone.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    /// Radius of uncertainty in metres.
    pub accuracy_m: f64,
}

/// A failure inside the shell's provider (an exception thrown in Kotlin or Swift).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ProviderError {
    #[error("the shell's provider failed: {detail}")]
    Failed { detail: String },
}

#[cfg(feature = "ffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for ProviderError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProviderError::Failed {
            detail: error.reason,
        }
    }
}
