//! MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP, from the accounting of
//! [`crate::memory`].
//!
//! The figures are rds's own: MEMORY USAGE is what the key costs in rds's structures (its dictionary
//! node, the key's and the value's heap, rounded to malloc chunks), not what Redis's encodings would
//! cost; rds's sizes are exact, so `SAMPLES` is validated but changes nothing. MALLOC-STATS and PURGE
//! answer like a Redis built with libc malloc, which is what INFO's `mem_allocator` says.

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::memory::{breakdown, key_usage, ratio, Breakdown};

const HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

/// MEMORY HELP
pub fn help(ctx: &mut Ctx) -> CmdResult {
    let out = ctx.out();
    out.array(HELP.len());
    for line in HELP {
        out.simple(line);
    }
    Ok(())
}

/// MEMORY USAGE key [SAMPLES count]: options are checked before the key is looked up; the key is
/// read without expiry or access-clock updates, as Redis does.
pub fn usage(ctx: &mut Ctx) -> CmdResult {
    let mut index = 3;
    while index < ctx.argc() {
        if ctx.arg_is(index, "samples") && index + 1 < ctx.argc() {
            if ctx.int_arg(index + 1)? < 0 {
                return Err(CommandError::Syntax);
            }
            index += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let key = ctx.arg(2);
    let (db, out) = ctx.db_and_out();
    let usage = db.peek(key).map(|entry| key_usage(key, &entry.value));
    match usage {
        Some(bytes) => out.int(i64::try_from(bytes).unwrap_or(i64::MAX)),
        None => out.null(),
    }
    Ok(())
}

/// MEMORY STATS: Redis 7.0's fields in its order, a map in RESP3 (a flat array in RESP2).
pub fn stats(ctx: &mut Ctx) -> CmdResult {
    let mem = breakdown(ctx.server);
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let out = ctx.out();
    out.map(27 + mem.dbs.len());
    let counters = [
        ("peak.allocated", mem.peak),
        ("total.allocated", mem.used),
        ("startup.allocated", mem.startup),
        ("replication.backlog", 0),
        ("clients.slaves", mem.clients_replicas),
        ("clients.normal", mem.clients_normal),
        ("cluster.links", 0),
        ("aof.buffer", 0),
        ("lua.caches", 0),
        ("functions.caches", 0),
    ];
    for (name, value) in counters {
        out.bulk(name.as_bytes());
        out.int(int(value));
    }
    for db in &mem.dbs {
        out.bulk(format!("db.{}", db.index).as_bytes());
        out.map(3);
        out.bulk(b"overhead.hashtable.main");
        out.int(int(db.main));
        out.bulk(b"overhead.hashtable.expires");
        out.int(int(db.expires));
        out.bulk(b"overhead.hashtable.slot-to-keys");
        out.int(0);
    }
    let (used, rss) = (mem.used, mem.rss);
    let summary = [
        ("overhead.total", Stat::Int(mem.overhead)),
        ("keys.count", Stat::Int(mem.keys)),
        ("keys.bytes-per-key", Stat::Int(mem.bytes_per_key())),
        ("dataset.bytes", Stat::Int(mem.dataset())),
        ("dataset.percentage", Stat::Float(mem.dataset_percent())),
        ("peak.percentage", Stat::Float(mem.peak_percent())),
        ("allocator.allocated", Stat::Int(used)),
        ("allocator.active", Stat::Int(used)),
        ("allocator.resident", Stat::Int(rss)),
        ("allocator-fragmentation.ratio", Stat::Float(1.0)),
        ("allocator-fragmentation.bytes", Stat::Int(0)),
        ("allocator-rss.ratio", Stat::Float(ratio(rss, used))),
        ("allocator-rss.bytes", Stat::Signed(mem.fragmentation_bytes())),
        ("rss-overhead.ratio", Stat::Float(1.0)),
        ("rss-overhead.bytes", Stat::Int(0)),
        ("fragmentation", Stat::Float(mem.fragmentation())),
        ("fragmentation.bytes", Stat::Signed(mem.fragmentation_bytes())),
    ];
    for (name, value) in summary {
        out.bulk(name.as_bytes());
        match value {
            Stat::Int(n) => out.int(int(n)),
            Stat::Signed(n) => out.int(n),
            // Redis keeps these as C floats and prints them widened to double.
            Stat::Float(x) => out.double(f64::from(x)),
        }
    }
    Ok(())
}

/// A MEMORY STATS value.
enum Stat {
    Int(u64),
    Signed(i64),
    Float(f32),
}

/// MEMORY DOCTOR
pub fn doctor(ctx: &mut Ctx) -> CmdResult {
    let mem = breakdown(ctx.server);
    let report = doctor_report(&mem);
    ctx.out().verbatim(report.as_bytes());
    Ok(())
}

const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_FINE: &str =
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n";
const DOCTOR_RSS: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n";
const DOCTOR_ALLOCATOR_RSS: &str = " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n";
const DOCTOR_REPLICAS: &str = " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n";
const DOCTOR_CLIENTS: &str = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n";

/// Redis's `getMemoryDoctorReport`, judged on rds's figures. rds's allocator figures cannot tell
/// allocator fragmentation from RSS overhead (see MEMORY STATS), so those two reports never fire.
pub fn doctor_report(mem: &Breakdown) -> String {
    if mem.used < 5 << 20 {
        return DOCTOR_EMPTY.to_string();
    }
    let (replicas, clients) = mem.client_counts;
    let issues = [
        (ratio(mem.peak, mem.used) > 1.5, DOCTOR_PEAK),
        (mem.fragmentation() > 1.4 && mem.fragmentation_bytes() > 10 << 20, DOCTOR_RSS),
        (ratio(mem.rss, mem.used) > 1.1 && mem.fragmentation_bytes() > 10 << 20, DOCTOR_ALLOCATOR_RSS),
        (mem.clients_replicas.checked_div(replicas).is_some_and(|avg| avg > 10 << 20), DOCTOR_REPLICAS),
        (mem.clients_normal.checked_div(clients).is_some_and(|avg| avg > 200 << 10), DOCTOR_CLIENTS),
    ];
    let found: Vec<&str> = issues.iter().filter(|(found, _)| *found).map(|(_, text)| *text).collect();
    if found.is_empty() {
        return DOCTOR_FINE.to_string();
    }
    let mut report = String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for text in found {
        report.push_str(text);
    }
    report.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    report
}

/// MEMORY MALLOC-STATS: what a Redis built on libc malloc answers.
pub fn malloc_stats(ctx: &mut Ctx) -> CmdResult {
    ctx.out().bulk(b"Stats not supported for the current allocator");
    Ok(())
}

/// MEMORY PURGE: nothing to purge with libc malloc (Redis replies OK as well).
pub fn purge(ctx: &mut Ctx) -> CmdResult {
    ctx.out().ok();
    Ok(())
}

#[cfg(test)]
mod tests;
