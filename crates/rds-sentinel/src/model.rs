//! The instances a sentinel tracks (masters, their replicas, the other sentinels watching them) with
//! Redis's `SRI_*` flags and timestamps. All times are milliseconds on the core's clock (`now_ms`),
//! which starts at the wall clock and then advances monotonically.

use crate::config::MasterOptions;
use crate::link::LinkHandle;
use std::collections::VecDeque;
use std::net::{IpAddr, ToSocketAddrs};

/// The instance is a master.
pub const SRI_MASTER: u32 = 1 << 0;
/// The instance is a replica.
pub const SRI_SLAVE: u32 = 1 << 1;
/// The instance is another sentinel.
pub const SRI_SENTINEL: u32 = 1 << 2;
/// Subjectively down.
pub const SRI_S_DOWN: u32 = 1 << 3;
/// Objectively down (masters only).
pub const SRI_O_DOWN: u32 = 1 << 4;
/// A sentinel that told us the master is down.
pub const SRI_MASTER_DOWN: u32 = 1 << 5;
/// A failover of this master is running.
pub const SRI_FAILOVER_IN_PROGRESS: u32 = 1 << 6;
/// The replica chosen for promotion.
pub const SRI_PROMOTED: u32 = 1 << 7;
/// SLAVEOF sent to this replica during a failover.
pub const SRI_RECONF_SENT: u32 = 1 << 8;
/// The replica is syncing with the new master.
pub const SRI_RECONF_INPROG: u32 = 1 << 9;
/// The replica finished syncing with the new master.
pub const SRI_RECONF_DONE: u32 = 1 << 10;
/// Failover forced by SENTINEL FAILOVER (no election).
pub const SRI_FORCE_FAILOVER: u32 = 1 << 11;
/// SCRIPT KILL already sent to this busy instance.
pub const SRI_SCRIPT_KILL_SENT: u32 = 1 << 12;
/// The master rebooted and has not answered PONG since.
pub const SRI_MASTER_REBOOT: u32 = 1 << 13;

/// Default `replica-priority` until INFO says otherwise.
pub const DEFAULT_SLAVE_PRIORITY: i64 = 100;

/// The failover state machine's states, in Redis's numeric order (comparisons rely on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailoverState {
    /// No failover.
    None,
    /// Waiting to win the election.
    WaitStart,
    /// Choosing the replica to promote.
    SelectSlave,
    /// Sending the promotion transaction.
    SendSlaveofNoone,
    /// Waiting for the replica to report `role:master`.
    WaitPromotion,
    /// Pointing the other replicas at the promoted one.
    ReconfSlaves,
    /// Switching the master entry to the promoted replica.
    UpdateConfig,
}

impl FailoverState {
    /// The name SENTINEL MASTER shows in `failover-state`.
    pub fn name(self) -> &'static str {
        match self {
            FailoverState::None => "none",
            FailoverState::WaitStart => "wait_start",
            FailoverState::SelectSlave => "select_slave",
            FailoverState::SendSlaveofNoone => "send_slaveof_noone",
            FailoverState::WaitPromotion => "wait_promotion",
            FailoverState::ReconfSlaves => "reconf_slaves",
            FailoverState::UpdateConfig => "update_config",
        }
    }
}

/// An instance address: the name it was given and the IP it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// The name as configured or announced (equal to `ip` unless hostnames are used).
    pub hostname: String,
    /// The resolved IP address.
    pub ip: String,
    /// TCP port.
    pub port: u16,
}

