//! sentinel.conf: the directives Redis 7.0 Sentinel accepts, loaded from the file and the command
//! line, and written back atomically with the state the sentinel learned (epochs, known replicas and
//! sentinels), so a restarted sentinel comes back with what it knew.
//!
//! The ordinary server directives (port, bind, logfile, requirepass, ...) go through rds-config's
//! directive table, so they are validated with Redis's texts and rewritten the way CONFIG REWRITE
//! writes them; this module interprets the `sentinel ...` lines like Redis's
//! `sentinelHandleConfiguration` and emits them like `rewriteConfigSentinelOption`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use rds_config::ConfigError;
use rds_config::{RewriteLine, SentinelLine};

/// `down-after-milliseconds` when not configured.
pub const DEFAULT_DOWN_AFTER_MS: u64 = 30_000;
/// `failover-timeout` when not configured.
pub const DEFAULT_FAILOVER_TIMEOUT_MS: u64 = 180_000;
/// `parallel-syncs` when not configured.
pub const DEFAULT_PARALLEL_SYNCS: u32 = 1;
/// The port a sentinel listens on when not configured.
pub const DEFAULT_PORT: u16 = 26379;

/// Sentinel options Redis applies before any `sentinel monitor` line, wherever they are in the file
/// (Redis's `preMonitorCfgName`); other per-master options are applied after all monitors.
const PRE_MONITOR: [&str; 9] = [
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "sentinel-user",
    "sentinel-pass",
    "current-epoch",
    "myid",
    "resolve-hostnames",
    "announce-hostnames",
];

/// Per-master options whose leftover old lines a rewrite blanks (Redis marks them processed).
const PER_MASTER_OPTIONS: [&str; 14] = [
    "sentinel monitor",
    "sentinel down-after-milliseconds",
    "sentinel failover-timeout",
    "sentinel parallel-syncs",
    "sentinel notification-script",
    "sentinel client-reconfig-script",
    "sentinel auth-pass",
    "sentinel auth-user",
    "sentinel config-epoch",
    "sentinel leader-epoch",
    "sentinel known-replica",
    "sentinel known-sentinel",
    "sentinel rename-command",
    "sentinel master-reboot-down-after-period",
];

/// The server directives of a sentinel.conf (rds-config's table), kept whole so a rewrite writes
/// them back exactly as CONFIG REWRITE would.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerDirectives(pub rds_config::Config);

// Values are compared structurally; the only float (latency percentiles) never holds NaN.
impl Eq for ServerDirectives {}

impl Default for ServerDirectives {
    fn default() -> Self {
        ServerDirectives(rds_config::Config::defaults())
    }
}

/// Everything sentinel.conf (plus `--directive value` arguments) configures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelConfig {
    /// `port` (default 26379).
    pub port: u16,
    /// `bind` addresses (Redis's default `* -::*`: every IPv4 and IPv6 interface).
    pub bind: Vec<String>,
    /// `sentinel myid`: 40 hex characters, generated on first start when absent.
    pub myid: Option<String>,
    /// `sentinel current-epoch`.
    pub current_epoch: u64,
    /// The `sentinel` options the running sentinel keeps and SENTINEL CONFIG SET changes.
    pub options: SentinelOptions,
    /// `requirepass`: password clients of this sentinel must AUTH with.
    pub requirepass: Option<String>,
    /// `logfile` (empty: stdout).
    pub logfile: String,
    /// `loglevel`.
    pub loglevel: String,
    /// `dir`.
    pub dir: Option<String>,
    /// `pidfile`.
    pub pidfile: Option<String>,
    /// `daemonize`.
    pub daemonize: bool,
    /// `maxclients` (default 10000).
    pub maxclients: u64,
    /// `protected-mode` (sentinel default: no).
    pub protected_mode: bool,
    /// The monitored masters, in file order.
    pub masters: Vec<MasterConfig>,
    /// Every server directive, for the rewrite and for settings not mirrored above.
    pub server: ServerDirectives,
}

