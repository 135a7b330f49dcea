//! INFO [section ...]: Redis 7.0's sections, field names and order, with rds's real values where it has
//! them and honest constants (0, "ok", -1) for machinery it does not have.
//!
//! Memory figures come from [`crate::memory`]: `used_memory` is what the counting allocator handed
//! out; `used_memory_rss` is the process's real RSS.

mod memory;
pub mod stats;

use std::fmt::{Display, Write as _};
use std::sync::OnceLock;

use crate::client::ClientKind;
use crate::cmd::connection::REDIS_VERSION;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::pubsub::Namespace;
use crate::state::{now_us, ServerState};

pub use memory::bytes_to_human;

/// Sections in output order, and whether plain `INFO` (or `default`) includes each.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
];

/// Linux reports CPU times in clock ticks of 1/100 s.
const TICKS_PER_SECOND: u64 = 100;

/// INFO [section ...]
pub fn info(ctx: &mut Ctx) -> CmdResult {
    let requested: Vec<String> =
        (1..ctx.argc()).map(|i| String::from_utf8_lossy(ctx.arg(i)).to_ascii_lowercase()).collect();
    let text = render(ctx.server, &requested);
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

/// Whether `section` is selected by the (lowercased) INFO arguments.
fn selected(requested: &[String], section: &str, in_default: bool) -> bool {
    if requested.is_empty() {
        return in_default;
    }
    requested.iter().any(|r| r == section || r == "all" || r == "everything" || (r == "default" && in_default))
}

/// The INFO text for the (lowercased) section arguments.
pub fn render(state: &mut ServerState, requested: &[String]) -> String {
    let mut out = String::with_capacity(4096);
    for &(name, in_default) in SECTIONS {
        if !selected(requested, name, in_default) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        match name {
            "server" => server_section(&mut out, state),
            "clients" => clients_section(&mut out, state),
            "memory" => memory::memory_section(&mut out, state),
            "persistence" => persistence_section(&mut out, state),
            "stats" => stats_section(&mut out, state),
            "replication" => replication_section(&mut out, state),
            "cpu" => cpu_section(&mut out),
            "modules" => out.push_str("# Modules\r\n"),
            "commandstats" => commandstats_section(&mut out, state),
            "errorstats" => errorstats_section(&mut out, state),
            "latencystats" => latencystats_section(&mut out, state),
            "cluster" => {
                out.push_str("# Cluster\r\n");
                field(&mut out, "cluster_enabled", u8::from(state.config.bool("cluster-enabled")));
            }
            _ => keyspace_section(&mut out, state),
        }
    }
    out
}

/// Appends `name:value\r\n`.
fn field(out: &mut String, name: &str, value: impl Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `uname -s -r -m`, as Redis prints it in `os`.
fn os_name() -> &'static str {
    static OS: OnceLock<String> = OnceLock::new();
    OS.get_or_init(|| {
        let name = read_proc("/proc/sys/kernel/ostype");
        let release = read_proc("/proc/sys/kernel/osrelease");
        let name = if name.trim().is_empty() { std::env::consts::OS } else { name.trim() };
        format!("{name} {} {}", release.trim(), std::env::consts::ARCH)
    })
}

/// Absolute path of the binary as started (argv[0] joined to the working directory, like Redis).
fn executable() -> &'static str {
    static EXE: OnceLock<String> = OnceLock::new();
    EXE.get_or_init(|| {
        let argv0 = std::env::args().next().unwrap_or_default();
        let path = std::path::Path::new(&argv0);
        if path.is_absolute() {
            return argv0;
        }
        std::env::current_dir().map(|dir| dir.join(path).display().to_string()).unwrap_or(argv0)
    })
}

fn build_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let digest = crate::sha1::sha1(concat!("rds-server ", env!("CARGO_PKG_VERSION")).as_bytes());
        crate::sha1::to_hex(&digest[..8]).trim_start_matches('0').to_string()
    })
}

