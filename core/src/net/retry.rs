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
}
