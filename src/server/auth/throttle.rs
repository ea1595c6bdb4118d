//! Login throttling per login ID and per client address (DESIGN §4): after too many failures in
//! the window, further attempts get 429 with Retry-After until the oldest failure ages out.
//!
//! Kept in memory: one server process is the deployment today. With several replicas this moves
//! to the database (noted in the README).

use super::once_per_window::{OncePerWindow, MAX_TRACKED};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<Failures>,
    /// Refusals to write to the audit log: per account (or "" when the address waits) and
    /// address.
    refusals: OncePerWindow,
}

#[derive(Default)]
struct Failures {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

/// A refused attempt: how long to wait, and whether the address (not the account) must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: u64,
    pub by_address: bool,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account,
            per_address,
            window,
            failures: Mutex::new(Failures::default()),
            refusals: OncePerWindow::new(window),
        }
    }

    /// Checks and counts the attempt as a failure in one step, before the password is verified
    /// (argon2 takes ~100 ms: a check before it and a count after it let a burst of concurrent
    /// guesses all through). [`LoginThrottle::record_success`] takes the count back.
    pub fn reserve(&self, login_id: &str, address: IpAddr, now: Instant) -> Result<(), Throttled> {
        let mut failures = self.lock();
        let account = key(login_id);
        if let Some((retry_after, by_address)) = self.wait(&mut failures, &account, address, now) {
            return Err(Throttled {
                retry_after,
                by_address,
            });
        }
        self.push_failure(&mut failures, account, address, now);
        Ok(())
    }

    fn push_failure(
        &self,
        failures: &mut Failures,
        account: String,
        address: IpAddr,
        now: Instant,
    ) {
        let limit = self.per_account.max(self.per_address) as usize;
        push_bounded(failures.accounts.entry(account).or_default(), now, limit);
        push_bounded(failures.addresses.entry(address).or_default(), now, limit);
        // Keep memory bounded under a spray of random login IDs or addresses.
        let window = self.window;
        let fresh =
            |q: &VecDeque<Instant>| q.back().is_some_and(|t| now.duration_since(*t) < window);
        if failures.accounts.len() > MAX_TRACKED {
            failures.accounts.retain(|_, q| fresh(q));
        }
        if failures.addresses.len() > MAX_TRACKED {
            failures.addresses.retain(|_, q| fresh(q));
        }
    }

    /// The wait, and whether the address (rather than the account) is what must wait.
    fn wait(
        &self,
        failures: &mut Failures,
        account: &str,
        address: IpAddr,
        now: Instant,
    ) -> Option<(u64, bool)> {
        let wait_account = wait(
            failures.accounts.get_mut(account),
            self.per_account,
            self.window,
            now,
        );
        let wait_address = wait(
            failures.addresses.get_mut(&address),
            self.per_address,
            self.window,
            now,
        );
        match (wait_account, wait_address) {
            (None, None) => None,
            (a, b) => {
                let by_address = b.is_some() && b >= a;
                Some((a.max(b).unwrap_or_default().as_secs().max(1), by_address))
            }
        }
    }

    /// Whether a refused attempt gets its own audit row: the first refusal of an account (or,
    /// when the address is what waits, of the address) from one address in a window does, with
    /// the number of refusals since the last row; the rest are only counted. A flood of refused
    /// attempts then writes one row per window, not one per attempt.
    pub fn report_refusal(
        &self,
        login_id: &str,
        address: IpAddr,
        throttled: &Throttled,
        now: Instant,
    ) -> Option<u64> {
        let account = if throttled.by_address {
            String::new()
        } else {
            key(login_id)
        };
        self.refusals.note(format!("{account}\u{0}{address}"), now)
    }

    /// A successful login clears the account's failures and takes back the address's count
    /// reserved for it (not the address's other failures: one office's NAT shares an address,
    /// and a success there says nothing about the other attempts).
    pub fn record_success(&self, login_id: &str, address: IpAddr, reserved_at: Instant) {
        let mut failures = self.lock();
        failures.accounts.remove(&key(login_id));
        remove_one(failures.addresses.get_mut(&address), reserved_at);
    }

    /// Takes back a reservation whose attempt was never judged (the server was too busy to
    /// verify the password): it counts against neither the account nor the address.
    pub fn release(&self, login_id: &str, address: IpAddr, reserved_at: Instant) {
        let mut failures = self.lock();
        remove_one(failures.accounts.get_mut(&key(login_id)), reserved_at);
        remove_one(failures.addresses.get_mut(&address), reserved_at);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding the lock cannot leave the maps inconsistent; keep going.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn key(login_id: &str) -> String {
    login_id.trim().to_lowercase()
}

fn remove_one(queue: Option<&mut VecDeque<Instant>>, at: Instant) {
    if let Some(queue) = queue {
        if let Some(i) = queue.iter().rposition(|t| *t == at) {
            queue.remove(i);
        }
    }
}

fn push_bounded(queue: &mut VecDeque<Instant>, now: Instant, limit: usize) {
    queue.push_back(now);
    while queue.len() > limit.max(1) {
        queue.pop_front();
    }
}

/// How long until there are fewer than `limit` failures in the window.
fn wait(
    queue: Option<&mut VecDeque<Instant>>,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let queue = queue?;
    while queue
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        queue.pop_front();
    }
    if queue.len() < limit as usize {
        return None;
    }
    // The failure that must age out is the one `limit` places from the end.
    let oldest_relevant = queue[queue.len() - limit as usize];
    Some(window.saturating_sub(now.duration_since(oldest_relevant)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn account_locks_after_limit_and_recovers_after_window() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(throttle.reserve("Sato", ip(i), t0).is_ok());
        }
        // Case and spacing do not give a fresh budget.
        let wait = throttle
            .reserve(" SATO ", ip(9), t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait.retry_after, 50);
        assert!(throttle.reserve("other", ip(9), t0).is_ok());
        assert!(throttle
            .reserve("sato", ip(9), t0 + Duration::from_secs(61))
            .is_ok());
    }

    #[test]
    fn address_locks_across_accounts() {
        let throttle = LoginThrottle::new(100, 4, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..4 {
            throttle.reserve(&format!("user{i}"), ip(1), t0).unwrap();
        }
        assert!(throttle.reserve("fresh", ip(1), t0).is_err());
        assert!(throttle.reserve("fresh", ip(2), t0).is_ok());
    }

    #[test]
    fn success_clears_account() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        throttle.reserve("a", ip(1), t0).unwrap();
        throttle.reserve("a", ip(1), t0).unwrap();
        assert!(throttle.reserve("a", ip(1), t0).is_err());
        throttle.record_success("a", ip(1), t0);
        assert!(throttle.reserve("a", ip(1), t0).is_ok());
    }

    #[test]
    fn reservations_count_before_the_verdict() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        // Three attempts in flight at once use the whole budget; the fourth waits.
        for i in 0..3 {
            assert!(throttle.reserve("sato", ip(i), t0).is_ok());
        }
        let refused = throttle.reserve("sato", ip(9), t0).unwrap_err();
        assert!(!refused.by_address);
        // One of them succeeds: the account's budget is back, the address keeps its others.
        throttle.record_success("sato", ip(0), t0);
        assert!(throttle.reserve("sato", ip(9), t0).is_ok());
    }

    #[test]
    fn a_success_gives_the_address_back_only_its_own_reservation() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        throttle.reserve("a", ip(1), t0).unwrap();
        throttle.reserve("b", ip(1), t1).unwrap();
        throttle.record_success("b", ip(1), t1);
        // "a" still counts against the address: one more fits, then it waits.
        throttle.reserve("c", ip(1), t1).unwrap();
        assert!(throttle.reserve("d", ip(1), t1).unwrap_err().by_address);
    }

    #[test]
    fn refusals_are_reported_once_per_window_with_their_count() {
        let throttle = LoginThrottle::new(1, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        throttle.reserve("sato", ip(1), t0).unwrap();
        let refused = throttle.reserve("sato", ip(1), t0).unwrap_err();
        assert_eq!(
            throttle.report_refusal("sato", ip(1), &refused, t0),
            Some(1)
        );
        for _ in 0..500 {
            assert_eq!(throttle.report_refusal("sato", ip(1), &refused, t0), None);
        }
        // Another address is its own row; the next window reports the count since the last row.
        assert_eq!(
            throttle.report_refusal("sato", ip(2), &refused, t0),
            Some(1)
        );
        let later = t0 + Duration::from_secs(61);
        assert_eq!(
            throttle.report_refusal("sato", ip(1), &refused, later),
            Some(501)
        );
    }
}
