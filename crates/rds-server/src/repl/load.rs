//! Loading the RDB a master sent into a new dataset, off the server lock, then swapping it in.
//!
//! Clients keep reading the old dataset while the new one loads (as with Redis's
//! `repl-diskless-load swapdb`); the swap itself is a pointer exchange under the lock.

use std::io::{BufRead, Read};

use bytes::Bytes;
use rds_rdb::{Decoder, Item, LoadLimits};
use rds_repl::{Backlog, ReplId};
use rds_storage::Keyspace;
use tokio::sync::mpsc;

use crate::state::{AccessPolicy, ServerState};
use crate::watch::presence;

/// Most buckets a RESIZEDB hint may preallocate per table.
const MAX_RESERVE: u64 = 1 << 22;

/// What loading needs from the config.
#[derive(Debug, Clone, Copy)]
pub struct LoadParams {
    /// `databases`.
    pub databases: usize,
    /// `cluster-enabled` (per-slot key counts).
    pub cluster: bool,
    /// Encoding limits of the loaded values.
    pub limits: LoadLimits,
    /// Access metadata of loaded keys.
    pub access: AccessPolicy,
}

impl LoadParams {
    /// The parameters of `state`'s config.
    pub fn of(state: &ServerState) -> Self {
        let settings = &state.settings;
        LoadParams {
            databases: state.keyspace.dbs.len(),
            cluster: state.config.bool("cluster-enabled"),
            limits: LoadLimits {
                list_max_listpack_size: settings.list_max_listpack_size,
                hash: settings.hash_limits,
                set: settings.set_limits,
                zset: settings.zset_limits,
            },
            access: settings.access,
        }
    }
}

/// A loaded dataset and the replication aux fields of its RDB.
pub struct Loaded {
    /// The keys.
    pub keyspace: Keyspace,
    /// `repl-stream-db`.
    pub stream_db: Option<usize>,
    /// `repl-id`.
    pub repl_id: Option<ReplId>,
    /// `repl-offset`.
    pub repl_offset: Option<i64>,
    /// Keys loaded.
    pub keys: u64,
}

/// Reads a whole RDB into a new keyspace. Expired keys are kept: a replica waits for its master's DEL.
pub fn load(reader: impl BufRead + Send, params: LoadParams, now_ms: u64) -> Result<Loaded, String> {
    let mut decoder = Decoder::new(reader, params.limits).map_err(|e| format!("Wrong signature or version: {e}"))?;
    let mut loaded = Loaded {
        keyspace: Keyspace::new(params.databases, params.cluster),
        stream_db: None,
        repl_id: None,
        repl_offset: None,
        keys: 0,
    };
    let access = params.access.created(now_ms);
    let mut current_db = 0;
    let applied = crate::persist::load::read_items(&mut decoder, |items, _| {
        for item in items {
            apply_item(&mut loaded, item, &params, access, &mut current_db)?;
        }
        Ok(())
    });
    applied.map_err(|(_, reason)| reason)?;
    Ok(loaded)
}