impl Addr {
    /// Resolves `host` like Redis's `createSentinelAddr`: an IP literal always works, a hostname
    /// only with `resolve-hostnames yes`.
    pub fn resolve(host: &str, port: u16, resolve_hostnames: bool) -> Option<Addr> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(Addr { hostname: host.to_string(), ip: ip.to_string(), port });
        }
        if !resolve_hostnames || host.is_empty() {
            return None;
        }
        let mut addrs = (host, port).to_socket_addrs().ok()?;
        let ip = addrs.next()?.ip();
        Some(Addr { hostname: host.to_string(), ip: ip.to_string(), port })
    }

    /// The address we print and announce: the hostname with `announce-hostnames yes`, else the IP.
    pub fn announce(&self, announce_hostnames: bool) -> &str {
        if announce_hostnames {
            &self.hostname
        } else {
            &self.ip
        }
    }

    /// True when `host:port` is this address by IP or by name (Redis's
    /// `sentinelAddrOrHostnameEqual`, used to find instances from hello messages and requests).
    pub fn matches(&self, host: &str, port: i64, resolve_hostnames: bool) -> bool {
        if i64::from(self.port) != port {
            return false;
        }
        if self.ip == host || self.hostname.eq_ignore_ascii_case(host) {
            return true;
        }
        resolve_hostnames
            && host.parse::<IpAddr>().is_err()
            && Addr::resolve(host, self.port, true).is_some_and(|other| other.ip == self.ip)
    }

    /// True when `host` names this address (Redis's `sentinelAddrEqualsHostname`).
    pub fn equals_host(&self, host: &str, resolve_hostnames: bool) -> bool {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.ip.parse::<IpAddr>().map(|own| own == ip).unwrap_or(false);
        }
        if resolve_hostnames {
            if let Some(resolved) = Addr::resolve(host, self.port, true) {
                return resolved.ip.eq_ignore_ascii_case(&self.ip);
            }
            return self.hostname.eq_ignore_ascii_case(host);
        }
        self.ip.eq_ignore_ascii_case(host)
    }
}

/// `ip:port`, with brackets around IPv6 addresses: the name of a replica.
pub fn addr_name(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What a reply on the command link answers, in the order the commands were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// AUTH, CLIENT SETNAME, the SLAVEOF transaction, SCRIPT KILL: reply ignored.
    Discard,
    /// PING.
    Ping,
    /// INFO.
    Info,
    /// PUBLISH of a hello message.
    Publish,
    /// SENTINEL is-master-down-by-addr, asked about the master's address of this generation
    /// ([`Master::address_generation`]).
    IsMasterDown(u64),
}

/// Identifies a [`LinkState`] in [`Links`].
pub type LinkId = u64;

/// Every instance's links by id. Instances naming the same other sentinel (same run id) in several
/// masters share one link, as Redis's sentinels share an `instanceLink` (`link-refcount`).
pub type Links = std::collections::HashMap<LinkId, LinkState>;

/// The two connections to an instance and their health timestamps (Redis's `instanceLink`).
#[derive(Debug)]
pub struct LinkState {
    /// The command connection.
    pub cmd: Option<LinkHandle>,
    /// The pub/sub connection (masters and replicas only).
    pub pubsub: Option<LinkHandle>,
    /// Replies awaited on the command connection, oldest first, with the id of the instance that
    /// sent each command (a shared link carries the commands of several instances).
    pub cmd_queue: VecDeque<(u64, ReplyKind)>,
    /// Handshake replies (AUTH, SETNAME) still to skip on the pub/sub connection.
    pub pubsub_skip: usize,
    /// Set when a connection is missing; cleared once both needed connections are (re)started.
    pub disconnected: bool,
    /// When the command connection was started.
    pub cc_conn_time: i64,
    /// When the pub/sub connection was started.
    pub pc_conn_time: i64,
    /// Last reconnection attempt.
    pub last_reconn_time: i64,
    /// Last message on the pub/sub connection.
    pub pc_last_activity: i64,
    /// Time of the oldest PING still unanswered (0: none pending).
    pub act_ping_time: i64,
    /// Last PING sent.
    pub last_ping_time: i64,
    /// Last acceptable PING reply.
    pub last_avail_time: i64,
    /// Last PING reply of any kind.
    pub last_pong_time: i64,
    /// Local address of the command connection (for hello messages).
    pub local_ip: Option<String>,
}

impl LinkState {
    /// A link that is not connected yet; the PING clock starts now so that an instance we can
    /// never reach still goes SDOWN.
    pub fn new(now: i64) -> LinkState {
        LinkState { act_ping_time: now, last_avail_time: now, last_pong_time: now, ..LinkState::detached() }
    }

