//! Monitoring half of the timer: (re)connecting links, the periodic PING/INFO/hello traffic, reply
//! handling, SDOWN and ODOWN, and asking the other sentinels about a master (Redis's
//! `sentinelReconnectInstance`, `sentinelSendPeriodicCommands`, `sentinelCheckSubjectivelyDown`,
//! `sentinelCheckObjectivelyDown`, `sentinelAskMasterStateToOtherSentinels` and their callbacks).

use rds_resp::Frame;

use crate::core::{Level, Sentinel};
use crate::link::LinkEvent;
use crate::model::{
    FailoverState, LinkId, ReplyKind, Sel, SRI_FAILOVER_IN_PROGRESS, SRI_MASTER, SRI_MASTER_DOWN, SRI_MASTER_REBOOT,
    SRI_O_DOWN, SRI_SCRIPT_KILL_SENT, SRI_SENTINEL, SRI_SLAVE, SRI_S_DOWN,
};

/// Commands allowed in flight on one link before periodic traffic pauses.
pub const MAX_PENDING_COMMANDS: usize = 100;
/// The pub/sub channel sentinels talk on.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

impl Sentinel {
    /// Credentials for AUTH towards an instance: (user, pass).
    fn auth_for(&self, m: usize, sel: Sel) -> (Option<String>, Option<String>) {
        let master = &self.masters[m];
        match sel {
            Sel::Master | Sel::Replica(_) => (master.options.auth_user.clone(), master.options.auth_pass.clone()),
            Sel::Sentinel(_) => {
                if self.options.sentinel_pass.is_some() {
                    (self.options.sentinel_user.clone(), self.options.sentinel_pass.clone())
                } else {
                    (None, self.requirepass.clone())
                }
            }
        }
    }

    /// The handshake both links start with: AUTH if configured, then CLIENT SETNAME.
    fn handshake(&self, m: usize, sel: Sel, kind: &str) -> Vec<Vec<Vec<u8>>> {
        let master = &self.masters[m];
        let mut out = Vec::new();
        let (user, pass) = self.auth_for(m, sel);
        if let Some(pass) = pass {
            let auth = master.map_command("AUTH").as_bytes().to_vec();
            match user {
                Some(user) => out.push(vec![auth, user.into_bytes(), pass.into_bytes()]),
                None => out.push(vec![auth, pass.into_bytes()]),
            }
        }
        let id8: String = self.myid.chars().take(8).collect();
        out.push(vec![
            master.map_command("CLIENT").as_bytes().to_vec(),
            b"SETNAME".to_vec(),
            format!("sentinel-{id8}-{kind}").into_bytes(),
        ]);
        out
    }

    pub(crate) fn reconnect_instance(&mut self, now: i64, m: usize, sel: Sel) {
        let ping_period = self.timing.ping_period;
        let Some(inst) = self.masters[m].get(sel) else { return };
        let (inst_id, addr, flags) = (inst.id, inst.addr.clone(), inst.flags);
        let link = self.link_of(inst);
        if !link.disconnected || addr.port == 0 || now - link.last_reconn_time < ping_period {
            return;
        }
        let wants_pubsub = flags & (SRI_MASTER | SRI_SLAVE) != 0;
        let need_cmd = link.cmd.is_none();
        let need_pubsub = wants_pubsub && link.pubsub.is_none();
        if let Some(link) = self.link_mut(m, sel) {
            link.last_reconn_time = now;
        }
        if need_cmd {
            let handle = self.open_link(&addr);
            let handshake = self.handshake(m, sel, "cmd");
            let Some(link) = self.link_mut(m, sel) else { return };
            link.cmd = Some(handle);
            link.cmd_queue.clear();
            link.local_ip = None;
            link.cc_conn_time = now;
            for command in &handshake {
                let args: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                link.send(inst_id, ReplyKind::Discard, &args);
            }
            self.send_ping(now, m, sel);
        }
        if need_pubsub {
            let handle = self.open_link(&addr);
            let handshake = self.handshake(m, sel, "pubsub");
            let subscribe = self.masters[m].map_command("SUBSCRIBE").to_string();
            let Some(link) = self.link_mut(m, sel) else { return };
            for command in &handshake {
                let args: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                handle.send(&args);
            }
            handle.send(&[subscribe.as_bytes(), HELLO_CHANNEL.as_bytes()]);
            link.pubsub_skip = handshake.len();
            link.pubsub = Some(handle);
            link.pc_conn_time = now;
            link.pc_last_activity = now;
        }
        let Some(link) = self.link_mut(m, sel) else { return };
        if link.cmd.is_some() && (flags & SRI_SENTINEL != 0 || link.pubsub.is_some()) {
            link.disconnected = false;
        }
    }

