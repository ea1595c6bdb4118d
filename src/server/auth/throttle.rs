//! Login throttling per login ID and per client address (DESIGN §4): after too many failures in
//! the window, further attempts get 429 with Retry-After until the oldest failure ages out.
//!
//! Kept in memory: one server process is the deployment today. With several replicas this moves
//! to the database (noted in the README).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account,
            per_address,
            window,
            failures: Mutex::new(Failures::default()),
        }
    }

    /// `Err(seconds)` when this login ID or address must wait before trying again.
    pub fn check(&self, login_id: &str, address: IpAddr, now: Instant) -> Result<(), u64> {
        let mut failures = self.lock();
        let account = key(login_id);
        let wait_account = wait(
            failures.accounts.get_mut(&account),
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
        match wait_account.max(wait_address) {
            Some(d) => Err(d.as_secs().max(1)),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, login_id: &str, address: IpAddr, now: Instant) {
        let mut failures = self.lock();
        let limit = self.per_account.max(self.per_address) as usize;
        push_bounded(
            failures.accounts.entry(key(login_id)).or_default(),
            now,
            limit,
        );
        push_bounded(failures.addresses.entry(address).or_default(), now, limit);
        // Keep memory bounded under a spray of random login IDs.
        if failures.accounts.len() > 100_000 {
            let window = self.window;
            failures
                .accounts
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
    }

    /// A successful login clears the account's failures (not the address's: one office's NAT
    /// shares an address, and a success there says nothing about the other attempts).
    pub fn record_success(&self, login_id: &str) {
        self.lock().accounts.remove(&key(login_id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding the lock cannot leave the maps inconsistent; keep going.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn key(login_id: &str) -> String {
    login_id.trim().to_lowercase()
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
            assert!(throttle.check("Sato", ip(i), t0).is_ok());
            throttle.record_failure("sato", ip(i), t0);
        }
        // Case and spacing do not give a fresh budget.
        let wait = throttle
            .check(" SATO ", ip(9), t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, 50);
        assert!(throttle.check("other", ip(9), t0).is_ok());
        assert!(throttle
            .check("sato", ip(9), t0 + Duration::from_secs(61))
            .is_ok());
    }

    #[test]
    fn address_locks_across_accounts() {
        let throttle = LoginThrottle::new(100, 4, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..4 {
            throttle.record_failure(&format!("user{i}"), ip(1), t0);
        }
        assert!(throttle.check("fresh", ip(1), t0).is_err());
        assert!(throttle.check("fresh", ip(2), t0).is_ok());
    }

    #[test]
    fn success_clears_account() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        throttle.record_failure("a", ip(1), t0);
        throttle.record_failure("a", ip(1), t0);
        assert!(throttle.check("a", ip(1), t0).is_err());
        throttle.record_success("a");
        assert!(throttle.check("a", ip(1), t0).is_ok());
    }
}
