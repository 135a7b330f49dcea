//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...): FIFO wait lists per key, ready-key
//! signalling, and the timeout replies.
//!
//! A blocked command is retried on the client's behalf right after the command that made one of its
//! keys ready, under the same lock, so one push serves exactly one waiter, in the order they blocked.

use std::collections::{HashMap, HashSet, VecDeque};

use bytes::Bytes;
use rds_resp::{Protocol, ReplyBuf};

use crate::error::CommandError;

/// What a blocked command replies when its timeout expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// A null array (`*-1` / `_`): BLPOP, BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.
    NullArray,
    /// A null bulk (`$-1` / `_`): BLMOVE, BRPOPLPUSH.
    NullBulk,
    /// An integer: WAIT's count of replicas that acknowledged, kept current as acks arrive.
    Integer(i64),
}

impl TimeoutReply {
    /// Writes the reply.
    pub fn write(self, out: &mut ReplyBuf) {
        match self {
            TimeoutReply::NullArray => out.null_array(),
            TimeoutReply::NullBulk => out.null(),
            TimeoutReply::Integer(n) => out.int(n),
        }
    }
}

/// A handler's request to block its client.
#[derive(Debug, Clone)]
pub struct BlockRequest {
    /// Keys whose change may let the command complete.
    pub keys: Vec<Bytes>,
    /// Absolute deadline in ms since the epoch; `None` blocks forever.
    pub deadline_ms: Option<u64>,
    /// Reply on timeout.
    pub timeout_reply: TimeoutReply,
}

/// A client waiting on keys.
#[derive(Debug, Clone)]
pub struct BlockedClient {
    /// The command to retry, as the client sent it.
    pub argv: Vec<Bytes>,
    /// Database the command runs against.
    pub db: usize,
    /// The client's protocol, for the eventual reply.
    pub protocol: Protocol,
    /// What it waits for.
    pub request: BlockRequest,
}

/// Every blocked client and the keys they wait on.
#[derive(Debug, Default)]
pub struct Blocking {
    by_key: HashMap<(usize, Bytes), VecDeque<u64>>,
    clients: HashMap<u64, BlockedClient>,
    ready: Vec<(usize, Bytes)>,
    ready_set: HashSet<(usize, Bytes)>,
    /// The ready key whose waiters are being served: as in Redis, a retried command pops from this key
    /// only, even when an earlier key of its list also has elements now.
    serving: Option<(usize, Bytes)>,
}

impl Blocking {
    /// True when no client is blocked (checked before any per-key work).
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Blocks client `id`.
    pub fn block(&mut self, id: u64, blocked: BlockedClient) {
        for key in &blocked.request.keys {
            let waiters = self.by_key.entry((blocked.db, key.clone())).or_default();
            if !waiters.contains(&id) {
                waiters.push_back(id);
            }
        }
        self.clients.insert(id, blocked);
    }

