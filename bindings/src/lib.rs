//! The library the apps load. Thin uniffi adapters over `medcircle-core`: objects that hold a
//! core client, listener + task-handle adapters for what changes over time, and the logger
//! hook. Data and error types come from the core itself (its `ffi` feature).

uniffi::setup_scaffolding!("medcircle");

mod auth;
mod certification;
mod client;
mod consent;
mod feed;
mod help;
mod logger;
mod login;
mod mall;
mod permissions;
mod privacy;
mod profile;
mod purchases;
mod records;
mod security;
mod task;
#[cfg(feature = "testing")]
mod testing;

pub use auth::{Auth, SessionListener};
pub use certification::{Certification, CertificationStatusListener};
pub use client::MedCircleClient;
pub use consent::Consent;
pub use feed::{Feed, FeedListener, FeedStatusListener};
pub use help::{Help, HelpTicketsListener};
pub use login::{Login, LoginScreenListener};
pub use mall::{Mall, RedemptionsListener};
pub use permissions::Permissions;
pub use privacy::Privacy;
pub use profile::Profile;
pub use purchases::{EntitlementsListener, OrdersListener, Purchases, payment_outcome};
pub use records::Records;
pub use security::{Security, SecurityNoticesListener};
pub use task::TaskHandle;