fn server_section(out: &mut String, state: &ServerState) {
    let now = now_us();
    let uptime = (now / 1000).saturating_sub(state.started_ms) / 1000;
    out.push_str("# Server\r\n");
    field(out, "redis_version", REDIS_VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", build_id());
    field(out, "redis_mode", if state.config.bool("cluster-enabled") { "cluster" } else { "standalone" });
    field(out, "os", os_name());
    field(out, "arch_bits", usize::BITS);
    field(out, "monotonic_clock", "POSIX clock_gettime");
    field(out, "multiplexing_api", if cfg!(target_os = "linux") { "epoll" } else { "kqueue" });
    field(out, "atomicvar_api", "c11-builtin");
    field(out, "gcc_version", "0.0.0");
    field(out, "process_id", std::process::id());
    field(out, "process_supervised", "no");
    field(out, "run_id", &state.run_id);
    field(out, "tcp_port", state.port);
    field(out, "server_time_usec", now);
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", state.settings.hz);
    field(out, "configured_hz", state.config.int("hz"));
    field(out, "lru_clock", state.lru_clock(now / 1000));
    field(out, "executable", executable());
    field(out, "config_file", state.config.file().map(|p| p.display().to_string()).unwrap_or_default());
    field(out, "io_threads_active", 0);
}

fn clients_section(out: &mut String, state: &ServerState) {
    let replicas = state.clients.iter().filter(|c| c.kind == ClientKind::Replica).count();
    let max_input = state.clients.iter().map(|c| c.query_buffer).max().unwrap_or(0);
    let max_output = state.clients.iter().map(|c| c.reply_pending + c.outbox.len()).max().unwrap_or(0);
    out.push_str("# Clients\r\n");
    field(out, "connected_clients", state.clients.len() - replicas);
    field(out, "cluster_connections", 0);
    field(out, "maxclients", state.settings.maxclients);
    field(out, "client_recent_max_input_buffer", max_input);
    field(out, "client_recent_max_output_buffer", max_output);
    // Clients a pause holds back count as blocked, as in Redis.
    field(out, "blocked_clients", state.blocking.len() + state.repl.pause.postponed_count());
    field(out, "tracking_clients", state.tracking.client_count());
    let with_timeout =
        state.clients.iter().filter(|c| state.blocking.get(c.id).is_some_and(|b| b.request.deadline_ms.is_some()));
    field(out, "clients_in_timeout_table", with_timeout.count());
}

fn persistence_section(out: &mut String, state: &ServerState) {
    crate::persist::info::render(out, state);
}

/// Writes `name:0` for each of `names`: counters of machinery rds does not have.
fn zeros(out: &mut String, names: &[&str]) {
    for name in names {
        field(out, name, 0);
    }
}

const STATS_KBPS: [&str; 4] = [
    "instantaneous_input_kbps",
    "instantaneous_output_kbps",
    "instantaneous_input_repl_kbps",
    "instantaneous_output_repl_kbps",
];
const STATS_UNTRACKED: [&str; 3] = ["latest_fork_usec", "total_forks", "migrate_cached_sockets"];
const STATS_DEFRAG: [&str; 6] = [
    "active_defrag_hits",
    "active_defrag_misses",
    "active_defrag_key_hits",
    "active_defrag_key_misses",
    "total_active_defrag_time",
    "current_active_defrag_time",
];
const STATS_UNTRACKED_TAIL: [&str; 7] = [
    "dump_payload_sanitizations",
    "total_reads_processed",
    "total_writes_processed",
    "io_threaded_reads_processed",
    "io_threaded_writes_processed",
    "reply_buffer_shrinks",
    "reply_buffer_expands",
];

fn stats_section(out: &mut String, state: &ServerState) {
    let s = &state.stats;
    out.push_str("# Stats\r\n");
    field(out, "total_connections_received", s.connections_received);
    field(out, "total_commands_processed", s.commands_processed);
    field(out, "instantaneous_ops_per_sec", s.instantaneous_ops);
    field(out, "total_net_input_bytes", s.net_input_bytes);
    field(out, "total_net_output_bytes", s.net_output_bytes);
    crate::repl::info::net_stats(out, state);
    for name in STATS_KBPS {
        field(out, name, "0.00");
    }
    field(out, "rejected_connections", s.rejected_connections);
    crate::repl::info::sync_stats(out, state);
    field(out, "expired_keys", s.expired_keys);
    let stale = format!("{:.2}", s.expire_cycle_stale_percent);
    field(out, "expired_stale_perc", stale);
    zeros(out, &["expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds"]);
    field(out, "evicted_keys", s.evicted_keys);
    field(out, "evicted_clients", 0);
    let current_us = s.eviction_exceeded_since_us.map_or(0, |since| now_us().saturating_sub(since));
    let total_ms = (s.eviction_exceeded_total_us + current_us) / 1000;
    field(out, "total_eviction_exceeded_time", total_ms);
    field(out, "current_eviction_exceeded_time", current_us / 1000);
    field(out, "keyspace_hits", s.keyspace_hits);
    field(out, "keyspace_misses", s.keyspace_misses);
    let channels = state.pubsub.active(Namespace::Channel, None).len();
    field(out, "pubsub_channels", channels);
    field(out, "pubsub_patterns", state.pubsub.pattern_count());
    let shard_channels = state.pubsub.active(Namespace::Shard, None).len();
    field(out, "pubsubshard_channels", shard_channels);
    zeros(out, &STATS_UNTRACKED);
    field(out, "slave_expires_tracked_keys", state.replica_keys_with_expire.len());
    zeros(out, &STATS_DEFRAG);
    field(out, "tracking_total_keys", state.tracking.key_count());
    field(out, "tracking_total_items", state.tracking.item_count());
    field(out, "tracking_total_prefixes", state.tracking.prefix_count());
    field(out, "unexpected_error_replies", 0);
    field(out, "total_error_replies", s.error_replies);
    zeros(out, &STATS_UNTRACKED_TAIL);
}

fn replication_section(out: &mut String, state: &ServerState) {
    crate::repl::info::replication_section(out, state);
}

/// (user, system, children user, children system) CPU seconds of a /proc stat file, in ticks.
fn cpu_ticks(path: &str) -> [u64; 4] {
    let text = read_proc(path);
    // Fields after the parenthesised command name; utime is the 14th field of the whole line.
    let rest = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest.split_whitespace().skip(11).take(4).map(|f| f.parse().unwrap_or(0)).collect();
    let get = |i: usize| fields.get(i).copied().unwrap_or(0);
    [get(0), get(1), get(2), get(3)]
}

fn seconds(ticks: u64) -> String {
    let micros = ticks * (1_000_000 / TICKS_PER_SECOND);
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

fn cpu_section(out: &mut String) {
    let [user, sys, child_user, child_sys] = cpu_ticks("/proc/self/stat");
    let [thread_user, thread_sys, _, _] = cpu_ticks("/proc/thread-self/stat");
    out.push_str("# CPU\r\n");
    field(out, "used_cpu_sys", seconds(sys));
    field(out, "used_cpu_user", seconds(user));
    field(out, "used_cpu_sys_children", seconds(child_sys));
    field(out, "used_cpu_user_children", seconds(child_user));
    field(out, "used_cpu_sys_main_thread", seconds(thread_sys));
    field(out, "used_cpu_user_main_thread", seconds(thread_user));
}

fn commandstats_section(out: &mut String, state: &ServerState) {
    out.push_str("# Commandstats\r\n");
    for (spec, s) in state.stats.commands.active() {
        let per_call = if s.calls == 0 { 0.0 } else { s.usec as f64 / s.calls as f64 };
        let _ = write!(
            out,
            "cmdstat_{}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            spec.name, s.calls, s.usec, s.rejected, s.failed
        );
    }
}

fn errorstats_section(out: &mut String, state: &ServerState) {
    out.push_str("# Errorstats\r\n");
    for (code, count) in state.stats.errors.iter() {
        let _ = write!(out, "errorstat_{code}:count={count}\r\n");
    }
}

/// A percentile label as Redis prints it: `%f` with trailing zeros (and point) removed.
fn percentile_label(percentile: f64) -> String {
    let text = format!("{percentile:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn latencystats_section(out: &mut String, state: &ServerState) {
    out.push_str("# Latencystats\r\n");
    let percentiles: Vec<f64> = state
        .config
        .str("latency-tracking-info-percentiles")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for (spec, s) in state.stats.commands.active() {
        let Some(histogram) = &s.histogram else {
            continue;
        };
        let _ = write!(out, "latency_percentiles_usec_{}:", spec.name);
        for (i, p) in percentiles.iter().enumerate() {
            let value = histogram.value_at_percentile(*p) as f64 / 1000.0;
            let _ = write!(out, "{}p{}={value:.3}", if i > 0 { "," } else { "" }, percentile_label(*p));
        }
        out.push_str("\r\n");
    }
}

fn keyspace_section(out: &mut String, state: &ServerState) {
    out.push_str("# Keyspace\r\n");
    for (index, db) in state.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        // Redis's expiry cycle zeroes the average once no key has a TTL; ours keeps the last one.
        let avg_ttl = if db.expires_len() == 0 { 0 } else { db.avg_ttl_ms };
        let (keys, expires) = (db.len(), db.expires_len());
        let _ = write!(out, "db{index}:keys={keys},expires={expires},avg_ttl={avg_ttl}\r\n");
    }
}

#[cfg(test)]
mod tests;
