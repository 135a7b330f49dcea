//! Client pauses (Redis 7.0's `pauseClients`): `CLIENT PAUSE` and a FAILOVER in progress each hold
//! a pause of their own; the strongest of them applies until its furthest end. A paused client's
//! command is not run nor rejected: it is postponed (its connection waits and runs it again once the
//! pause ends), which is why replies keep their order. Replicas are never paused; the master link of
//! a replica is, like in Redis 7.0 (its stream stops being applied until the pause ends).
//!
//! While any pause is on, keys are neither expired (lookups hide them, as on a replica) nor evicted,
//! so the dataset and the replication offset stay still.

use std::sync::Arc;
use std::time::Duration;

use rds_commands::{flags, CommandSpec};
use tokio::sync::Notify;

use crate::client::{ClientKind, Session};
use crate::state::{now_ms, ServerState, Shared};

/// What a pause holds back, weakest first (the order matters: the strongest pause wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum PauseKind {
    /// Nothing.
    #[default]
    Off,
    /// Commands that write or may replicate (`CLIENT PAUSE ... WRITE`, FAILOVER).
    Write,
    /// Every command (`CLIENT PAUSE ... ALL`).
    All,
}

/// Who asked for a pause; each purpose holds at most one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePurpose {
    /// `CLIENT PAUSE`.
    Client = 0,
    /// A FAILOVER in progress.
    Failover = 1,
}

/// One purpose's pause: its kind and end (ms since the epoch; Redis keeps it signed, and an end that
/// overflowed to a negative value has simply expired).
#[derive(Debug, Clone, Copy)]
struct PauseEvent {
    kind: PauseKind,
    end_ms: i64,
}

/// The pause state, behind the server lock (in [`super::ReplState`]).
#[derive(Debug, Default)]
pub struct Pause {
    /// The pause in force: what dispatch checks on every command.
    pub kind: PauseKind,
    /// When the pause in force ends (the furthest end among the purposes of that kind).
    pub end_ms: i64,
    purposes: [Option<PauseEvent>; 2],
    /// Clients whose command waits for the pause to end, in the order they were postponed.
    postponed: Vec<u64>,
    /// Wakes the timer task when a pause starts or moves.
    pub wake: Arc<Notify>,
}

impl Pause {
    /// True while some pause is in force.
    pub fn is_active(&self) -> bool {
        self.kind != PauseKind::Off
    }

    /// True when client `id` waits for the pause to end (CLIENT LIST flag `b`).
    pub fn is_postponed(&self, id: u64) -> bool {
        self.postponed.contains(&id)
    }

    /// How many clients wait for the pause to end (they count in `blocked_clients`).
    pub fn postponed_count(&self) -> usize {
        self.postponed.len()
    }

    /// Forgets a closed client.
    pub fn client_closed(&mut self, id: u64) {
        self.postponed.retain(|c| *c != id);
    }
}

/// Starts or extends the pause of `purpose` (a purpose's pause only grows: the stronger kind and the
/// later end are kept, as in Redis 7.0).
pub fn pause(state: &mut ServerState, purpose: PausePurpose, end_ms: i64, kind: PauseKind) {
    let slot = &mut state.repl.pause.purposes[purpose as usize];
    *slot = Some(match *slot {
        Some(old) => PauseEvent { kind: old.kind.max(kind), end_ms: old.end_ms.max(end_ms) },
        None => PauseEvent { kind, end_ms },
    });
    update(state);
    state.repl.pause.wake.notify_one();
}

/// Ends the pause of `purpose` (`CLIENT UNPAUSE`, the end of a FAILOVER).
pub fn unpause(state: &mut ServerState, purpose: PausePurpose) {
    if state.repl.pause.purposes[purpose as usize].take().is_some() {
        update(state);
    }
}