    /// A link with no connection and no history.
    pub const fn detached() -> LinkState {
        LinkState {
            cmd: None,
            pubsub: None,
            cmd_queue: VecDeque::new(),
            pubsub_skip: 0,
            disconnected: true,
            cc_conn_time: 0,
            pc_conn_time: 0,
            last_reconn_time: 0,
            pc_last_activity: 0,
            act_ping_time: 0,
            last_ping_time: 0,
            last_avail_time: 0,
            last_pong_time: 0,
            local_ip: None,
        }
    }

    /// Commands sent on the command link whose replies have not arrived.
    pub fn pending_commands(&self) -> usize {
        self.cmd_queue.len()
    }

    /// Drops the command connection.
    pub fn close_cmd(&mut self) {
        if self.cmd.take().is_some() {
            self.disconnected = true;
        }
        self.cmd_queue.clear();
        self.local_ip = None;
    }

    /// Drops the pub/sub connection.
    pub fn close_pubsub(&mut self) {
        if self.pubsub.take().is_some() {
            self.disconnected = true;
        }
        self.pubsub_skip = 0;
    }

    /// Sends a command on the command link for instance `sender`, remembering what its reply answers.
    pub fn send(&mut self, sender: u64, kind: ReplyKind, args: &[&[u8]]) -> bool {
        let Some(cmd) = &self.cmd else { return false };
        if !cmd.send(args) {
            return false;
        }
        self.cmd_queue.push_back((sender, kind));
        true
    }

    /// Drops both connections.
    pub fn close(&mut self) {
        self.close_cmd();
        self.close_pubsub();
    }
}

/// A master, replica or sentinel (Redis's `sentinelRedisInstance`).
#[derive(Debug)]
pub struct Instance {
    /// Unique id, for matching link events.
    pub id: u64,
    /// `SRI_*` flags.
    pub flags: u32,
    /// Master name, `ip:port` for replicas, run id for sentinels.
    pub name: String,
    /// Where it is.
    pub addr: Addr,
    /// Run id from INFO (or the hello message for sentinels).
    pub runid: Option<String>,
    /// Its links, in [`Links`] (shared with the same sentinel in other masters).
    pub link: LinkId,
    /// `down-after-milliseconds` (copied from the master for replicas and sentinels).
    pub down_after_ms: i64,
    /// Last INFO text.
    pub info: Option<String>,
    /// When INFO was last parsed (0: never).
    pub info_refresh: i64,
    /// Role from INFO: `SRI_MASTER` or `SRI_SLAVE`.
    pub role_reported: u32,
    /// When the reported role last changed.
    pub role_reported_time: i64,
    /// When SDOWN started.
    pub s_down_since: i64,
    /// When ODOWN started.
    pub o_down_since: i64,
    /// Last hello PUBLISH acknowledged.
    pub last_pub_time: i64,
    /// Last hello received from this sentinel.
    pub last_hello_time: i64,
    /// Last valid is-master-down-by-addr reply from this sentinel.
    pub last_master_down_reply_time: i64,
    /// Our vote (masters) or this sentinel's vote (sentinels).
    pub leader: Option<String>,
    /// Epoch of `leader`.
    pub leader_epoch: u64,
    /// How long the replica's link to its master has been down, from INFO (ms).
    pub master_link_down_time: i64,
    /// `slave_priority` from INFO.
    pub slave_priority: i64,
    /// `slave_repl_offset` from INFO.
    pub slave_repl_offset: u64,
    /// `replica_announced` from INFO.
    pub replica_announced: bool,
    /// `master_host` from INFO.
    pub slave_master_host: Option<String>,
    /// `master_port` from INFO.
    pub slave_master_port: i64,
    /// `master_link_status:up`.
    pub slave_master_link_up: bool,
    /// When the replica's master address last changed.
    pub slave_conf_change_time: i64,
    /// When SLAVEOF was sent during a failover.
    pub slave_reconf_sent_time: i64,
    /// When a reboot of this master was seen.
    pub master_reboot_since: i64,
}

