//! The commands the core answers: SENTINEL and its subcommands, INFO, ROLE, PUBLISH and SHUTDOWN,
//! with Redis 7.0's arities, error texts and reply shapes (RESP3 maps where Redis uses them).

use bytes::Bytes;
use rds_resp::{Protocol, ReplyBuf};

use crate::core::{Sentinel, Timing, SIMFAILURE_CRASH_AFTER_ELECTION, SIMFAILURE_CRASH_AFTER_PROMOTION};
use crate::model::{Addr, Instance, Master, Sel, SRI_FAILOVER_IN_PROGRESS, SRI_FORCE_FAILOVER, SRI_MASTER, SRI_S_DOWN};
use crate::scripts::ScriptQueue;
use crate::server::ServerStats;

const NO_SUCH_MASTER: &[u8] = b"ERR No such master with that name";
const NOT_AN_INTEGER: &[u8] = b"ERR value is not an integer or out of range";

fn arity_error(out: &mut ReplyBuf, name: &str) {
    out.error(format!("ERR wrong number of arguments for '{name}' command").as_bytes());
}

fn text(arg: &Bytes) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

fn parse_i64(arg: &Bytes) -> Option<i64> {
    std::str::from_utf8(arg).ok()?.parse().ok()
}

/// Executes one client command and returns the encoded reply.
pub fn execute(
    s: &mut Sentinel,
    now: i64,
    args: &[Bytes],
    protocol: Protocol,
    scripts: &ScriptQueue,
    stats: &ServerStats,
) -> Vec<u8> {
    let mut out = ReplyBuf { buf: Default::default(), protocol };
    let Some(name) = args.first() else { return Vec::new() };
    let lower = text(name).to_ascii_lowercase();
    match lower.as_str() {
        "sentinel" => {
            if args.len() < 2 {
                arity_error(&mut out, "sentinel");
            } else {
                sentinel_command(s, now, args, &mut out, scripts);
            }
        }
        "info" => crate::report::info_command(s, now, args, &mut out, scripts, stats),
        "role" => {
            if args.len() != 1 {
                arity_error(&mut out, "role");
            } else {
                out.array(2);
                out.bulk(b"sentinel");
                out.array(s.masters.len());
                for m in &s.masters {
                    out.bulk(m.inst.name.as_bytes());
                }
            }
        }
        "publish" => {
            if args.len() != 3 {
                arity_error(&mut out, "publish");
            } else if args[1].as_ref() != crate::monitor::HELLO_CHANNEL.as_bytes() {
                out.error(b"ERR Only HELLO messages are accepted by Sentinel instances.");
            } else {
                s.process_hello(now, &text(&args[2]));
                out.int(1);
            }
        }
        "shutdown" => shutdown(s, args, &mut out),
        _ => out.error(rds_commands::errors::unknown_command(args).as_bytes()),
    }
    out.buf.to_vec()
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: Redis's argument checks; every accepted form stops a
/// sentinel the same way (it has no dataset to save and no replicas to wait for; its configuration
/// was already written at each change).
fn shutdown(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    let (mut nosave, mut save, mut other, mut abort) = (false, false, false, false);
    for arg in &args[1..] {
        match text(arg).to_ascii_lowercase().as_str() {
            "nosave" => nosave = true,
            "save" => save = true,
            "now" | "force" => other = true,
            "abort" => abort = true,
            _ => return out.error(b"ERR syntax error"),
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return out.error(b"ERR syntax error");
    }
    if abort {
        // A sentinel's shutdown never waits, so there is never one to abort.
        return out.error(b"ERR No shutdown in progress.");
    }
    s.shutdown = true;
}

fn sentinel_command(s: &mut Sentinel, now: i64, args: &[Bytes], out: &mut ReplyBuf, scripts: &ScriptQueue) {
    let sub = text(&args[1]).to_ascii_lowercase();
    // The connection checked these against the sentinel's command table already; requests that do
    // not come from a client (tests) get the same answers.
    let spec = match rds_commands::sentinel::resolve(args) {
        rds_commands::Resolved::Command(spec) => spec,
        _ => {
            let given: String = text(&args[1]).chars().take(128).collect();
            out.error(format!("ERR unknown subcommand '{given}'. Try SENTINEL HELP.").as_bytes());
            return;
        }
    };
    if !spec.arity_ok(args.len()) {
        arity_error(out, spec.name);
        return;
    }
    let master_arg = args.get(2).map(text).unwrap_or_default();
    match sub.as_str() {
        "masters" => {
            out.array(s.masters.len());
            for m in 0..s.masters.len() {
                crate::report::instance_reply(s, now, m, Sel::Master, out);
            }
        }
        "master" => match s.master_index(&master_arg) {
            Some(m) => crate::report::instance_reply(s, now, m, Sel::Master, out),
            None => out.error(NO_SUCH_MASTER),
        },
        "replicas" | "slaves" => match s.master_index(&master_arg) {
            Some(m) => {
                let shown: Vec<usize> =
                    (0..s.masters[m].replicas.len()).filter(|&r| s.masters[m].replicas[r].replica_announced).collect();
                out.array(shown.len());
                for r in shown {
                    crate::report::instance_reply(s, now, m, Sel::Replica(r), out);
                }
            }
            None => out.error(NO_SUCH_MASTER),
        },
        "sentinels" => match s.master_index(&master_arg) {
            Some(m) => {
                out.array(s.masters[m].sentinels.len());
                for i in 0..s.masters[m].sentinels.len() {
                    crate::report::instance_reply(s, now, m, Sel::Sentinel(i), out);
                }
            }
            None => out.error(NO_SUCH_MASTER),
        },
        "get-master-addr-by-name" => match s.master_index(&master_arg) {
            Some(m) => {
                let addr = s.masters[m].current_addr();
                out.array(2);
                out.bulk(addr.announce(s.options.announce_hostnames).as_bytes());
                out.bulk(addr.port.to_string().as_bytes());
            }
            None => out.null_array(),
        },
        "is-master-down-by-addr" => is_master_down_by_addr(s, now, args, out),
        "reset" => {
            let pattern = args[2].clone();
            let mut count = 0;
            for m in 0..s.masters.len() {
                if rds_glob::glob_match(&pattern, s.masters[m].inst.name.as_bytes(), false) {
                    s.reset_master(now, m, false, true);
                    count += 1;
                }
            }
            if count > 0 {
                s.flush_config();
            }
            out.int(count);
        }
        "failover" => failover(s, now, &master_arg, out),
        "ckquorum" => ckquorum(s, &master_arg, out),
        "flushconfig" => {
            s.flush_config();
            out.ok();
        }
        "monitor" => monitor(s, now, args, out),
        "remove" => match s.master_index(&master_arg) {
            Some(m) => {
                s.event_at(crate::core::Level::Warning, "-monitor", m, Sel::Master, "");
                s.masters.remove(m);
                s.flush_config();
                out.ok();
            }
            None => out.error(NO_SUCH_MASTER),
        },
        "set" => crate::settings::set_command(s, args, out),
        "config" => crate::settings::config_command(s, args, out),
        "myid" => out.bulk(s.myid.as_bytes()),
        "info-cache" => info_cache(s, now, args, out),
        "pending-scripts" => scripts.pending_scripts_reply(out),
        "simulate-failure" => simulate_failure(s, args, out),
        "debug" => crate::settings::debug_command(s, args, out),
        "help" => help(out),
        _ => {}
    }
}

fn is_master_down_by_addr(s: &mut Sentinel, now: i64, args: &[Bytes], out: &mut ReplyBuf) {
    let (Some(port), Some(req_epoch)) = (parse_i64(&args[3]), parse_i64(&args[4])) else {
        out.error(NOT_AN_INTEGER);
        return;
    };
    let ip = text(&args[2]);
    let m = s.masters.iter().position(|m| m.inst.addr.matches(&ip, port, s.options.resolve_hostnames));
    let mut down = false;
    let mut leader = None;
    let mut leader_epoch = 0;
    if let Some(m) = m {
        // Answer with the state as of now, not as of the last timer call (up to 100 ms old): a peer
        // asking at the moment its own down-after ran out must not hear "up" from us just because our
        // timer has not looked yet.
        if !s.tilt {
            s.check_subjectively_down(now, m, Sel::Master);
        }
        let flags = s.masters[m].inst.flags;
        down = !s.tilt && flags & SRI_S_DOWN != 0 && flags & SRI_MASTER != 0;
        let runid = text(&args[5]);
        if runid != "*" {
            (leader, leader_epoch) = s.vote_leader(now, m, u64::try_from(req_epoch).unwrap_or(0), &runid);
        }
    }
    out.array(3);
    out.int(i64::from(down));
    out.bulk(leader.as_deref().unwrap_or("*").as_bytes());
    out.int(i64::try_from(leader_epoch).unwrap_or(i64::MAX));
}

fn failover(s: &mut Sentinel, now: i64, name: &str, out: &mut ReplyBuf) {
    let Some(m) = s.master_index(name) else {
        out.error(NO_SUCH_MASTER);
        return;
    };
    if s.masters[m].inst.flags & SRI_FAILOVER_IN_PROGRESS != 0 {
        out.error(b"INPROG Failover already in progress");
        return;
    }
    if s.select_slave(now, m).is_none() {
        out.error(b"NOGOODSLAVE No suitable replica to promote");
        return;
    }
    tracing::info!("Executing user requested FAILOVER of '{name}'");
    s.start_failover(now, m);
    s.masters[m].inst.flags |= SRI_FORCE_FAILOVER;
    out.ok();
}

/// Usable sentinels and the CKQUORUM verdict for a master.
pub fn quorum_check(master: &Master) -> (usize, bool, bool) {
    let voters = master.sentinels.len() + 1;
    let usable = 1 + master.sentinels.iter().filter(|s| s.flags & (SRI_S_DOWN | crate::model::SRI_O_DOWN) == 0).count();
    let no_quorum = usable < usize::try_from(master.quorum).unwrap_or(usize::MAX);
    let no_auth = usable < voters / 2 + 1;
    (usable, no_quorum, no_auth)
}

fn ckquorum(s: &Sentinel, name: &str, out: &mut ReplyBuf) {
    let Some(m) = s.master_index(name) else {
        out.error(NO_SUCH_MASTER);
        return;
    };
    let (usable, no_quorum, no_auth) = quorum_check(&s.masters[m]);
    if !no_quorum && !no_auth {
        out.simple(&format!("OK {usable} usable Sentinels. Quorum and failover authorization can be reached"));
        return;
    }
    let mut e = format!("NOQUORUM {usable} usable Sentinels. ");
    if no_quorum {
        e.push_str("Not enough available Sentinels to reach the specified quorum for this master");
    }
    if no_auth {
        if no_quorum {
            e.push_str(". ");
        }
        e.push_str("Not enough available Sentinels to reach the majority and authorize a failover");
    }
    out.error(e.as_bytes());
}

fn monitor(s: &mut Sentinel, now: i64, args: &[Bytes], out: &mut ReplyBuf) {
    let Some(quorum) = parse_i64(&args[5]) else {
        out.error(b"ERR Invalid quorum");
        return;
    };
    let Some(port) = parse_i64(&args[4]) else {
        out.error(b"ERR Invalid port");
        return;
    };
    if quorum <= 0 {
        out.error(b"ERR Quorum must be 1 or greater.");
        return;
    }
    let host = text(&args[3]);
    if Addr::resolve(&host, 1, s.options.resolve_hostnames).is_none() {
        out.error(b"ERR Invalid IP address or hostname specified");
        return;
    }
    let Ok(port) = u16::try_from(port) else {
        out.error(b"ERR Invalid port number.");
        return;
    };
    let name = text(&args[2]);
    if s.master_index(&name).is_some() {
        out.error(b"ERR Duplicate master name.");
        return;
    }
    let Some(addr) = Addr::resolve(&host, port, s.options.resolve_hostnames) else {
        out.error(b"ERR Can't resolve instance hostname.");
        return;
    };
    let down_after = s.timing.default_down_after;
    let (id, link) = (s.new_id(), s.new_link(now));
    let inst = Instance::new(id, SRI_MASTER, name, addr, down_after, now, link);
    let failover_timeout = s.timing.default_failover_timeout;
    s.masters.push(Master::new(inst, u32::try_from(quorum).unwrap_or(u32::MAX), failover_timeout));
    s.flush_config();
    let m = s.masters.len() - 1;
    s.event_at(crate::core::Level::Warning, "+monitor", m, Sel::Master, &format!(" quorum {quorum}"));
    out.ok();
}

fn info_cache(s: &Sentinel, now: i64, args: &[Bytes], out: &mut ReplyBuf) {
    let mut selected: Vec<usize> = Vec::new();
    for arg in &args[2..] {
        if let Some(m) = s.master_index(&text(arg)) {
            if !selected.contains(&m) {
                selected.push(m);
            }
        }
    }
    out.array(selected.len() * 2);
    for m in selected {
        let master = &s.masters[m];
        out.bulk(master.inst.name.as_bytes());
        out.array(master.replicas.len() + 1);
        for inst in std::iter::once(&master.inst).chain(master.replicas.iter()) {
            out.array(2);
            out.int(if inst.info_refresh != 0 { now - inst.info_refresh } else { 0 });
            match &inst.info {
                Some(info) => out.verbatim(info.as_bytes()),
                None => out.null(),
            }
        }
    }
}

fn simulate_failure(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    s.simfailure_flags = 0;
    for arg in &args[2..] {
        let flag = text(arg).to_ascii_lowercase();
        match flag.as_str() {
            "crash-after-election" => {
                s.simfailure_flags |= SIMFAILURE_CRASH_AFTER_ELECTION;
                tracing::warn!(
                    "Failure simulation: this Sentinel will crash after being successfully elected as failover leader"
                );
            }
            "crash-after-promotion" => {
                s.simfailure_flags |= SIMFAILURE_CRASH_AFTER_PROMOTION;
                tracing::warn!(
                    "Failure simulation: this Sentinel will crash after promoting the selected replica to master"
                );
            }
            "help" => {
                out.array(2);
                out.bulk(b"crash-after-election");
                out.bulk(b"crash-after-promotion");
                return;
            }
            _ => {
                out.error(b"ERR Unknown failure simulation specified");
                return;
            }
        }
    }
    out.ok();
}

const HELP: [&str; 49] = [
    "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CKQUORUM <master-name>",
    "    Check if the current Sentinel configuration is able to reach the quorum",
    "    needed to failover a master and the majority needed to authorize the",
    "    failover.",
    "CONFIG SET <param> <value>",
    "    Set a global Sentinel configuration parameter.",
    "CONFIG GET <param>",
    "    Get global Sentinel configuration parameter.",
    "DEBUG [<param> <value> ...]",
    "    Show a list of configurable time parameters and their values (milliseconds).",
    "    Or update current configurable parameters values (one or more).",
    "GET-MASTER-ADDR-BY-NAME <master-name>",
    "    Return the ip and port number of the master with that name.",
    "FAILOVER <master-name>",
    "    Manually failover a master node without asking for agreement from other",
    "    Sentinels",
    "FLUSHCONFIG",
    "    Force Sentinel to rewrite its configuration on disk, including the current",
    "    Sentinel state.",
    "INFO-CACHE <master-name>",
    "    Return last cached INFO output from masters and all its replicas.",
    "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
    "    Check if the master specified by ip:port is down from current Sentinel's",
    "    point of view.",
    "MASTER <master-name>",
    "    Show the state and info of the specified master.",
    "MASTERS",
    "    Show a list of monitored masters and their state.",
    "MONITOR <name> <ip> <port> <quorum>",
    "    Start monitoring a new master with the specified name, ip, port and quorum.",
    "MYID",
    "    Return the ID of the Sentinel instance.",
    "PENDING-SCRIPTS",
    "    Get pending scripts information.",
    "REMOVE <master-name>",
    "    Remove master from Sentinel's monitor list.",
    "REPLICAS <master-name>",
    "    Show a list of replicas for this master and their state.",
    "RESET <pattern>",
    "    Reset masters for specific master name matching this pattern.",
    "SENTINELS <master-name>",
    "    Show a list of Sentinel instances for this master and their state.",
    "SET <master-name> <option> <value> [<option> <value> ...]",
    "    Set configuration parameters for certain masters.",
    "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
    "    Simulate a Sentinel crash.",
    "HELP",
    "    Prints this help.",
];

fn help(out: &mut ReplyBuf) {
    out.array(HELP.len());
    for line in HELP {
        out.simple(line);
    }
}

/// Accessor of one [`Timing`] field.
pub type TimingField = fn(&mut Timing) -> &mut i64;

/// The SENTINEL DEBUG parameters in Redis's order, with accessors into [`Timing`].
pub fn timing_params() -> [(&'static str, TimingField); 13] {
    [
        ("INFO-PERIOD", |t| &mut t.info_period),
        ("PING-PERIOD", |t| &mut t.ping_period),
        ("ASK-PERIOD", |t| &mut t.ask_period),
        ("PUBLISH-PERIOD", |t| &mut t.publish_period),
        ("DEFAULT-DOWN-AFTER", |t| &mut t.default_down_after),
        ("DEFAULT-FAILOVER-TIMEOUT", |t| &mut t.default_failover_timeout),
        ("TILT-TRIGGER", |t| &mut t.tilt_trigger),
        ("TILT-PERIOD", |t| &mut t.tilt_period),
        ("SLAVE-RECONF-TIMEOUT", |t| &mut t.slave_reconf_timeout),
        ("MIN-LINK-RECONNECT-PERIOD", |t| &mut t.min_link_reconnect_period),
        ("ELECTION-TIMEOUT", |t| &mut t.election_timeout),
        ("SCRIPT-MAX-RUNTIME", |t| &mut t.script_max_runtime),
        ("SCRIPT-RETRY-DELAY", |t| &mut t.script_retry_delay),
    ]
}
