//! HTTP handlers, one module per area of the API.

pub mod account;
pub mod certification;
pub mod consents;
pub mod deletion_requests;
pub mod dev;
pub mod dev_oidc;
pub mod dev_pay;
pub mod dev_wechat;
pub mod dictionaries;
pub mod events;
pub mod feed;
pub mod interests;
pub mod oauth;
pub mod oauth_code;
pub mod one_tap;
pub mod openapi;
pub mod policy;
pub mod profile;
pub mod purchases;
pub mod reauth;
pub mod risk;
pub mod security;
pub mod session;
pub mod sms;
pub mod web_login;
