//! SLOWLOG and LATENCY bookkeeping.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;

/// Arguments kept per slow log entry, and bytes kept per argument (Redis's limits).
const SLOWLOG_MAX_ARGS: usize = 32;
const SLOWLOG_MAX_ARG_LEN: usize = 128;

/// One SLOWLOG GET entry.
#[derive(Debug, Clone)]
pub struct SlowLogEntry {
    /// Unique, increasing id.
    pub id: u64,
    /// Unix time in seconds.
    pub time_secs: u64,
    /// Execution time in µs.
    pub duration_us: u64,
    /// The arguments, trimmed like Redis.
    pub argv: Vec<Bytes>,
    /// Client address.
    pub peer: String,
    /// Client name.
    pub name: String,
}

/// The slow log: newest first.
#[derive(Debug, Default)]
pub struct SlowLog {
    /// Entries, newest at the front.
    pub entries: VecDeque<SlowLogEntry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command that took `duration_us`.
    pub fn record(
        &mut self,
        argv: &[Bytes],
        duration_us: u64,
        time_secs: u64,
        peer: String,
        name: String,
        max_len: usize,
    ) {
        let mut kept: Vec<Bytes> = Vec::new();
        for (i, arg) in argv.iter().enumerate() {
            if i == SLOWLOG_MAX_ARGS - 1 && argv.len() > SLOWLOG_MAX_ARGS {
                let more = argv.len() - i;
                kept.push(Bytes::from(format!("... ({more} more arguments)")));
                break;
            }
            if arg.len() > SLOWLOG_MAX_ARG_LEN {
                let more = arg.len() - SLOWLOG_MAX_ARG_LEN;
                let mut trimmed = arg[..SLOWLOG_MAX_ARG_LEN].to_vec();
                trimmed.extend_from_slice(format!("... ({more} more bytes)").as_bytes());
                kept.push(Bytes::from(trimmed));
            } else {
                kept.push(arg.clone());
            }
        }
        self.entries.push_front(SlowLogEntry { id: self.next_id, time_secs, duration_us, argv: kept, peer, name });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    /// SLOWLOG RESET.
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

/// One latency event's history.
#[derive(Debug, Default, Clone)]
pub struct LatencyEvent {
    /// (unix seconds, max latency ms) samples, at most 160, oldest first.
    pub samples: VecDeque<(u64, u64)>,
    /// Highest latency ever seen, ms.
    pub max_ms: u64,
}

/// The latency monitor: events by name.
#[derive(Debug, Default)]
pub struct LatencyMonitor {
    /// Events by name.
    pub events: BTreeMap<String, LatencyEvent>,
}

impl LatencyMonitor {
    /// Records `latency_ms` for `event` at `time_secs` if it reaches `threshold_ms` (0 disables).
    pub fn record(&mut self, event: &str, latency_ms: u64, time_secs: u64, threshold_ms: u64) {
        if threshold_ms == 0 || latency_ms < threshold_ms {
            return;
        }
        let entry = self.events.entry(event.to_string()).or_default();
        entry.max_ms = entry.max_ms.max(latency_ms);
        match entry.samples.back_mut() {
            Some((time, max)) if *time == time_secs => *max = (*max).max(latency_ms),
            _ => {
                entry.samples.push_back((time_secs, latency_ms));
                if entry.samples.len() > 160 {
                    entry.samples.pop_front();
                }
            }
        }
    }
}
