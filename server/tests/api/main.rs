//! The HTTP contract, exercised over real HTTP on 127.0.0.1 against `RunningServer`s
//! (one binary, so the test suite links once).

mod auth_flow;
mod binary;
mod common;
mod dev;
mod errors;
mod lifecycle;
mod openapi;
mod policy;
mod sms_limits;
mod storage;
