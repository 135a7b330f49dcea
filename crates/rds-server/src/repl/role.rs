//! Role changes: REPLICAOF host port (or the `replicaof` directive) and REPLICAOF NO ONE.

use tokio_util::sync::CancellationToken;
use tracing::info;

use super::{LinkState, MasterLink};
use crate::state::ServerState;

/// What blocked clients are told when the server becomes a replica.
const UNBLOCKED_BY_ROLE_CHANGE: &str =
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";

/// Becomes a replica of `host:port` (Redis's `replicationSetMaster`): replicas and blocked clients are
/// disconnected, keys stop expiring on their own, and our own history is kept as the one to continue
/// (a master demoted to replica of its former replica continues with a partial resync). At startup
/// (`replicaof` directive) there is no history to continue yet.
pub fn become_replica(state: &mut ServerState, host: &str, port: u16, now: u64, startup: bool) {
    let was_master = state.repl.link.is_none();
    let resume = match state.repl.link.take() {
        Some(old) => {
            old.cancel.cancel();
            kill_client(state, old.client_id);
            old.resume || old.client_id.is_some()
        }
        None if startup => false,
        None => {
            info!("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.");
            true
        }
    };
    disconnect_blocked_clients(state);
    disconnect_replicas(state);
    if was_master {
        state.effects.disable();
    }
    state.config.set_replica_of(Some((host, port)));
    let generation = state.repl.next_generation;
    state.repl.next_generation += 1;
    state.repl.link = Some(MasterLink {
        host: host.to_string(),
        port,
        generation,
        cancel: CancellationToken::new(),
        state: LinkState::Connect,
        resume,
        read_offset: state.effects.offset,
        client_id: None,
        last_io_ms: now,
        down_since_ms: 0,
        transfer: None,
        ack_requested: false,
    });
    super::pause::refresh_expiry_mode(state);
    rds_log::set_role_char(b'S');
    state.repl.wake_link.notify_one();
}

/// Becomes a master (Redis's `replicationUnsetMaster`): the history we followed stays valid as our
/// second id, under a new id, so our former siblings continue with a partial resync.
pub fn become_master(state: &mut ServerState, now: u64) {
    let Some(link) = state.repl.link.take() else { return };
    link.cancel.cancel();
    kill_client(state, link.client_id);
    let offset = state.effects.offset;
    state.repl.ids.shift(offset);
    disconnect_replicas(state);
    if state.repl.backlog.is_some() {
        state.effects.enable();
    }
    state.effects.reset_db();
    super::pause::refresh_expiry_mode(state);
    state.config.set_replica_of(None);
    state.repl.no_replicas_since_ms = now;
    rds_log::set_role_char(b'M');
    info!(
        "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
        state.repl.ids.replid2, state.repl.ids.second_replid_offset, state.repl.ids.replid
    );
}

/// Closes client `id` (the master link's client).
pub fn kill_client(state: &mut ServerState, id: Option<u64>) {
    if let Some(record) = id.and_then(|id| state.clients.get_mut(id)) {
        record.request_kill();
    }
}

/// Closes every attached replica: they reconnect and learn about the new history (Redis's
/// `disconnectSlaves`).
pub fn disconnect_replicas(state: &mut ServerState) {
    let ids: Vec<u64> = state.repl.replicas.iter().map(|r| r.client_id).collect();
    for id in ids {
        kill_client(state, Some(id));
    }
}

/// Unblocks every blocked client with an error (Redis's `disconnectAllBlockedClients`).
fn disconnect_blocked_clients(state: &mut ServerState) {
    for id in state.blocking.client_ids() {
        state.blocking.unblock(id);
        state.stats.error_replies += 1;
        state.stats.errors.record(UNBLOCKED_BY_ROLE_CHANGE);
        if let Some(record) = state.clients.get_mut(id) {
            record.push(format!("-{UNBLOCKED_BY_ROLE_CHANGE}\r\n").as_bytes());
        }
    }
    state.repl.waiters.clear();
}
