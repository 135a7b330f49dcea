//! INFO replication (fields and order of Redis 7.0.15) and the ROLE reply.

use std::fmt::{Display, Write as _};

use rds_resp::ReplyBuf;

use super::{LinkState, ReplicaState};
use crate::state::{now_ms, ServerState};

fn field(out: &mut String, name: &str, value: impl Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

/// Seconds between two ms timestamps, as Redis's `server.unixtime - t` (both truncated to seconds).
fn secs_since(now_ms: u64, then_ms: u64) -> i64 {
    i64::try_from((now_ms / 1000).saturating_sub(then_ms / 1000)).unwrap_or(i64::MAX)
}

/// The `# Replication` section.
pub fn replication_section(out: &mut String, state: &ServerState) {
    let now = now_ms();
    let repl = &state.repl;
    out.push_str("# Replication\r\n");
    field(out, "role", if repl.is_replica() { "slave" } else { "master" });
    if let Some(link) = &repl.link {
        replica_fields(out, state, link, now);
    }
    field(out, "connected_slaves", repl.replicas.len());
    let settings = &state.settings.repl;
    if settings.min_replicas_to_write > 0 && settings.min_replicas_max_lag_secs > 0 {
        field(out, "min_slaves_good_slaves", super::master::good_replicas(state, now));
    }
    for (index, replica) in repl.replicas.iter().enumerate() {
        let _ = write!(
            out,
            "slave{index}:ip={},port={},state={},offset={},lag={}\r\n",
            replica.ip(),
            replica.conf.listening_port,
            replica.state.name(),
            replica.ack_off,
            secs_since(now, replica.ack_time_ms)
        );
    }
    field(out, "master_failover_state", super::failover::state_name(state));
    field(out, "master_replid", repl.ids.replid);
    field(out, "master_replid2", repl.ids.replid2);
    field(out, "master_repl_offset", state.effects.offset);
    field(out, "second_repl_offset", repl.ids.second_replid_offset);
    field(out, "repl_backlog_active", u8::from(repl.backlog.is_some()));
    field(out, "repl_backlog_size", settings.backlog_size);
    field(out, "repl_backlog_first_byte_offset", repl.backlog.as_ref().map_or(0, |b| b.first_byte_offset()));
    field(out, "repl_backlog_histlen", repl.backlog.as_ref().map_or(0, |b| b.histlen()));
}

fn replica_fields(out: &mut String, state: &ServerState, link: &super::MasterLink, now: u64) {
    field(out, "master_host", &link.host);
    field(out, "master_port", link.port);
    let connected = link.state == LinkState::Connected;
    field(out, "master_link_status", if connected { "up" } else { "down" });
    let last_io = if link.client_id.is_some() { secs_since(now, link.last_io_ms) } else { -1 };
    field(out, "master_last_io_seconds_ago", last_io);
    field(out, "master_sync_in_progress", u8::from(link.state == LinkState::Transfer));
    let (read, applied) = if link.client_id.is_some() {
        (link.read_offset, state.effects.offset)
    } else if link.resume {
        (state.effects.offset, state.effects.offset)
    } else {
        (1, 1)
    };
    field(out, "slave_read_repl_offset", read);
    field(out, "slave_repl_offset", applied);
    if let (LinkState::Transfer, Some(transfer)) = (link.state, link.transfer) {
        let total = transfer.total.map_or(-1, |t| i64::try_from(t).unwrap_or(i64::MAX));
        let read = i64::try_from(transfer.read).unwrap_or(i64::MAX);
        let perc = if total > 0 { read as f64 / total as f64 * 100.0 } else { 0.0 };
        field(out, "master_sync_total_bytes", total);
        field(out, "master_sync_read_bytes", read);
        field(out, "master_sync_left_bytes", total - read);
        field(out, "master_sync_perc", format!("{perc:.2}"));
        field(out, "master_sync_last_io_seconds_ago", secs_since(now, transfer.last_io_ms));
    }
    if !connected {
        let down = if link.down_since_ms == 0 { -1 } else { secs_since(now, link.down_since_ms) };
        field(out, "master_link_down_since_seconds", down);
    }
    field(out, "slave_priority", state.config.int("replica-priority"));
    field(out, "slave_read_only", u8::from(state.settings.repl.read_only));
    field(out, "replica_announced", u8::from(state.config.bool("replica-announced")));
}

/// The replication counters of INFO stats: `sync_full`, `sync_partial_ok`, `sync_partial_err`.
pub fn sync_stats(out: &mut String, state: &ServerState) {
    let stats = &state.repl.stats;
    field(out, "sync_full", stats.full);
    field(out, "sync_partial_ok", stats.partial_ok);
    field(out, "sync_partial_err", stats.partial_err);
}

/// `total_net_repl_input_bytes` and `total_net_repl_output_bytes` of INFO stats.
pub fn net_stats(out: &mut String, state: &ServerState) {
    field(out, "total_net_repl_input_bytes", state.repl.stats.net_input_bytes);
    field(out, "total_net_repl_output_bytes", state.repl.stats.net_output_bytes);
}

/// ROLE.
pub fn role(out: &mut ReplyBuf, state: &ServerState) {
    let repl = &state.repl;
    match &repl.link {
        Some(link) => {
            out.array(5);
            out.bulk(b"slave");
            out.bulk(link.host.as_bytes());
            out.int(i64::from(link.port));
            out.bulk(link.state.name().as_bytes());
            let offset =
                if link.client_id.is_some() { i64::try_from(state.effects.offset).unwrap_or(i64::MAX) } else { -1 };
            out.int(offset);
        }
        None => {
            out.array(3);
            out.bulk(b"master");
            out.int(i64::try_from(state.effects.offset).unwrap_or(i64::MAX));
            let online: Vec<_> = repl.replicas.iter().filter(|r| r.state == ReplicaState::Online).collect();
            out.array(online.len());
            for replica in online {
                out.array(3);
                out.bulk(replica.ip().as_bytes());
                out.bulk(replica.conf.listening_port.to_string().as_bytes());
                out.bulk(replica.ack_off.to_string().as_bytes());
            }
        }
    }
}
