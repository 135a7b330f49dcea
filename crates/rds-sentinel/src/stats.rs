//! The server, clients, stats and cpu sections of the sentinel's INFO, with the field names and
//! order redis-sentinel 7.0 prints (fields meaningless for a sentinel read 0, as they do in Redis).

use std::fmt::Write;
use std::sync::OnceLock;

use crate::core::Sentinel;
use crate::server::ServerStats;

/// The version string INFO reports (what clients check for sentinel features).
pub const REDIS_VERSION: &str = "7.0.15";

fn run_id() -> &'static str {
    static RUN_ID: OnceLock<String> = OnceLock::new();
    RUN_ID.get_or_init(|| crate::core::random_hex_string(40))
}

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// `# Server`.
pub fn server_section(s: &Sentinel, now: i64, stats: &ServerStats, text: &mut String) {
    let uptime = stats.started.elapsed().as_secs();
    let os = format!(
        "{} {} {}",
        read_trimmed("/proc/sys/kernel/ostype"),
        read_trimmed("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    );
    let executable = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
    let config_file = s.config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let port = ServerStats::get(&stats.tcp_port);
    let port = if port == 0 { u64::from(s.port) } else { port };
    let _ = write!(
        text,
        "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n\
         redis_build_id:0\r\nredis_mode:sentinel\r\nos:{os}\r\narch_bits:64\r\n\
         monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\n\
         gcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{port}\r\n\
         server_time_usec:{}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:10\r\n\
         lru_clock:{}\r\nexecutable:{executable}\r\nconfig_file:{config_file}\r\nio_threads_active:0\r\n",
        std::process::id(),
        run_id(),
        now.saturating_mul(1000),
        uptime / 86_400,
        ServerStats::get(&stats.hz),
        (now / 1000) & ((1 << 24) - 1),
    );
}

/// `# Clients`.
pub fn clients_section(stats: &ServerStats, text: &mut String) {
    let _ = write!(
        text,
        "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\n\
         client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:0\r\n\
         tracking_clients:0\r\nclients_in_timeout_table:0\r\n",
        ServerStats::get(&stats.connected_clients),
        ServerStats::get(&stats.maxclients),
    );
}

/// `# Stats`.
pub fn stats_section(stats: &ServerStats, text: &mut String) {
    let get = ServerStats::get;
    let _ = write!(
        text,
        "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\n\
         total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\n\
         total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n\
         instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\n\
         sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:0\r\nexpired_stale_perc:0.00\r\n\
         expired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\nevicted_clients:0\r\n\
         total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\n\
         pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n\
         migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n\
         active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n\
         current_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n\
         unexpected_error_replies:0\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\n\
         total_reads_processed:{}\r\ntotal_writes_processed:{}\r\nio_threaded_reads_processed:0\r\n\
         io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
        get(&stats.total_connections_received),
        get(&stats.total_commands_processed),
        get(&stats.total_net_input_bytes),
        get(&stats.total_net_output_bytes),
        get(&stats.rejected_connections),
        get(&stats.total_error_replies),
        get(&stats.total_reads_processed),
        get(&stats.total_writes_processed),
    );
}

/// CPU seconds (user, system) of this process from /proc/self/stat.
fn cpu_times() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (ticks(11), ticks(12))
}

/// `# CPU`.
pub fn cpu_section(text: &mut String) {
    let (user, sys) = cpu_times();
    let _ = write!(
        text,
        "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\n\
         used_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{sys:.6}\r\nused_cpu_user_main_thread:{user:.6}\r\n",
    );
}
