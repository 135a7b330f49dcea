//! INFO tests: sections, field names and order (as printed by Redis 7.0.15), value formats, stats.

use super::{bytes_to_human, percentile_label};
use crate::testing::Harness;

/// Field names of each section as real Redis 7.0.15 prints them, in order.
const REDIS_FIELDS: &[(&str, &str)] = &[
    ("Server", "redis_version redis_git_sha1 redis_git_dirty redis_build_id redis_mode os arch_bits monotonic_clock multiplexing_api atomicvar_api gcc_version process_id process_supervised run_id tcp_port server_time_usec uptime_in_seconds uptime_in_days hz configured_hz lru_clock executable config_file io_threads_active"),
    ("Clients", "connected_clients cluster_connections maxclients client_recent_max_input_buffer client_recent_max_output_buffer blocked_clients tracking_clients clients_in_timeout_table"),
    ("Memory", "used_memory used_memory_human used_memory_rss used_memory_rss_human used_memory_peak used_memory_peak_human used_memory_peak_perc used_memory_overhead used_memory_startup used_memory_dataset used_memory_dataset_perc allocator_allocated allocator_active allocator_resident total_system_memory total_system_memory_human used_memory_lua used_memory_vm_eval used_memory_lua_human used_memory_scripts_eval number_of_cached_scripts number_of_functions number_of_libraries used_memory_vm_functions used_memory_vm_total used_memory_vm_total_human used_memory_functions used_memory_scripts used_memory_scripts_human maxmemory maxmemory_human maxmemory_policy allocator_frag_ratio allocator_frag_bytes allocator_rss_ratio allocator_rss_bytes rss_overhead_ratio rss_overhead_bytes mem_fragmentation_ratio mem_fragmentation_bytes mem_not_counted_for_evict mem_replication_backlog mem_total_replication_buffers mem_clients_slaves mem_clients_normal mem_cluster_links mem_aof_buffer mem_allocator active_defrag_running lazyfree_pending_objects lazyfreed_objects"),
    ("Persistence", "loading async_loading current_cow_peak current_cow_size current_cow_size_age current_fork_perc current_save_keys_processed current_save_keys_total rdb_changes_since_last_save rdb_bgsave_in_progress rdb_last_save_time rdb_last_bgsave_status rdb_last_bgsave_time_sec rdb_current_bgsave_time_sec rdb_saves rdb_last_cow_size rdb_last_load_keys_expired rdb_last_load_keys_loaded aof_enabled aof_rewrite_in_progress aof_rewrite_scheduled aof_last_rewrite_time_sec aof_current_rewrite_time_sec aof_last_bgrewrite_status aof_rewrites aof_rewrites_consecutive_failures aof_last_write_status aof_last_cow_size module_fork_in_progress module_fork_last_cow_size"),
    ("Stats", "total_connections_received total_commands_processed instantaneous_ops_per_sec total_net_input_bytes total_net_output_bytes total_net_repl_input_bytes total_net_repl_output_bytes instantaneous_input_kbps instantaneous_output_kbps instantaneous_input_repl_kbps instantaneous_output_repl_kbps rejected_connections sync_full sync_partial_ok sync_partial_err expired_keys expired_stale_perc expired_time_cap_reached_count expire_cycle_cpu_milliseconds evicted_keys evicted_clients total_eviction_exceeded_time current_eviction_exceeded_time keyspace_hits keyspace_misses pubsub_channels pubsub_patterns pubsubshard_channels latest_fork_usec total_forks migrate_cached_sockets slave_expires_tracked_keys active_defrag_hits active_defrag_misses active_defrag_key_hits active_defrag_key_misses total_active_defrag_time current_active_defrag_time tracking_total_keys tracking_total_items tracking_total_prefixes unexpected_error_replies total_error_replies dump_payload_sanitizations total_reads_processed total_writes_processed io_threaded_reads_processed io_threaded_writes_processed reply_buffer_shrinks reply_buffer_expands"),
    ("Replication", "role connected_slaves master_failover_state master_replid master_replid2 master_repl_offset second_repl_offset repl_backlog_active repl_backlog_size repl_backlog_first_byte_offset repl_backlog_histlen"),
    ("CPU", "used_cpu_sys used_cpu_user used_cpu_sys_children used_cpu_user_children used_cpu_sys_main_thread used_cpu_user_main_thread"),
    ("Cluster", "cluster_enabled"),
];

