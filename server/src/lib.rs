//! MedCircle reference backend: the HTTP+JSON contract the app talks to, run for development,
//! QA and tests over real HTTP on loopback. See `openapi.json` for the contract.

// rusqlite's SQLite is the workspace's SQLCipher build, whose crypto provider is linked only
// where code names its crate.
use medcircle_sqlcipher as _;

mod access_log;
mod app;
mod base64url;
mod carrier;
mod certification;
mod challenge;
mod clock;
mod codes;
mod consents;
mod db;
mod deletion_requests;
mod dictionaries;
mod error;
mod events;
mod exposure;
mod extract;
mod feed;
mod files;
mod help;
mod ident;
mod identities;
mod interests;
mod keyed;
mod keys;
mod limit;
mod logins;
mod mall;
mod minimum_version;
mod notices;
mod oidc;
mod openapi;
mod outbound;
mod payments;
mod phone;
mod place;
mod policy;
mod pool;
mod quota;
mod rate_limit;
mod request_limits;
mod reset;
mod retention;
mod risk;
mod rotation;
mod routes;
mod running;
mod scenario;
mod sealed;
mod serve;
mod sessions;
mod tls;
mod tokens;
mod users;
mod web_logins;
mod wechat;

pub use keys::KeySource;
pub use oidc::OidcProvider;
pub use payments::PaymentSettings;
pub use payments::alipay::AlipayMerchant;
pub use payments::wechat_pay::WechatPayMerchant;
pub use rotation::{Rotated, rotate_keys};
pub use running::{Options, RunningServer};
pub use scenario::{Scenario, ScenarioError};
pub use serve::{ServerConfig, serve};
pub use tls::{TlsInfo, TlsSource};
pub use wechat::WechatProvider;
