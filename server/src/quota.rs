//! Budgets of uses per requester or per user over a rolling window, for the endpoints that
//! cost the server storage or work: past a budget the answer is 429 `rate_limited` with
//! `Retry-After`. Kept in memory (a restart forgets them; SMS limits, which cost money, are in
//! the database, see `rate_limit`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::app::lock;
use crate::error::ApiError;

/// What is being counted, and its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Browser login requests (`POST /web/login`) per requester.
    WebLogins,
    /// Browsing events (not batches) per requester.
    Events,
    /// Third-party logins per requester: each may make the server fetch a provider's keys.
    OauthLogins,
    /// Certificate photo uploads per user.
    CertificatePhotos,
    /// Feed photo uploads per user.
    PostPhotos,
    /// Feedback photo uploads per user.
    HelpPhotos,
}

impl Budget {
    /// How many uses fit in how many seconds.
    pub const fn limit(self) -> (u64, i64) {
        match self {
            Budget::WebLogins => (20, 600),
            Budget::Events => (1_000, 3_600),
            Budget::OauthLogins => (30, 600),
            Budget::CertificatePhotos => (10, 86_400),
            Budget::PostPhotos => (60, 3_600),
            Budget::HelpPhotos => (20, 3_600),
        }
    }
}

/// Each use of one budget by one key: its time and weight, oldest first.
type Uses = VecDeque<(i64, u64)>;

#[derive(Default)]
pub struct Quotas {
    uses: Mutex<HashMap<(Budget, Vec<u8>), Uses>>,
}

/// Past this many keys, a take first forgets every key with no use left in its window.
const PRUNE_PAST: usize = 10_000;

impl Quotas {
    /// Forgets every use (a dev reset).
    pub fn clear(&self) {
        lock(&self.uses).clear();
    }

    /// Counts `weight` uses of `budget` by `key` at `now` if they fit; 429 with the wait if not.
    pub fn take(&self, budget: Budget, key: &[u8], weight: u64, now: i64) -> Result<(), ApiError> {
        let (limit, window) = budget.limit();
        let mut uses = lock(&self.uses);
        if uses.len() > PRUNE_PAST {
            uses.retain(|(budget, _), times| {
                let (_, window) = budget.limit();
                times.back().is_some_and(|(at, _)| *at > now - window)
            });
        }
        let times = uses.entry((budget, key.to_vec())).or_default();
        while times.front().is_some_and(|(at, _)| *at <= now - window) {
            times.pop_front();
        }
        let used: u64 = times.iter().map(|(_, weight)| weight).sum();
        if used.saturating_add(weight) <= limit {
            times.push_back((now, weight));
            return Ok(());
        }
        // The wait until enough of the oldest uses leave the window (the whole window if even
        // an empty one could not hold `weight`).
        let mut freed = limit.saturating_sub(used);
        let mut retry_at = now + window;
        for (at, used) in times.iter() {
            freed += used;
            if freed >= weight {
                retry_at = at + window;
                break;
            }
        }
        Err(ApiError::RateLimited {
            retry_after_s: (retry_at - now).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn wait(result: Result<(), ApiError>) -> i64 {
        match result {
            Err(ApiError::RateLimited { retry_after_s }) => retry_after_s,
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn a_budget_holds_per_key_and_frees_as_uses_leave_the_window() {
        let quotas = Quotas::default();
        for n in 0..20 {
            quotas.take(Budget::WebLogins, b"a", 1, NOW + n).unwrap();
        }
        assert_eq!(wait(quotas.take(Budget::WebLogins, b"a", 1, NOW + 20)), 580);
        quotas.take(Budget::WebLogins, b"b", 1, NOW + 20).unwrap();
        quotas.take(Budget::WebLogins, b"a", 1, NOW + 600).unwrap();
        assert!(quotas.take(Budget::WebLogins, b"a", 1, NOW + 600).is_err());
    }

    #[test]
    fn weights_count_and_an_impossible_weight_waits_a_whole_window() {
        let quotas = Quotas::default();
        quotas.take(Budget::Events, b"a", 900, NOW).unwrap();
        quotas.take(Budget::Events, b"a", 100, NOW + 10).unwrap();
        assert_eq!(wait(quotas.take(Budget::Events, b"a", 50, NOW + 20)), 3_580);
        assert_eq!(wait(quotas.take(Budget::Events, b"b", 1_001, NOW)), 3_600);
    }
}
