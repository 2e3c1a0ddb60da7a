//! HTTP handlers, one module per area of the API.

pub mod dev;
pub mod openapi;
pub mod policy;
pub mod session;
pub mod sms;