    /// Sends PING; the oldest unanswered PING's time is kept for SDOWN.
    pub(crate) fn send_ping(&mut self, now: i64, m: usize, sel: Sel) -> bool {
        let ping = self.masters[m].map_command("PING").to_string();
        let Some(inst_id) = self.masters[m].get(sel).map(|inst| inst.id) else { return false };
        let Some(link) = self.link_mut(m, sel) else { return false };
        if !link.send(inst_id, ReplyKind::Ping, &[ping.as_bytes()]) {
            return false;
        }
        link.last_ping_time = now;
        if link.act_ping_time == 0 {
            link.act_ping_time = now;
        }
        true
    }

    pub(crate) fn send_periodic_commands(&mut self, now: i64, m: usize, sel: Sel) {
        let master_flags = self.masters[m].inst.flags;
        let info_period_default = self.timing.info_period;
        let ping_period_default = self.timing.ping_period;
        let publish_period = self.timing.publish_period;
        let info_cmd = self.masters[m].map_command("INFO").to_string();
        let Some(inst) = self.masters[m].get(sel) else { return };
        let link = self.link_of(inst);
        if link.disconnected || link.pending_commands() >= MAX_PENDING_COMMANDS {
            return;
        }
        let info_period = if inst.flags & SRI_SLAVE != 0
            && (master_flags & (SRI_O_DOWN | SRI_FAILOVER_IN_PROGRESS) != 0 || inst.master_link_down_time != 0)
        {
            1000
        } else {
            info_period_default
        };
        let ping_period = inst.down_after_ms.min(ping_period_default);
        let wants_info =
            inst.flags & SRI_SENTINEL == 0 && (inst.info_refresh == 0 || now - inst.info_refresh > info_period);
        let wants_ping = now - link.last_pong_time > ping_period && now - link.last_ping_time > ping_period / 2;
        let wants_hello = now - inst.last_pub_time > publish_period;
        let inst_id = inst.id;
        if wants_info {
            if let Some(link) = self.link_mut(m, sel) {
                link.send(inst_id, ReplyKind::Info, &[info_cmd.as_bytes()]);
            }
        }
        if wants_ping {
            self.send_ping(now, m, sel);
        }
        if wants_hello {
            self.send_hello(m, sel);
        }
    }

    pub(crate) fn check_subjectively_down(&mut self, now: i64, m: usize, sel: Sel) {
        let min_reconnect = self.timing.min_link_reconnect_period;
        let publish_period = self.timing.publish_period;
        let info_period = self.timing.info_period;
        let reboot_period = i64::try_from(self.masters[m].options.reboot_down_after_ms).unwrap_or(i64::MAX);
        let Some(inst) = self.masters[m].get(sel) else { return };
        let down_after = inst.down_after_ms;
        let Some(link) = self.links.get_mut(&inst.link) else { return };
        let elapsed = if link.act_ping_time != 0 {
            now - link.act_ping_time
        } else if link.disconnected {
            now - link.last_avail_time
        } else {
            0
        };
        // A command link that looks connected but leaves a PING unanswered for half the down
        // period is probably dead: reconnect it.
        if link.cmd.is_some()
            && now - link.cc_conn_time > min_reconnect
            && link.act_ping_time != 0
            && now - link.act_ping_time > down_after / 2
            && now - link.last_pong_time > down_after / 2
        {
            link.close_cmd();
        }
        // A pub/sub link that saw no hello (not even ours) for three periods is reconnected too.
        if link.pubsub.is_some()
            && now - link.pc_conn_time > min_reconnect
            && now - link.pc_last_activity > publish_period * 3
        {
            link.close_pubsub();
        }
        let Some(inst) = self.masters[m].get_mut(sel) else { return };
        let down = elapsed > inst.down_after_ms
            || (inst.flags & SRI_MASTER != 0
                && inst.role_reported == SRI_SLAVE
                && now - inst.role_reported_time > inst.down_after_ms + info_period * 2)
            || (inst.flags & SRI_MASTER_REBOOT != 0 && now - inst.master_reboot_since > reboot_period);
        if down {
            if inst.flags & SRI_S_DOWN == 0 {
                inst.s_down_since = now;
                inst.flags |= SRI_S_DOWN;
                self.event_at(Level::Warning, "+sdown", m, sel, "");
            }
        } else if inst.flags & SRI_S_DOWN != 0 {
            inst.flags &= !(SRI_S_DOWN | SRI_SCRIPT_KILL_SENT);
            self.event_at(Level::Warning, "-sdown", m, sel, "");
        }
    }

