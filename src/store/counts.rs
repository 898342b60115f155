//! Capped counts behind lines pages (a page's total, a search's selectivity), kept while the
//! database shows nothing new.
//!
//! Counting a full page's matches walks up to a thousand index entries, which on PostgreSQL
//! cost as much as the page itself; a search first counts how many its key matches. A count is kept with the snapshot it was taken in
//! (`pg_current_snapshot()`: which transactions had committed). A later statement whose snapshot
//! is the same sees exactly the same rows, since any transaction that wrote and finished in
//! between changes the snapshot, from whichever process or instance it came. So a kept count
//! is used only when it is still exact, and any write anywhere retires them all.
//! SQLite has no such token: its pages count every time (in process, that is cheap).

use std::collections::HashMap;
use std::sync::Mutex;

/// Kept counts at most; past it, they are all let go and counted again as asked.
const MAX_KEPT: usize = 4096;

#[derive(Debug, Default)]
pub struct Counts {
    /// The counting statement (text and values) → the snapshot it ran in, and its count.
    kept: Mutex<HashMap<String, (String, i64)>>,
}

impl Counts {
    /// The count, if it was taken in this same snapshot.
    pub fn get(&self, key: &str, snapshot: &str) -> Option<i64> {
        self.lock()
            .get(key)
            .filter(|(seen, _)| seen == snapshot)
            .map(|(_, n)| *n)
    }

    pub fn put(&self, key: String, snapshot: String, count: i64) {
        let mut kept = self.lock();
        if kept.len() >= MAX_KEPT && !kept.contains_key(&key) {
            kept.clear();
        }
        kept.insert(key, (snapshot, count));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, i64)>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_given_back_only_in_its_own_snapshot() {
        let counts = Counts::default();
        assert_eq!(counts.get("q", "10:12:11"), None);
        counts.put("q".into(), "10:12:11".into(), 420);
        assert_eq!(counts.get("q", "10:12:11"), Some(420));
        assert_eq!(counts.get("q", "10:13:"), None, "something committed since");
        assert_eq!(counts.get("other", "10:12:11"), None);
        counts.put("q".into(), "10:13:".into(), 419);
        assert_eq!(counts.get("q", "10:13:"), Some(419));
        assert_eq!(counts.get("q", "10:12:11"), None);
    }

    #[test]
    fn past_the_limit_the_kept_counts_start_over() {
        let counts = Counts::default();
        for i in 0..MAX_KEPT {
            counts.put(format!("q{i}"), "1:1:".into(), 1);
        }
        counts.put("q0".into(), "1:2:".into(), 2);
        assert_eq!(
            counts.get("q1", "1:1:"),
            Some(1),
            "replacing a kept count keeps the rest"
        );
        counts.put("new".into(), "1:2:".into(), 3);
        assert_eq!(counts.get("q1", "1:1:"), None);
        assert_eq!(counts.get("new", "1:2:"), Some(3));
    }
}