/// Drops expired pauses and recomputes the one in force; when it got weaker, the postponed clients
/// try their command again (some may be postponed again). Redis's `updateClientPauseTypeAndEndTime`.
pub fn update(state: &mut ServerState) {
    let now = i64::try_from(now_ms()).unwrap_or(i64::MAX);
    let pause = &mut state.repl.pause;
    let old = pause.kind;
    for slot in &mut pause.purposes {
        if slot.is_some_and(|event| event.end_ms < now) {
            *slot = None;
        }
    }
    let kind = pause.purposes.iter().flatten().map(|event| event.kind).max().unwrap_or_default();
    let end = pause.purposes.iter().flatten().filter(|event| event.kind == kind).map(|event| event.end_ms).max();
    pause.kind = kind;
    pause.end_ms = end.unwrap_or(0);
    if kind < old {
        release_postponed(state);
    }
    refresh_expiry_mode(state);
}

/// Wakes every postponed client, first postponed first.
fn release_postponed(state: &mut ServerState) {
    let ids = std::mem::take(&mut state.repl.pause.postponed);
    for id in ids {
        if let Some(record) = state.clients.get(id) {
            record.wakeup.notify_one();
        }
    }
}

/// Lookups hide expired keys without deleting them on a replica and while clients are paused.
pub fn refresh_expiry_mode(state: &mut ServerState) {
    state.expiry_mode = if state.repl.link.is_some() || state.repl.pause.is_active() {
        rds_storage::ExpiryMode::HideOnly
    } else {
        rds_storage::ExpiryMode::Delete
    };
}

/// The check of Redis's `processCommand` after every other one (dispatch calls it only while a pause
/// is in force): when the command must wait, the client is remembered as postponed and
/// `session.postponed` tells its connection to run the command again later.
pub fn postpone(state: &mut ServerState, session: &mut Session, spec: &'static CommandSpec) {
    if i64::try_from(now_ms()).unwrap_or(i64::MAX) > state.repl.pause.end_ms {
        update(state);
    }
    let held = match state.repl.pause.kind {
        PauseKind::Off => false,
        PauseKind::All => true,
        PauseKind::Write => may_replicate(session, spec),
    };
    if !held {
        return;
    }
    let Some(record) = state.clients.get_mut(session.id) else { return };
    if record.kind == ClientKind::Replica {
        return;
    }
    // CLIENT LIST shows the command a postponed client waits with.
    record.last_command = spec.name;
    if !state.repl.pause.postponed.contains(&session.id) {
        state.repl.pause.postponed.push(session.id);
    }
    session.postponed = true;
}

/// Writes, and commands that may add to the replication stream (PUBLISH, EVAL, PFCOUNT ...); EXEC
/// when a queued command is one.
fn may_replicate(session: &Session, spec: &CommandSpec) -> bool {
    const MASK: u32 = flags::WRITE | flags::MAY_REPLICATE;
    if spec.flags & MASK != 0 {
        return true;
    }
    spec.name == "exec"
        && session.multi.as_ref().is_some_and(|tx| {
            tx.queued.iter().any(|argv| match rds_commands::resolve(argv) {
                rds_commands::Resolved::Command(queued) => queued.flags & MASK != 0,
                _ => false,
            })
        })
}

