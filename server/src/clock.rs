//! The server's notion of "now", which dev mode can push forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time plus an offset: every expiry, cooldown and rate limit reads this clock, so
/// tests can move past them without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_s: AtomicI64,
}

impl Clock {
    /// Current time in Unix seconds.
    pub fn now(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        i64::try_from(wall).unwrap_or(i64::MAX) + self.offset_s.load(Ordering::Relaxed)
    }

    /// Back to wall-clock time (a dev reset).
    pub fn reset(&self) {
        self.offset_s.store(0, Ordering::Relaxed);
    }

    /// Moves the clock forward and returns the new time.
    pub fn advance(&self, seconds: u32) -> i64 {
        self.offset_s
            .fetch_add(i64::from(seconds), Ordering::Relaxed);
        self.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        let after = clock.advance(301);
        assert!(
            (301..=302).contains(&(after - before)),
            "{before} -> {after}"
        );
        clock.reset();
        assert!(clock.now() - before <= 1);
    }
}
