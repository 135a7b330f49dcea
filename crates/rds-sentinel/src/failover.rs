//! Epochs, leader election and the failover state machine (Redis's `sentinelStartFailover*`,
//! `sentinelVoteLeader`, `sentinelGetLeader`, `sentinelFailover*`, `sentinelSelectSlave`,
//! `sentinelSendSlaveOf` and `sentinelResetMasterAndChangeAddress`).

use std::cmp::Ordering;

use crate::core::{Level, Sentinel, SIMFAILURE_CRASH_AFTER_ELECTION};
use crate::model::{
    Addr, FailoverState, Instance, ReplyKind, Sel, SRI_FAILOVER_IN_PROGRESS, SRI_FORCE_FAILOVER, SRI_MASTER,
    SRI_MASTER_DOWN, SRI_O_DOWN, SRI_PROMOTED, SRI_RECONF_DONE, SRI_RECONF_INPROG, SRI_RECONF_SENT, SRI_SLAVE,
    SRI_S_DOWN,
};

/// Longest random delay added to a failover start, so sentinels do not all start at once.
pub const MAX_DESYNC_MS: u64 = 1000;

/// INFO period of replicas while their master is ODOWN or failing over (Redis's fixed 1000).
pub const FAILOVER_INFO_PERIOD_MS: i64 = 1000;

/// C's `ctime` without the newline (`Sat Nov 21 16:10:01 2026`), in UTC, as Redis prints the time
/// before which a new failover will not start.
pub fn ctime(unix_secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let stamp = rds_log::timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix_secs));
    // "dd Mon yyyy hh:mm:ss.mmm"
    let mut parts = stamp.split(' ');
    let (day, month, year, time) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let weekday = DAYS[usize::try_from((unix_secs / 86_400) % 7).unwrap_or(0)];
    let day = day.trim_start_matches('0');
    let time = time.split('.').next().unwrap_or_default();
    format!("{weekday} {month} {day:>2} {time} {year}")
}

/// Exits like Redis's `sentinelSimFailureCrash`.
pub fn simulated_crash() -> ! {
    tracing::warn!("Sentinel simulated failure crash");
    std::process::exit(99);
}

/// Promotion order: lower priority, then higher offset, then smaller run id (missing run ids last).
pub fn compare_replicas(a: &Instance, b: &Instance) -> Ordering {
    a.slave_priority.cmp(&b.slave_priority).then_with(|| b.slave_repl_offset.cmp(&a.slave_repl_offset)).then_with(
        || match (&a.runid, &b.runid) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()),
        },
    )
}

impl Sentinel {
    /// The replica to promote, if any qualifies (Redis's `sentinelSelectSlave`).
    pub fn select_slave(&self, now: i64, m: usize) -> Option<usize> {
        let master = &self.masters[m];
        let sdown = master.inst.flags & SRI_S_DOWN != 0;
        let mut max_master_down_time = master.inst.down_after_ms.saturating_mul(10);
        if sdown {
            max_master_down_time += now - master.inst.s_down_since;
        }
        let info_validity = if sdown { self.timing.ping_period * 5 } else { self.timing.info_period * 3 };
        let mut candidates: Vec<usize> = (0..master.replicas.len())
            .filter(|&i| {
                let r = &master.replicas[i];
                let link = self.link_of(r);
                r.flags & (SRI_S_DOWN | SRI_O_DOWN) == 0
                    && !link.disconnected
                    && now - link.last_avail_time <= self.timing.ping_period * 5
                    && r.slave_priority != 0
                    && now - r.info_refresh <= info_validity
                    && r.master_link_down_time <= max_master_down_time
            })
            .collect();
        candidates.sort_by(|&a, &b| compare_replicas(&master.replicas[a], &master.replicas[b]));
        candidates.first().copied()
    }

