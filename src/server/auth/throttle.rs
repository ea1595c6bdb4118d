//! Login throttling per login ID and per client address (DESIGN §4): after too many failures in
//! the window, further attempts get 429 with Retry-After until the oldest failure ages out.
//!
//! The counts live in the database (issue 12, item 5; issue 13, item 3): a restart used to
//! forget them, and every replica would have given an attacker a budget of its own. The limit
//! is a sliding window, not a hard lock: each failure ages out by itself, and the owner's own
//! PC stays usable — from an address the account signed in from before, only failures from
//! that same address count against it, so someone guessing elsewhere cannot lock the owner out.
//! The support centre sees a throttled account in `user list` and can lift it (`user unlock`).

use super::once_per_window::OncePerWindow;
use crate::server::db::{Database, ThrottleLimits, Throttled, UnixTime};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    db: Arc<dyn Database>,
    limits: ThrottleLimits,
    /// Refusals to write to the audit log: per account (or "" when the address waits) and
    /// address.
    refusals: OncePerWindow,
}

/// A counted attempt waiting for its verdict.
#[derive(Debug)]
pub struct Reserved {
    id: i64,
    account: String,
    address: String,
}

impl LoginThrottle {
    pub fn new(db: Arc<dyn Database>, limits: ThrottleLimits) -> LoginThrottle {
        let window = Duration::from_secs(limits.window_seconds.max(0) as u64);
        LoginThrottle {
            db,
            limits,
            refusals: OncePerWindow::new(window),
        }
    }

    pub fn limits(&self) -> ThrottleLimits {
        self.limits
    }

