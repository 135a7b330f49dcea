//! The core: one task that owns every piece of sentinel state and runs Redis's `sentinelTimer` at a
//! randomised 10..19 Hz, the replies of the monitoring links, and the clients' SENTINEL commands, in
//! one total order (as Redis's single-threaded sentinel does).
//!
//! [`Sentinel`] is the state with its synchronous steps (`tick`, `on_link_event`, commands), so unit
//! tests drive it with synthetic time; [`run`] is the async shell that feeds it and turns what it
//! produced (events, scripts, a dirty config) into pub/sub messages, log lines and file writes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use thiserror::Error;
use tokio::sync::mpsc;

use crate::config::{self, MasterConfig, SentinelConfig, SentinelOptions};
use crate::link::{self, LinkEvent, LinkHandle};
use crate::model::{
    Addr, Instance, LinkId, LinkState, Links, Master, Sel, SRI_MASTER, SRI_SENTINEL, SRI_SLAVE, SRI_S_DOWN,
};
use crate::pubsub::EventBus;
use crate::scripts::ScriptQueue;
use crate::server::ServerStats;
use crate::CoreRequest;

/// Why the core stopped.
#[derive(Debug, Error)]
pub enum SentinelError {
    /// A monitored master in the configuration has an address we cannot use.
    #[error("Can't resolve instance hostname '{0}'")]
    BadAddress(String),
}

/// Redis's tunable sentinel periods (SENTINEL DEBUG shows and sets them), in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// INFO period.
    pub info_period: i64,
    /// PING period.
    pub ping_period: i64,
    /// is-master-down-by-addr period.
    pub ask_period: i64,
    /// Hello period.
    pub publish_period: i64,
    /// `down-after-milliseconds` default.
    pub default_down_after: i64,
    /// `failover-timeout` default.
    pub default_failover_timeout: i64,
    /// Timer gap that enters TILT.
    pub tilt_trigger: i64,
    /// How long TILT lasts.
    pub tilt_period: i64,
    /// A replica stuck in RECONF_SENT this long counts as done.
    pub slave_reconf_timeout: i64,
    /// Links younger than this are not dropped for slowness.
    pub min_link_reconnect_period: i64,
    /// Election timeout.
    pub election_timeout: i64,
    /// Script run time limit.
    pub script_max_runtime: i64,
    /// Delay between script retries.
    pub script_retry_delay: i64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            info_period: 10_000,
            ping_period: 1000,
            ask_period: 1000,
            publish_period: 2000,
            default_down_after: 30_000,
            default_failover_timeout: 180_000,
            tilt_trigger: 2000,
            tilt_period: 30_000,
            slave_reconf_timeout: 10_000,
            min_link_reconnect_period: 15_000,
            election_timeout: 10_000,
            script_max_runtime: 60_000,
            script_retry_delay: 30_000,
        }
    }
}

/// Redis's log levels for sentinel events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `#` lines; also runs the notification script.
    Warning,
    /// `*` lines.
    Notice,
    /// `-` lines.
    Verbose,
    /// `.` lines; never published.
    Debug,
}

/// One sentinel event: published on channel `kind` with payload `text`, and logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Log level.
    pub level: Level,
    /// Channel name (`+sdown`).
    pub kind: String,
    /// Message (`master mymaster 127.0.0.1 6379`).
    pub text: String,
    /// Notification script to run with `kind text`.
    pub script: Option<String>,
}

/// Failure simulation: crash after winning an election.
pub const SIMFAILURE_CRASH_AFTER_ELECTION: u32 = 1 << 0;
/// Failure simulation: crash after promoting a replica.
pub const SIMFAILURE_CRASH_AFTER_PROMOTION: u32 = 1 << 1;

