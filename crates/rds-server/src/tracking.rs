//! Client-side caching (CLIENT TRACKING) with Redis 7.0's semantics.
//!
//! In the default mode the server remembers which clients read which keys (the tracking table, key
//! to client ids) and sends each of them one invalidation when the key changes, forgetting the key
//! until it is read again. In broadcasting mode (BCAST) clients name key prefixes instead: changed
//! keys are collected per prefix and sent together at the end of the batch, as Redis does in
//! `beforeSleep`. An invalidation reaches a RESP3 client as a `invalidate` push; with REDIRECT it
//! goes to another connection instead, as a push or, to a RESP2 connection subscribed to
//! `__redis__:invalidate`, as a pub/sub message. The client running a command gets its own
//! invalidations after the command's reply (after EXEC's for a transaction).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::{Bytes, BytesMut};
use rds_resp::{Protocol, ReplyBuf};
use rds_storage::cstr::c_str_lossy;

use crate::client::{ClientKind, ClientRecord, ClientRegistry};

/// The channel a RESP2 redirect target receives invalidations on.
pub const INVALIDATE_CHANNEL: &[u8] = b"__redis__:invalidate";

/// One client's tracking mode, from CLIENT TRACKING ON and CLIENT CACHING.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTracking {
    /// Client id invalidations are sent to instead (0: this client).
    pub redirect: u64,
    /// BCAST: prefixes instead of the keys read.
    pub bcast: bool,
    /// OPTIN: only reads right after CLIENT CACHING YES are tracked.
    pub optin: bool,
    /// OPTOUT: reads right after CLIENT CACHING NO are not tracked.
    pub optout: bool,
    /// NOLOOP: no invalidations for the client's own writes.
    pub noloop: bool,
    /// CLIENT CACHING was given for the next command.
    pub caching: bool,
    /// The redirect target has gone away.
    pub broken_redirect: bool,
    /// BCAST prefixes, in order.
    pub prefixes: BTreeSet<Bytes>,
}

/// The options of a CLIENT TRACKING ON call.
#[derive(Debug, Clone, Default)]
pub struct TrackingOptions {
    /// REDIRECT id (0: none).
    pub redirect: u64,
    /// BCAST.
    pub bcast: bool,
    /// OPTIN.
    pub optin: bool,
    /// OPTOUT.
    pub optout: bool,
    /// NOLOOP.
    pub noloop: bool,
    /// PREFIX arguments, in order.
    pub prefixes: Vec<Bytes>,
}

/// The clients broadcasting on one prefix, and the keys under it changed since the last broadcast
/// (with the client that changed each last, 0 for none, for NOLOOP).
#[derive(Debug, Default)]
struct Prefix {
    clients: BTreeSet<u64>,
    keys: BTreeMap<Bytes, u64>,
}

