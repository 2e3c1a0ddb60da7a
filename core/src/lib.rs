//! MedCircle client core: every flow of the app and every rule of its privacy policy, once,
//! in plain async Rust. The `ffi` feature derives uniffi on the data and error types so the
//! bindings crate only adapts objects and listeners.
//!
//! Layers, each importing only those below it (a test reads the imports and holds them to
//! this):
//! - platform: `runtime`, `clock`, `config`, `secrets`, `logging`, `net`, `store`,
//!   `policy` (what the privacy policy declares), `shell` (what shells hand back), `updates`,
//!   `platform` (the bundle of them);
//! - account: `account` (who is logged in; what areas offer each other);
//! - areas: `auth`, `consent`, `permissions`, `profile`, `certification`, `feed`, `records`,
//!   `privacy`, `security`, `mall`, `help`, `purchases` — none imports another;
//! - facade: `client`.

#[cfg(feature = "ffi")]
uniffi::setup_scaffolding!("medcircle_core");

mod account;
pub mod auth;
pub mod certification;
mod client;
mod clock;
mod config;
pub mod consent;
pub mod feed;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod help;
pub mod logging;
pub mod mall;
pub mod net;
pub mod permissions;
mod platform;
mod policy;
pub mod privacy;
pub mod profile;
pub mod purchases;
pub mod records;
mod runtime;
mod secrets;
pub mod security;
mod shell;
mod store;
mod updates;

pub use account::{EndReason, Named, SessionState, UserProfile};
pub use auth::{
    AuthClient, AuthError, DeviceInfo, DeviceInfoProvider, DeviceOs, LoginEvent, LoginFlow,
    LoginScreen, LoginStep, LogoutOutcome, NetworkType, OAuthAuthorization, ProviderAccount,
    ProviderSdk, SdkAuthorization, SmsCodeSent, WebLoginRequest,
};
pub use certification::{
    CertificateKind, CertificatePhoto, CertificationClient, CertificationError, CertificationState,
    CertificationStatus,
};
pub use client::Client;
pub use clock::{Clock, SystemClock};
pub use config::{ClientConfig, ClientError, OAuthProviderConfig};
pub use consent::{
    ConsentClient, ConsentError, ConsentPrompt, ConsentStatus, PolicyDocument, PolicySection,
    PurposeConsent, SyncReport,
};
#[cfg(feature = "bench")]
#[doc(hidden)]
pub use feed::bench_support as bench;
pub use feed::{
    Author, Comment, Delivery, Draft, FeedClient, FeedDiff, FeedError, FeedItem, FeedStatus,
    FlushOutcome, LocalPostId, OutboxAction, OutboxEntry, OutboxNotice, Post, PostPhoto,
    RefreshOutcome, SearchPage, ShareLink,
};
pub use help::{
    DeviceVersions, FeedbackForm, FeedbackReceipt, HelpArticle, HelpArticleSummary, HelpClient,
    HelpError, HelpTickets, PendingFeedback, Ticket, TicketReply, TicketStatus,
};
pub use logging::{LogLevel, LogSink};
pub use mall::{
    AddressField, CataloguePage, CheckInOutcome, DeliveryAddress, MallClient, MallError, MallItem,
    NewAddress, PointsBalance, PointsChange, PointsReason, Redemption, RedemptionStatus,
};
pub use net::{CancelToken, NetworkProblem, UploadProgress};
pub use permissions::{
    LocationProvider, PermissionDecision, PermissionError, PermissionProvider, PermissionStatus,
    PermissionsClient, UnavailableReason,
};
pub use policy::{ConsentPurpose, Feature, Permission, Rationale};
pub use privacy::{
    CollectedDataItem, InterestTag, LedgerEntry, LedgerFilter, PermissionUse, PrivacyClient,
    PrivacyError, SharingEntry,
};
pub use profile::{ProfileClient, ProfileError};
pub use purchases::{
    Catalogue, Entitlements, Order, OrderStatus, OwnedGood, PayRequest, PaymentMethod,
    PaymentOutcome, PaymentProvider, Product, ProductKind, Purchase, PurchaseError,
    PurchasesClient, SdkResult, WechatPayParams, format_fen,
};
pub use records::{RecordsClient, RecordsError};
pub use secrets::CredentialStore;
pub use security::{
    AccountSession, LoginMethod, NoticeKind, SecurityClient, SecurityError, SecurityNotice,
    SecurityNotices, SessionDevice,
};
pub use shell::{Location, ProviderError};
pub use updates::Updates;
