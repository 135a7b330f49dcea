//! INFO memory. rds has no allocator hook, so `used_memory` is estimated from the sizes of keys and
//! values (sampled on large databases), table overhead and client buffers; `used_memory_rss` is the
//! process's real resident size.

use rds_storage::Db;

use super::{field, read_proc};
use crate::state::ServerState;

/// What an empty rds server is taken to use before any data, for `used_memory_startup`.
const STARTUP_MEMORY: u64 = 1 << 20;
/// Keys whose sizes are measured per database; larger databases are extrapolated from them.
const MEMORY_SAMPLE_KEYS: usize = 4096;
/// Estimated bookkeeping per key (dict entry and pointers) and per TTL.
const PER_KEY_OVERHEAD: u64 = 24;
const PER_TTL_OVERHEAD: u64 = 40;
/// Redis's `bytesToHuman`.
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(u32, &str); 5] = [(10, "K"), (20, "M"), (30, "G"), (40, "T"), (50, "P")];
    if n < 1024 {
        return format!("{n}B");
    }
    for (shift, suffix) in UNITS {
        if n < 1u64 << (shift + 10) {
            return format!("{:.2}{suffix}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{n}B")
}

/// The memory figures INFO reports, estimated from the dataset.
#[derive(Debug, Clone, Copy)]
pub struct MemoryEstimate {
    /// `used_memory`.
    pub used: u64,
    /// `used_memory_overhead`.
    pub overhead: u64,
    /// `used_memory_dataset`.
    pub dataset: u64,
    /// Client buffers (`mem_clients_normal`).
    pub clients: u64,
}

fn db_dataset_bytes(db: &Db) -> u64 {
    let mut measured = 0u64;
    let mut seen = 0u64;
    for (key, entry) in db.iter().take(MEMORY_SAMPLE_KEYS) {
        let value = entry.value.heap_size() + std::mem::size_of_val(entry);
        measured +=
            (key.heap_size() + std::mem::size_of_val(key) + value) as u64 + PER_KEY_OVERHEAD;
        seen += 1;
    }
    let total = db.len() as u64;
    let scaled = measured
        .checked_div(seen)
        .map_or(0, |per_key| per_key * total);
    scaled + db.expires_len() as u64 * PER_TTL_OVERHEAD
}

/// Estimates memory use: sizes of keys and values, table overhead, and client buffers.
pub fn estimate_memory(state: &ServerState) -> MemoryEstimate {
    let dataset: u64 = state.keyspace.dbs.iter().map(db_dataset_bytes).sum();
    let tables: u64 = state
        .keyspace
        .dbs
        .iter()
        .map(|db| db.overhead_bytes() as u64)
        .sum();
    let clients: u64 = state
        .clients
        .iter()
        .map(|c| (c.query_buffer + c.reply_pending + c.outbox.capacity()) as u64)
        .sum();
    let overhead = STARTUP_MEMORY + tables + clients;
    MemoryEstimate {
        used: overhead + dataset,
        overhead,
        dataset,
        clients,
    }
}

/// Resident set size of the process, from /proc.
fn rss_bytes() -> u64 {
    kb_field(&read_proc("/proc/self/status"), "VmRSS:")
}

fn kb_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        return "0.00".to_string();
    }
    format!("{:.2}", a as f64 / b as f64)
}

pub(super) fn memory_section(out: &mut String, state: &mut ServerState) {
    let mem = estimate_memory(state);
    state.stats.peak_memory = state.stats.peak_memory.max(mem.used);
    let peak = state.stats.peak_memory;
    let rss = rss_bytes();
    let system = kb_field(&read_proc("/proc/meminfo"), "MemTotal:");
    let maxmemory = u64::try_from(state.config.int("maxmemory")).unwrap_or(0);
    let net = mem.used.saturating_sub(STARTUP_MEMORY);
    let pair = |out: &mut String, name: &str, value: u64| {
        field(out, name, value);
        field(out, &format!("{name}_human"), bytes_to_human(value));
    };
    out.push_str("# Memory\r\n");
    pair(out, "used_memory", mem.used);
    pair(out, "used_memory_rss", rss);
    pair(out, "used_memory_peak", peak);
    field(
        out,
        "used_memory_peak_perc",
        format!("{:.2}%", mem.used as f64 * 100.0 / peak.max(1) as f64),
    );
    field(out, "used_memory_overhead", mem.overhead);
    field(out, "used_memory_startup", STARTUP_MEMORY);
    field(out, "used_memory_dataset", mem.dataset);
    field(
        out,
        "used_memory_dataset_perc",
        format!("{:.2}%", mem.dataset as f64 * 100.0 / net.max(1) as f64),
    );
    field(out, "allocator_allocated", mem.used);
    field(out, "allocator_active", mem.used);
    field(out, "allocator_resident", rss);
    pair(out, "total_system_memory", system);
    field(out, "used_memory_lua", 0);
    field(out, "used_memory_vm_eval", 0);
    field(out, "used_memory_lua_human", bytes_to_human(0));
    for name in [
        "used_memory_scripts_eval",
        "number_of_cached_scripts",
        "number_of_functions",
        "number_of_libraries",
    ] {
        field(out, name, 0);
    }
    field(out, "used_memory_vm_functions", 0);
    pair(out, "used_memory_vm_total", 0);
    field(out, "used_memory_functions", 0);
    pair(out, "used_memory_scripts", 0);
    pair(out, "maxmemory", maxmemory);
    field(
        out,
        "maxmemory_policy",
        state.config.str("maxmemory-policy"),
    );
    field(out, "allocator_frag_ratio", "1.00");
    field(out, "allocator_frag_bytes", 0);
    field(out, "allocator_rss_ratio", ratio(rss, mem.used));
    field(out, "allocator_rss_bytes", rss as i64 - mem.used as i64);
    field(out, "rss_overhead_ratio", "1.00");
    field(out, "rss_overhead_bytes", 0);
    field(out, "mem_fragmentation_ratio", ratio(rss, mem.used));
    field(out, "mem_fragmentation_bytes", rss as i64 - mem.used as i64);
    for name in [
        "mem_not_counted_for_evict",
        "mem_replication_backlog",
        "mem_total_replication_buffers",
        "mem_clients_slaves",
    ] {
        field(out, name, 0);
    }
    field(out, "mem_clients_normal", mem.clients);
    field(out, "mem_cluster_links", 0);
    field(out, "mem_aof_buffer", 0);
    field(out, "mem_allocator", "libc");
    for name in [
        "active_defrag_running",
        "lazyfree_pending_objects",
        "lazyfreed_objects",
    ] {
        field(out, name, 0);
    }
}