/// The sentinel-wide `sentinel ...` options: loaded from the file, held as they are by the running
/// sentinel ([`crate::core::Sentinel::options`]), changed by SENTINEL CONFIG SET and written back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelOptions {
    /// `sentinel announce-ip`.
    pub announce_ip: Option<String>,
    /// `sentinel announce-port` (0: our own port).
    pub announce_port: u16,
    /// `sentinel resolve-hostnames`.
    pub resolve_hostnames: bool,
    /// `sentinel announce-hostnames`.
    pub announce_hostnames: bool,
    /// `sentinel deny-scripts-reconfig` (default yes).
    pub deny_scripts_reconfig: bool,
    /// `sentinel sentinel-user`: user for AUTH towards other sentinels.
    pub sentinel_user: Option<String>,
    /// `sentinel sentinel-pass`: password for AUTH towards other sentinels.
    pub sentinel_pass: Option<String>,
}

impl Default for SentinelOptions {
    fn default() -> Self {
        SentinelOptions {
            announce_ip: None,
            announce_port: 0,
            resolve_hostnames: false,
            announce_hostnames: false,
            deny_scripts_reconfig: true,
            sentinel_user: None,
            sentinel_pass: None,
        }
    }
}

/// The per-master settings a sentinel only stores and passes on: one struct for the configuration
/// file and the live master, so neither copies the other field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterOptions {
    /// `auth-pass`.
    pub auth_pass: Option<String>,
    /// `auth-user`.
    pub auth_user: Option<String>,
    /// `notification-script`.
    pub notification_script: Option<String>,
    /// `client-reconfig-script`.
    pub client_reconfig_script: Option<String>,
    /// `master-reboot-down-after-period` in ms (0: off).
    pub reboot_down_after_ms: u64,
    /// `rename-command <command> <renamed>` pairs, in file order.
    pub rename_commands: Vec<(String, String)>,
}

/// One `sentinel monitor <name> ...` and the per-master directives and state lines that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterConfig {
    /// The master's name.
    pub name: String,
    /// Address as configured (an IP, or a hostname with `resolve-hostnames yes`).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Sentinels that must agree the master is down for ODOWN.
    pub quorum: u32,
    /// `down-after-milliseconds` (default 30000).
    pub down_after_ms: u64,
    /// `failover-timeout` (default 180000).
    pub failover_timeout_ms: u64,
    /// `parallel-syncs` (default 1).
    pub parallel_syncs: u32,
    /// The settings a sentinel stores and hands on (also held by the live master).
    pub options: MasterOptions,
    /// `config-epoch` state line.
    pub config_epoch: u64,
    /// `leader-epoch` state line.
    pub leader_epoch: u64,
    /// `known-replica <ip> <port>` state lines.
    pub known_replicas: Vec<(String, u16)>,
    /// `known-sentinel <ip> <port> <runid>` state lines.
    pub known_sentinels: Vec<(String, u16, String)>,
}

impl MasterConfig {
    /// A master as `sentinel monitor` creates it: every option at its default.
    pub fn new(name: &str, host: &str, port: u16, quorum: u32) -> Self {
        MasterConfig {
            name: name.to_string(),
            host: host.to_string(),
            port,
            quorum,
            down_after_ms: DEFAULT_DOWN_AFTER_MS,
            failover_timeout_ms: DEFAULT_FAILOVER_TIMEOUT_MS,
            parallel_syncs: DEFAULT_PARALLEL_SYNCS,
            options: MasterOptions::default(),
            config_epoch: 0,
            leader_epoch: 0,
            known_replicas: Vec::new(),
            known_sentinels: Vec::new(),
        }
    }
}

impl Default for SentinelConfig {
    fn default() -> Self {
        SentinelConfig {
            port: DEFAULT_PORT,
            bind: vec!["*".to_string(), "-::*".to_string()],
            myid: None,
            current_epoch: 0,
            options: SentinelOptions::default(),
            requirepass: None,
            logfile: String::new(),
            loglevel: "notice".to_string(),
            dir: None,
            pidfile: None,
            daemonize: false,
            maxclients: 10_000,
            protected_mode: false,
            masters: Vec::new(),
            server: ServerDirectives::default(),
        }
    }
}