    /// Votes for `req_runid` in `req_epoch` unless we already voted in that epoch; returns our vote.
    pub fn vote_leader(&mut self, now: i64, m: usize, req_epoch: u64, req_runid: &str) -> (Option<String>, u64) {
        if req_epoch > self.current_epoch {
            self.current_epoch = req_epoch;
            self.flush_config();
            self.event(Level::Warning, "+new-epoch", Some(m), req_epoch.to_string());
        }
        let current = self.current_epoch;
        if self.masters[m].inst.leader_epoch < req_epoch && current <= req_epoch {
            self.masters[m].inst.leader = Some(req_runid.to_string());
            self.masters[m].inst.leader_epoch = current;
            self.flush_config();
            self.event(Level::Warning, "+vote-for-leader", Some(m), format!("{req_runid} {current}"));
            if !req_runid.eq_ignore_ascii_case(&self.myid) {
                // We voted for another sentinel: give it time before we try a failover ourselves.
                let desync = i64::try_from(self.random() % MAX_DESYNC_MS).unwrap_or(0);
                self.masters[m].failover_start_time = now + desync;
            }
        }
        let inst = &self.masters[m].inst;
        (inst.leader.clone(), inst.leader_epoch)
    }

    /// The elected leader for `epoch`, if one has a majority and the quorum (we cast our vote here).
    pub fn get_leader(&mut self, now: i64, m: usize, epoch: u64) -> Option<String> {
        let current = self.current_epoch;
        let master = &self.masters[m];
        let voters = master.sentinels.len() + 1;
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in &master.sentinels {
            if let Some(leader) = s.leader.as_ref().filter(|_| s.leader_epoch == current) {
                match counts.iter_mut().find(|(runid, _)| runid == leader) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((leader.clone(), 1)),
                }
            }
        }
        let mut winner: Option<String> = None;
        let mut max_votes = 0;
        for (runid, n) in &counts {
            if *n > max_votes {
                max_votes = *n;
                winner = Some(runid.clone());
            }
        }
        let candidate = winner.clone().unwrap_or_else(|| self.myid.clone());
        let (my_vote, leader_epoch) = self.vote_leader(now, m, epoch, &candidate);
        if let Some(vote) = my_vote.filter(|_| leader_epoch == epoch) {
            let n = counts.iter().find(|(runid, _)| *runid == vote).map_or(0, |(_, n)| *n) + 1;
            if n > max_votes {
                max_votes = n;
                winner = Some(vote);
            }
        }
        let quorum = usize::try_from(self.masters[m].quorum).unwrap_or(usize::MAX);
        winner.filter(|_| max_votes > voters / 2 && max_votes >= quorum)
    }

    /// Starts a failover when the master is ODOWN and no attempt is too recent.
    pub(crate) fn start_failover_if_needed(&mut self, now: i64, m: usize) -> bool {
        let master = &mut self.masters[m];
        if master.inst.flags & SRI_O_DOWN == 0 || master.inst.flags & SRI_FAILOVER_IN_PROGRESS != 0 {
            return false;
        }
        if now - master.failover_start_time < master.failover_timeout_ms.saturating_mul(2) {
            if master.failover_delay_logged != master.failover_start_time {
                master.failover_delay_logged = master.failover_start_time;
                let at = master.failover_start_time + master.failover_timeout_ms.saturating_mul(2);
                let when = ctime(u64::try_from(at / 1000).unwrap_or(0));
                tracing::warn!("Next failover delay: I will not start a failover before {when}");
            }
            return false;
        }
        self.start_failover(now, m);
        true
    }

    /// Enters WAIT_START in a new epoch.
    pub fn start_failover(&mut self, now: i64, m: usize) {
        self.current_epoch += 1;
        let epoch = self.current_epoch;
        let desync = i64::try_from(self.random() % MAX_DESYNC_MS).unwrap_or(0);
        let master = &mut self.masters[m];
        master.failover_state = FailoverState::WaitStart;
        master.inst.flags |= SRI_FAILOVER_IN_PROGRESS;
        master.failover_epoch = epoch;
        master.failover_start_time = now + desync;
        master.failover_state_change_time = now;
        self.event(Level::Warning, "+new-epoch", Some(m), epoch.to_string());
        self.event_at(Level::Warning, "+try-failover", m, Sel::Master, "");
        // From now on replicas get INFO every second (Redis sends the first at its next timer
        // call): send it now, so that the replica selection right after the election sees fresh
        // INFO.
        for r in 0..self.masters[m].replicas.len() {
            let replica = &self.masters[m].replicas[r];
            if now - replica.info_refresh > FAILOVER_INFO_PERIOD_MS && !self.info_pending(m, Sel::Replica(r)) {
                self.send_info(m, Sel::Replica(r));
            }
        }
    }

    /// Runs the failover state machine. The states that only act (select a replica, send the
    /// promotion) follow the one that led to them at once, where Redis takes one timer call (up to
    /// 100 ms) per state; the events and commands are the same and in the same order.
    pub(crate) fn failover_state_machine(&mut self, now: i64, m: usize) {
        loop {
            let before = self.masters[m].failover_state;
            self.failover_step(now, m);
            let after = self.masters[m].failover_state;
            if after == before || !matches!(after, FailoverState::SelectSlave | FailoverState::SendSlaveofNoone) {
                return;
            }
        }
    }

    fn failover_step(&mut self, now: i64, m: usize) {
        if self.masters[m].inst.flags & SRI_FAILOVER_IN_PROGRESS == 0 {
            return;
        }
        match self.masters[m].failover_state {
            FailoverState::WaitStart => self.failover_wait_start(now, m),
            FailoverState::SelectSlave => self.failover_select_slave(now, m),
            FailoverState::SendSlaveofNoone => self.failover_send_slaveof_noone(now, m),
            FailoverState::WaitPromotion => {
                if now - self.masters[m].failover_state_change_time > self.masters[m].failover_timeout_ms {
                    self.event_at(Level::Warning, "-failover-abort-slave-timeout", m, Sel::Master, "");
                    self.abort_failover(now, m);
                }
            }
            FailoverState::ReconfSlaves => self.failover_reconf_next_slave(now, m),
            FailoverState::None | FailoverState::UpdateConfig => {}
        }
    }

    fn failover_wait_start(&mut self, now: i64, m: usize) {
        let epoch = self.masters[m].failover_epoch;
        let leader = self.get_leader(now, m, epoch);
        let is_leader = leader.is_some_and(|l| l.eq_ignore_ascii_case(&self.myid));
        let master = &self.masters[m];
        if !is_leader && master.inst.flags & SRI_FORCE_FAILOVER == 0 {
            let election_timeout = self.timing.election_timeout.min(master.failover_timeout_ms);
            if now - master.failover_start_time > election_timeout {
                self.event_at(Level::Warning, "-failover-abort-not-elected", m, Sel::Master, "");
                self.abort_failover(now, m);
            }
            return;
        }
        self.event_at(Level::Warning, "+elected-leader", m, Sel::Master, "");
        if self.simfailure_flags & SIMFAILURE_CRASH_AFTER_ELECTION != 0 {
            simulated_crash();
        }
        let master = &mut self.masters[m];
        master.failover_state = FailoverState::SelectSlave;
        master.failover_state_change_time = now;
        self.event_at(Level::Warning, "+failover-state-select-slave", m, Sel::Master, "");
    }

    fn failover_select_slave(&mut self, now: i64, m: usize) {
        let Some(r) = self.select_slave(now, m) else {
            // Redis selects a timer call or more after the election, by when the INFO replies asked
            // when the failover started have arrived; here the selection may follow the election at
            // once. A replica whose INFO is on its way may still qualify: wait for it (the reply runs
            // the state machine), for at most one INFO period.
            let waited = now - self.masters[m].failover_state_change_time;
            let pending = (0..self.masters[m].replicas.len()).any(|r| self.info_pending(m, Sel::Replica(r)));
            if pending && waited < FAILOVER_INFO_PERIOD_MS {
                return;
            }
            self.event_at(Level::Warning, "-failover-abort-no-good-slave", m, Sel::Master, "");
            self.abort_failover(now, m);
            return;
        };
        self.event_at(Level::Warning, "+selected-slave", m, Sel::Replica(r), "");
        let master = &mut self.masters[m];
        master.replicas[r].flags |= SRI_PROMOTED;
        master.promoted = Some(master.replicas[r].name.clone());
        master.failover_state = FailoverState::SendSlaveofNoone;
        master.failover_state_change_time = now;
        self.event_at(Level::Notice, "+failover-state-send-slaveof-noone", m, Sel::Replica(r), "");
    }

    fn failover_send_slaveof_noone(&mut self, now: i64, m: usize) {
        let Some(r) = self.masters[m].promoted_index() else {
            self.abort_failover(now, m);
            return;
        };
        if self.link_of(&self.masters[m].replicas[r]).disconnected {
            if now - self.masters[m].failover_state_change_time > self.masters[m].failover_timeout_ms {
                self.event_at(Level::Warning, "-failover-abort-slave-timeout", m, Sel::Master, "");
                self.abort_failover(now, m);
            }
            return;
        }
        if !self.send_slaveof(m, Sel::Replica(r), None) {
            return;
        }
        self.send_info(m, Sel::Replica(r));
        self.event_at(Level::Notice, "+failover-state-wait-promotion", m, Sel::Replica(r), "");
        let master = &mut self.masters[m];
        master.failover_state = FailoverState::WaitPromotion;
        master.failover_state_change_time = now;
    }

    fn failover_reconf_next_slave(&mut self, now: i64, m: usize) {
        let Some(promoted) = self.masters[m].promoted_index().map(|p| self.masters[m].replicas[p].addr.clone()) else {
            return;
        };
        let parallel = usize::try_from(self.masters[m].parallel_syncs).unwrap_or(1);
        let reconf_timeout = self.timing.slave_reconf_timeout;
        let mut in_progress =
            self.masters[m].replicas.iter().filter(|r| r.flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG) != 0).count();
        let mut r = 0;
        while in_progress < parallel && r < self.masters[m].replicas.len() {
            let replica = &mut self.masters[m].replicas[r];
            r += 1;
            if replica.flags & (SRI_PROMOTED | SRI_RECONF_DONE) != 0 {
                continue;
            }
            if replica.flags & SRI_RECONF_SENT != 0 && now - replica.slave_reconf_sent_time > reconf_timeout {
                replica.flags &= !SRI_RECONF_SENT;
                replica.flags |= SRI_RECONF_DONE;
                self.event_at(Level::Notice, "-slave-reconf-sent-timeout", m, Sel::Replica(r - 1), "");
            }
            let replica = &self.masters[m].replicas[r - 1];
            if replica.flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG) != 0 || self.link_of(replica).disconnected {
                continue;
            }
            if self.send_slaveof(m, Sel::Replica(r - 1), Some(&promoted)) {
                self.send_info(m, Sel::Replica(r - 1));
                let replica = &mut self.masters[m].replicas[r - 1];
                replica.flags |= SRI_RECONF_SENT;
                replica.slave_reconf_sent_time = now;
                self.event_at(Level::Notice, "+slave-reconf-sent", m, Sel::Replica(r - 1), "");
                in_progress += 1;
            }
        }
        self.failover_detect_end(now, m);
    }

    fn failover_detect_end(&mut self, now: i64, m: usize) {
        let master = &self.masters[m];
        let Some(p) = master.promoted_index() else { return };
        if master.replicas[p].flags & SRI_S_DOWN != 0 {
            return;
        }
        let mut not_reconfigured = master
            .replicas
            .iter()
            .filter(|r| r.flags & (SRI_PROMOTED | SRI_RECONF_DONE) == 0 && r.flags & SRI_S_DOWN == 0)
            .count();
        let timeout = now - master.failover_state_change_time > master.failover_timeout_ms;
        if timeout {
            not_reconfigured = 0;
            self.event_at(Level::Warning, "+failover-end-for-timeout", m, Sel::Master, "");
        }
        if not_reconfigured == 0 {
            self.event_at(Level::Warning, "+failover-end", m, Sel::Master, "");
            let master = &mut self.masters[m];
            master.failover_state = FailoverState::UpdateConfig;
            master.failover_state_change_time = now;
        }
        if timeout {
            let promoted = self.masters[m].replicas[p].addr.clone();
            for r in 0..self.masters[m].replicas.len() {
                let replica = &self.masters[m].replicas[r];
                if replica.flags & (SRI_PROMOTED | SRI_RECONF_DONE | SRI_RECONF_SENT) != 0
                    || self.link_of(replica).disconnected
                {
                    continue;
                }
                if self.send_slaveof(m, Sel::Replica(r), Some(&promoted)) {
                    self.event_at(Level::Notice, "+slave-reconf-sent-be", m, Sel::Replica(r), "");
                    self.masters[m].replicas[r].flags |= SRI_RECONF_SENT;
                }
            }
        }
    }

    /// Leaves the failover (only before the promotion was observed).
    pub(crate) fn abort_failover(&mut self, now: i64, m: usize) {
        let master = &mut self.masters[m];
        master.inst.flags &= !(SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER);
        master.failover_state = FailoverState::None;
        master.failover_state_change_time = now;
        if let Some(p) = master.promoted_index() {
            master.replicas[p].flags &= !SRI_PROMOTED;
        }
        master.promoted = None;
    }

    /// Sends the MULTI / SLAVEOF / CONFIG REWRITE / CLIENT KILL x2 / EXEC transaction; `to` None
    /// means `SLAVEOF NO ONE`. Replies are ignored: INFO shows the effect.
    pub fn send_slaveof(&mut self, m: usize, sel: Sel, to: Option<&Addr>) -> bool {
        let ah = self.options.announce_hostnames;
        let master = &self.masters[m];
        let (host, port) = match to {
            None => ("NO".to_string(), "ONE".to_string()),
            Some(addr) => (addr.announce(ah).to_string(), addr.port.to_string()),
        };
        let cmd = |name: &str| master.map_command(name).as_bytes().to_vec();
        let commands: [Vec<Vec<u8>>; 6] = [
            vec![cmd("MULTI")],
            vec![cmd("SLAVEOF"), host.into_bytes(), port.into_bytes()],
            vec![cmd("CONFIG"), b"REWRITE".to_vec()],
            vec![cmd("CLIENT"), b"KILL".to_vec(), b"TYPE".to_vec(), b"normal".to_vec()],
            vec![cmd("CLIENT"), b"KILL".to_vec(), b"TYPE".to_vec(), b"pubsub".to_vec()],
            vec![cmd("EXEC")],
        ];
        let Some(inst_id) = self.masters[m].get(sel).map(|inst| inst.id) else { return false };
        let Some(link) = self.link_mut(m, sel) else { return false };
        if link.cmd.is_none() {
            return false;
        }
        for command in &commands {
            let args: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
            if !link.send(inst_id, ReplyKind::Discard, &args) {
                return false;
            }
        }
        // CLIENT KILL TYPE pubsub closes our own pub/sub connection to the instance: let the next
        // timer call reconnect it even if the link is less than a reconnection period old, or an
        // instance whose last PONG is older than down-after would look SDOWN meanwhile.
        link.last_reconn_time = 0;
        true
    }

    /// UPDATE_CONFIG: the master entry moves to the promoted replica.
    pub(crate) fn switch_to_promoted(&mut self, now: i64, m: usize) {
        let master = &self.masters[m];
        let to = master.promoted_index().map_or_else(|| master.inst.addr.clone(), |p| master.replicas[p].addr.clone());
        let ah = self.options.announce_hostnames;
        let text = format!(
            "{} {} {} {} {}",
            master.inst.name,
            master.inst.addr.announce(ah),
            master.inst.addr.port,
            to.announce(ah),
            to.port
        );
        self.event(Level::Warning, "+switch-master", Some(m), text);
        self.reset_master_and_change_address(now, m, &to.hostname, to.port);
    }

    /// Clears a master entry's replicas (and sentinels unless `keep_sentinels`), links and failover state.
    pub fn reset_master(&mut self, now: i64, m: usize, keep_sentinels: bool, event: bool) {
        let master = &mut self.masters[m];
        master.replicas.clear();
        if !keep_sentinels {
            master.sentinels.clear();
        }
        master.inst.flags &= SRI_MASTER;
        master.inst.leader = None;
        master.failover_state = FailoverState::None;
        master.failover_state_change_time = 0;
        master.failover_start_time = 0;
        master.promoted = None;
        let inst = &mut master.inst;
        inst.runid = None;
        inst.slave_master_host = None;
        inst.role_reported_time = now;
        inst.role_reported = SRI_MASTER;
        if let Some(link) = self.link_mut(m, Sel::Master) {
            link.close();
            link.act_ping_time = now;
            link.last_ping_time = 0;
            link.last_avail_time = now;
            link.last_pong_time = now;
        }
        if event {
            self.event_at(Level::Warning, "+reset-master", m, Sel::Master, "");
        }
    }

    /// Points the master entry at `host:port`; every other known address (old master included)
    /// becomes a replica. False if the address is unusable.
    pub fn reset_master_and_change_address(&mut self, now: i64, m: usize, host: &str, port: u16) -> bool {
        let Some(new_addr) = Addr::resolve(host, port, self.options.resolve_hostnames) else { return false };
        let resolve = self.options.resolve_hostnames;
        let master = &self.masters[m];
        let mut replicas: Vec<Addr> = master
            .replicas
            .iter()
            .filter(|r| !(r.addr.equals_host(host, resolve) && r.addr.port == port))
            .map(|r| r.addr.clone())
            .collect();
        if !(new_addr.equals_host(&master.inst.addr.hostname, resolve) && master.inst.addr.port == port) {
            replicas.push(master.inst.addr.clone());
        }
        self.reset_master(now, m, true, false);
        let master = &mut self.masters[m];
        master.inst.addr = new_addr;
        master.inst.o_down_since = 0;
        master.inst.s_down_since = 0;
        let down_after = master.inst.down_after_ms;
        for addr in replicas {
            let name = self.replica_name(&addr);
            let (id, link) = (self.new_id(), self.new_link(now));
            let replica = Instance::new(id, SRI_SLAVE, name, addr, down_after, now, link);
            self.masters[m].replicas.push(replica);
            let r = self.masters[m].replicas.len() - 1;
            self.event_at(Level::Notice, "+slave", m, Sel::Replica(r), "");
        }
        // Redis keeps the peers' "master is down" answers (for 5 s) and the reconnection throttle of
        // the old address across the switch: a new master whose first PONG comes after down-after
        // (the link may start up to a second late) is then SDOWN and at once ODOWN, and fails over
        // again. The answers were about the old address, and the new address was never tried: forget
        // the former and connect now, so down-after counts from this link's start.
        let master = &mut self.masters[m];
        master.address_generation += 1;
        for si in &mut master.sentinels {
            si.flags &= !SRI_MASTER_DOWN;
        }
        if let Some(link) = self.link_mut(m, Sel::Master) {
            link.last_reconn_time = 0;
        }
        self.reconnect_instance(now, m, Sel::Master);
        self.flush_config();
        true
    }

    /// Queues the client-reconfig-script: `<master> <role> <state> <from-ip> <from-port> <to-ip> <to-port>`.
    pub(crate) fn call_client_reconfig_script(&mut self, m: usize, role: &str, state: &str, from: &Addr, to: &Addr) {
        let master = &self.masters[m];
        let Some(script) = master.options.client_reconfig_script.clone() else { return };
        let ah = self.options.announce_hostnames;
        let args = vec![
            master.inst.name.clone(),
            role.to_string(),
            state.to_string(),
            from.announce(ah).to_string(),
            from.port.to_string(),
            to.announce(ah).to_string(),
            to.port.to_string(),
        ];
        self.scripts.push((script, args));
    }
}