/// Ends pauses when their time is up (Redis checks in its cron; this task wakes at the end itself).
pub async fn timer(shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    let wake = shared.lock().repl.pause.wake.clone();
    loop {
        let wait = {
            let mut state = shared.lock();
            update(&mut state);
            let pause = &state.repl.pause;
            let now = i64::try_from(now_ms()).unwrap_or(i64::MAX);
            // Re-evaluated at least hourly: a FAILOVER's pause has no end.
            let left = pause.end_ms.saturating_sub(now).saturating_add(1).clamp(0, 3_600_000);
            pause.is_active().then(|| Duration::from_millis(u64::try_from(left).unwrap_or(0)))
        };
        let sleep = async {
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = sleep => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    fn now() -> i64 {
        i64::try_from(now_ms()).unwrap_or(i64::MAX)
    }

    #[test]
    fn a_purpose_keeps_its_strongest_kind_and_latest_end() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
        let end = h.state.repl.pause.end_ms;
        assert_eq!(h.run(&["CLIENT", "PAUSE", "1", "ALL"]), "+OK\r\n");
        assert_eq!((h.state.repl.pause.kind, h.state.repl.pause.end_ms), (PauseKind::All, end));
        assert_eq!(h.state.expiry_mode, rds_storage::ExpiryMode::HideOnly);
        // Under an ALL pause, CLIENT UNPAUSE waits too (as in Redis 7.0).
        assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), "");
        assert!(std::mem::take(&mut h.session.postponed));
        unpause(&mut h.state, PausePurpose::Client);
        assert!(!h.state.repl.pause.is_active());
        assert_eq!(h.state.expiry_mode, rds_storage::ExpiryMode::Delete);
    }

    #[test]
    fn the_strongest_purpose_applies_until_its_furthest_end() {
        let mut h = Harness::new();
        pause(&mut h.state, PausePurpose::Failover, i64::MAX, PauseKind::Write);
        pause(&mut h.state, PausePurpose::Client, now() + 100_000, PauseKind::All);
        assert_eq!(h.state.repl.pause.kind, PauseKind::All);
        unpause(&mut h.state, PausePurpose::Client);
        assert_eq!((h.state.repl.pause.kind, h.state.repl.pause.end_ms), (PauseKind::Write, i64::MAX));
        // An end in the past (or wrapped around, as Redis's does for a huge timeout) ends at once.
        pause(&mut h.state, PausePurpose::Client, i64::MIN + 5, PauseKind::All);
        assert_eq!(h.state.repl.pause.kind, PauseKind::Write);
        unpause(&mut h.state, PausePurpose::Failover);
        assert!(!h.state.repl.pause.is_active());
    }

    #[test]
    fn a_write_pause_postpones_writes_and_may_replicate_commands_only() {
        let mut h = Harness::new();
        h.run(&["CLIENT", "PAUSE", "100000", "WRITE"]);
        for words in [&["SET", "k", "v"][..], &["PUBLISH", "c", "m"], &["PFCOUNT", "h"], &["GETEX", "k"]] {
            assert_eq!(h.run(words), "", "{words:?}");
            assert!(std::mem::take(&mut h.session.postponed), "{words:?}");
        }
        assert_eq!(h.state.repl.pause.postponed_count(), 1);
        for (words, reply) in [(&["GET", "k"][..], "$-1\r\n"), (&["PING"], "+PONG\r\n"), (&["MULTI"], "+OK\r\n")] {
            assert_eq!(h.run(words), reply);
            assert!(!h.session.postponed);
        }
        // Inside MULTI, queueing a write waits too; an EXEC of reads does not.
        assert_eq!(h.run(&["SET", "k", "v"]), "");
        assert!(std::mem::take(&mut h.session.postponed));
        assert_eq!(h.run(&["GET", "k"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["EXEC"]), "*1\r\n$-1\r\n");
        // The pause ending wakes the postponed clients.
        h.run(&["CLIENT", "UNPAUSE"]);
        assert_eq!(h.state.repl.pause.postponed_count(), 0);
        assert_eq!(h.run(&["SET", "k", "v"]), "+OK\r\n");
    }

    #[test]
    fn keys_are_hidden_but_not_deleted_while_paused() {
        let mut h = Harness::new();
        h.run(&["SET", "e", "v", "PX", "1"]);
        h.run(&["CLIENT", "PAUSE", "100000", "WRITE"]);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(h.run(&["GET", "e"]), "$-1\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":1\r\n");
        h.run(&["CLIENT", "UNPAUSE"]);
        assert_eq!(h.run(&["GET", "e"]), "$-1\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
    }
}
