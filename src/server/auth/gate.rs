//! A bound on password verification (issue 12, item 1): every login runs argon2id with 19 MiB
//! of memory and ~100 ms of CPU. Unbounded, 200 concurrent logins took the server to 9.8 GB and
//! every login waited ~17 s. At most one verification per core runs at a time; a few more may
//! wait for a short while; the rest are told to come back (503 with Retry-After) at once.
//!
//! The verifications run on the gate's own long-lived threads, not tokio's blocking pool: the
//! allocator keeps a freed 19 MiB block for the thread that used it, so a pool that grows to
//! many threads under a burst keeps many blocks (a semaphore over `spawn_blocking` still peaked
//! at 643 MiB for 200 concurrent logins); a fixed set of threads keeps one each.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

type Job = Box<dyn FnOnce() + Send>;

pub struct PasswordGate {
    jobs: Mutex<mpsc::Sender<Job>>,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// The gate is full: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after: u64,
}

impl PasswordGate {
    /// `workers` 0 means one per core.
    pub fn new(workers: usize, max_waiting: usize, max_wait: Duration) -> PasswordGate {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || loop {
                    // Ends when the gate (the only sender) is dropped.
                    let job = match queue.lock().map(|q| q.recv()) {
                        Ok(Ok(job)) => job,
                        _ => return,
                    };
                    // A panicking check must not take the thread with it (its request gets
                    // 503; the next one is served).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-check thread");
            }
        }
        PasswordGate {
            jobs: Mutex::new(jobs),
            permits: Arc::new(Semaphore::new(workers)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    /// Runs `work` on a gate thread once one is free. The thread stays taken until `work`
    /// ends, even if the request that asked for it is dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let busy = Busy {
            retry_after: self.max_wait.as_secs().max(1),
        };
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(busy);
                }
                let acquired =
                    tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                match acquired {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(busy),
                }
            }
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = answer.send(work());
        });
        let sent = self
            .jobs
            .lock()
            .map_err(|_| busy)
            .and_then(|jobs| jobs.send(job).map_err(|_| busy));
        sent?;
        answered.await.map_err(|_| busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_the_workers_at_once_and_the_rest_are_turned_away() {
        let gate = Arc::new(PasswordGate::new(2, 3, Duration::from_millis(300)));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        let mut done = 0;
        let mut turned_away = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => done += 1,
                Err(busy) => {
                    assert_eq!(busy.retry_after, 1);
                    turned_away += 1;
                }
            }
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        // Two run at once, three may wait: about five finish, the others are told to retry.
        assert!((2..=8).contains(&done), "done {done}");
        assert_eq!(done + turned_away, 20);
    }

    #[tokio::test]
    async fn a_panicking_check_leaves_the_thread_serving() {
        let gate = PasswordGate::new(1, 4, Duration::from_secs(5));
        let failed: Result<(), Busy> = gate.run(|| panic!("a broken hash")).await;
        assert!(failed.is_err());
        assert_eq!(gate.run(|| 7).await, Ok(7));
    }
}
