//! The snapshot writer thread's side: encodes the entries a [`super::snapshot::SnapshotJob`] hands
//! over, as an RDB stream or as AOF commands, then calls the job's `finish`.

use std::io::Write;

use rds_rdb::{Encoder, EntryRef};
use rds_storage::snapshot::SnapshotEntry;
use rds_storage::Value;

use crate::persist::snapshot::{AccessSave, Batches, DbHint, FinishFn, SnapshotFormat, SnapshotResult, SnapshotStats};
use crate::propagate::encode_multibulk;
use crate::state::AccessPolicy;

/// Items per command when a collection is rewritten as commands (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
pub const ITEMS_PER_COMMAND: usize = 64;
/// Bytes of encoded commands buffered before a write.
const COMMAND_BUFFER: usize = 64 * 1024;

/// Writes the whole snapshot, then hands the writer (or the error) to `finish`.
pub(crate) fn run<W: Write>(
    mut batches: Batches,
    format: SnapshotFormat,
    access: AccessSave,
    hints: &[DbHint],
    writer: W,
    finish: FinishFn<W>,
) -> SnapshotResult {
    let written = match format {
        SnapshotFormat::Rdb { options, aux } => {
            let mut rdb = RdbStream { access, hints, db: None, keys: 0 };
            rdb.write(&mut batches, options, &aux, writer)
        }
        SnapshotFormat::Commands { timestamp } => write_commands(&mut batches, timestamp, writer),
    };
    match written {
        Ok((writer, stats)) => finish(Ok(writer)).map(|()| stats),
        Err(error) => {
            let _ = finish(Err(error.clone()));
            Err(error)
        }
    }
}

struct RdbStream<'a> {
    access: AccessSave,
    hints: &'a [DbHint],
    db: Option<usize>,
    keys: u64,
}

impl RdbStream<'_> {
    fn write<W: Write>(
        &mut self,
        batches: &mut Batches,
        options: rds_rdb::EncodeOptions,
        aux: &rds_rdb::AuxFields,
        writer: W,
    ) -> Result<(W, SnapshotStats), String> {
        let mut encoder = Encoder::new(writer, options).map_err(|e| e.to_string())?;
        encoder.aux_fields(aux).map_err(|e| e.to_string())?;
        while let Some(batch) = batches.next_batch()? {
            for entry in &batch {
                self.entry(&mut encoder, entry).map_err(|e| e.to_string())?;
            }
        }
        // EOF and the checksum add 9 bytes.
        let bytes = encoder.bytes_written() + 9;
        let writer = encoder.finish().map_err(|e| e.to_string())?;
        Ok((writer, SnapshotStats { keys: self.keys, bytes }))
    }

    fn entry<W: Write>(&mut self, encoder: &mut Encoder<W>, entry: &SnapshotEntry) -> rds_rdb::Result<()> {
        if self.db != Some(entry.db) {
            let hint = self.hints.iter().find(|h| h.db == entry.db);
            let (keys, expires) = hint.map_or((0, 0), |h| (h.keys, h.expires));
            encoder.select_db(entry.db as u64, keys, expires)?;
            self.db = Some(entry.db);
        }
        let (idle_secs, freq) = access_fields(self.access, entry.access);
        let expire_ms = entry.expire_ms.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX));
        self.keys += 1;
        encoder.entry(&EntryRef { key: entry.key.as_slice(), value: &entry.value, expire_ms, idle_secs, freq })
    }
}

/// The IDLE / FREQ fields Redis saves with a key under an LRU / LFU `maxmemory-policy`.
pub fn access_fields(access: AccessSave, stored: u32) -> (Option<u64>, Option<u8>) {
    match access {
        AccessSave::None => (None, None),
        AccessSave::Lru(now_ms) => {
            let clock = AccessPolicy::lru_clock(now_ms);
            // The 24-bit clock wraps: an access "after" now happened one wrap ago.
            let idle = if clock >= stored { clock - stored } else { clock + (1 << 24) - stored };
            (Some(u64::from(idle)), None)
        }
        AccessSave::Lfu(policy, now_ms) => {
            (None, Some(u8::try_from(policy.decayed_counter(stored, now_ms)).unwrap_or(u8::MAX)))
        }
    }
}

