//! [`Ctx`]: what a command handler sees — the locked server state, its own session, its arguments —
//! and the helpers handlers share (typed lookups, argument parsing, effects).

use bytes::Bytes;
use rds_commands::CommandSpec;
use rds_resp::ReplyBuf;
use rds_storage::num::{parse_f64, parse_i64};
use rds_storage::{Db, Value};

use crate::client::Session;
use crate::error::CommandError;
use crate::state::ServerState;

/// The execution context of one command.
pub struct Ctx<'a> {
    /// The locked server state.
    pub server: &'a mut ServerState,
    /// The calling connection's session (reply buffer, selected db, auth).
    pub session: &'a mut Session,
    /// Arguments, command name first.
    pub argv: &'a [Bytes],
    /// The command's table entry.
    pub spec: &'static CommandSpec,
    /// Wall-clock time at the start of the command, ms since the epoch.
    pub now_ms: u64,
    /// Number of changes made to the dataset by this command (adds to `dirty`).
    pub changes: u64,
    /// Effects to propagate instead of `argv`, when the handler rewrote them.
    pub effects: Option<Vec<Vec<Bytes>>>,
    /// Argument positions of the keys the command modified, when the handler names them (Redis's
    /// `signalModifiedKey`); `None` stands for every key the key specs mark as written.
    pub modified: Option<Vec<usize>>,
}

impl<'a> Ctx<'a> {
    /// A context for running `spec`'s handler on `argv`, nothing changed yet.
    pub fn new(
        server: &'a mut ServerState,
        session: &'a mut Session,
        argv: &'a [Bytes],
        spec: &'static CommandSpec,
        now_ms: u64,
    ) -> Self {
        Ctx { server, session, argv, spec, now_ms, changes: 0, effects: None, modified: None }
    }

    /// The reply buffer.
    pub fn out(&mut self) -> &mut ReplyBuf {
        &mut self.session.reply
    }

    /// Argument `index` (0 is the command name); handlers only index within the checked arity.
    pub fn arg(&self, index: usize) -> &'a [u8] {
        self.argv.get(index).map_or(&[], |b| b.as_ref())
    }

    /// Number of arguments, the command name included.
    pub fn argc(&self) -> usize {
        self.argv.len()
    }

    /// True when argument `index` equals `word`, ASCII case-insensitively.
    pub fn arg_is(&self, index: usize, word: &str) -> bool {
        self.arg(index).eq_ignore_ascii_case(word.as_bytes())
    }

    /// Argument `index` as a 64-bit integer, or `ERR value is not an integer or out of range`.
    pub fn int_arg(&self, index: usize) -> Result<i64, CommandError> {
        parse_i64(self.arg(index)).ok_or(CommandError::NotInteger)
    }

    /// Argument `index` as a double, or `ERR value is not a valid float`.
    pub fn float_arg(&self, index: usize) -> Result<f64, CommandError> {
        parse_f64(self.arg(index)).ok_or(CommandError::NotFloat)
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        let index = self.session.db;
        &mut self.server.keyspace.dbs[index]
    }

    /// The selected database and the reply buffer at once.
    pub fn db_and_out(&mut self) -> (&mut Db, &mut ReplyBuf) {
        let index = self.session.db;
        (&mut self.server.keyspace.dbs[index], &mut self.session.reply)
    }

    /// Looks `key` up for reading: applies lazy expiry, updates the access clock and hit/miss stats.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Value> {
        self.notify_if_miss(key);
        let mode = self.server.expiry_mode;
        let now = self.now_ms;
        let policy = self.server.settings.access;
        let index = self.session.db;
        let db = &mut self.server.keyspace.dbs[index];
        match db.get_entry_for_read(key, now, mode) {
            Some(entry) => {
                entry.access = policy.touched(entry.access, now);
                self.server.stats.keyspace_hits += 1;
                Some(&entry.value)
            }
            None => {
                self.server.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// Looks `key` up for writing (lazy expiry applied, no hit/miss accounting).
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Value> {
        let mode = self.server.expiry_mode;
        let now = self.now_ms;
        let policy = self.server.settings.access;
        let index = self.session.db;
        let entry = self.server.keyspace.dbs[index].get_entry_mut(key, now, mode)?;
        entry.access = policy.touched(entry.access, now);
        Some(&mut entry.value)
    }

    /// The string at `key` for reading: `Ok(None)` when missing, WRONGTYPE for other types.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<&[u8]>, CommandError> {
        match self.lookup_read(key) {
            None => Ok(None),
            Some(value) => value.as_string().map(Some).ok_or(CommandError::WrongType),
        }
    }

    /// Stores `value` at `key`, clearing any TTL.
    pub fn set_value(&mut self, key: &[u8], value: Value) {
        let access = self.server.settings.access.created(self.now_ms);
        if self.db().set(key, value, access).is_none() {
            self.notify(crate::notify::NEW, "new", key);
        }
    }

    /// Stores `value` at `key`, keeping its TTL.
    pub fn set_value_keep_ttl(&mut self, key: &[u8], value: Value) {
        let access = self.server.settings.access.created(self.now_ms);
        if self.db().set_keep_ttl(key, value, access).is_none() {
            self.notify(crate::notify::NEW, "new", key);
        }
    }

    /// Publishes a `keymiss` notification when a read is about to miss `key` and the `m` class is on
    /// (checked before the lookup so the fast path pays nothing when it is off).
    fn notify_if_miss(&mut self, key: &[u8]) {
        if self.server.settings.notify_flags & crate::notify::KEY_MISS == 0 {
            return;
        }
        let (mode, now, db) = (self.server.expiry_mode, self.now_ms, self.session.db);
        if !self.server.keyspace.dbs[db].contains(key, now, mode) {
            self.notify(crate::notify::KEY_MISS, "keymiss", key);
        }
    }

    /// Records `n` changes to the dataset (drives `dirty` and propagation).
    pub fn changed(&mut self, n: u64) {
        self.changes += n;
    }

    /// Names the key at argument `index` as modified, for WATCH and blocked clients. A command whose
    /// written keys are not all modified on every change (DEL of keys partly missing, SMOVE into a set
    /// already holding the member, a pop from the first non-empty of several keys) names the ones it
    /// changed; the others leave the default, every written key.
    pub fn modified_key(&mut self, index: usize) {
        self.modified.get_or_insert_with(Vec::new).push(index);
    }

    /// Propagates `argv` as this command's effect instead of the original arguments (may be called
    /// several times for several effects).
    pub fn propagate(&mut self, argv: Vec<Bytes>) {
        self.effects.get_or_insert_with(Vec::new).push(argv);
    }

    /// Propagates nothing for this command even though it changed the dataset.
    pub fn propagate_nothing(&mut self) {
        self.effects.get_or_insert_with(Vec::new);
    }
}