impl SentinelConfig {
    /// Loads like `redis-sentinel path [--directive value ...]`: server directives with Redis's
    /// checks, then the `sentinel` lines in Redis's order (global options first, then every
    /// `monitor`, then the rest), failing with Redis's FATAL CONFIG FILE ERROR texts.
    pub fn load(path: &Path, cli_directives: &[String]) -> Result<SentinelConfig, ConfigError> {
        let (server, lines) = rds_config::Config::load_sentinel(path, cli_directives)?;
        let mut config = SentinelConfig::from_server(server);
        let is_pre = |l: &&SentinelLine| l.args.first().is_some_and(|a| PRE_MONITOR.iter().any(|p| eq_nocase(a, p)));
        let is_monitor = |l: &&SentinelLine| l.args.first().is_some_and(|a| eq_nocase(a, "monitor"));
        let pre = lines.iter().filter(is_pre);
        let monitors = lines.iter().filter(is_monitor);
        let post = lines.iter().filter(|l| !is_pre(l) && !is_monitor(l));
        for line in pre.chain(monitors).chain(post) {
            if line.args.is_empty() {
                continue;
            }
            let args: Vec<String> = line.args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            config.apply(&args).map_err(|reason| ConfigError::Directive {
                file: line.file.clone(),
                line: line.line,
                text: line.text.clone(),
                directive: "sentinel".to_string(),
                reason: reason.to_string(),
            })?;
        }
        Ok(config)
    }

    fn from_server(server: rds_config::Config) -> SentinelConfig {
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        SentinelConfig {
            port: u16::try_from(server.int("port")).unwrap_or(DEFAULT_PORT),
            bind: server.bind_addrs(),
            requirepass: non_empty(String::from_utf8_lossy(&server.bytes("requirepass")).into_owned()),
            logfile: server.str("logfile"),
            loglevel: server.str("loglevel"),
            dir: Some(server.dir().to_string_lossy().into_owned()).filter(|d| !d.is_empty()),
            pidfile: non_empty(server.str("pidfile")),
            daemonize: server.bool("daemonize"),
            maxclients: u64::try_from(server.int("maxclients")).unwrap_or(10_000),
            protected_mode: server.bool("protected-mode"),
            server: ServerDirectives(server),
            ..SentinelConfig::default()
        }
    }

    /// The master named `name`, if monitored.
    pub fn master(&self, name: &str) -> Option<&MasterConfig> {
        self.masters.iter().find(|m| m.name == name)
    }