impl Instance {
    /// A new instance, as Redis's `createSentinelRedisInstance` initialises it.
    pub fn new(id: u64, flags: u32, name: String, addr: Addr, down_after_ms: i64, now: i64, link: LinkId) -> Instance {
        Instance {
            id,
            flags,
            name,
            addr,
            runid: None,
            link,
            down_after_ms,
            info: None,
            info_refresh: 0,
            role_reported: flags & (SRI_MASTER | SRI_SLAVE),
            role_reported_time: now,
            s_down_since: 0,
            o_down_since: 0,
            last_pub_time: now,
            last_hello_time: now,
            last_master_down_reply_time: now,
            leader: None,
            leader_epoch: 0,
            master_link_down_time: 0,
            slave_priority: DEFAULT_SLAVE_PRIORITY,
            slave_repl_offset: 0,
            replica_announced: true,
            slave_master_host: None,
            slave_master_port: 0,
            slave_master_link_up: false,
            slave_conf_change_time: now,
            slave_reconf_sent_time: 0,
            master_reboot_since: 0,
        }
    }

    /// "master", "slave" or "sentinel", as `%@` prints it.
    pub fn type_str(&self) -> &'static str {
        if self.flags & SRI_MASTER != 0 {
            "master"
        } else if self.flags & SRI_SLAVE != 0 {
            "slave"
        } else {
            "sentinel"
        }
    }

    /// True if neither SDOWN nor ODOWN started within the last `ms` (Redis's `sentinelRedisInstanceNoDownFor`).
    pub fn no_down_for(&self, ms: i64, now: i64) -> bool {
        let most_recent = self.s_down_since.max(self.o_down_since);
        most_recent == 0 || now - most_recent > ms
    }
}

/// Which instance of a master entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sel {
    /// The master itself.
    Master,
    /// `replicas[i]`.
    Replica(usize),
    /// `sentinels[i]`.
    Sentinel(usize),
}

/// A monitored master with its replicas, the other sentinels and the failover state.
#[derive(Debug)]
pub struct Master {
    /// The master instance itself.
    pub inst: Instance,
    /// Known replicas, in discovery order.
    pub replicas: Vec<Instance>,
    /// Other sentinels watching this master.
    pub sentinels: Vec<Instance>,
    /// Sentinels needed for ODOWN (and votes needed to lead a failover).
    pub quorum: u32,
    /// `failover-timeout`.
    pub failover_timeout_ms: i64,
    /// `parallel-syncs`.
    pub parallel_syncs: u32,
    /// Epoch of the configuration we believe in.
    pub config_epoch: u64,
    /// Epoch of the failover we run.
    pub failover_epoch: u64,
    /// Failover state machine.
    pub failover_state: FailoverState,
    /// When the state last changed.
    pub failover_state_change_time: i64,
    /// When the last failover attempt started (or was pushed back by a vote for someone else).
    pub failover_start_time: i64,
    /// `failover_start_time` last logged as "Next failover delay".
    pub failover_delay_logged: i64,
    /// Name of the replica chosen for promotion.
    pub promoted: Option<String>,
    /// Bumped whenever the master's address changes, so that answers to is-master-down-by-addr
    /// requests about an older address are not taken for answers about the new one.
    pub address_generation: u64,
    /// The settings stored from the configuration and SENTINEL SET.
    pub options: MasterOptions,
}

impl Master {
    /// A master entry with Redis's defaults.
    pub fn new(inst: Instance, quorum: u32, failover_timeout_ms: i64) -> Master {
        Master {
            inst,
            replicas: Vec::new(),
            sentinels: Vec::new(),
            quorum,
            failover_timeout_ms,
            parallel_syncs: 1,
            config_epoch: 0,
            failover_epoch: 0,
            failover_state: FailoverState::None,
            failover_state_change_time: 0,
            failover_start_time: 0,
            failover_delay_logged: 0,
            promoted: None,
            address_generation: 0,
            options: MasterOptions::default(),
        }
    }

    /// The master's name.
    pub fn name(&self) -> &str {
        &self.inst.name
    }

    /// The selected instance.
    pub fn get(&self, sel: Sel) -> Option<&Instance> {
        match sel {
            Sel::Master => Some(&self.inst),
            Sel::Replica(i) => self.replicas.get(i),
            Sel::Sentinel(i) => self.sentinels.get(i),
        }
    }

