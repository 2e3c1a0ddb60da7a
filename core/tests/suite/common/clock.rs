//! A clock the test moves: the core's time, for rules measured in hours and for decisions that
//! must fall in one second.

use std::sync::atomic::{AtomicI64, Ordering};

use medcircle_core::Clock;

pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn at(unix: i64) -> TestClock {
        TestClock(AtomicI64::new(unix))
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