/// Writes the snapshot as the commands that recreate it (an AOF base without RDB preamble).
fn write_commands<W: Write>(
    batches: &mut Batches,
    timestamp: Option<u64>,
    mut writer: W,
) -> Result<(W, SnapshotStats), String> {
    let mut out = bytes::BytesMut::with_capacity(COMMAND_BUFFER * 2);
    if let Some(secs) = timestamp {
        out.extend_from_slice(format!("#TS:{secs}\r\n").as_bytes());
    }
    let mut db = None;
    let mut stats = SnapshotStats::default();
    while let Some(batch) = batches.next_batch()? {
        for entry in &batch {
            if db != Some(entry.db) {
                encode_multibulk(&mut out, &[&b"SELECT"[..], entry.db.to_string().as_bytes()]);
                db = Some(entry.db);
            }
            entry_commands(&mut out, entry.key.as_slice(), &entry.value, entry.expire_ms);
            stats.keys += 1;
            if out.len() >= COMMAND_BUFFER {
                writer.write_all(&out).map_err(|e| e.to_string())?;
                stats.bytes += out.len() as u64;
                out.clear();
            }
        }
    }
    writer.write_all(&out).map_err(|e| e.to_string())?;
    stats.bytes += out.len() as u64;
    writer.flush().map_err(|e| e.to_string())?;
    Ok((writer, stats))
}

/// Appends the commands recreating one key, like Redis's `rewriteAppendOnlyFileRio`: SET, or RPUSH /
/// SADD / ZADD / HMSET in batches of 64 items, then PEXPIREAT for a TTL.
pub fn entry_commands(out: &mut bytes::BytesMut, key: &[u8], value: &Value, expire_ms: Option<u64>) {
    match value {
        Value::List(list) => batched(out, b"RPUSH", key, list.iter().map(|item| [item.to_vec()])),
        Value::Set(set) => {
            batched(out, b"SADD", key, set.iter().map(|member| [member.to_compact().as_slice().to_vec()]))
        }
        Value::ZSet(zset) => batched(
            out,
            b"ZADD",
            key,
            zset.iter().map(|(member, score)| [rds_rdb::double::d2string(score).into_bytes(), member.to_vec()]),
        ),
        Value::Hash(hash) => batched(out, b"HMSET", key, hash.iter().map(|(f, v)| [f.to_vec(), v.to_vec()])),
        other => {
            let bytes = other.as_string().unwrap_or_default();
            encode_multibulk(out, &[&b"SET"[..], key, bytes]);
        }
    }
    if let Some(when) = expire_ms {
        encode_multibulk(out, &[&b"PEXPIREAT"[..], key, when.to_string().as_bytes()]);
    }
}

/// Emits `command key items...` with at most [`ITEMS_PER_COMMAND`] items (each `N` arguments) per command.
fn batched<const N: usize>(
    out: &mut bytes::BytesMut,
    command: &[u8],
    key: &[u8],
    items: impl Iterator<Item = [Vec<u8>; N]>,
) {
    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(2 + ITEMS_PER_COMMAND * N);
    let mut count = 0;
    for item in items {
        if count == 0 {
            argv.clear();
            argv.push(command.to_vec());
            argv.push(key.to_vec());
        }
        argv.extend(item);
        count += 1;
        if count == ITEMS_PER_COMMAND {
            encode_multibulk(out, &argv);
            count = 0;
        }
    }
    if count > 0 {
        encode_multibulk(out, &argv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_are_rewritten_in_batches_of_64() {
        let mut list = rds_storage::list::List::default();
        for i in 0..100 {
            list.push(rds_storage::list::End::Tail, i.to_string().as_bytes());
        }
        let mut out = bytes::BytesMut::new();
        entry_commands(&mut out, b"l", &Value::List(Box::new(list)), Some(1234));
        let text = String::from_utf8_lossy(&out).into_owned();
        assert!(text.starts_with("*66\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\n0\r\n"), "{text}");
        assert!(text.contains("*38\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$2\r\n64\r\n"), "{text}");
        assert!(text.ends_with("*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nl\r\n$4\r\n1234\r\n"), "{text}");
    }

    #[test]
    fn lru_idle_time_wraps_with_the_clock() {
        let now_ms = 5_000;
        assert_eq!(access_fields(AccessSave::Lru(now_ms), 2), (Some(3), None));
        assert_eq!(access_fields(AccessSave::Lru(now_ms), (1 << 24) - 1), (Some(6), None));
    }
}