    fn master_mut(&mut self, name: &str) -> Result<&mut MasterConfig, &'static str> {
        self.masters.iter_mut().find(|m| m.name == name).ok_or("No such master with specified name.")
    }

    /// Applies one `sentinel` line (arguments after `sentinel`), like `sentinelHandleConfiguration`.
    fn apply(&mut self, args: &[String]) -> Result<(), &'static str> {
        let option = args[0].to_ascii_lowercase();
        match (option.as_str(), args.len()) {
            ("monitor", 5) => self.monitor(&args[1], &args[2], atoi(&args[3]), atoi(&args[4])),
            ("myid", 2) if args[1].len() != 40 => Err("Malformed Sentinel id in myid option."),
            ("myid", 2) => {
                self.myid = Some(args[1].clone());
                Ok(())
            }
            ("current-epoch", 2) => {
                self.current_epoch = self.current_epoch.max(strtoull(&args[1]));
                Ok(())
            }
            ("announce-ip", 2) => {
                self.options.announce_ip = Some(args[1].clone()).filter(|s| !s.is_empty());
                Ok(())
            }
            ("announce-port", 2) => {
                self.options.announce_port = u16::try_from(atoi(&args[1])).unwrap_or(0);
                Ok(())
            }
            ("deny-scripts-reconfig", 2) => {
                self.options.deny_scripts_reconfig =
                    yes_no(&args[1]).ok_or("Please specify yes or no for the deny-scripts-reconfig options.")?;
                Ok(())
            }
            ("resolve-hostnames", 2) => {
                self.options.resolve_hostnames =
                    yes_no(&args[1]).ok_or("Please specify yes or no for the resolve-hostnames option.")?;
                Ok(())
            }
            ("announce-hostnames", 2) => {
                self.options.announce_hostnames =
                    yes_no(&args[1]).ok_or("Please specify yes or no for the announce-hostnames option.")?;
                Ok(())
            }
            ("sentinel-user", 2) => {
                self.options.sentinel_user = Some(args[1].clone()).filter(|s| !s.is_empty());
                Ok(())
            }
            ("sentinel-pass", 2) => {
                self.options.sentinel_pass = Some(args[1].clone()).filter(|s| !s.is_empty());
                Ok(())
            }
            ("known-sentinel", 4) => Ok(()), // the pre-runid form: Redis ignores it
            _ => self.apply_per_master(&option, args),
        }
    }

    fn monitor(&mut self, name: &str, host: &str, port: i32, quorum: i32) -> Result<(), &'static str> {
        if quorum <= 0 {
            return Err("Quorum must be 1 or greater.");
        }
        let port = self.check_address(host, port)?;
        if self.master(name).is_some() {
            return Err("Duplicate master name.");
        }
        let quorum = u32::try_from(quorum).map_err(|_| "Quorum must be 1 or greater.")?;
        self.masters.push(MasterConfig::new(name, host, port, quorum));
        Ok(())
    }

    /// Redis's `createSentinelAddr`: the port must fit, and without `resolve-hostnames` the host must
    /// be an IP address (resolution itself is the engine's job, at connect time).
    fn check_address(&self, host: &str, port: i32) -> Result<u16, &'static str> {
        let port = u16::try_from(port).map_err(|_| "Invalid port number.")?;
        if !self.options.resolve_hostnames && host.parse::<IpAddr>().is_err() {
            tracing::warn!("Failed to resolve hostname '{host}'");
            return Err("Can't resolve instance hostname.");
        }
        Ok(port)
    }

    fn apply_per_master(&mut self, option: &str, args: &[String]) -> Result<(), &'static str> {
        const UNRECOGNIZED: &str = "Unrecognized sentinel configuration statement.";
        let arity = match option {
            "known-sentinel" | "rename-command" | "known-slave" | "known-replica" if args.len() < 4 => {
                return Err(UNRECOGNIZED)
            }
            "known-sentinel" => 5,
            "rename-command" | "known-slave" | "known-replica" => 4,
            _ => 3,
        };
        if args.len() != arity {
            return Err(UNRECOGNIZED);
        }
        let resolve_hostnames = self.options.resolve_hostnames;
        let master = self.master_mut(&args[1])?;
        let value = &args[2];
        match option {
            "down-after-milliseconds" => master.down_after_ms = positive_ms(value)?,
            "failover-timeout" => master.failover_timeout_ms = positive_ms(value)?,
            // Redis stores any int; a negative count reconfigures no replica, like 0.
            "parallel-syncs" => master.parallel_syncs = u32::try_from(atoi(value)).unwrap_or(0),
            "notification-script" => {
                if !is_executable(value) {
                    return Err("Notification script seems non existing or non executable.");
                }
                master.options.notification_script = Some(value.clone());
            }
            "client-reconfig-script" => {
                if !is_executable(value) {
                    return Err("Client reconfiguration script seems non existing or non executable.");
                }
                master.options.client_reconfig_script = Some(value.clone());
            }
            "auth-pass" => master.options.auth_pass = Some(value.clone()),
            "auth-user" => master.options.auth_user = Some(value.clone()),
            "config-epoch" => {
                master.config_epoch = strtoull(value);
                let epoch = master.config_epoch;
                self.current_epoch = self.current_epoch.max(epoch);
            }
            "leader-epoch" => master.leader_epoch = strtoull(value),
            "master-reboot-down-after-period" => {
                master.options.reboot_down_after_ms =
                    u64::try_from(atoi(value)).map_err(|_| "negative time parameter.")?
            }
            "rename-command" => {
                if master.options.rename_commands.iter().any(|(from, _)| from.eq_ignore_ascii_case(value)) {
                    return Err("Same command renamed multiple times with rename-command.");
                }
                master.options.rename_commands.push((value.clone(), args[3].clone()));
            }
            "known-slave" | "known-replica" => {
                let port = u16::try_from(atoi(&args[3])).map_err(|_| "Invalid port number.")?;
                if !resolve_hostnames && value.parse::<IpAddr>().is_err() {
                    return Err("Can't resolve instance hostname.");
                }
                if master.known_replicas.iter().any(|(h, p)| h == value && *p == port) {
                    return Err("Duplicate hostname and port for replica.");
                }
                master.known_replicas.push((value.clone(), port));
            }
            "known-sentinel" => {
                let port = u16::try_from(atoi(&args[3])).map_err(|_| "Invalid port number.")?;
                if !resolve_hostnames && value.parse::<IpAddr>().is_err() {
                    return Err("Can't resolve instance hostname.");
                }
                if master.known_sentinels.iter().any(|(_, _, runid)| *runid == args[4]) {
                    return Err("Duplicate runid for sentinel.");
                }
                master.known_sentinels.push((value.clone(), port, args[4].clone()));
            }
            _ => return Err(UNRECOGNIZED),
        }
        Ok(())
    }

    /// The sentinel lines of a rewrite, in the order Redis's `rewriteConfigSentinelOption` emits them.
    fn rewrite_lines(&self) -> Vec<RewriteLine> {
        let mut out = Vec::new();
        let mut put = |option: &str, line: String, force: bool| {
            out.push(RewriteLine { option: format!("sentinel {option}"), line: format!("sentinel {line}"), force })
        };
        if let Some(myid) = &self.myid {
            put("myid", format!("myid {myid}"), true);
        }
        let flag = |on: bool| if on { "yes" } else { "no" };
        let dsr = self.options.deny_scripts_reconfig;
        put("deny-scripts-reconfig", format!("deny-scripts-reconfig {}", flag(dsr)), !dsr);
        let rh = self.options.resolve_hostnames;
        put("resolve-hostnames", format!("resolve-hostnames {}", flag(rh)), rh);
        let ah = self.options.announce_hostnames;
        put("announce-hostnames", format!("announce-hostnames {}", flag(ah)), ah);
        for master in &self.masters {
            master.rewrite_lines(&mut put);
        }
        put("current-epoch", format!("current-epoch {}", self.current_epoch), true);
        if let Some(ip) = &self.options.announce_ip {
            put("announce-ip", format!("announce-ip {}", rds_config::repr(ip.as_bytes())), true);
        }
        if self.options.announce_port != 0 {
            put("announce-port", format!("announce-port {}", self.options.announce_port), true);
        }
        if let Some(user) = &self.options.sentinel_user {
            put("sentinel-user", format!("sentinel-user {}", arg(user)), true);
        }
        if let Some(pass) = &self.options.sentinel_pass {
            put("sentinel-pass", format!("sentinel-pass {}", arg(pass)), true);
        }
        out
    }
}

