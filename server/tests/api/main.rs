//! The HTTP contract, exercised over real HTTP on 127.0.0.1 against `RunningServer`s
//! (one binary, so the test suite links once).

mod account;
mod at_rest;
mod auth_flow;
mod binary;
mod certification;
mod common;
mod concurrency;
mod consents;
mod deletion_requests;
mod dev;
mod dictionaries;
mod errors;
mod events;
mod feed;
mod feed_idempotency;
mod feed_photos;
mod help;
// The core suite's images (a camera's JPEG and PNG with planted metadata, their clean twins,
// decoders): one definition for both sides. Not every helper is used here.
#[allow(dead_code)]
#[path = "../../../core/tests/suite/common/images.rs"]
mod images;
mod interests;
mod launch;
mod lifecycle;
mod mall;
mod oauth;
mod one_tap;
mod openapi;
mod payments;
mod policy;
mod protected;
mod quotas;
mod retention;
mod risk;
mod scenarios;
mod security;
mod sms_abuse;
mod sms_limits;
mod step_up;
mod storage;
mod text_fields;
mod web_login;
mod wechat;