    /// The selected instance, mutably.
    pub fn get_mut(&mut self, sel: Sel) -> Option<&mut Instance> {
        match sel {
            Sel::Master => Some(&mut self.inst),
            Sel::Replica(i) => self.replicas.get_mut(i),
            Sel::Sentinel(i) => self.sentinels.get_mut(i),
        }
    }

    /// Every instance of this entry with its selector.
    pub fn selectors(&self) -> Vec<Sel> {
        let mut all = vec![Sel::Master];
        all.extend((0..self.replicas.len()).map(Sel::Replica));
        all.extend((0..self.sentinels.len()).map(Sel::Sentinel));
        all
    }

    /// Index of the replica called `name` (`ip:port`, or `hostname:port` with announce-hostnames).
    pub fn replica_index(&self, name: &str) -> Option<usize> {
        self.replicas.iter().position(|r| r.name == name)
    }

    /// Index of the promoted replica.
    pub fn promoted_index(&self) -> Option<usize> {
        let name = self.promoted.as_deref()?;
        self.replicas.iter().position(|r| r.name == name)
    }

    /// The address clients should use now: the promoted replica once the failover reached
    /// RECONF_SLAVES, else the master's (Redis's `sentinelGetCurrentMasterAddress`).
    pub fn current_addr(&self) -> &Addr {
        if self.inst.flags & SRI_FAILOVER_IN_PROGRESS != 0 && self.failover_state >= FailoverState::ReconfSlaves {
            if let Some(i) = self.promoted_index() {
                return &self.replicas[i].addr;
            }
        }
        &self.inst.addr
    }

    /// The name to send for `command`, after `rename-command`.
    pub fn map_command<'a>(&'a self, command: &'a str) -> &'a str {
        self.options
            .rename_commands
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(command))
            .map_or(command, |(_, to)| to.as_str())
    }
}

/// Comma-separated flag names as SENTINEL MASTER shows them (`disconnected` comes from the link).
pub fn flags_string(inst: &Instance, disconnected: bool) -> String {
    const NAMES: [(u32, &str); 13] = [
        (SRI_S_DOWN, "s_down"),
        (SRI_O_DOWN, "o_down"),
        (SRI_MASTER, "master"),
        (SRI_SLAVE, "slave"),
        (SRI_SENTINEL, "sentinel"),
        (0, "disconnected"),
        (SRI_MASTER_DOWN, "master_down"),
        (SRI_FAILOVER_IN_PROGRESS, "failover_in_progress"),
        (SRI_PROMOTED, "promoted"),
        (SRI_RECONF_SENT, "reconf_sent"),
        (SRI_RECONF_INPROG, "reconf_inprog"),
        (SRI_RECONF_DONE, "reconf_done"),
        (SRI_FORCE_FAILOVER, "force_failover"),
    ];
    let mut out = Vec::new();
    for (bit, name) in NAMES {
        let set = if bit == 0 { disconnected } else { inst.flags & bit != 0 };
        if set {
            out.push(name);
        }
    }
    if inst.flags & SRI_SCRIPT_KILL_SENT != 0 {
        out.push("script_kill_sent");
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_resolve_only_ip_literals_without_resolve_hostnames() {
        assert!(Addr::resolve("127.0.0.1", 6379, false).is_some());
        assert!(Addr::resolve("::1", 6379, false).is_some());
        assert!(Addr::resolve("garbage", 6379, false).is_none());
        assert_eq!(addr_name("::1", 7), "[::1]:7");
        assert_eq!(addr_name("10.0.0.1", 7), "10.0.0.1:7");
        let a = Addr::resolve("127.0.0.1", 1, false).unwrap();
        assert!(a.equals_host("127.0.0.1", false));
        assert!(!a.equals_host("127.0.0.2", false));
    }

    #[test]
    fn flags_print_in_redis_order() {
        let addr = Addr::resolve("127.0.0.1", 1, false).unwrap();
        let mut inst = Instance::new(1, SRI_MASTER | SRI_S_DOWN | SRI_O_DOWN, "m".into(), addr, 1000, 0, 1);
        assert_eq!(flags_string(&inst, true), "s_down,o_down,master,disconnected");
        inst.flags = SRI_SLAVE | SRI_PROMOTED;
        assert_eq!(flags_string(&inst, false), "slave,promoted");
    }
}