/// All sentinel state (Redis's `struct sentinelState` plus the instances).
#[derive(Debug)]
pub struct Sentinel {
    /// Our run id (40 hex characters).
    pub myid: String,
    /// Current epoch.
    pub current_epoch: u64,
    /// Monitored masters, in configuration order.
    pub masters: Vec<Master>,
    /// The instances' links (an instance holds the id of its link).
    pub links: Links,
    /// In TILT mode.
    pub tilt: bool,
    /// When TILT started.
    pub tilt_start_time: i64,
    /// Last timer run.
    pub previous_time: i64,
    /// The `sentinel` options (announce-ip/port, resolve/announce-hostnames, sentinel-user/pass, ...).
    pub options: SentinelOptions,
    /// Our listening port.
    pub port: u16,
    /// `requirepass` (also used towards other sentinels without sentinel-pass).
    pub requirepass: Option<String>,
    /// Periods (SENTINEL DEBUG).
    pub timing: Timing,
    /// SENTINEL SIMULATE-FAILURE flags.
    pub simfailure_flags: u32,
    /// Events produced since the shell last drained them.
    pub events: Vec<Event>,
    /// Scripts to schedule (client-reconfig-script runs), path and arguments.
    pub scripts: Vec<(String, Vec<String>)>,
    /// The configuration must be written to disk.
    pub dirty: bool,
    /// SHUTDOWN was requested.
    pub shutdown: bool,
    /// The configuration as loaded: what the sentinel does not manage is written back as is.
    pub base: SentinelConfig,
    /// The configuration file (INFO `config_file`).
    pub config_path: Option<PathBuf>,
    /// Where link events go; None in unit tests (links record commands instead).
    link_events: Option<mpsc::UnboundedSender<LinkEvent>>,
    /// Commands written to detached links (unit tests): link id and the encoded bytes.
    pub detached: Vec<(u64, mpsc::UnboundedReceiver<Vec<u8>>)>,
    next_id: u64,
    rng: u64,
}

impl Sentinel {
    /// Builds the state from the configuration, generating `myid` when absent.
    pub fn new(
        config: SentinelConfig,
        link_events: Option<mpsc::UnboundedSender<LinkEvent>>,
        now: i64,
    ) -> Result<Sentinel, SentinelError> {
        let mut s = Sentinel {
            myid: String::new(),
            current_epoch: config.current_epoch,
            masters: Vec::new(),
            links: Links::new(),
            tilt: false,
            tilt_start_time: 0,
            previous_time: now,
            options: SentinelOptions {
                announce_ip: config.options.announce_ip.clone().filter(|ip| !ip.is_empty()),
                ..config.options.clone()
            },
            port: config.port,
            requirepass: config.requirepass.clone(),
            timing: Timing::default(),
            simfailure_flags: 0,
            events: Vec::new(),
            scripts: Vec::new(),
            dirty: false,
            shutdown: false,
            base: config.clone(),
            config_path: None,
            link_events,
            detached: Vec::new(),
            next_id: 1,
            rng: seed(),
        };
        s.myid = match config.myid.as_deref() {
            Some(id) if id.len() == 40 => id.to_string(),
            _ => {
                s.dirty = true;
                s.random_hex(40)
            }
        };
        for mc in &config.masters {
            s.add_master_from_config(mc, now)?;
        }
        // As Redis does when loading known-sentinel lines: the same sentinel in several masters
        // shares one link.
        for m in 0..s.masters.len() {
            for i in 0..s.masters[m].sentinels.len() {
                s.try_connection_sharing(m, i);
            }
        }
        s.gc_links();
        Ok(s)
    }

    fn add_master_from_config(&mut self, mc: &MasterConfig, now: i64) -> Result<(), SentinelError> {
        let addr = Addr::resolve(&mc.host, mc.port, self.options.resolve_hostnames)
            .ok_or_else(|| SentinelError::BadAddress(mc.host.clone()))?;
        let down_after = i64::try_from(mc.down_after_ms).unwrap_or(i64::MAX);
        let (id, link) = (self.new_id(), self.new_link(now));
        let inst = Instance::new(id, SRI_MASTER, mc.name.clone(), addr, down_after, now, link);
        let mut m = Master::new(inst, mc.quorum, i64::try_from(mc.failover_timeout_ms).unwrap_or(i64::MAX));
        m.parallel_syncs = mc.parallel_syncs;
        m.options = mc.options.clone();
        m.config_epoch = mc.config_epoch;
        m.inst.leader_epoch = mc.leader_epoch;
        for (host, port) in &mc.known_replicas {
            if let Some(addr) = Addr::resolve(host, *port, self.options.resolve_hostnames) {
                let name = self.replica_name(&addr);
                if m.replica_index(&name).is_none() {
                    let (id, link) = (self.new_id(), self.new_link(now));
                    m.replicas.push(Instance::new(id, SRI_SLAVE, name, addr, down_after, now, link));
                }
            }
        }
        for (host, port, runid) in &mc.known_sentinels {
            if let Some(addr) = Addr::resolve(host, *port, self.options.resolve_hostnames) {
                let (id, link) = (self.new_id(), self.new_link(now));
                let mut si = Instance::new(id, SRI_SENTINEL, runid.clone(), addr, down_after, now, link);
                si.runid = Some(runid.clone());
                m.sentinels.push(si);
            }
        }
        self.masters.push(m);
        Ok(())
    }

