//! MedCircle client core: every flow of the app and every rule of its privacy policy, once,
//! in plain async Rust. The `ffi` feature derives uniffi on the data and error types so the
//! bindings crate only adapts objects and listeners.

#[cfg(feature = "ffi")]
uniffi::setup_scaffolding!("medcircle_core");

pub mod auth;
pub mod certification;
mod client;
mod clock;
mod config;
pub mod consent;
pub mod feed;
pub mod logging;
mod media;
pub mod net;
pub mod permissions;
pub mod privacy;
pub mod profile;
pub mod records;
mod runtime;
mod secrets;
mod store;

pub use auth::{
    AuthClient, AuthError, DeviceInfo, DeviceInfoProvider, DeviceOs, LoginEvent, LoginFlow,
    LoginScreen, LoginStep, LogoutOutcome, Named, NetworkType, OAuthAuthorization, ProviderAccount,
    SessionState, SmsCodeSent, UserProfile, WebLoginRequest,
};
pub use certification::{
    CertificateKind, CertificatePhoto, CertificationClient, CertificationError, CertificationState,
    CertificationStatus,
};
pub use client::{Client, ClientError};
pub use clock::{Clock, SystemClock};
pub use config::{ClientConfig, OAuthProviderConfig};
pub use consent::{
    ConsentClient, ConsentError, ConsentPrompt, ConsentPurpose, ConsentStatus, PolicyDocument,
    PolicySection, PurposeConsent, SyncReport,
};
#[cfg(feature = "bench")]
#[doc(hidden)]
pub use feed::bench_support as bench;
pub use feed::{
    Author, Comment, Delivery, Draft, FeedClient, FeedDiff, FeedError, FeedItem, FeedStatus,
    FeedUpdates, FlushOutcome, OutboxEntry, OutboxNotice, Post, PostPhoto, RefreshOutcome,
    SearchPage, ShareLink,
};
pub use logging::{LogLevel, LogSink};
pub use net::{CancelToken, NetworkProblem, UploadProgress};
pub use permissions::{
    Feature, Location, LocationProvider, Permission, PermissionDecision, PermissionError,
    PermissionProvider, PermissionStatus, PermissionsClient, ProviderError, Rationale,
    UnavailableReason,
};
pub use privacy::{
    CollectedDataItem, InterestTag, LedgerEntry, LedgerFilter, PermissionUse, PrivacyClient,
    PrivacyError, SharingEntry,
};
pub use profile::{ProfileClient, ProfileError};
pub use records::{RecordsClient, RecordsError};
pub use secrets::CredentialStore;
