//! [`SnapshotJob`]: a point-in-time snapshot of every database, streamed to any `Write` by a writer
//! thread while clients keep being served.
//!
//! `start` (under the server lock) begins a copy-on-write walk of each non-empty database
//! (`rds_storage::Db::begin_snapshot`) and spawns a writer thread. `step` (under the lock, called every
//! step by the persistence task with a time budget of at most 1 ms) walks a few hundred keys, drains the
//! pre-images of keys written meanwhile (`Db::snapshot_preimages`) and hands them to the writer through
//! a bounded channel: when the writer falls behind the walk simply pauses, so memory stays bounded by
//! the channel plus the pre-images. The writer encodes entries (an RDB with `rds_rdb::Encoder`, or AOF
//! commands for an AOF base without RDB preamble), then calls the caller's `finish` with the writer
//! (fsync + rename for a file, nothing for a socket). Its result comes back through a channel that
//! `step` polls. BGSAVE, BGREWRITEAOF and full resynchronisation of replicas all use this one engine.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rds_rdb::{AuxFields, EncodeOptions};
use rds_storage::snapshot::SnapshotEntry;
use rds_storage::Keyspace;

use crate::state::AccessPolicy;

/// Keys walked per `snapshot_step` call between time checks.
const WALK_CHUNK: usize = 128;
/// Entries per message to the writer.
const BATCH_ENTRIES: usize = 512;
/// Messages the channel holds before the walk pauses.
const CHANNEL_BATCHES: usize = 16;

/// How the snapshot is written.
#[derive(Debug, Clone)]
pub enum SnapshotFormat {
    /// An RDB file / payload with these aux fields and options.
    Rdb {
        /// `rdbcompression` / `rdbchecksum`.
        options: EncodeOptions,
        /// Aux fields (the caller supplies `repl-id`/`repl-offset` and `aof-base`).
        aux: AuxFields,
    },
    /// RESP commands recreating the dataset (an AOF base with `aof-use-rdb-preamble no`), after a
    /// `#TS:<unix>` annotation when given (`aof-timestamp-enabled`).
    Commands {
        /// The annotation's time, unix seconds.
        timestamp: Option<u64>,
    },
}

/// Which access metadata is saved with each key (IDLE with an LRU policy, FREQ with an LFU policy).
#[derive(Debug, Clone, Copy)]
pub enum AccessSave {
    /// Nothing.
    None,
    /// LRU idle seconds relative to this time (ms).
    Lru(u64),
    /// The LFU counter after decay at this time (ms).
    Lfu(AccessPolicy, u64),
}

/// Sizing hint of one database, written as RESIZEDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbHint {
    /// Database number.
    pub db: usize,
    /// Keys when the snapshot began.
    pub keys: u64,
    /// Keys with a TTL when the snapshot began.
    pub expires: u64,
}

/// What a finished snapshot wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Keys written.
    pub keys: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// The outcome of a snapshot: its stats, or why it failed (already logged by nobody: the owner logs).
pub type SnapshotResult = Result<SnapshotStats, String>;

/// Where a job stands after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Still walking or writing.
    Running,
    /// Done; the writer reported this.
    Finished(SnapshotResult),
}

/// A message to the writer thread.
enum Message {
    Entries(Vec<SnapshotEntry>),
    Finish,
}

/// Called by the writer thread when the stream ends: with the writer after a complete stream (to
/// fsync and rename a file, or flush a socket), or with the error that stopped it (to remove a
/// temporary file). Its own error fails the job.
pub type FinishFn<W> = Box<dyn FnOnce(Result<W, String>) -> Result<(), String> + Send>;

/// A point-in-time snapshot in progress; see the module docs.
pub struct SnapshotJob {
    sender: Option<SyncSender<Message>>,
    pending: Option<Message>,
    done: Receiver<SnapshotResult>,
    thread: Option<JoinHandle<()>>,
    walk_done: bool,
    finish_sent: bool,
    outcome: Option<SnapshotResult>,
    started: Instant,
    keys_total: u64,
    keys_sent: u64,
}