/// What an invalidation message carries.
enum Payload<'a> {
    /// One key.
    Key(&'a [u8]),
    /// Several keys (a broadcast).
    Keys(Vec<&'a [u8]>),
    /// Everything: the dataset was flushed.
    Flush,
}

/// Which client's request is being processed, saved by [`Tracking::enter`].
#[derive(Debug, Clone, Copy)]
pub struct Running {
    client: u64,
    executing: bool,
}

/// The tracking table, the broadcast prefixes and the invalidations waiting for the current reply.
#[derive(Debug, Default)]
pub struct Tracking {
    table: HashMap<Bytes, Vec<u64>>,
    /// Sum of the tracking table's client lists (INFO `tracking_total_items`).
    items: usize,
    prefixes: BTreeMap<Bytes, Prefix>,
    /// Clients in tracking mode (INFO `tracking_clients`).
    clients: usize,
    /// The client whose request is being processed, 0 when none.
    current: u64,
    /// Its command is running (not yet in the checks before it, nor serving blocked clients after):
    /// its own invalidations then wait for its reply.
    executing: bool,
    /// Its own invalidations, sent after its reply: a key, or `None` for a flush.
    pending: Vec<Option<Bytes>>,
    /// Messages for the current client, encoded, appended to its reply by the dispatcher.
    current_output: BytesMut,
    /// Consecutive runs that could not bring the table under `tracking-table-max-keys`.
    over_limit_runs: usize,
}

impl Tracking {
    /// True when a write has to be looked at: keys are tracked or prefixes broadcast.
    pub fn is_active(&self) -> bool {
        !self.table.is_empty() || !self.prefixes.is_empty()
    }

    /// Clients in tracking mode.
    pub fn client_count(&self) -> usize {
        self.clients
    }

    /// Keys in the tracking table.
    pub fn key_count(&self) -> usize {
        self.table.len()
    }

    /// Client entries in the tracking table.
    pub fn item_count(&self) -> usize {
        self.items
    }

    /// Prefixes clients broadcast on.
    pub fn prefix_count(&self) -> usize {
        self.prefixes.len()
    }

    /// Starts processing a request of client `id`; returns what to [`Tracking::leave`] with.
    pub fn enter(&mut self, id: u64) -> Running {
        let outer = Running { client: self.current, executing: self.executing };
        self.current = id;
        self.executing = false;
        outer
    }

    /// Marks the current client's command as running, or done.
    pub fn set_executing(&mut self, executing: bool) {
        self.executing = executing;
    }

    /// Ends the processing started by [`Tracking::enter`].
    pub fn leave(&mut self, outer: Running) {
        self.current = outer.client;
        self.executing = outer.executing;
    }

    /// The prefix among `prefixes` or the client's own that overlaps another, as Redis's error text.
    pub fn prefix_collision(existing: &BTreeSet<Bytes>, prefixes: &[Bytes]) -> Option<String> {
        let overlaps = |a: &[u8], b: &[u8]| {
            let len = a.len().min(b.len());
            a[..len] == b[..len]
        };
        for (i, prefix) in prefixes.iter().enumerate() {
            if let Some(other) = existing.iter().find(|other| overlaps(other, prefix)) {
                return Some(format!(
                    "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    c_str_lossy(prefix),
                    c_str_lossy(other)
                ));
            }
            if let Some(other) = prefixes[i + 1..].iter().find(|other| overlaps(prefix, other)) {
                return Some(format!(
                    "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                    c_str_lossy(prefix),
                    c_str_lossy(other)
                ));
            }
        }
        None
    }

    /// Turns tracking on for `record` (or changes its options: prefixes add up, as in Redis).
    pub fn enable(&mut self, record: &mut ClientRecord, options: TrackingOptions) {
        let state = record.tracking.get_or_insert_with(|| {
            self.clients += 1;
            ClientTracking::default()
        });
        state.redirect = options.redirect;
        state.broken_redirect = false;
        state.bcast = options.bcast;
        state.optin = options.optin;
        state.optout = options.optout;
        state.noloop = options.noloop;
        if options.bcast {
            let prefixes = if options.prefixes.is_empty() { vec![Bytes::new()] } else { options.prefixes };
            for prefix in prefixes {
                self.prefixes.entry(prefix.clone()).or_default().clients.insert(record.id);
                state.prefixes.insert(prefix);
            }
        }
    }

    /// Turns tracking off for `record`. Its entries in the tracking table stay until the keys change,
    /// as in Redis (a client that is not tracking anymore is skipped then).
    pub fn disable(&mut self, record: &mut ClientRecord) {
        let Some(state) = record.tracking.take() else { return };
        self.clients -= 1;
        for prefix in &state.prefixes {
            if let Some(entry) = self.prefixes.get_mut(prefix) {
                entry.clients.remove(&record.id);
                if entry.clients.is_empty() {
                    self.prefixes.remove(prefix);
                }
            }
        }
    }

    /// Remembers that client `id` read `keys` (after a read-only command), unless its OPTIN/OPTOUT
    /// mode says this command's reads are not to be cached.
    pub fn remember<'a>(&mut self, record: &ClientRecord, keys: impl Iterator<Item = &'a Bytes>) {
        let Some(state) = &record.tracking else { return };
        if state.bcast || (state.optin && !state.caching) || (state.optout && state.caching) {
            return;
        }
        for key in keys {
            let ids = self.table.entry(key.clone()).or_default();
            if !ids.contains(&record.id) {
                ids.push(record.id);
                self.items += 1;
            }
        }
    }

    /// A key changed: collects it for the prefixes it falls under (`broadcast`), and sends the
    /// clients that read it their invalidation (Redis's `trackingInvalidateKey`). `by_client` is
    /// false for expiry and eviction: then no client changed the key and NOLOOP filters nothing out
    /// of broadcasts.
    pub fn invalidate(&mut self, clients: &mut ClientRegistry, key: &[u8], broadcast: bool, by_client: bool) {
        if broadcast {
            let changed_by = if by_client { self.current } else { 0 };
            for (prefix, entry) in &mut self.prefixes {
                if key.starts_with(prefix) {
                    entry.keys.insert(Bytes::copy_from_slice(key), changed_by);
                }
            }
        }
        let Some(ids) = self.table.remove(key) else { return };
        self.items -= ids.len();
        for id in ids {
            let Some(state) = clients.get(id).and_then(|record| record.tracking.as_ref()) else { continue };
            if state.bcast || (state.noloop && id == self.current) {
                continue;
            }
            if id == self.current && self.executing {
                self.pending.push(Some(Bytes::copy_from_slice(key)));
            } else {
                self.send(clients, id, &Payload::Key(key));
            }
        }
    }

    /// FLUSHDB / FLUSHALL: every tracking client is told everything is invalid, and the table is
    /// emptied (Redis's `trackingInvalidateKeysOnFlush`).
    pub fn invalidate_all(&mut self, clients: &mut ClientRegistry) {
        if self.clients > 0 {
            let ids: Vec<u64> =
                clients.iter().filter(|record| record.tracking.is_some()).map(|record| record.id).collect();
            for id in ids {
                if id == self.current && self.executing {
                    self.pending.push(None);
                } else {
                    self.send(clients, id, &Payload::Flush);
                }
            }
        }
        self.table.clear();
        self.items = 0;
    }

    /// Sends the current client the invalidations its own command caused (they follow its reply),
    /// and returns every message meant for it so far.
    pub fn take_current_output(&mut self, clients: &mut ClientRegistry) -> Option<BytesMut> {
        if !self.pending.is_empty() && self.current != 0 {
            let id = self.current;
            for entry in std::mem::take(&mut self.pending) {
                match entry {
                    Some(key) => self.send(clients, id, &Payload::Key(&key)),
                    None => self.send(clients, id, &Payload::Flush),
                }
            }
        }
        self.pending.clear();
        (!self.current_output.is_empty()).then(|| self.current_output.split())
    }

    /// Sends the keys changed under each prefix to the clients broadcasting on it (Redis's
    /// `trackingBroadcastInvalidationMessages`).
    pub fn broadcast(&mut self, clients: &mut ClientRegistry) {
        if self.prefixes.values().all(|entry| entry.keys.is_empty()) {
            return;
        }
        let prefixes = std::mem::take(&mut self.prefixes);
        for entry in prefixes.values() {
            if entry.keys.is_empty() {
                continue;
            }
            for &id in &entry.clients {
                let noloop =
                    clients.get(id).and_then(|record| record.tracking.as_ref()).is_some_and(|state| state.noloop);
                let keys: Vec<&[u8]> = entry
                    .keys
                    .iter()
                    .filter(|(_, &changed_by)| !(noloop && changed_by == id))
                    .map(|(key, _)| key.as_ref())
                    .collect();
                if !keys.is_empty() {
                    self.send(clients, id, &Payload::Keys(keys));
                }
            }
        }
        self.prefixes = prefixes;
        for entry in self.prefixes.values_mut() {
            entry.keys.clear();
        }
    }

    /// Keeps the tracking table within `tracking-table-max-keys` (0: no limit) by invalidating keys,
    /// with an effort that grows while it stays over (Redis's `trackingLimitUsedSlots`).
    pub fn enforce_limit(&mut self, clients: &mut ClientRegistry, max_keys: usize) {
        if max_keys == 0 || self.table.len() <= max_keys {
            self.over_limit_runs = 0;
            return;
        }
        // Victims in the table's own (randomly seeded) order, collected in one pass: Redis walks
        // its radix tree at random.
        let effort = 100 * (self.over_limit_runs + 1);
        let excess = self.table.len() - max_keys;
        let victims: Vec<Bytes> = self.table.keys().take(effort.min(excess)).cloned().collect();
        for key in victims {
            self.invalidate(clients, &key, false, false);
        }
        if self.table.len() <= max_keys {
            self.over_limit_runs = 0;
        } else {
            self.over_limit_runs += 1;
        }
    }

    /// Delivers one invalidation for tracking client `id` (Redis's `sendTrackingMessage`).
    fn send(&mut self, clients: &mut ClientRegistry, id: u64, payload: &Payload<'_>) {
        let Some(record) = clients.get_mut(id) else { return };
        let tracker_protocol = record.protocol;
        let Some(state) = record.tracking.as_mut() else { return };
        let mut target = id;
        if state.redirect != 0 {
            let redirect = state.redirect;
            if clients.get(redirect).is_none() {
                if let Some(state) = clients.get_mut(id).and_then(|record| record.tracking.as_mut()) {
                    state.broken_redirect = true;
                }
                if tracker_protocol == Protocol::Resp3 {
                    self.deliver(clients, id, |out| {
                        out.push(2);
                        out.bulk(b"tracking-redir-broken");
                        out.int(i64::try_from(redirect).unwrap_or(i64::MAX));
                    });
                }
                return;
            }
            target = redirect;
        }
        let Some(target_record) = clients.get(target) else { return };
        let as_message = if target_record.protocol == Protocol::Resp3 {
            false
        } else if target != id && target_record.kind == ClientKind::PubSub {
            true
        } else {
            // RESP2 has no pushes: nothing can be sent on the client's own connection.
            return;
        };
        self.deliver(clients, target, |out| {
            if as_message {
                out.array(3);
                out.bulk(b"message");
                out.bulk(INVALIDATE_CHANNEL);
            } else {
                out.push(2);
                out.bulk(b"invalidate");
            }
            match payload {
                Payload::Key(key) => {
                    out.array(1);
                    out.bulk(key);
                }
                Payload::Keys(keys) => {
                    out.array(keys.len());
                    for key in keys {
                        out.bulk(key);
                    }
                }
                // The null of the tracking client's protocol, whoever receives it (as Redis).
                Payload::Flush => out.raw(if tracker_protocol == Protocol::Resp3 { b"_\r\n" } else { b"$-1\r\n" }),
            }
        });
    }

    /// Encodes a message in `id`'s protocol and queues it: for the current client into the output
    /// the dispatcher adds to its reply (before the command's reply when the command has not started,
    /// after it otherwise), for others into their outbox.
    fn deliver(&mut self, clients: &mut ClientRegistry, id: u64, encode: impl FnOnce(&mut ReplyBuf)) {
        let Some(record) = clients.get_mut(id) else { return };
        let mut out = record.push_buffer();
        encode(&mut out);
        if id == self.current {
            self.current_output.extend_from_slice(&out.buf);
        } else {
            record.push(&out.buf);
        }
    }
}

#[cfg(test)]
mod tests;
