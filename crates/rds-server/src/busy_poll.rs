//! Adaptive busy polling: while clients keep the server busy, the event loop polls for readiness
//! instead of sleeping in `epoll_wait`.
//!
//! Why: with unpipelined clients the loop runs out of ready sockets many times per millisecond and
//! sleeps, and every request that arrives while it sleeps costs a thread wake-up, paid partly by the
//! sending client (on a VM a wake-up is an inter-processor interrupt, one of the dearest things a
//! loopback request does). Measured with `redis-benchmark -P 1` on this project's 2-core machines,
//! polling for a short window after the last batch raised requests/s 5-9% and lowered p99 by a
//! quarter, at about 10% more server CPU per request (docs/benchmarks.md). Once no batch has run for
//! [`WINDOW`] the poller sleeps until the next one, so an idle server stays idle and a lightly used
//! one spends at most one window per batch.
//!
//! How: a task that yields in a loop. A yielded task makes the current-thread scheduler check the
//! driver without blocking (`epoll_wait` with a zero timeout) each time it runs out of other work.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How long the loop keeps polling after the last batch before it sleeps again.
pub const WINDOW: Duration = Duration::from_micros(50);

/// The activity the poller watches, and the way to wake it.
#[derive(Debug, Default)]
pub struct BusyPoll {
    batches: AtomicU64,
    sleeping: AtomicBool,
    wake: Notify,
}

impl BusyPoll {
    /// Notes that a connection ran a batch of requests, waking the poller if it sleeps.
    pub fn note_batch(&self) {
        self.batches.fetch_add(1, Relaxed);
        if self.sleeping.load(Relaxed) {
            self.sleeping.store(false, Relaxed);
            self.wake.notify_one();
        }
    }

    /// Polls while batches keep coming, sleeps otherwise, until `shutdown`. Runs only on a
    /// current-thread runtime: on a multi-threaded one a yielding task would keep a worker busy
    /// instead of letting the loop poll.
    pub async fn run(&self, shutdown: CancellationToken) {
        if tokio::runtime::Handle::current().runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread {
            return;
        }
        loop {
            self.sleeping.store(true, Relaxed);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
            }
            let mut seen = self.batches.load(Relaxed);
            let mut last_batch = Instant::now();
            while last_batch.elapsed() < WINDOW {
                tokio::task::yield_now().await;
                let batches = self.batches.load(Relaxed);
                if batches != seen {
                    seen = batches;
                    last_batch = Instant::now();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn sleeps_when_idle_and_wakes_on_a_batch() {
        let poll = Arc::new(BusyPoll::default());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn({
            let (poll, shutdown) = (poll.clone(), shutdown.clone());
            async move { poll.run(shutdown).await }
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while !poll.sleeping.load(Relaxed) {
            assert!(Instant::now() < deadline, "the poller never went to sleep");
            tokio::task::yield_now().await;
        }
        poll.note_batch();
        // Woken, it polls for one window without batches, then sleeps again.
        while !poll.sleeping.load(Relaxed) {
            assert!(Instant::now() < deadline, "the poller kept polling after the window");
            tokio::task::yield_now().await;
        }
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("stops on shutdown").expect("no panic");
    }
}