    pub(crate) fn check_objectively_down(&mut self, now: i64, m: usize) {
        let master = &mut self.masters[m];
        let mut votes = 0u32;
        let mut odown = false;
        if master.inst.flags & SRI_S_DOWN != 0 {
            votes = 1 + u32::try_from(master.sentinels.iter().filter(|s| s.flags & SRI_MASTER_DOWN != 0).count())
                .unwrap_or(u32::MAX);
            odown = votes >= master.quorum;
        }
        if odown {
            if master.inst.flags & SRI_O_DOWN == 0 {
                master.inst.flags |= SRI_O_DOWN;
                master.inst.o_down_since = now;
                let quorum = master.quorum;
                self.event_at(Level::Warning, "+odown", m, Sel::Master, &format!(" #quorum {votes}/{quorum}"));
            }
        } else if master.inst.flags & SRI_O_DOWN != 0 {
            master.inst.flags &= !SRI_O_DOWN;
            self.event_at(Level::Warning, "-odown", m, Sel::Master, "");
        }
    }

    /// Asks every other sentinel whether it sees the master down (and, during a failover, for its vote).
    pub(crate) fn ask_master_state_to_other_sentinels(&mut self, now: i64, m: usize, forced: bool) {
        let ask_period = self.timing.ask_period;
        let epoch = self.current_epoch.to_string();
        let master = &mut self.masters[m];
        let runid = if master.failover_state > FailoverState::None { self.myid.clone() } else { "*".to_string() };
        let ip = master.inst.addr.announce(self.options.announce_hostnames).to_string();
        let port = master.inst.addr.port.to_string();
        let sdown = master.inst.flags & SRI_S_DOWN != 0;
        let sentinel_cmd = master.map_command("SENTINEL").to_string();
        let generation = master.address_generation;
        for si in &mut master.sentinels {
            if now - si.last_master_down_reply_time > ask_period * 5 {
                si.flags &= !SRI_MASTER_DOWN;
                si.leader = None;
            }
            let Some(link) = self.links.get_mut(&si.link) else { continue };
            if !sdown || link.disconnected {
                continue;
            }
            if !forced && now - si.last_master_down_reply_time < ask_period {
                continue;
            }
            link.send(
                si.id,
                ReplyKind::IsMasterDown(generation),
                &[
                    sentinel_cmd.as_bytes(),
                    b"is-master-down-by-addr",
                    ip.as_bytes(),
                    port.as_bytes(),
                    epoch.as_bytes(),
                    runid.as_bytes(),
                ],
            );
        }
    }

    /// Applies one event from a link task.
    pub fn on_link_event(&mut self, now: i64, event: LinkEvent) {
        match event {
            LinkEvent::Connected { link, local_ip } => {
                if let Some((link_id, false)) = self.find_link(link) {
                    if let Some(state) = self.links.get_mut(&link_id) {
                        state.local_ip = Some(local_ip);
                    }
                }
            }
            LinkEvent::Closed { link, reason } => {
                let Some((link_id, pubsub)) = self.find_link(link) else { return };
                if let Some((m, sel)) = self.first_user(link_id) {
                    let kind = if pubsub { "-pubsub-link-reconnection" } else { "-cmd-link-reconnection" };
                    self.event_at(Level::Debug, kind, m, sel, &format!(" #{reason}"));
                }
                if let Some(state) = self.links.get_mut(&link_id) {
                    if pubsub {
                        state.close_pubsub();
                    } else {
                        state.close_cmd();
                    }
                }
            }
            LinkEvent::Frame { link, frame } => {
                let Some((link_id, pubsub)) = self.find_link(link) else { return };
                if pubsub {
                    self.on_pubsub_frame(now, link_id, frame);
                } else {
                    self.on_reply(now, link_id, frame);
                }
            }
        }
    }

    fn on_pubsub_frame(&mut self, now: i64, link_id: LinkId, frame: Frame) {
        let Some(link) = self.links.get_mut(&link_id) else { return };
        if link.pubsub_skip > 0 {
            link.pubsub_skip -= 1;
            return;
        }
        link.pc_last_activity = now;
        let (Frame::Array(items) | Frame::Push(items)) = frame else { return };
        let [Frame::Bulk(kind), Frame::Bulk(_channel), Frame::Bulk(payload)] = items.as_slice() else { return };
        if kind.as_ref() != b"message" {
            return;
        }
        let Ok(payload) = std::str::from_utf8(payload) else { return };
        if payload.contains(self.myid.as_str()) {
            return;
        }
        self.process_hello(now, payload);
    }

