//! The AOF fsync thread: fsyncs the incr file off the server lock, for `everysec` (about once a
//! second) and for `always` as a group commit: every batch that wrote asks for an fsync covering its
//! bytes, requests that arrive while one runs are merged into the next, and connections wait on a
//! [`Barrier`] for "synced up to my write" before sending their replies, as Redis sends replies only
//! after the fsync of its event-loop iteration.

use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long the fsync thread lets further requests gather under load before an fsync.
const GROUP_WINDOW: Duration = Duration::from_micros(200);

/// Shared between the server, the fsync thread and waiting connections.
#[derive(Debug, Default)]
struct Shared {
    busy: AtomicBool,
    error: Mutex<Option<String>>,
    /// Bytes ever written to the AOF that are known to be on disk.
    synced: AtomicU64,
    /// Wakes connections waiting on a [`Barrier`].
    synced_notify: Notify,
}

impl Shared {
    fn advance(&self, upto: u64) {
        self.synced.fetch_max(upto, Ordering::AcqRel);
        self.synced_notify.notify_waiters();
    }
}

/// A request: fsync `file`, which makes everything up to byte `upto` (counted over all files) durable.
struct Request {
    file: Arc<File>,
    upto: u64,
}

/// Handle of the fsync thread; dropping it stops the thread and releases every waiter.
#[derive(Debug)]
pub struct Fsyncer {
    sender: Sender<Request>,
    shared: Arc<Shared>,
    exit_on_error: Arc<AtomicBool>,
}

/// What a connection waits for before writing replies under `appendfsync always`.
#[derive(Debug)]
pub struct Barrier {
    target: u64,
    shared: Arc<Shared>,
}

impl Barrier {
    /// Returns once the AOF is fsynced up to this barrier's write.
    pub async fn wait(self) {
        loop {
            let notified = self.shared.synced_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.shared.synced.load(Ordering::Acquire) >= self.target {
                return;
            }
            notified.await;
        }
    }
}

fn run(receiver: Receiver<Request>, shared: Arc<Shared>, exit_on_error: Arc<AtomicBool>) {
    let mut last_done = Instant::now();
    let mut last_merged = 0;
    while let Ok(mut request) = receiver.recv() {
        // Several writers and the last fsync just ended: give the batches that waited for it a moment
        // to arrive, so one fsync covers many of them, as one event-loop iteration does in Redis. A
        // lone writer never waits.
        if last_merged > 1 && last_done.elapsed() < GROUP_WINDOW * 10 {
            std::thread::sleep(GROUP_WINDOW);
        }
        // Merge what arrived meanwhile: the newest file and the furthest offset.
        last_merged = 1;
        while let Ok(newer) = receiver.try_recv() {
            let upto = request.upto.max(newer.upto);
            request = Request { file: newer.file, upto };
            last_merged += 1;
        }
        shared.busy.store(true, Ordering::Release);
        let result = request.file.sync_data();
        if let Ok(mut error) = shared.error.lock() {
            *error = result.as_ref().err().map(super::strerror);
        }
        if let Err(error) = result {
            if exit_on_error.load(Ordering::Acquire) {
                tracing::warn!(
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                    super::strerror(&error)
                );
                std::process::exit(1);
            }
        } else {
            shared.advance(request.upto);
        }
        shared.busy.store(false, Ordering::Release);
        last_done = Instant::now();
    }
}

impl Fsyncer {
    /// Spawns the thread.
    pub fn spawn() -> std::io::Result<Fsyncer> {
        let (sender, receiver) = mpsc::channel::<Request>();
        let shared = Arc::new(Shared::default());
        let exit_on_error = Arc::new(AtomicBool::new(false));
        let (thread_shared, thread_exit) = (shared.clone(), exit_on_error.clone());
        std::thread::Builder::new()
            .name("rds-aof-fsync".to_string())
            .spawn(move || run(receiver, thread_shared, thread_exit))?;
        Ok(Fsyncer { sender, shared, exit_on_error })
    }

    /// With `appendfsync always` a failed fsync stops the server (acknowledged writes must be durable).
    pub fn set_exit_on_error(&self, exit: bool) {
        self.exit_on_error.store(exit, Ordering::Release);
    }

    /// True while an fsync runs (`aof_pending_bio_fsync`).
    pub fn busy(&self) -> bool {
        self.shared.busy.load(Ordering::Acquire)
    }

    /// Asks for an fsync of `file` covering bytes up to `upto`.
    pub fn request(&self, file: &Arc<File>, upto: u64) -> bool {
        self.sender.send(Request { file: file.clone(), upto }).is_ok()
    }

    /// Records that bytes up to `upto` are durable (fsynced by the caller).
    pub fn mark_synced(&self, upto: u64) {
        self.shared.advance(upto);
    }

    /// True when bytes up to `upto` are durable.
    pub fn is_synced(&self, upto: u64) -> bool {
        self.shared.synced.load(Ordering::Acquire) >= upto
    }

    /// A barrier a connection waits on before replying to a batch that wrote up to `upto`.
    pub fn barrier(&self, upto: u64) -> Barrier {
        Barrier { target: upto, shared: self.shared.clone() }
    }

    /// The error of the last background fsync, if it failed.
    pub fn error(&self) -> Option<String> {
        self.shared.error.lock().ok().and_then(|e| e.clone())
    }
}

impl Drop for Fsyncer {
    fn drop(&mut self) {
        // The AOF is off or closed: nobody must wait for an fsync that will not come.
        self.shared.advance(u64::MAX);
    }
}