    /// Checks and counts the attempt as a failure in one step, before the password is verified
    /// (argon2 takes ~100 ms: a check before it and a count after it let a burst of concurrent
    /// guesses all through). [`LoginThrottle::record_success`] takes the count back.
    pub async fn reserve(
        &self,
        login_id: &str,
        address: IpAddr,
        now: UnixTime,
    ) -> anyhow::Result<Result<Reserved, Throttled>> {
        let account = key(login_id);
        let address = address.to_string();
        Ok(self
            .db
            .reserve_login(&account, &address, self.limits, now)
            .await?
            .map(|id| Reserved {
                id,
                account,
                address,
            }))
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

    /// A successful sign-in: the account's failures stop counting against it, the reservation
    /// goes (not the address's other failures: one office's NAT shares an address, and a
    /// success there says nothing about the other attempts), and the address becomes known for
    /// the account. Returns the failures the account had since its previous sign-in.
    pub async fn record_success(&self, reserved: Reserved, now: UnixTime) -> anyhow::Result<u32> {
        Ok(self
            .db
            .login_succeeded(reserved.id, &reserved.account, &reserved.address, now)
            .await?)
    }

    /// Takes back a reservation whose attempt was never judged (the server was too busy to
    /// verify the password, or the code is still to be asked for): it counts against neither
    /// the account nor the address.
    pub async fn release(&self, reserved: Reserved) {
        if let Err(e) = self.db.release_login(reserved.id).await {
            // It then ages out with the window like a failure; nothing else is at stake.
            tracing::warn!(
                error = format!("{e:#}"),
                "could not take back a login reservation"
            );
        }
    }
}

/// The login ID as the throttle counts it (in the storage layer, which clears it too).
pub use crate::server::db::failure_account as key;

/// How long the account waits now (counting failures from every address), from the times of
/// the failures that count against it, oldest first; None when it may sign in.
pub fn account_wait(times: &[UnixTime], limits: ThrottleLimits, now: UnixTime) -> Option<u64> {
    let recent: Vec<UnixTime> = times
        .iter()
        .copied()
        .filter(|at| *at > now - limits.window_seconds)
        .collect();
    let limit = limits.per_account.max(1) as usize;
    if recent.len() < limit {
        return None;
    }
    let oldest_relevant = recent[recent.len() - limit];
    Some((oldest_relevant + limits.window_seconds - now).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::Sqlite;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    async fn throttle(per_account: u32, per_address: u32) -> (LoginThrottle, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db: Arc<dyn Database> = Arc::new(Sqlite::open(&dir.path().join("t.db")).await.unwrap());
        let limits = ThrottleLimits {
            per_account,
            per_address,
            window_seconds: 60,
        };
        let throttle = LoginThrottle::new(db, limits);
        (throttle, dir)
    }

    const T0: UnixTime = 1_900_000_000;

    #[tokio::test]
    async fn account_locks_after_limit_and_recovers_after_window() {
        let (throttle, _dir) = throttle(3, 100).await;
        for i in 0..3 {
            assert!(throttle.reserve("Sato", ip(i), T0).await.unwrap().is_ok());
        }
        // Case and spacing do not give a fresh budget.
        let wait = throttle
            .reserve(" SATO ", ip(9), T0 + 10)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(wait.retry_after, 50);
        assert!(!wait.by_address);
        assert!(throttle.reserve("other", ip(9), T0).await.unwrap().is_ok());
        assert!(throttle
            .reserve("sato", ip(9), T0 + 61)
            .await
            .unwrap()
            .is_ok());
    }

    #[tokio::test]
    async fn address_locks_across_accounts() {
        let (throttle, _dir) = throttle(100, 4).await;
        for i in 0..4 {
            let login = format!("user{i}");
            throttle.reserve(&login, ip(1), T0).await.unwrap().unwrap();
        }
        assert!(
            throttle
                .reserve("fresh", ip(1), T0)
                .await
                .unwrap()
                .unwrap_err()
                .by_address
        );
        assert!(throttle.reserve("fresh", ip(2), T0).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_success_clears_the_account_and_says_how_many_failed() {
        let (throttle, _dir) = throttle(3, 100).await;
        throttle.reserve("a", ip(1), T0).await.unwrap().unwrap();
        throttle.reserve("a", ip(1), T0).await.unwrap().unwrap();
        let third = throttle.reserve("a", ip(1), T0).await.unwrap().unwrap();
        assert!(throttle.reserve("a", ip(1), T0).await.unwrap().is_err());
        // The third attempt in flight succeeds: the other two were failures.
        assert_eq!(throttle.record_success(third, T0).await.unwrap(), 2);
        assert!(throttle.reserve("a", ip(1), T0).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_success_gives_the_address_back_only_its_own_reservation() {
        let (throttle, _dir) = throttle(100, 2).await;
        throttle.reserve("a", ip(1), T0).await.unwrap().unwrap();
        let b = throttle.reserve("b", ip(1), T0 + 1).await.unwrap().unwrap();
        throttle.record_success(b, T0 + 1).await.unwrap();
        // "a" still counts against the address: one more fits, then it waits.
        throttle.reserve("c", ip(1), T0 + 1).await.unwrap().unwrap();
        assert!(
            throttle
                .reserve("d", ip(1), T0 + 1)
                .await
                .unwrap()
                .unwrap_err()
                .by_address
        );
    }

    #[tokio::test]
    async fn a_released_reservation_counts_against_nobody() {
        let (throttle, _dir) = throttle(1, 1).await;
        let reserved = throttle.reserve("a", ip(1), T0).await.unwrap().unwrap();
        throttle.release(reserved).await;
        assert!(throttle.reserve("a", ip(1), T0).await.unwrap().is_ok());
    }

    /// Issue 12, item 5: anyone could lock any known login ID. From an address the account
    /// signed in from before, only that address's failures count against it.
    #[tokio::test]
    async fn guesses_elsewhere_do_not_lock_the_owner_out_of_their_own_pc() {
        let (throttle, _dir) = throttle(3, 100).await;
        let office = ip(10);
        let first = throttle.reserve("sato", office, T0).await.unwrap().unwrap();
        throttle.record_success(first, T0).await.unwrap();
        for attacker in 50..60 {
            let _ = throttle
                .reserve("sato", ip(attacker), T0 + 5)
                .await
                .unwrap();
        }
        // A new address waits (the account has had its failures) …
        assert!(throttle
            .reserve("sato", ip(99), T0 + 6)
            .await
            .unwrap()
            .is_err());
        // … the owner's office does not.
        let back = throttle
            .reserve("sato", office, T0 + 6)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(throttle.record_success(back, T0 + 6).await.unwrap(), 3);
        // Failures from the office itself still count there.
        for _ in 0..3 {
            throttle
                .reserve("sato", office, T0 + 7)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(throttle
            .reserve("sato", office, T0 + 7)
            .await
            .unwrap()
            .is_err());
    }

    #[tokio::test]
    async fn the_count_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let open = || async {
            let db: Arc<dyn Database> = Arc::new(Sqlite::open(&file).await.unwrap());
            let limits = ThrottleLimits {
                per_account: 2,
                per_address: 100,
                window_seconds: 60,
            };
            LoginThrottle::new(db, limits)
        };
        let before = open().await;
        before.reserve("a", ip(1), T0).await.unwrap().unwrap();
        before.reserve("a", ip(1), T0).await.unwrap().unwrap();
        drop(before);
        let after = open().await;
        assert!(after.reserve("a", ip(1), T0 + 1).await.unwrap().is_err());
    }

    #[tokio::test]
    async fn refusals_are_reported_once_per_window_with_their_count() {
        let (throttle, _dir) = throttle(1, 100).await;
        throttle.reserve("sato", ip(1), T0).await.unwrap().unwrap();
        let refused = throttle
            .reserve("sato", ip(1), T0)
            .await
            .unwrap()
            .unwrap_err();
        let t0 = Instant::now();
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

    #[test]
    fn an_accounts_wait_from_its_failure_times() {
        let limits = ThrottleLimits {
            per_account: 3,
            per_address: 100,
            window_seconds: 60,
        };
        assert_eq!(account_wait(&[T0, T0 + 1], limits, T0 + 2), None);
        assert_eq!(
            account_wait(&[T0, T0 + 1, T0 + 2], limits, T0 + 10),
            Some(50)
        );
        assert_eq!(account_wait(&[T0, T0 + 1, T0 + 2], limits, T0 + 61), None);
    }
}