#[cfg(test)]
mod ctime_tests {
    #[test]
    fn ctime_matches_c() {
        assert_eq!(super::ctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(super::ctime(1_795_277_401), "Sat Nov 21 16:10:01 2026");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(priority: i64, offset: u64, runid: Option<&str>) -> Instance {
        let addr = Addr::resolve("127.0.0.1", 1, false).unwrap();
        let mut r = Instance::new(1, SRI_SLAVE, "r".into(), addr, 1000, 0, 1);
        r.slave_priority = priority;
        r.slave_repl_offset = offset;
        r.runid = runid.map(str::to_string);
        r
    }

    #[test]
    fn replicas_order_by_priority_offset_then_runid() {
        let a = replica(10, 5, Some("b"));
        let b = replica(100, 50, Some("a"));
        assert_eq!(compare_replicas(&a, &b), Ordering::Less);
        let c = replica(100, 60, Some("z"));
        assert_eq!(compare_replicas(&c, &b), Ordering::Less);
        let d = replica(100, 50, Some("A0"));
        assert_eq!(compare_replicas(&b, &d), Ordering::Less);
        let e = replica(100, 50, None);
        assert_eq!(compare_replicas(&b, &e), Ordering::Less);
        assert_eq!(compare_replicas(&e, &e), Ordering::Equal);
    }
}
