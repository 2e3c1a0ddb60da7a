//! The core's behaviour, end to end, against the reference server on loopback: one test
//! binary (one link of the core and the server), one module per flow.

mod common;

mod at_rest;
mod cancellation;
mod certification;
mod feed;
mod help;
mod layers;
mod log_privacy;
mod mall;
mod oauth;
mod oidc_provider;
mod one_tap;
mod permissions;
mod photo_metadata;
mod policy_versions;
mod privacy_ledger;
mod privacy_manifests;
mod privacy_rights;
mod profile;
mod purchases;
mod security_center;
mod session_end;
mod sms_login;
mod tls;
mod web_login;
mod wechat_login;
