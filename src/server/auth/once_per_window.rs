//! Audit rows for events anyone can cause without signing in (a throttled login, a bad token):
//! one row per key and window with the number of events since the last row, so a flood of
//! requests cannot become a flood of rows (issue 12, item 3: 4,286 rows/s, unauthenticated).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept per map before the stale ones are dropped (the throttle's maps too).
pub(super) const MAX_TRACKED: usize = 100_000;

pub struct OncePerWindow {
    window: Duration,
    /// key → (when its last row was written, events not yet written).
    seen: Mutex<HashMap<String, (Option<Instant>, u64)>>,
}

impl OncePerWindow {
    pub fn new(window: Duration) -> OncePerWindow {
        OncePerWindow {
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key`; `Some(n)` when it should be written now, `n` being the events
    /// since the last row (this one included).
    pub fn note(&self, key: String, now: Instant) -> Option<u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.window;
        let fresh = |since: &Option<Instant>| since.is_some_and(|t| now.duration_since(t) < window);
        if seen.len() > MAX_TRACKED {
            seen.retain(|_, (since, _)| fresh(since));
        }
        let (since, pending) = seen.entry(key).or_insert((None, 0));
        *pending += 1;
        if fresh(since) {
            return None;
        }
        let count = *pending;
        *since = Some(now);
        *pending = 0;
        Some(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_key_and_window_with_the_count_since() {
        let notes = OncePerWindow::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(notes.note("a".into(), t0), Some(1));
        for _ in 0..500 {
            assert_eq!(notes.note("a".into(), t0), None);
        }
        assert_eq!(notes.note("b".into(), t0), Some(1));
        let later = t0 + Duration::from_secs(61);
        assert_eq!(notes.note("a".into(), later), Some(501));
        assert_eq!(notes.note("a".into(), later), None);
    }
}