    /// A fresh instance id (also used for link ids).
    pub fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A new, not yet connected link.
    pub fn new_link(&mut self, now: i64) -> LinkId {
        let id = self.new_id();
        self.links.insert(id, LinkState::new(now));
        id
    }

    /// The link of an instance (a disconnected one if the instance is gone).
    pub fn link_of(&self, inst: &Instance) -> &LinkState {
        static DETACHED: LinkState = LinkState::detached();
        self.links.get(&inst.link).unwrap_or(&DETACHED)
    }

    /// The link of instance `sel` of master `m`, to change it.
    pub fn link_mut(&mut self, m: usize, sel: Sel) -> Option<&mut LinkState> {
        let id = self.masters.get(m)?.get(sel)?.link;
        self.links.get_mut(&id)
    }

    /// Closes both connections of instance `sel` (shared links close for every instance using them).
    pub fn close_links(&mut self, m: usize, sel: Sel) {
        if let Some(link) = self.link_mut(m, sel) {
            link.close();
        }
    }

    /// How many instances use `link` (SENTINEL SENTINELS `link-refcount`).
    pub fn link_refcount(&self, link: LinkId) -> usize {
        self.masters
            .iter()
            .flat_map(|m| std::iter::once(&m.inst).chain(&m.replicas).chain(&m.sentinels))
            .filter(|inst| inst.link == link)
            .count()
    }

    /// Drops the links no instance uses any more (closing their connections), like Redis's
    /// `releaseInstanceLink` when the last reference goes.
    pub fn gc_links(&mut self) {
        let used: std::collections::HashSet<LinkId> = self
            .masters
            .iter()
            .flat_map(|m| std::iter::once(&m.inst).chain(&m.replicas).chain(&m.sentinels))
            .map(|inst| inst.link)
            .collect();
        self.links.retain(|id, _| used.contains(id));
    }

    /// Redis's `sentinelTryConnectionSharing`: a sentinel not sharing its link yet takes the link of
    /// the same sentinel (same run id) in another master.
    pub fn try_connection_sharing(&mut self, m: usize, i: usize) -> bool {
        let Some(si) = self.masters.get(m).and_then(|x| x.sentinels.get(i)) else { return false };
        let Some(runid) = si.runid.clone() else { return false };
        if self.link_refcount(si.link) > 1 {
            return false;
        }
        let shared = self.masters.iter().enumerate().filter(|(other, _)| *other != m).find_map(|(_, master)| {
            master.sentinels.iter().find(|s| s.runid.as_deref() == Some(runid.as_str())).map(|s| s.link)
        });
        let Some(shared) = shared else { return false };
        self.masters[m].sentinels[i].link = shared;
        self.gc_links();
        true
    }

    /// The master index and selector of the instance with id `id`.
    pub fn instance_by_id(&self, id: u64) -> Option<(usize, Sel)> {
        self.masters.iter().enumerate().find_map(|(m, master)| {
            master
                .selectors()
                .into_iter()
                .find(|sel| master.get(*sel).is_some_and(|inst| inst.id == id))
                .map(|sel| (m, sel))
        })
    }