/// The bulk payload of an INFO reply, checked to be framed correctly.
fn payload(reply: &str) -> String {
    let (header, rest) = reply.split_once("\r\n").expect("header line");
    let len: usize = header.trim_start_matches('$').parse().expect("bulk length");
    assert_eq!(rest.len(), len + 2, "bulk length matches");
    rest[..len].to_string()
}

/// (section header, field names, full lines) of an INFO text.
fn sections(text: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for line in text.split("\r\n") {
        if let Some(name) = line.strip_prefix("# ") {
            out.push((name.to_string(), Vec::new(), Vec::new()));
        } else if !line.is_empty() {
            let section = out.last_mut().expect("a field inside a section");
            section.1.push(line.split(':').next().unwrap_or("").to_string());
            section.2.push(line.to_string());
        }
    }
    out
}

fn value<'a>(text: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}:");
    text.split("\r\n").find_map(|l| l.strip_prefix(prefix.as_str())).unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn default_info_has_redis_sections_fields_and_order() {
    let mut h = Harness::new();
    let text = payload(&h.run(&["INFO"]));
    assert!(text.starts_with("# Server\r\nredis_version:7.0.15\r\n"), "{text}");
    assert!(text.ends_with("# Keyspace\r\n"), "{text}");
    let found = sections(&text);
    let names: Vec<&str> = found.iter().map(|s| s.0.as_str()).collect();
    let expected = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(names, expected);
    for (section, fields) in REDIS_FIELDS {
        let ours = &found.iter().find(|s| s.0 == *section).expect("section present").1;
        let theirs: Vec<&str> = fields.split(' ').collect();
        assert_eq!(ours, &theirs, "fields of {section}");
    }
    assert!(text.contains("\r\n\r\n# Clients\r\n"), "sections are separated by a blank line");
}

