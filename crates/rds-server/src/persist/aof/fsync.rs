//! The background fsync of `appendfsync everysec`: a thread that fsyncs the incr file when asked, so
//! the server lock is never held across a slow disk flush.

use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

/// Shared between the server and the fsync thread.
#[derive(Debug, Default)]
struct Shared {
    busy: AtomicBool,
    error: Mutex<Option<String>>,
}

/// Handle of the fsync thread (stops when dropped).
#[derive(Debug)]
pub struct Fsyncer {
    sender: Sender<File>,
    shared: Arc<Shared>,
}

impl Fsyncer {
    /// Spawns the thread.
    pub fn spawn() -> std::io::Result<Fsyncer> {
        let (sender, receiver) = mpsc::channel::<File>();
        let shared = Arc::new(Shared::default());
        let thread_shared = shared.clone();
        std::thread::Builder::new().name("rds-aof-fsync".to_string()).spawn(move || {
            while let Ok(file) = receiver.recv() {
                let result = file.sync_data();
                if let Ok(mut error) = thread_shared.error.lock() {
                    *error = result.err().map(|e| super::strerror(&e));
                }
                thread_shared.busy.store(false, Ordering::Release);
            }
        })?;
        Ok(Fsyncer { sender, shared })
    }

    /// True while an fsync runs (`aof_pending_bio_fsync`).
    pub fn busy(&self) -> bool {
        self.shared.busy.load(Ordering::Acquire)
    }

    /// Asks for an fsync of `file` (a duplicate handle of the incr file); false when one is running.
    pub fn request(&self, file: &File) -> bool {
        if self.busy() {
            return false;
        }
        let Ok(handle) = file.try_clone() else { return false };
        self.shared.busy.store(true, Ordering::Release);
        if self.sender.send(handle).is_err() {
            self.shared.busy.store(false, Ordering::Release);
            return false;
        }
        true
    }

    /// The error of the last background fsync, if it failed.
    pub fn error(&self) -> Option<String> {
        self.shared.error.lock().ok().and_then(|e| e.clone())
    }
}