/// Adds one decoded item to the dataset being loaded.
fn apply_item(
    loaded: &mut Loaded,
    item: Item,
    params: &LoadParams,
    access: u32,
    current_db: &mut usize,
) -> Result<(), String> {
    match item {
        Item::Aux { key, value } => aux_field(loaded, &key, &value),
        Item::SelectDb(db) if db >= params.databases as u64 => {
            return Err(format!(
                "FATAL: Data file was created with a Redis server configured to handle more than {} databases.",
                params.databases
            ));
        }
        Item::ResizeDb { keys, expires } => {
            // A hint from the wire: bounded, and only for a database still empty.
            if let Some(db) = loaded.keyspace.dbs.get_mut(*current_db).filter(|db| db.is_empty()) {
                let bound = |n: u64| usize::try_from(n.min(MAX_RESERVE)).unwrap_or(0);
                db.reserve(bound(keys), bound(expires));
            }
        }
        Item::SelectDb(db) => *current_db = usize::try_from(db).unwrap_or(usize::MAX),
        Item::Entry(entry) => {
            let Some(db) = usize::try_from(entry.db).ok().and_then(|i| loaded.keyspace.dbs.get_mut(i)) else {
                return Ok(());
            };
            let expire = entry.expire_ms.map(|when| u64::try_from(when).unwrap_or(0));
            match db.insert_loaded(entry.key, entry.value, access, expire) {
                Ok(()) => loaded.keys += 1,
                Err((key, value)) => {
                    // A repeated key: the later one wins.
                    db.set(&key, value, access);
                    if let Some(when) = expire {
                        db.set_expire(&key, when);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field("keys", &self.keys).field("repl_offset", &self.repl_offset).finish()
    }
}

fn aux_field(loaded: &mut Loaded, key: &[u8], value: &[u8]) {
    let text = String::from_utf8_lossy(value);
    match key {
        b"repl-stream-db" => loaded.stream_db = text.parse().ok(),
        b"repl-id" => loaded.repl_id = ReplId::parse(value),
        b"repl-offset" => loaded.repl_offset = text.parse().ok(),
        _ => {}
    }
}

/// `repl-stream-db` of the RDB at `path` (its aux fields come first): the database our master's
/// stream was in when the RDB was saved.
pub fn rdb_stream_db(path: &std::path::Path) -> Option<usize> {
    let file = std::fs::File::open(path).ok()?;
    let mut decoder = Decoder::new(std::io::BufReader::new(file), LoadLimits::default()).ok()?;
    while let Ok(Some(Item::Aux { key, value })) = decoder.next_item() {
        if key == b"repl-stream-db" {
            return String::from_utf8_lossy(&value).parse().ok();
        }
    }
    None
}

/// Swaps the loaded dataset in as our master's, at `offset` of history `replid`: a fresh backlog,
/// watchers invalidated, our own replicas disconnected (their history changed). Returns the old
/// dataset, to be dropped off the lock.
pub fn install(state: &mut ServerState, loaded: Loaded, replid: ReplId, offset: u64) -> Keyspace {
    let old = std::mem::replace(&mut state.keyspace, loaded.keyspace);
    state.tracking.invalidate_all(&mut state.clients);
    if !state.watches.is_empty() {
        let now = crate::state::now_ms();
        for (index, (before, after)) in old.dbs.iter().zip(&state.keyspace.dbs).enumerate() {
            state.watches.replace_db(index, |key| presence(before, key, now), |key| presence(after, key, now));
        }
    }
    state.replica_keys_with_expire.clear();
    super::role::disconnect_replicas(state);
    state.repl.ids.replid = replid;
    state.repl.ids.clear_second();
    state.effects.offset = offset;
    state.repl.backlog = Some(Backlog::new(state.settings.repl.backlog_size, offset));
    state.repl.stream_db = loaded.stream_db.filter(|db| *db < state.keyspace.dbs.len()).unwrap_or(0);
    if let Some(link) = &mut state.repl.link {
        link.read_offset = offset;
    }
    old
}

/// A blocking `Read` over chunks sent from the async side (loading straight from the socket).
pub struct ChannelReader {
    receiver: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChannelReader {
    /// Reads what `receiver` yields until it closes.
    pub fn new(receiver: mpsc::Receiver<Bytes>) -> Self {
        ChannelReader { receiver, current: Bytes::new() }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// The decoder reads the received chunks in place.
impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => break,
            }
        }
        Ok(&self.current)
    }

    fn consume(&mut self, amount: usize) {
        let _ = self.current.split_to(amount.min(self.current.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rds_rdb::{AuxFields, EncodeOptions, Encoder, ReplInfo};
    use rds_storage::Value;

    #[test]
    fn loads_keys_expiries_and_replication_fields() {
        let mut encoder = Encoder::new(Vec::new(), EncodeOptions::default()).unwrap();
        let repl = ReplInfo { stream_db: 3, id: "a".repeat(40), offset: 1000 };
        encoder.aux_fields(&AuxFields { repl: Some(repl), ..AuxFields::default() }).unwrap();
        let value = Value::string(b"v");
        encoder.entries([(0u64, &b"k"[..], &value, None), (2, &b"t"[..], &value, Some(1))]).unwrap();
        let bytes = encoder.finish().unwrap();
        let params = LoadParams {
            databases: 16,
            cluster: false,
            limits: LoadLimits::default(),
            access: AccessPolicy::default(),
        };
        let loaded = load(&bytes[..], params, 5).unwrap();
        assert_eq!(loaded.keys, 2);
        assert_eq!(loaded.stream_db, Some(3));
        assert_eq!(loaded.repl_offset, Some(1000));
        assert_eq!(loaded.repl_id, ReplId::parse("a".repeat(40).as_bytes()));
        assert_eq!(loaded.keyspace.dbs[2].expire_at(b"t"), Some(1));
        assert!(load(&b"REDIS0010\xff"[..], params, 0).is_err());
        let small = LoadParams { databases: 2, ..params };
        assert!(load(&bytes[..], small, 0).unwrap_err().contains("more than 2 databases"));
    }
}
