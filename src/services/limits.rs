//! Send limits ("at most 3 in 10 minutes, 10 a day"), as one rule for sign-in codes and
//! invitations.

/// At most `.0` sends within `.1` milliseconds.
pub type Limit = (i64, i64);

pub const MINUTE: i64 = 60_000;
pub const DAY: i64 = 24 * 60 * MINUTE;

/// SMS to one number: sign-in codes, and invitations from every company.
pub const PER_NUMBER: [Limit; 2] = [(3, 10 * MINUTE), (10, DAY)];

/// Given the times of earlier sends (any order, at least those within the widest window),
/// the minutes to wait before the next, if a limit is reached now.
pub fn wait_minutes(times: &[i64], limits: &[Limit], now: i64) -> Option<i64> {
    limits.iter().find_map(|&(max, window)| {
        let since = now - window;
        let inside: Vec<i64> = times.iter().copied().filter(|t| *t > since).collect();
        (inside.len() as i64 >= max).then(|| {
            let oldest = inside.iter().copied().min().unwrap_or(now);
            ((oldest + window - now) / MINUTE).max(0) + 1
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_counts_its_window_and_says_how_long_to_wait() {
        let limits = [(3, 10 * MINUTE), (5, 60 * MINUTE)];
        let now = 100 * MINUTE;
        assert_eq!(wait_minutes(&[], &limits, now), None);
        let two = [now - MINUTE, now - 2 * MINUTE];
        assert_eq!(wait_minutes(&two, &limits, now), None);
        // Three in ten minutes: the oldest leaves the window in 7 minutes (rounded up).
        let three = [now - MINUTE, now - 2 * MINUTE, now - 3 * MINUTE];
        assert_eq!(wait_minutes(&three, &limits, now), Some(8));
        // Older ones count only for the wider window.
        let spread = [
            now - 50 * MINUTE,
            now - 40 * MINUTE,
            now - 30 * MINUTE,
            now - 20 * MINUTE,
        ];
        assert_eq!(wait_minutes(&spread, &limits, now), None);
        let five = [
            now - 55 * MINUTE,
            now - 50 * MINUTE,
            now - 40 * MINUTE,
            now - 30 * MINUTE,
            now - 20 * MINUTE,
        ];
        assert_eq!(wait_minutes(&five, &limits, now), Some(6));
    }
}