impl MasterConfig {
    fn rewrite_lines(&self, put: &mut impl FnMut(&str, String, bool)) {
        let name = arg(&self.name);
        put("monitor", format!("monitor {name} {} {} {}", arg(&self.host), self.port, self.quorum), true);
        if self.down_after_ms != DEFAULT_DOWN_AFTER_MS {
            put("down-after-milliseconds", format!("down-after-milliseconds {name} {}", self.down_after_ms), true);
        }
        if self.failover_timeout_ms != DEFAULT_FAILOVER_TIMEOUT_MS {
            put("failover-timeout", format!("failover-timeout {name} {}", self.failover_timeout_ms), true);
        }
        if self.parallel_syncs != DEFAULT_PARALLEL_SYNCS {
            put("parallel-syncs", format!("parallel-syncs {name} {}", self.parallel_syncs), true);
        }
        let optional = [
            ("notification-script", &self.options.notification_script),
            ("client-reconfig-script", &self.options.client_reconfig_script),
            ("auth-pass", &self.options.auth_pass),
            ("auth-user", &self.options.auth_user),
        ];
        for (option, value) in optional {
            if let Some(value) = value {
                put(option, format!("{option} {name} {}", arg(value)), true);
            }
        }
        if self.options.reboot_down_after_ms != 0 {
            let ms = self.options.reboot_down_after_ms;
            put("master-reboot-down-after-period", format!("master-reboot-down-after-period {name} {ms}"), true);
        }
        put("config-epoch", format!("config-epoch {name} {}", self.config_epoch), true);
        put("leader-epoch", format!("leader-epoch {name} {}", self.leader_epoch), true);
        for (host, port) in &self.known_replicas {
            put("known-replica", format!("known-replica {name} {} {port}", arg(host)), true);
        }
        for (host, port, runid) in &self.known_sentinels {
            put("known-sentinel", format!("known-sentinel {name} {} {port} {}", arg(host), arg(runid)), true);
        }
        for (from, to) in &self.options.rename_commands {
            put("rename-command", format!("rename-command {name} {} {}", arg(from), arg(to)), true);
        }
    }
}

