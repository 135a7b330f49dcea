//! INFO memory, from the accounting of [`crate::memory`]: `used_memory` is what the counting allocator
//! handed out, `used_memory_rss` the process's resident size, and the overhead/dataset split is
//! Redis's (startup baseline, client buffers and table overhead versus the rest).

use super::field;
use crate::memory::{breakdown, total_system_memory};
use crate::state::ServerState;

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

/// `%.2f` of a C float, as Redis prints its ratios.
fn two_decimals(value: f32) -> String {
    format!("{:.2}", f64::from(value))
}

pub(super) fn memory_section(out: &mut String, state: &mut ServerState) {
    let mem = breakdown(state);
    let limits = state.settings.maxmemory;
    let pair = |out: &mut String, name: &str, value: u64| {
        field(out, name, value);
        field(out, &format!("{name}_human"), bytes_to_human(value));
    };
    out.push_str("# Memory\r\n");
    pair(out, "used_memory", mem.used);
    pair(out, "used_memory_rss", mem.rss);
    pair(out, "used_memory_peak", mem.peak);
    field(out, "used_memory_peak_perc", format!("{}%", two_decimals(mem.peak_percent())));
    field(out, "used_memory_overhead", mem.overhead);
    field(out, "used_memory_startup", mem.startup);
    field(out, "used_memory_dataset", mem.dataset());
    field(out, "used_memory_dataset_perc", format!("{}%", two_decimals(mem.dataset_percent())));
    // The counting allocator sees requests, not malloc's pages: active is reported as allocated,
    // and everything resident is attributed to the allocator.
    field(out, "allocator_allocated", mem.used);
    field(out, "allocator_active", mem.used);
    field(out, "allocator_resident", mem.rss);
    pair(out, "total_system_memory", total_system_memory());
    field(out, "used_memory_lua", 0);
    field(out, "used_memory_vm_eval", 0);
    field(out, "used_memory_lua_human", bytes_to_human(0));
    for name in ["used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions", "number_of_libraries"] {
        field(out, name, 0);
    }
    field(out, "used_memory_vm_functions", 0);
    pair(out, "used_memory_vm_total", 0);
    field(out, "used_memory_functions", 0);
    pair(out, "used_memory_scripts", 0);
    pair(out, "maxmemory", limits.maxmemory);
    field(out, "maxmemory_policy", state.config.str("maxmemory-policy"));
    field(out, "allocator_frag_ratio", "1.00");
    field(out, "allocator_frag_bytes", 0);
    field(out, "allocator_rss_ratio", two_decimals(mem.fragmentation()));
    field(out, "allocator_rss_bytes", mem.fragmentation_bytes());
    field(out, "rss_overhead_ratio", "1.00");
    field(out, "rss_overhead_bytes", 0);
    field(out, "mem_fragmentation_ratio", two_decimals(mem.fragmentation()));
    field(out, "mem_fragmentation_bytes", mem.fragmentation_bytes());
    for name in ["mem_not_counted_for_evict", "mem_replication_backlog", "mem_total_replication_buffers"] {
        field(out, name, 0);
    }
    field(out, "mem_clients_slaves", mem.clients_replicas);
    field(out, "mem_clients_normal", mem.clients_normal);
    field(out, "mem_cluster_links", 0);
    field(out, "mem_aof_buffer", 0);
    field(out, "mem_allocator", "libc");
    for name in ["active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"] {
        field(out, name, 0);
    }
}