impl SnapshotJob {
    /// Begins a snapshot of every non-empty database of `keyspace` (under the server lock) and spawns
    /// the writer thread, which streams it to `writer` and then calls `finish`.
    pub fn start<W: Write + Send + 'static>(
        keyspace: &mut Keyspace,
        format: SnapshotFormat,
        access: AccessSave,
        writer: W,
        finish: FinishFn<W>,
    ) -> std::io::Result<Self> {
        let mut hints = Vec::new();
        for (index, db) in keyspace.dbs.iter_mut().enumerate() {
            // Leftovers of an abandoned snapshot must never reach this one.
            db.snapshot_preimages.clear();
            if !db.is_empty() {
                hints.push(DbHint { db: index, keys: db.len() as u64, expires: db.expires_len() as u64 });
            }
        }
        let (sender, receiver) = mpsc::sync_channel(CHANNEL_BATCHES);
        let (done_tx, done) = mpsc::channel();
        let thread_hints = hints.clone();
        let thread = std::thread::Builder::new().name("rds-snapshot".to_string()).spawn(move || {
            let result =
                crate::persist::writer::run(receiver_iter(receiver), format, access, &thread_hints, writer, finish);
            let _ = done_tx.send(result);
        })?;
        for hint in &hints {
            keyspace.dbs[hint.db].begin_snapshot(hint.db);
        }
        let keys_total = hints.iter().map(|h| h.keys).sum();
        Ok(SnapshotJob {
            sender: Some(sender),
            pending: None,
            done,
            thread: Some(thread),
            walk_done: false,
            finish_sent: false,
            outcome: None,
            started: Instant::now(),
            keys_total,
            keys_sent: 0,
        })
    }

    /// Keys in the databases when the snapshot began (`current_save_keys_total`).
    pub fn keys_total(&self) -> u64 {
        self.keys_total
    }

    /// Keys handed to the writer so far (`current_save_keys_processed`).
    pub fn keys_processed(&self) -> u64 {
        self.keys_sent
    }

    /// When the snapshot began.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// True when the next step cannot walk: the writer has a full channel to work through, or the walk
    /// is over and only the writer's result is awaited. Stepping again right away would only spin.
    pub fn waits_for_writer(&self) -> bool {
        self.pending.is_some() || self.finish_sent || self.sender.is_none()
    }

    /// Walks the snapshot forward for about `budget` (under the server lock) and reports progress.
    pub fn step(&mut self, keyspace: &mut Keyspace, budget: Duration) -> Progress {
        if self.outcome.is_none() && self.deliver_pending() {
            if !self.walk_done {
                self.walk(keyspace, budget);
            } else if !self.finish_sent {
                // Sent, or queued in `pending` when the channel is full.
                self.send(Message::Finish);
                self.finish_sent = true;
            }
        }
        let progress = self.poll();
        if matches!(progress, Progress::Finished(_)) {
            // A writer that failed early leaves walks behind: end them so writes stop copying.
            end_walks(keyspace);
        }
        progress
    }

    /// Sends the batch the channel had no room for; false when it still has none.
    fn deliver_pending(&mut self) -> bool {
        match self.pending.take() {
            Some(message) => self.send(message),
            None => true,
        }
    }

    /// Sends `message` without blocking; keeps it for later when the channel is full.
    fn send(&mut self, message: Message) -> bool {
        let Some(sender) = &self.sender else { return false };
        match sender.try_send(message) {
            Ok(()) => true,
            Err(TrySendError::Full(message)) => {
                self.pending = Some(message);
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                // The writer stopped early (an I/O error): its result explains why.
                self.sender = None;
                false
            }
        }
    }

    fn walk(&mut self, keyspace: &mut Keyspace, budget: Duration) {
        let started = Instant::now();
        let mut batch = Vec::with_capacity(BATCH_ENTRIES);
        loop {
            let Some(db) = keyspace.dbs.iter_mut().find(|db| db.in_snapshot() || !db.snapshot_preimages.is_empty())
            else {
                self.walk_done = true;
                break;
            };
            batch.append(&mut db.snapshot_preimages);
            if db.in_snapshot() {
                db.snapshot_step(WALK_CHUNK, &mut batch);
            }
            if batch.len() >= BATCH_ENTRIES {
                self.keys_sent += batch.len() as u64;
                if !self.send(Message::Entries(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ENTRIES)))) {
                    return;
                }
            }
            if started.elapsed() >= budget {
                break;
            }
        }
        if !batch.is_empty() {
            self.keys_sent += batch.len() as u64;
            if !self.send(Message::Entries(batch)) {
                return;
            }
        }
        if self.walk_done {
            self.send(Message::Finish);
            self.finish_sent = true;
        }
    }

    /// The writer's result, once it has one.
    fn poll(&mut self) -> Progress {
        if self.outcome.is_none() {
            match self.done.try_recv() {
                Ok(result) => self.outcome = Some(result),
                Err(TryRecvError::Empty) => return Progress::Running,
                Err(TryRecvError::Disconnected) => self.outcome = Some(Err("snapshot writer thread died".to_string())),
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
        self.outcome.clone().map_or(Progress::Running, Progress::Finished)
    }

    /// Abandons the snapshot: ends the walk of every database, drops its pre-images and stops the
    /// writer (whose `finish` gets an error, so a temporary file is removed), waiting for it.
    pub fn abort(mut self, keyspace: &mut Keyspace) {
        end_walks(keyspace);
        self.pending = None;
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Runs the job to completion at once (SAVE-like callers, tests), sleeping while the writer catches up.
    pub fn run_to_end(mut self, keyspace: &mut Keyspace) -> SnapshotResult {
        loop {
            if let Progress::Finished(result) = self.step(keyspace, Duration::from_millis(50)) {
                return result;
            }
            if self.pending.is_some() || self.walk_done {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
}

impl Drop for SnapshotJob {
    fn drop(&mut self) {
        // Dropping the sender stops the writer; joining is left to `abort` (which has the keyspace).
        self.sender = None;
    }
}

/// Ends every database's walk and drops pending pre-images.
pub fn end_walks(keyspace: &mut Keyspace) {
    for db in &mut keyspace.dbs {
        if db.in_snapshot() {
            db.end_snapshot();
        }
        db.snapshot_preimages = Vec::new();
    }
}

/// The writer's view of the channel: batches until `Finish`; `None` then means "complete", and a
/// closed channel without `Finish` means "aborted".
pub(crate) struct Batches {
    receiver: Receiver<Message>,
    finished: bool,
}

fn receiver_iter(receiver: Receiver<Message>) -> Batches {
    Batches { receiver, finished: false }
}

impl Batches {
    /// The next batch; `Ok(None)` after `Finish`, `Err` when the job was abandoned.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Vec<SnapshotEntry>>, String> {
        if self.finished {
            return Ok(None);
        }
        match self.receiver.recv() {
            Ok(Message::Entries(entries)) => Ok(Some(entries)),
            Ok(Message::Finish) => {
                self.finished = true;
                Ok(None)
            }
            Err(_) => Err("snapshot aborted".to_string()),
        }
    }
}