/// Rewrites the sentinel's config file like Redis's `sentinelFlushConfig`: the user's lines and
/// comments stay, every option reuses its old lines in place, new lines go after a
/// `# Generated by CONFIG REWRITE` marker, leftover lines of rewritten options are blanked; the new
/// file replaces the old one atomically (temp file in the same directory, fsync, rename, fsync dir).
pub fn rewrite_file(path: &Path, config: &SentinelConfig) -> Result<(), ConfigError> {
    let mut processed: Vec<&str> = PER_MASTER_OPTIONS.to_vec();
    processed.extend(["sentinel announce-ip", "sentinel announce-port", "sentinel sentinel-user"]);
    processed.push("sentinel sentinel-pass");
    // Redis's rewrite writes every ACL user after the server directives; without users given (the
    // core sets them from its live ACL), the configured ones, or the default user alone.
    let mut server = config.server.0.clone();
    if server.lines("user").is_empty() {
        let users = crate::acl_users::AclUsers::new(config.requirepass.as_deref());
        server.set_lines("user", user_lines(&users));
    }
    server.rewrite_sentinel(path, &config.rewrite_lines(), &processed)
}

/// The `user` directives' arguments for `users`, as rds-config stores them.
pub fn user_lines(users: &crate::acl_users::AclUsers) -> Vec<Vec<Vec<u8>>> {
    users.lines().iter().map(|line| line.split(' ').skip(1).map(|word| word.as_bytes().to_vec()).collect()).collect()
}

/// The check Redis makes before a sentinel starts: it needs a config file it can write its state
/// to. The error is the exact log line Redis prints before exiting with status 1.
pub fn check_config_file(path: Option<&Path>) -> Result<PathBuf, String> {
    let Some(path) = path else {
        return Err("Sentinel needs config file on disk to save state. Exiting...".to_string());
    };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match std::fs::OpenOptions::new().append(true).open(&absolute) {
        Ok(_) => Ok(absolute),
        Err(err) => {
            let reason = err.to_string();
            let reason = reason.split(" (os error").next().unwrap_or_default().to_string();
            Err(format!("Sentinel config file {} is not writable: {reason}. Exiting...", absolute.display()))
        }
    }
}

/// A config argument as written, quoted (`sdscatrepr`) only when a bare word could not hold it.
fn arg(value: &str) -> String {
    let bare = !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'');
    if bare {
        value.to_string()
    } else {
        rds_config::repr(value.as_bytes())
    }
}

fn eq_nocase(bytes: &[u8], name: &str) -> bool {
    bytes.eq_ignore_ascii_case(name.as_bytes())
}

/// Redis `yesnotoi`.
fn yes_no(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if value.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// Redis's time options: `atoi` then a positive check.
fn positive_ms(value: &str) -> Result<u64, &'static str> {
    u64::try_from(atoi(value)).ok().filter(|ms| *ms > 0).ok_or("negative or zero time parameter.")
}

/// glibc `atoi`: `strtol` (leading blanks, a sign, digits up to the first other byte, saturating at
/// the long range) truncated to int, so "abc" is 0 and "12x" is 12, as Redis reads these options.
fn atoi(value: &str) -> i32 {
    let (negative, digits) = leading_number(value);
    let mut n: i64 = 0;
    for d in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    let n = if negative { n.saturating_neg() } else { n };
    // C's long → int conversion keeps the low 32 bits.
    n as i32
}

/// glibc `strtoull`: like `atoi` but unsigned 64-bit, saturating, and a `-` wraps around.
fn strtoull(value: &str) -> u64 {
    let (negative, digits) = leading_number(value);
    let mut n: u64 = 0;
    for d in digits.bytes() {
        match n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0'))) {
            Some(next) => n = next,
            None => return u64::MAX,
        }
    }
    if negative {
        n.wrapping_neg()
    } else {
        n
    }
}

fn leading_number(value: &str) -> (bool, &str) {
    let trimmed = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, rest) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let end = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
    (negative, &rest[..end])
}

fn is_executable(path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
