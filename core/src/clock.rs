//! Wall-clock time in unix seconds, the unit every record and expiry uses. Injectable, so
//! rules measured in hours (no new permission request for 48 hours after a refusal) are tested
//! without waiting.

use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    fn now_unix(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}