    /// A reply on a command link: it answers the oldest pending command, for the instance that sent it.
    fn on_reply(&mut self, now: i64, link_id: LinkId, frame: Frame) {
        let Some(link) = self.links.get_mut(&link_id) else { return };
        let Some((sender, kind)) = link.cmd_queue.pop_front() else { return };
        // The sender may be gone (its master removed or reset) while the link lives on: ignore the reply.
        let Some((m, sel)) = self.instance_by_id(sender) else { return };
        match kind {
            ReplyKind::Discard => {}
            ReplyKind::Ping => self.on_ping_reply(now, m, sel, &frame),
            ReplyKind::Info => {
                let text = match &frame {
                    Frame::Bulk(b) | Frame::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
                    _ => return,
                };
                self.refresh_instance_info(now, m, sel, &text);
                // The replica selection may be waiting for this reply.
                if matches!(sel, Sel::Replica(_))
                    && self.masters[m].failover_state == FailoverState::SelectSlave
                    && !self.tilt
                {
                    self.failover_state_machine(now, m);
                }
            }
            ReplyKind::Publish => {
                if !matches!(frame, Frame::Error(_) | Frame::BlobError(_)) {
                    if let Some(inst) = self.masters[m].get_mut(sel) {
                        inst.last_pub_time = now;
                    }
                }
            }
            ReplyKind::IsMasterDown(generation) => {
                // An answer about the address the master had before a switch says nothing about the new one.
                if generation == self.masters[m].address_generation {
                    self.on_is_master_down_reply(now, m, sel, &frame);
                }
            }
        }
    }

    fn on_ping_reply(&mut self, now: i64, m: usize, sel: Sel, frame: &Frame) {
        let script_cmd = self.masters[m].map_command("SCRIPT").to_string();
        let Some(inst) = self.masters[m].get_mut(sel) else { return };
        let Some(link) = self.links.get_mut(&inst.link) else { return };
        if let Frame::Simple(text) | Frame::Error(text) = frame {
            let text = text.as_ref();
            if text.starts_with(b"PONG") || text.starts_with(b"LOADING") || text.starts_with(b"MASTERDOWN") {
                link.last_avail_time = now;
                link.act_ping_time = 0;
                if inst.flags & SRI_MASTER_REBOOT != 0 && text.starts_with(b"PONG") {
                    inst.flags &= !SRI_MASTER_REBOOT;
                }
            } else if text.starts_with(b"BUSY")
                && inst.flags & SRI_S_DOWN != 0
                && inst.flags & SRI_SCRIPT_KILL_SENT == 0
            {
                link.send(inst.id, ReplyKind::Discard, &[script_cmd.as_bytes(), b"KILL"]);
                inst.flags |= SRI_SCRIPT_KILL_SENT;
            }
        }
        link.last_pong_time = now;
    }

    fn on_is_master_down_reply(&mut self, now: i64, m: usize, sel: Sel, frame: &Frame) {
        let Some(si) = self.masters[m].get_mut(sel) else { return };
        let Frame::Array(items) = frame else { return };
        let [Frame::Integer(down), leader, Frame::Integer(epoch)] = items.as_slice() else { return };
        let leader = match leader {
            Frame::Bulk(b) | Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
            _ => return,
        };
        si.last_master_down_reply_time = now;
        if *down == 1 {
            si.flags |= SRI_MASTER_DOWN;
        } else {
            si.flags &= !SRI_MASTER_DOWN;
        }
        if leader != "*" {
            let epoch = u64::try_from(*epoch).unwrap_or(0);
            if si.leader_epoch != epoch {
                tracing::warn!("{} voted for {} {}", si.name, leader, epoch);
            }
            si.leader = Some(leader);
            si.leader_epoch = epoch;
        }
        if !self.tilt {
            self.master_decisions(now, m);
        }
    }

    /// True when an INFO sent to the instance has not been answered yet.
    pub(crate) fn info_pending(&self, m: usize, sel: Sel) -> bool {
        let Some(inst) = self.masters[m].get(sel) else { return false };
        let link = self.link_of(inst);
        link.cmd.is_some() && link.cmd_queue.iter().any(|(id, kind)| *id == inst.id && *kind == ReplyKind::Info)
    }

    /// Sends INFO now, outside the INFO period: after a SLAVEOF transaction its reply shows the new
    /// role (commands on a link are served in order), a second earlier on average than the next
    /// periodic INFO.
    pub(crate) fn send_info(&mut self, m: usize, sel: Sel) -> bool {
        let info_cmd = self.masters[m].map_command("INFO").to_string();
        let Some(inst_id) = self.masters[m].get(sel).map(|inst| inst.id) else { return false };
        let Some(link) = self.link_mut(m, sel) else { return false };
        link.send(inst_id, ReplyKind::Info, &[info_cmd.as_bytes()])
    }
}