/// Builds an argv from byte-like items.
pub fn argv<const N: usize>(items: [&[u8]; N]) -> Vec<Bytes> {
    items.iter().map(|item| Bytes::copy_from_slice(item)).collect()
}

impl Ctx<'_> {
    /// Like [`Ctx::lookup_read`], also lending the reply buffer, so a found value can be written into
    /// the reply without copying it first (GET, MGET).
    pub fn lookup_read_with_out(&mut self, key: &[u8]) -> (Option<&Value>, &mut ReplyBuf) {
        self.notify_if_miss(key);
        let mode = self.server.expiry_mode;
        let now = self.now_ms;
        let policy = self.server.settings.access;
        let server = &mut *self.server;
        let reply = &mut self.session.reply;
        let value = match server.keyspace.dbs[self.session.db].get_entry_for_read(key, now, mode) {
            Some(entry) => {
                entry.access = policy.touched(entry.access, now);
                server.stats.keyspace_hits += 1;
                Some(&entry.value)
            }
            None => {
                server.stats.keyspace_misses += 1;
                None
            }
        };
        (value, reply)
    }
}

impl Ctx<'_> {
    /// Blocks the client until one of `keys` changes or `deadline_ms` passes; inside EXEC replies the
    /// timeout reply at once instead, as Redis does.
    pub fn block(&mut self, keys: Vec<Bytes>, deadline_ms: Option<u64>, timeout_reply: crate::blocking::TimeoutReply) {
        if self.session.deny_blocking {
            timeout_reply.write(&mut self.session.reply);
            return;
        }
        self.session.block = Some(crate::blocking::BlockRequest { keys, deadline_ms, timeout_reply });
    }

    /// Records that a write changed `key` in the selected database (WATCH, blocked clients).
    pub fn touch(&mut self, key: &[u8]) {
        let db = self.session.db;
        self.server.key_touched(db, key);
    }
}

impl Ctx<'_> {
    /// Publishes a keyspace notification of `class` (see [`crate::notify`]) for `key` in the selected
    /// database, when `notify-keyspace-events` enables it.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.server.settings.notify_flags == 0 {
            return;
        }
        let db = self.session.db;
        crate::notify::notify(self.server, self.session, class, event, key, db);
    }
}