#[test]
fn section_arguments_select_like_redis() {
    let mut h = Harness::new();
    let headers = |h: &mut Harness, args: &[&str]| -> Vec<String> {
        let mut argv = vec!["INFO"];
        argv.extend_from_slice(args);
        sections(&payload(&h.run(&argv))).into_iter().map(|s| s.0).collect()
    };
    assert_eq!(headers(&mut h, &["all"]).len(), 13);
    assert_eq!(headers(&mut h, &["everything"]).len(), 13);
    assert_eq!(headers(&mut h, &["default"]).len(), 11);
    assert_eq!(headers(&mut h, &["default", "commandstats"]).len(), 12);
    assert_eq!(headers(&mut h, &["KEYSPACE", "cluster", "server"]), ["Server", "Cluster", "Keyspace"]);
    h.expect_all(&[
        (&["INFO", "nonexist"], "$0\r\n\r\n"),
        (&["INFO", "keyspace"], "$12\r\n# Keyspace\r\n\r\n"),
        (&["INFO", "cluster", "keyspace"], "$44\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n\r\n"),
        (&["INFO", "modules"], "$11\r\n# Modules\r\n\r\n"),
    ]);
    let mut h = Harness::new().resp3();
    assert_eq!(h.run(&["INFO", "cluster"]), "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

#[test]
fn values_reflect_the_server_state() {
    let mut h = Harness::new();
    h.state.keyspace.dbs[0].set(b"a", rds_storage::Value::string(b"1"), 0);
    h.state.keyspace.dbs[0].set(b"b", rds_storage::Value::string(b"2"), 0);
    h.state.keyspace.dbs[0].set_expire(b"b", u64::MAX / 2);
    h.state.keyspace.dbs[3].set(b"c", rds_storage::Value::string(b"3"), 0);
    h.state.dirty = 7;
    let text = payload(&h.run(&["INFO", "everything"]));
    assert!(
        text.contains("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n"),
        "{text}"
    );
    assert_eq!(value(&text, "rdb_changes_since_last_save"), "7");
    assert_eq!(value(&text, "role"), "master");
    assert_eq!(value(&text, "connected_clients"), "1");
    assert_eq!(value(&text, "redis_mode"), "standalone");
    assert_eq!(value(&text, "process_id"), std::process::id().to_string());
    assert_eq!(value(&text, "mem_allocator"), "libc");
    for hex in ["run_id", "master_replid", "master_replid2"] {
        let id = value(&text, hex);
        assert!(id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{hex}: {id}");
    }
    for number in ["used_memory", "used_memory_rss", "server_time_usec", "lru_clock", "uptime_in_seconds"] {
        assert!(value(&text, number).parse::<u64>().is_ok(), "{number}");
    }
    for seconds in ["used_cpu_sys", "used_cpu_user_main_thread"] {
        let (whole, micros) = value(&text, seconds).split_once('.').expect("seconds.micros");
        assert!(whole.parse::<u64>().is_ok() && micros.len() == 6, "{seconds}");
    }
    let used: u64 = value(&text, "used_memory").parse().unwrap_or(0);
    assert_eq!(value(&text, "used_memory_human"), bytes_to_human(used));
}

#[test]
fn commandstats_errorstats_and_latencystats_count_calls() {
    let mut h = Harness::new();
    h.run(&["DBSIZE"]);
    h.run(&["DBSIZE"]);
    h.run(&["DBSIZE", "extra"]);
    h.run(&["NOSUCHCOMMAND"]);
    h.run(&["SLOWLOG", "GET", "x"]);
    let text = payload(&h.run(&["INFO", "commandstats", "errorstats", "latencystats"]));
    let dbsize = value(&text, "cmdstat_dbsize");
    assert!(dbsize.starts_with("calls=2,usec="), "{dbsize}");
    assert!(dbsize.ends_with(",rejected_calls=1,failed_calls=0"), "{dbsize}");
    assert!(value(&text, "cmdstat_slowlog|get").ends_with("rejected_calls=0,failed_calls=1"));
    assert_eq!(value(&text, "errorstat_ERR"), "count=3");
    let latency = value(&text, "latency_percentiles_usec_dbsize");
    let labels: Vec<&str> = latency.split(',').map(|p| p.split('=').next().unwrap_or("")).collect();
    assert_eq!(labels, ["p50", "p99", "p99.9"]);
    assert!(latency.split(',').all(|p| p.rsplit_once('.').is_some_and(|(_, frac)| frac.len() == 3)), "{latency}");
    h.expect_all(&[(&["CONFIG", "RESETSTAT"], "+OK\r\n")]);
    let text = payload(&h.run(&["INFO", "commandstats", "errorstats"]));
    assert!(text.starts_with("# Commandstats\r\ncmdstat_config|resetstat:calls=1,usec="), "{text}");
    assert!(text.ends_with(",rejected_calls=0,failed_calls=0\r\n\r\n# Errorstats\r\n"), "{text}");
}

#[test]
fn formats_sizes_and_percentiles_like_redis() {
    let cases = [
        (0, "0B"),
        (1023, "1023B"),
        (1024, "1.00K"),
        (916_304, "894.83K"),
        (12_210_176, "11.64M"),
        (25_276_514_304, "23.54G"),
    ];
    for (bytes, text) in cases {
        assert_eq!(bytes_to_human(bytes), text);
    }
    assert_eq!(bytes_to_human(1 << 50), "1.00P");
    assert_eq!(bytes_to_human(u64::MAX), format!("{}B", u64::MAX));
    let labels = [(50.0, "50"), (99.0, "99"), (99.9, "99.9"), (99.99, "99.99"), (0.5, "0.5"), (100.0, "100")];
    for (p, label) in labels {
        assert_eq!(percentile_label(p), label);
    }
}

#[test]
fn latency_histogram_reports_cumulative_log_levels_like_redis() {
    // Redis 7.0.15 reports three calls of 0 µs, 3 ms and 600 ms as 1:1, 4227:2, 1073741:3 (the HDR
    // level's highest equivalent value in µs; anything past ~541 ms saturates at the last bucket).
    let mut histogram = super::stats::Histogram::default();
    for value_ns in [0, 3_000_000, 600_000_000] {
        histogram.record(value_ns);
    }
    assert_eq!(histogram.cumulative_usec(), vec![(1, 1), (4227, 2), (1073741, 3)]);
    let mut same_bucket = super::stats::Histogram::default();
    same_bucket.record(16_000);
    same_bucket.record(16_000);
    assert_eq!(same_bucket.cumulative_usec(), vec![(16, 2)]);
    assert!(super::stats::Histogram::default().cumulative_usec().is_empty());
}
