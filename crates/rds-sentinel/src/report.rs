//! Replies that describe state: the instance descriptions of SENTINEL MASTER(S)/REPLICAS/SENTINELS
//! (field names and order of Redis 7.0's `addReplySentinelRedisInstance`) and INFO with the
//! sections a sentinel has (server, clients, cpu, stats, sentinel).

use bytes::Bytes;
use rds_resp::ReplyBuf;

use crate::core::Sentinel;
use crate::model::{flags_string, FailoverState, Sel, SRI_MASTER, SRI_O_DOWN, SRI_SENTINEL, SRI_SLAVE, SRI_S_DOWN};
use crate::scripts::ScriptQueue;
use crate::server::ServerStats;

/// Writes one instance as a map of bulk strings.
pub fn instance_reply(s: &Sentinel, now: i64, m: usize, sel: Sel, out: &mut ReplyBuf) {
    let master = &s.masters[m];
    let Some(ri) = master.get(sel) else {
        out.null();
        return;
    };
    let ago = |t: i64| (now - t).to_string();
    let link = s.link_of(ri);
    let mut fields: Vec<(&str, String)> = vec![
        ("name", ri.name.clone()),
        ("ip", ri.addr.announce(s.options.announce_hostnames).to_string()),
        ("port", ri.addr.port.to_string()),
        ("runid", ri.runid.clone().unwrap_or_default()),
        ("flags", flags_string(ri, link.disconnected)),
        ("link-pending-commands", link.pending_commands().to_string()),
        ("link-refcount", s.link_refcount(ri.link).to_string()),
    ];
    if sel == Sel::Master && master.failover_state != FailoverState::None {
        fields.push(("failover-state", master.failover_state.name().to_string()));
    }
    fields.push(("last-ping-sent", if link.act_ping_time != 0 { ago(link.act_ping_time) } else { "0".into() }));
    fields.push(("last-ok-ping-reply", ago(link.last_avail_time)));
    fields.push(("last-ping-reply", ago(link.last_pong_time)));
    if ri.flags & SRI_S_DOWN != 0 {
        fields.push(("s-down-time", ago(ri.s_down_since)));
    }
    if ri.flags & SRI_O_DOWN != 0 {
        fields.push(("o-down-time", ago(ri.o_down_since)));
    }
    fields.push(("down-after-milliseconds", ri.down_after_ms.to_string()));
    if ri.flags & (SRI_MASTER | SRI_SLAVE) != 0 {
        fields.push(("info-refresh", if ri.info_refresh != 0 { ago(ri.info_refresh) } else { "0".into() }));
        let role = if ri.role_reported == SRI_MASTER { "master" } else { "slave" };
        fields.push(("role-reported", role.to_string()));
        fields.push(("role-reported-time", ago(ri.role_reported_time)));
    }
    if ri.flags & SRI_MASTER != 0 {
        fields.push(("config-epoch", master.config_epoch.to_string()));
        fields.push(("num-slaves", master.replicas.len().to_string()));
        fields.push(("num-other-sentinels", master.sentinels.len().to_string()));
        fields.push(("quorum", master.quorum.to_string()));
        fields.push(("failover-timeout", master.failover_timeout_ms.to_string()));
        fields.push(("parallel-syncs", master.parallel_syncs.to_string()));
        if let Some(script) = &master.options.notification_script {
            fields.push(("notification-script", script.clone()));
        }
        if let Some(script) = &master.options.client_reconfig_script {
            fields.push(("client-reconfig-script", script.clone()));
        }
    }
    if ri.flags & SRI_SLAVE != 0 {
        fields.push(("master-link-down-time", ri.master_link_down_time.to_string()));
        fields.push(("master-link-status", if ri.slave_master_link_up { "ok" } else { "err" }.to_string()));
        fields.push(("master-host", ri.slave_master_host.clone().unwrap_or_else(|| "?".to_string())));
        fields.push(("master-port", ri.slave_master_port.to_string()));
        fields.push(("slave-priority", ri.slave_priority.to_string()));
        fields.push(("slave-repl-offset", ri.slave_repl_offset.to_string()));
        fields.push(("replica-announced", i32::from(ri.replica_announced).to_string()));
    }
    if ri.flags & SRI_SENTINEL != 0 {
        fields.push(("last-hello-message", ago(ri.last_hello_time)));
        fields.push(("voted-leader", ri.leader.clone().unwrap_or_else(|| "?".to_string())));
        fields.push(("voted-leader-epoch", ri.leader_epoch.to_string()));
    }
    out.map(fields.len());
    for (name, value) in fields {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
}

const SECTIONS: [&str; 5] = ["server", "clients", "stats", "cpu", "sentinel"];

/// INFO [section ...]: `all`, `everything` and `default` give every sentinel section.
pub fn info_command(
    s: &Sentinel,
    now: i64,
    args: &[Bytes],
    out: &mut ReplyBuf,
    scripts: &ScriptQueue,
    stats: &ServerStats,
) {
    let mut wanted: Vec<&str> = Vec::new();
    if args.len() == 1 {
        wanted.extend(SECTIONS);
    }
    for arg in &args[1..] {
        let name = String::from_utf8_lossy(arg).to_ascii_lowercase();
        if matches!(name.as_str(), "all" | "everything" | "default") {
            wanted.extend(SECTIONS);
        } else if let Some(section) = SECTIONS.iter().find(|s| **s == name) {
            wanted.push(section);
        }
    }
    let mut text = String::new();
    for section in SECTIONS {
        if !wanted.contains(&section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        match section {
            "server" => crate::stats::server_section(s, now, stats, &mut text),
            "clients" => crate::stats::clients_section(stats, &mut text),
            "stats" => crate::stats::stats_section(stats, &mut text),
            "cpu" => crate::stats::cpu_section(&mut text),
            _ => sentinel_section(s, now, scripts, &mut text),
        }
    }
    out.bulk(text.as_bytes());
}

fn sentinel_section(s: &Sentinel, now: i64, scripts: &ScriptQueue, text: &mut String) {
    let tilt_since = if s.tilt { (now - s.tilt_start_time) / 1000 } else { -1 };
    text.push_str(&format!(
        "# Sentinel\r\nsentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{}\r\n\
         sentinel_running_scripts:{}\r\nsentinel_scripts_queue_length:{}\r\nsentinel_simulate_failure_flags:{}\r\n",
        s.masters.len(),
        i32::from(s.tilt),
        tilt_since,
        scripts.running(),
        scripts.queued(),
        s.simfailure_flags
    ));
    for (i, m) in s.masters.iter().enumerate() {
        let status = if m.inst.flags & SRI_O_DOWN != 0 {
            "odown"
        } else if m.inst.flags & SRI_S_DOWN != 0 {
            "sdown"
        } else {
            "ok"
        };
        text.push_str(&format!(
            "master{}:name={},status={},address={}:{},slaves={},sentinels={}\r\n",
            i,
            m.inst.name,
            status,
            m.inst.addr.announce(s.options.announce_hostnames),
            m.inst.addr.port,
            m.replicas.len(),
            m.sentinels.len() + 1
        ));
    }
}