    /// A pseudo-random number (xorshift64*, seeded from the process's hasher keys and the clock).
    pub fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` random lowercase hex characters.
    pub fn random_hex(&mut self, n: usize) -> String {
        (0..n).map(|_| hex_digit(self.random())).collect()
    }

    /// Starts a link to `addr`.
    pub fn open_link(&mut self, addr: &Addr) -> LinkHandle {
        let id = self.new_id();
        match &self.link_events {
            Some(events) => link::spawn(id, addr.ip.clone(), addr.port, events.clone()),
            None => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.detached.push((id, rx));
                LinkHandle::detached(id, tx)
            }
        }
    }

    /// The name a replica at `addr` gets: its announced address and port.
    pub fn replica_name(&self, addr: &Addr) -> String {
        crate::model::addr_name(addr.announce(self.options.announce_hostnames), addr.port)
    }

    /// Index of the master called `name`.
    pub fn master_index(&self, name: &str) -> Option<usize> {
        self.masters.iter().position(|m| m.inst.name == name)
    }

    /// `%@` for an instance: `<type> <name> <ip> <port>[ @ <master> <ip> <port>]`.
    pub fn describe(&self, m: usize, sel: Sel) -> String {
        let Some(master) = self.masters.get(m) else { return String::new() };
        let Some(inst) = master.get(sel) else { return String::new() };
        let ah = self.options.announce_hostnames;
        let head = format!("{} {} {} {}", inst.type_str(), inst.name, inst.addr.announce(ah), inst.addr.port);
        if sel == Sel::Master {
            head
        } else {
            format!("{head} @ {} {} {}", master.inst.name, master.inst.addr.announce(ah), master.inst.addr.port)
        }
    }

    /// An event about an instance: text is `%@` followed by `extra`.
    pub fn event_at(&mut self, level: Level, kind: &str, m: usize, sel: Sel, extra: &str) {
        let text = format!("{}{}", self.describe(m, sel), extra);
        self.event(level, kind, Some(m), text);
    }

    /// An event with a free text; `master` selects the notification script.
    pub fn event(&mut self, level: Level, kind: &str, master: Option<usize>, text: String) {
        let script = if level == Level::Warning {
            master.and_then(|m| self.masters.get(m)).and_then(|m| m.options.notification_script.clone())
        } else {
            None
        };
        self.events.push(Event { level, kind: kind.to_string(), text, script });
    }

    /// Marks the configuration for rewriting (Redis's `sentinelFlushConfig`, coalesced per step).
    pub fn flush_config(&mut self) {
        self.dirty = true;
    }

    /// The configuration to write: the loaded one with the current state in it.
    pub fn to_config(&self) -> SentinelConfig {
        let mut c = self.base.clone();
        c.myid = Some(self.myid.clone());
        c.current_epoch = self.current_epoch;
        c.options = self.options.clone();
        c.masters = self.masters.iter().map(|m| self.master_config(m)).collect();
        c
    }

    fn master_config(&self, m: &Master) -> MasterConfig {
        let ah = self.options.announce_hostnames;
        let current = m.current_addr();
        let known_replicas = m
            .replicas
            .iter()
            .map(|r| {
                // A replica already promoted is where the monitor line points: the old master is the replica.
                let addr = if r.addr.ip == current.ip && r.addr.port == current.port { &m.inst.addr } else { &r.addr };
                (addr.announce(ah).to_string(), addr.port)
            })
            .collect();
        let known_sentinels = m
            .sentinels
            .iter()
            .filter_map(|s| Some((s.addr.announce(ah).to_string(), s.addr.port, s.runid.clone()?)))
            .collect();
        MasterConfig {
            name: m.inst.name.clone(),
            host: if ah { current.hostname.clone() } else { current.ip.clone() },
            port: current.port,
            quorum: m.quorum,
            down_after_ms: u64::try_from(m.inst.down_after_ms).unwrap_or(0),
            failover_timeout_ms: u64::try_from(m.failover_timeout_ms).unwrap_or(0),
            parallel_syncs: m.parallel_syncs,
            options: m.options.clone(),
            config_epoch: m.config_epoch,
            leader_epoch: m.inst.leader_epoch,
            known_replicas,
            known_sentinels,
        }
    }

    /// One run of Redis's `sentinelTimer` (without the script part, which the shell does).
    pub fn tick(&mut self, now: i64) {
        self.check_tilt(now);
        let mut switch_to = None;
        for m in 0..self.masters.len() {
            self.handle_instance(now, m, Sel::Master);
            let mut r = 0;
            while r < self.masters.get(m).map_or(0, |x| x.replicas.len()) {
                self.handle_instance(now, m, Sel::Replica(r));
                r += 1;
            }
            let mut i = 0;
            while i < self.masters.get(m).map_or(0, |x| x.sentinels.len()) {
                self.handle_instance(now, m, Sel::Sentinel(i));
                i += 1;
            }
            if self.masters.get(m).map(|x| x.failover_state) == Some(crate::model::FailoverState::UpdateConfig) {
                switch_to = Some(m);
            }
        }
        if let Some(m) = switch_to {
            self.switch_to_promoted(now, m);
        }
        self.gc_links();
    }

    fn check_tilt(&mut self, now: i64) {
        let delta = now - self.previous_time;
        if delta < 0 || delta > self.timing.tilt_trigger {
            self.tilt = true;
            self.tilt_start_time = now;
            self.event(Level::Warning, "+tilt", None, "#tilt mode entered".to_string());
        }
        self.previous_time = now;
    }

    fn handle_instance(&mut self, now: i64, m: usize, sel: Sel) {
        self.reconnect_instance(now, m, sel);
        self.send_periodic_commands(now, m, sel);
        if self.tilt {
            if now - self.tilt_start_time < self.timing.tilt_period {
                return;
            }
            self.tilt = false;
            self.event(Level::Warning, "-tilt", None, "#tilt mode exited".to_string());
        }
        self.check_subjectively_down(now, m, sel);
        if sel == Sel::Master {
            self.master_decisions(now, m);
        }
    }

    /// The master's part of the timer: ODOWN, starting a failover, the failover state machine, and
    /// asking the other sentinels. Also run right when an is-master-down-by-addr reply arrives, as
    /// a reply (a "down" answer, a vote) is what these steps wait for; Redis waits for its next
    /// timer call, up to 100 ms later, which the protocol does not need.
    pub(crate) fn master_decisions(&mut self, now: i64, m: usize) {
        self.check_objectively_down(now, m);
        if self.start_failover_if_needed(now, m) {
            self.ask_master_state_to_other_sentinels(now, m, true);
        }
        self.failover_state_machine(now, m);
        self.ask_master_state_to_other_sentinels(now, m, false);
    }

    /// The next time an instance's down-after period runs out (its oldest unanswered PING, or its
    /// last availability while disconnected, gets older than down-after), if that is after `now`.
    /// The shell runs the timer then, so SDOWN is seen when it happens rather than up to a timer
    /// period (50..100 ms) later.
    pub fn next_deadline(&self, now: i64) -> Option<i64> {
        let mut next: Option<i64> = None;
        for master in &self.masters {
            for inst in std::iter::once(&master.inst).chain(&master.replicas).chain(&master.sentinels) {
                if inst.flags & SRI_S_DOWN != 0 {
                    continue;
                }
                let link = self.link_of(inst);
                let since = if link.act_ping_time != 0 {
                    link.act_ping_time
                } else if link.disconnected {
                    link.last_avail_time
                } else {
                    continue;
                };
                let at = since.saturating_add(inst.down_after_ms).saturating_add(1);
                if at > now && next.is_none_or(|n| at < n) {
                    next = Some(at);
                }
            }
        }
        next
    }

    /// Finds the link a connection (by its handle id) belongs to, and whether it is the pub/sub one.
    pub fn find_link(&self, id: u64) -> Option<(LinkId, bool)> {
        self.links.iter().find_map(|(link_id, link)| {
            if link.cmd.as_ref().map(|h| h.id) == Some(id) {
                Some((*link_id, false))
            } else if link.pubsub.as_ref().map(|h| h.id) == Some(id) {
                Some((*link_id, true))
            } else {
                None
            }
        })
    }

    /// The first instance using `link` (the one a link event is reported about).
    pub fn first_user(&self, link: LinkId) -> Option<(usize, Sel)> {
        self.masters.iter().enumerate().find_map(|(m, master)| {
            master
                .selectors()
                .into_iter()
                .find(|sel| master.get(*sel).is_some_and(|inst| inst.link == link))
                .map(|sel| (m, sel))
        })
    }
}

fn hex_digit(r: u64) -> char {
    char::from(b"0123456789abcdef"[usize::try_from(r % 16).unwrap_or(0)])
}

/// `n` random hex characters from a fresh seed (ids that need no reproducibility).
pub fn random_hex_string(n: usize) -> String {
    (0..n).map(|_| hex_digit(seed() >> 7)).collect()
}

fn seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    hasher.write_u32(std::process::id());
    hasher.finish() | 1
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;

/// The core's clock: wall-clock milliseconds at start, then monotonic (Redis uses `mstime()`;
/// starting from the wall clock keeps "long ago" defaults such as `failover_start_time = 0` meaning
/// the same thing).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_ms: i64,
    start: Instant,
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(0))
            .unwrap_or(0);
        Clock { base_ms, start: Instant::now() }
    }

    /// Milliseconds now.
    pub fn now_ms(&self) -> i64 {
        self.base_ms + i64::try_from(self.start.elapsed().as_millis()).unwrap_or(0)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// The async shell around [`Sentinel`]: what a step produced becomes messages, logs and writes.
struct Shell {
    s: Sentinel,
    bus: EventBus,
    scripts: ScriptQueue,
    config_path: PathBuf,
    stats: Arc<ServerStats>,
    users: Arc<crate::acl_users::AclUsers>,
    clock: Clock,
}

impl Shell {
    fn after_step(&mut self) {
        for ev in std::mem::take(&mut self.s.events) {
            match ev.level {
                Level::Warning => tracing::warn!("{} {}", ev.kind, ev.text),
                Level::Notice => tracing::info!("{} {}", ev.kind, ev.text),
                Level::Verbose => tracing::debug!("{} {}", ev.kind, ev.text),
                Level::Debug => tracing::trace!("{} {}", ev.kind, ev.text),
            }
            if ev.level != Level::Debug {
                self.bus.publish(ev.kind.as_bytes(), ev.text.as_bytes());
            }
            if let Some(script) = ev.script {
                self.scripts.schedule(&script, vec![ev.kind, ev.text]);
            }
        }
        for (path, args) in std::mem::take(&mut self.s.scripts) {
            self.scripts.schedule(&path, args);
        }
        if self.s.dirty {
            self.s.dirty = false;
            self.write_config();
        }
    }

    fn write_config(&mut self) {
        let mut config = self.s.to_config();
        config.server.0.set_lines("user", config::user_lines(&self.users));
        match config::rewrite_file(&self.config_path, &config) {
            Ok(()) => tracing::info!("Sentinel new configuration saved on disk"),
            Err(e) => tracing::warn!("WARNING: Sentinel was not able to save the new configuration on disk!!!: {e}"),
        }
    }

    fn tick_period(&self) -> Duration {
        // Redis re-randomises hz in 10..19 at every timer call so that sentinels desynchronise.
        let hz = 10 + (seed() % 10);
        self.stats.hz.store(hz, std::sync::atomic::Ordering::Relaxed);
        Duration::from_millis(1000 / hz)
    }
}

/// Runs the sentinel until SHUTDOWN or until the request channel closes.
pub async fn run(
    config: SentinelConfig,
    config_path: PathBuf,
    mut requests: mpsc::Receiver<CoreRequest>,
    bus: EventBus,
    stats: Arc<ServerStats>,
    users: Arc<crate::acl_users::AclUsers>,
) -> Result<(), SentinelError> {
    rds_log::set_role_char(b'X');
    let clock = Clock::new();
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let mut s = Sentinel::new(config, Some(events_tx), clock.now_ms())?;
    s.config_path = Some(config_path.clone());
    let scripts = ScriptQueue::new(bus.clone());
    let mut shell = Shell { s, bus, scripts, config_path, stats, users, clock };
    if shell.s.dirty {
        shell.s.dirty = false;
        shell.write_config();
    }
    tracing::warn!("Sentinel ID is {}", shell.s.myid);
    for m in 0..shell.s.masters.len() {
        let quorum = shell.s.masters[m].quorum;
        shell.s.event_at(Level::Warning, "+monitor", m, Sel::Master, &format!(" quorum {quorum}"));
    }
    shell.after_step();
    let mut next_tick = tokio::time::Instant::now() + shell.tick_period();
    loop {
        let now = shell.clock.now_ms();
        // One millisecond past the deadline: the clock counts whole milliseconds.
        let deadline = match shell.s.next_deadline(now) {
            Some(at) => tokio::time::Instant::now() + Duration::from_millis(u64::try_from(at - now + 1).unwrap_or(0)),
            None => next_tick,
        };
        tokio::select! {
            request = requests.recv() => {
                let Some(request) = request else { break };
                let now = shell.clock.now_ms();
                let reply = crate::commands::execute(&mut shell.s, now, &request.args, request.protocol, &shell.scripts, &shell.stats);
                shell.after_step();
                if shell.s.shutdown {
                    tracing::warn!("User requested shutdown...");
                    tracing::warn!("Sentinel is now ready to exit, bye bye...");
                    return Ok(());
                }
                let _ = request.reply.send(reply);
            }
            Some(event) = events_rx.recv() => {
                let now = shell.clock.now_ms();
                shell.s.on_link_event(now, event);
                shell.after_step();
            }
            _ = tokio::time::sleep_until(next_tick) => {
                let now = shell.clock.now_ms();
                shell.s.tick(now);
                shell.scripts.tick();
                shell.after_step();
                next_tick = tokio::time::Instant::now() + shell.tick_period();
            }
            _ = tokio::time::sleep_until(deadline), if deadline < next_tick => {
                // A down-after period ran out between two timer calls: run the timer now.
                let now = shell.clock.now_ms();
                shell.s.tick(now);
                shell.after_step();
            }
        }
    }
    Ok(())
}
