//! The time as the product sees it: the system clock, which tests may move forward to see a
//! code expire or a session go idle without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Clock {
    ahead_ms: AtomicI64,
}

impl Clock {
    /// UTC unix milliseconds, as stored.
    pub fn now_ms(&self) -> i64 {
        crate::store::now_ms() + self.ahead_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock forward (tests).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_ms.fetch_add(ms, Ordering::Relaxed);
    }
}