    /// Unblocks client `id`, removing it from every wait list.
    pub fn unblock(&mut self, id: u64) -> Option<BlockedClient> {
        let blocked = self.clients.remove(&id)?;
        for key in &blocked.request.keys {
            let slot = (blocked.db, key.clone());
            if let Some(waiters) = self.by_key.get_mut(&slot) {
                waiters.retain(|w| *w != id);
                if waiters.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        Some(blocked)
    }

    /// The blocked client `id`.
    pub fn get(&self, id: u64) -> Option<&BlockedClient> {
        self.clients.get(&id)
    }

    /// True when client `id` is blocked.
    pub fn is_blocked(&self, id: u64) -> bool {
        self.clients.contains_key(&id)
    }

    /// Changes what blocked client `id` replies on timeout (WAIT's count grows as acks arrive).
    pub fn set_timeout_reply(&mut self, id: u64, reply: TimeoutReply) {
        if let Some(blocked) = self.clients.get_mut(&id) {
            blocked.request.timeout_reply = reply;
        }
    }

    /// Ids of every blocked client.
    pub fn client_ids(&self) -> Vec<u64> {
        self.clients.keys().copied().collect()
    }

    /// A write touched `key`: if someone waits on it, queue it to be served after the command.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        let slot = (db, Bytes::copy_from_slice(key));
        if self.by_key.contains_key(&slot) && self.ready_set.insert(slot.clone()) {
            self.ready.push(slot);
        }
    }

    /// True when some key is ready to serve waiters.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Takes the ready keys in the order they were signalled.
    pub fn take_ready(&mut self) -> Vec<(usize, Bytes)> {
        self.ready_set.clear();
        std::mem::take(&mut self.ready)
    }

    /// The ready key whose waiters are being served right now, if any.
    pub fn serving(&self) -> Option<&(usize, Bytes)> {
        self.serving.as_ref()
    }

    /// Sets (or clears) the ready key being served.
    pub fn set_serving(&mut self, key: Option<(usize, Bytes)>) {
        self.serving = key;
    }

    /// Clients waiting on `key` of `db`, first blocked first.
    pub fn waiters(&self, db: usize, key: &Bytes) -> Vec<u64> {
        self.by_key.get(&(db, key.clone())).map(|w| w.iter().copied().collect()).unwrap_or_default()
    }
}

/// Parses a blocking timeout in seconds (fractions allowed) into an absolute deadline: `None` for 0.
///
/// As Redis 7.0: milliseconds are the ceiling of `seconds * 1000`, so tiny negative values mean 0
/// (block forever); a value whose milliseconds do not fit a signed 64-bit integer (huge, `inf`) is
/// "negative" because C's conversion yields `LLONG_MIN`; there is no upper bound otherwise.
pub fn parse_timeout(arg: &[u8], now_ms: u64) -> Result<Option<u64>, CommandError> {
    let seconds =
        rds_storage::num::parse_f64(arg).ok_or_else(|| CommandError::err("timeout is not a float or out of range"))?;
    let millis = (seconds * 1000.0).ceil();
    // 2^63: the first value a signed 64-bit integer cannot hold.
    if !(0.0..9_223_372_036_854_775_808.0).contains(&millis) {
        return Err(CommandError::err("timeout is negative"));
    }
    let millis = millis as u64;
    Ok((millis > 0).then(|| now_ms.saturating_add(millis)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(keys: &[&str]) -> BlockedClient {
        BlockedClient {
            argv: vec![],
            db: 0,
            protocol: Protocol::Resp2,
            request: BlockRequest {
                keys: keys.iter().map(|k| Bytes::copy_from_slice(k.as_bytes())).collect(),
                deadline_ms: None,
                timeout_reply: TimeoutReply::NullArray,
            },
        }
    }

    #[test]
    fn waiters_are_fifo_and_unblock_clears_every_list() {
        let mut blocking = Blocking::default();
        blocking.block(1, blocked(&["a", "b"]));
        blocking.block(2, blocked(&["a"]));
        assert_eq!(blocking.waiters(0, &Bytes::from("a")), vec![1, 2]);
        blocking.signal(0, b"a");
        blocking.signal(0, b"a");
        blocking.signal(0, b"zzz");
        assert_eq!(blocking.take_ready(), vec![(0, Bytes::from("a"))]);
        blocking.unblock(1);
        assert_eq!(blocking.waiters(0, &Bytes::from("a")), vec![2]);
        assert!(blocking.waiters(0, &Bytes::from("b")).is_empty());
    }

    #[test]
    fn parses_timeouts_like_redis() {
        assert_eq!(parse_timeout(b"0", 1000).unwrap(), None);
        assert_eq!(parse_timeout(b"0.5", 1000).unwrap(), Some(1500));
        assert_eq!(parse_timeout(b"-1", 0).unwrap_err().to_string(), "ERR timeout is negative");
        assert_eq!(parse_timeout(b"abc", 0).unwrap_err().to_string(), "ERR timeout is not a float or out of range");
        assert_eq!(parse_timeout(b"0.0001", 1000).unwrap(), Some(1001));
        assert_eq!(parse_timeout(b"-0.0001", 1000).unwrap(), None);
        for huge in ["1e16", "inf", "-inf", "9223372036854775807"] {
            assert_eq!(parse_timeout(huge.as_bytes(), 0).unwrap_err().to_string(), "ERR timeout is negative");
        }
        assert_eq!(parse_timeout(b"nan", 0).unwrap_err().to_string(), "ERR timeout is not a float or out of range");
        assert_eq!(parse_timeout(b"1e15", 5).unwrap(), Some(1_000_000_000_000_000_005));
    }
}
