//! Exponential backoff with jitter for idempotent requests.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) attempts: u32,
    pub(crate) base: Duration,
    pub(crate) max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(250),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1`.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max);
        // Full jitter in [50%, 100%] keeps many phones from retrying in lockstep.
        let factor = rand::rng().random_range(0.5..=1.0);
        capped.mul_f64(factor)
    }
}

/// The longest wait between two flushes of an outbox.
const MAX_OUTBOX_BACKOFF_S: u64 = 60;

/// How long an outbox waits before it tries again after `attempts` failed flushes: doubling,
/// at most a minute, with up to a second of jitter.
pub(crate) fn outbox_delay(attempts: u32) -> Duration {
    let base = 1u64 << attempts.min(6);
    Duration::from_millis(base.min(MAX_OUTBOX_BACKOFF_S) * 1000 + rand::rng().random_range(0..1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_bounded() {
        let policy = RetryPolicy::default();
        let first = policy.delay(1);
        assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
        let third = policy.delay(3);
        assert!(third >= Duration::from_millis(500) && third <= Duration::from_secs(1));
        assert!(policy.delay(30) <= policy.max);
        assert!(policy.delay(30) >= policy.max / 2);
    }

    #[test]
    fn an_outbox_waits_longer_after_each_failure_up_to_a_minute() {
        let first = outbox_delay(1);
        assert!(first >= Duration::from_secs(2) && first < Duration::from_secs(3));
        assert!(outbox_delay(40) >= Duration::from_secs(60));
        assert!(outbox_delay(40) < Duration::from_secs(61));
    }
}
