//! FAILOVER (Redis 7.0's coordinated failover, master side): writes are paused, and once the target
//! replica (or, without `TO`, any replica) acknowledged our whole stream, this master becomes a
//! replica of it and sends `PSYNC <replid> <offset> FAILOVER`, which makes the target promote itself
//! and continue our history. The pause ends when the target answered the PSYNC (postponed writes then
//! get `-READONLY`), or when the failover is aborted (`FAILOVER ABORT`, the timeout without `FORCE`,
//! a PSYNC the target refused).

use tracing::info;

use super::pause::{self, PauseKind, PausePurpose};
use super::ReplicaState;
use crate::state::ServerState;

/// Where a failover stands (`master_failover_state` in INFO replication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverState {
    /// Writes are paused; waiting for the target to acknowledge our offset.
    WaitForSync,
    /// We are a replica of the target and ask it to take over with PSYNC ... FAILOVER.
    InProgress,
}

/// A failover in progress.
#[derive(Debug, Clone)]
pub struct Failover {
    /// Where it stands.
    pub state: FailoverState,
    /// The replica that takes over (`TO host port`, or the first replica found in sync).
    pub target: Option<(String, i64)>,
    /// `TIMEOUT`: when waiting for the target ends, ms since the epoch.
    pub end_ms: Option<u64>,
    /// `FORCE`: at the timeout, fail over anyway instead of aborting.
    pub force: bool,
}

/// The state as INFO prints it.
pub fn state_name(state: &ServerState) -> &'static str {
    match state.repl.failover.as_ref().map(|f| f.state) {
        None => "no-failover",
        Some(FailoverState::WaitForSync) => "waiting-for-sync",
        Some(FailoverState::InProgress) => "failover-in-progress",
    }
}

/// Starts waiting for the target to catch up, with writes paused until the failover ends.
pub fn start(state: &mut ServerState, failover: Failover) {
    match &failover.target {
        Some((host, port)) => info!("FAILOVER requested to {host}:{port}."),
        None => info!("FAILOVER requested to any replica."),
    }
    state.repl.failover = Some(failover);
    pause::pause(state, PausePurpose::Failover, i64::MAX, PauseKind::Write);
}

/// The attached replica announced as `host:port` (Redis's `findReplica`).
pub fn find_replica<'a>(state: &'a ServerState, host: &str, port: i64) -> Option<&'a super::ReplicaLink> {
    state.repl.replicas.iter().find(|r| r.ip().eq_ignore_ascii_case(host) && r.conf.listening_port == port)
}

/// True when the target (named or found) is online; its state for FAILOVER's checks.
pub fn is_online(replica: &super::ReplicaLink) -> bool {
    replica.state == ReplicaState::Online
}

/// Redis's `updateFailoverStatus`, run by the replication cron: the timeout, then whether a target
/// acknowledged everything we streamed.
pub fn update(state: &mut ServerState, now: u64) {
    let Some(failover) = state.repl.failover.clone().filter(|f| f.state == FailoverState::WaitForSync) else {
        return;
    };
    if failover.end_ms.is_some_and(|end| end <= now) {
        match (failover.force, failover.target) {
            (true, Some((host, port))) => {
                info!("FAILOVER to {host}:{port} time out exceeded, failing over.");
                take_over(state, &host, port, now);
            }
            _ => abort(state, "Replica never caught up before timeout", now),
        }
        return;
    }
    let offset = state.effects.offset;
    let synced: Option<(String, i64)> = match &failover.target {
        Some((host, port)) => {
            find_replica(state, host, *port).filter(|r| r.ack_off == offset).map(|_| (host.clone(), *port))
        }
        None => state
            .repl
            .replicas
            .iter()
            .find(|r| r.ack_off == offset)
            .map(|replica| (replica.ip(), replica.conf.listening_port)),
    };
    if let Some((host, port)) = synced {
        info!("Failover target {host}:{port} is synced, failing over.");
        take_over(state, &host, port, now);
    }
}

/// Becomes a replica of the target; the link's PSYNC carries `FAILOVER` while in progress.
fn take_over(state: &mut ServerState, host: &str, port: i64, now: u64) {
    if let Some(failover) = &mut state.repl.failover {
        failover.state = FailoverState::InProgress;
        failover.target = Some((host.to_string(), port));
    }
    // A port out of range cannot belong to a replica we found; Redis would fail to connect too.
    let port = u16::try_from(port).unwrap_or(0);
    super::role::become_replica(state, host, port, now, false);
}

/// Ends the failover without taking over (Redis's `abortFailover`): back to master if we already
/// turned into the target's replica, and writes resume.
pub fn abort(state: &mut ServerState, reason: &str, now: u64) {
    let Some(failover) = state.repl.failover.as_ref() else { return };
    match &failover.target {
        Some((host, port)) => info!("FAILOVER to {host}:{port} aborted: {reason}"),
        None => info!("FAILOVER to any replica aborted: {reason}"),
    }
    if failover.state == FailoverState::InProgress {
        super::role::become_master(state, now);
    }
    clear(state);
}

/// The failover is over (the target accepted our PSYNC, or it was aborted): writes resume.
pub fn clear(state: &mut ServerState) {
    state.repl.failover = None;
    pause::unpause(state, PausePurpose::Failover);
}

/// True while the failover asks the target to take over (the link's PSYNC carries `FAILOVER`).
pub fn in_progress(state: &ServerState) -> bool {
    state.repl.failover.as_ref().is_some_and(|f| f.state == FailoverState::InProgress)
}
