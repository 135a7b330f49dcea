//! End-to-end sentinel tests on loopback: stacks of servers (rds-server or redis-server) and sentinels
//! (rds-sentinel or redis-sentinel, mixed per test) with quorum 2 and down-after-milliseconds 1000
//! for the failovers under write load with rds-sentinels only, 2000 otherwise (why: see
//! `support::DOWN_AFTER_MS`).
//!
//! Failover under a write load with kill -9 (exactly one failover, all sentinels agree, the other
//! replica follows, the old master rejoins as a replica, replicated acknowledged writes survive), the
//! same across implementations (real sentinels over rds servers, rds sentinels over real servers, a
//! mixed quorum), redis-py's Sentinel client through a failover, no failover without quorum, a
//! partitioned master with min-replicas-to-write (through a TCP proxy that can cut it off), a sentinel
//! restarted from its rewritten config, and bad input. Tests that need real Redis skip when it is
//! missing, and fail under CI. The container topology is tested in sentinel_compose.rs.

#![allow(clippy::unwrap_used)]

#[path = "sentinel/support.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use rds_testkit::{free_port, require_python_redis, wait_until, Client};
use support::*;

/// Asserts there was exactly one failover: one promotion, one leader, and on every sentinel exactly
/// one `+switch-master`, from `old` to `new`.
fn assert_one_failover(stack: &Stack, old: u16, new: u16) {
    let promoted = stack.events.named("+promoted-slave", None);
    assert_eq!(promoted.len(), 1, "promotions: {promoted:?}");
    let leaders = stack.events.named("+elected-leader", None);
    assert_eq!(leaders.len(), 1, "elected leaders: {leaders:?}");
    for index in 0..stack.sentinels.len() {
        let switches = stack.events.named("+switch-master", Some(index));
        let messages: Vec<&str> = switches.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, [format!("{MASTER} 127.0.0.1 {old} 127.0.0.1 {new}")], "sentinel {index}");
    }
}

/// Waits until every sentinel published `+switch-master` (the ones that did not lead learn it from
/// hello messages, a little later).
fn wait_switch_everywhere(stack: &Stack, old: u16, new: u16) {
    let message = format!("{MASTER} 127.0.0.1 {old} 127.0.0.1 {new}");
    for index in 0..stack.sentinels.len() {
        let seen = stack.events.wait_for("+switch-master", Some(index), &message, FAILOVER_WAIT);
        assert!(seen, "sentinel {index} did not publish +switch-master {message}");
    }
}

/// The first element of ROLE on `port` ("master", "slave").
fn role(port: u16) -> String {
    try_cmd(port, &["ROLE"]).map(|r| texts(&r).first().cloned().unwrap_or_default()).unwrap_or_default()
}

/// kill -9 of the master under a write load; checks everything the issue asks of a failover. With
/// `rejoin`, the old master is restarted and must become a replica of the new one. Stacks of
/// rds-sentinels only run with the down-after-milliseconds 1000.
fn failover_under_write_load(server: Kind, sentinels: &[Kind], rejoin: bool) -> Option<(Stack, u16)> {
    let mut spec = Spec::new(server, 2, sentinels);
    if sentinels.iter().all(|k| *k == Kind::Rds) {
        spec.down_after_ms = DOWN_AFTER_MS_RDS;
    }
    let mut stack = Stack::start(&spec)?;
    let old = stack.ports[0];
    let mut writer = Writer::start(old, "w");
    assert!(wait_until(STATE_WAIT, || writer.acked().len() >= 200), "the writer made no progress");
    // Everything acknowledged so far is in the master's stream up to `offset`; once both replicas
    // applied that much, these writes must survive whichever replica is promoted.
    let replicated = writer.acked();
    let offset = info_field(&info(old, "replication"), "master_repl_offset").parse().unwrap();
    wait_offsets(&stack.ports[1..], offset);
    stack.kill_server(0);

    let new = stack.wait_new_master(old);
    assert!(stack.ports[1..].contains(&new), "promoted {new}, not one of the replicas {:?}", &stack.ports[1..]);
    wait_switch_everywhere(&stack, old, new);
    assert!(wait_until(STATE_WAIT, || role(new) == "master"), "the promoted replica does not say it is master");
    let other = *stack.ports[1..].iter().find(|p| **p != new).unwrap();
    stack.wait_replica_of(other, new, STATE_WAIT);
    writer.stop();
    assert_eq!(writer.missing_on(new, &replicated), Vec::<u64>::new(), "replicated writes lost in the failover");
    assert_eq!(text(&try_cmd(new, &["SET", "after-failover", "1"]).unwrap()), "OK");

    if rejoin {
        stack.restart_server(0);
        stack.wait_replica_of(old, new, REJOIN_WAIT);
        let offset = info_field(&info(new, "replication"), "master_repl_offset").parse().unwrap();
        wait_offsets(&[old, other], offset);
        for port in [old, other] {
            assert_eq!(writer.missing_on(port, &replicated), Vec::<u64>::new(), "writes missing on {port}");
            assert_eq!(text(&try_cmd(port, &["GET", "after-failover"]).unwrap()), "1");
        }
    }
    // Give a second failover (the defect this guards against) time to show up.
    std::thread::sleep(Duration::from_millis((3 * spec.down_after_ms).max(5000)));
    assert_one_failover(&stack, old, new);
    for sentinel in &stack.sentinels {
        assert_eq!(sentinel.master_addr(), Some(("127.0.0.1".to_string(), new)));
    }
    Some((stack, new))
}

#[test]
fn rds_sentinels_fail_over_rds_servers_under_write_load() {
    failover_under_write_load(Kind::Rds, &[Kind::Rds; 3], true);
}

#[test]
fn real_redis_sentinels_fail_over_rds_servers() {
    failover_under_write_load(Kind::Rds, &[Kind::Redis; 3], false);
}

#[test]
fn rds_sentinels_fail_over_real_redis_servers() {
    failover_under_write_load(Kind::Redis, &[Kind::Rds; 3], false);
}

/// Two rds-sentinels and one redis-sentinel: one leader, elected by a majority in its epoch, and one
/// new master that every sentinel records with that epoch.
#[test]
fn mixed_quorum_agrees_on_one_leader_and_one_new_master() {
    let Some((stack, _new)) = failover_under_write_load(Kind::Rds, &[Kind::Rds, Kind::Rds, Kind::Redis], false) else {
        return;
    };
    let leader = &stack.events.named("+elected-leader", None)[0];
    let leader_id = text(&stack.sentinels[leader.sentinel].cmd(&["SENTINEL", "MYID"]));
    let epoch = field(&stack.sentinels[leader.sentinel].master(), "config-epoch");
    assert_ne!(epoch, "0");
    let votes = stack.events.named("+vote-for-leader", None);
    let for_leader = votes.iter().filter(|v| v.message == format!("{leader_id} {epoch}")).count();
    assert!(for_leader >= 2, "the leader {leader_id} needs a majority of votes in epoch {epoch}: {votes:?}");
    for sentinel in &stack.sentinels {
        assert_eq!(
            field(&sentinel.master(), "config-epoch"),
            epoch,
            "{:?} sentinel on {}",
            sentinel.kind,
            sentinel.port
        );
    }
}

/// redis-py's `Sentinel` finds the master through rds-sentinels, writes through a failover after
/// reconnecting, and reads from replicas with `slave_for` (tests/py/sentinel_client.py).
#[test]
fn redis_py_sentinel_client_writes_through_a_failover() {
    let Some(python) = require_python_redis() else { return };
    let Some(mut stack) = Stack::start(&Spec::new(Kind::Rds, 2, &[Kind::Rds; 3])) else { return };
    let ports: Vec<String> = stack.sentinels.iter().map(|s| s.port.to_string()).collect();
    let master = stack.servers[0].as_ref().unwrap();
    let mut child = Command::new(python)
        .arg(tests_path("py/sentinel_client.py"))
        .args([MASTER, &ports.join(","), &master.port().to_string(), &master.pid().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let finished = wait_until(Duration::from_secs(120), || child.try_wait().unwrap().is_some());
    if !finished {
        let _ = child.kill();
    }
    let output = child.wait_with_output().unwrap();
    // The script killed the master: reap it.
    if let Some(mut master) = stack.servers[0].take() {
        master.kill();
    }
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(finished && output.status.success(), "sentinel_client.py failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
    eprintln!("sentinel_client.py: {stdout}");
    let new = stack.wait_new_master(stack.ports[0]);
    wait_switch_everywhere(&stack, stack.ports[0], new);
    assert_one_failover(&stack, stack.ports[0], new);
}

/// Quorum 2 with two of three sentinels stopped: the dead master is SDOWN, never ODOWN, and nothing is
/// promoted.
#[test]
fn no_failover_without_quorum() {
    let Some(mut stack) = Stack::start(&Spec::new(Kind::Rds, 2, &[Kind::Rds; 3])) else { return };
    stack.sentinels[1].kill();
    stack.sentinels[2].kill();
    let old = stack.ports[0];
    stack.kill_server(0);
    let sdown = format!("master {MASTER} 127.0.0.1 {old}");
    assert!(stack.events.wait_for("+sdown", Some(0), &sdown, STATE_WAIT), "the master never went SDOWN");
    // The window in which a failover would have happened: five times down-after-milliseconds.
    std::thread::sleep(Duration::from_millis(5 * DOWN_AFTER_MS));
    for name in ["+odown", "+try-failover", "+elected-leader", "+promoted-slave", "+switch-master"] {
        assert_eq!(stack.events.named(name, None).len(), 0, "{name} without quorum");
    }
    let lone = &stack.sentinels[0];
    assert_eq!(lone.master_addr(), Some(("127.0.0.1".to_string(), old)));
    assert_eq!(field(&lone.info_master0(), "status"), "sdown");
    let flags = field(&lone.master(), "flags");
    assert!(flags.contains("s_down") && !flags.contains("o_down"), "flags {flags}");
    let ckquorum = text(&lone.cmd(&["SENTINEL", "CKQUORUM", MASTER]));
    assert!(ckquorum.starts_with("-NOQUORUM 1 usable Sentinels."), "{ckquorum}");
    for port in &stack.ports[1..] {
        let replication = info(*port, "replication");
        assert_eq!(info_field(&replication, "role"), "slave");
        assert_eq!(info_field(&replication, "master_port"), old.to_string());
    }
}

/// The master is cut off from replicas and sentinels (a proxy between them stops relaying) while a
/// client beside it keeps writing: with min-replicas-to-write 1 it refuses writes once its replicas
/// lag more than min-replicas-max-lag; the sentinels promote a replica exactly once; when the partition
/// heals the old master becomes a replica of the new one.
#[test]
fn partitioned_master_refuses_writes_and_rejoins_as_replica() {
    let mut spec = Spec::new(Kind::Rds, 2, &[Kind::Rds; 3]);
    spec.proxied_master = true;
    spec.server_args = ["--min-replicas-to-write", "1", "--min-replicas-max-lag", "2"].map(String::from).to_vec();
    let Some(stack) = Stack::start(&spec) else { return };
    let (direct, seen_as) = (stack.ports[0], stack.monitored_port());
    let mut writer = Writer::start(direct, "w");
    assert!(wait_until(STATE_WAIT, || writer.acked().len() >= 200), "the writer made no progress");
    let replicated = writer.acked();
    let offset = info_field(&info(direct, "replication"), "master_repl_offset").parse().unwrap();
    wait_offsets(&stack.ports[1..], offset);
    let proxy = stack.proxy.as_ref().unwrap();
    proxy.cut();

    let refused = "-NOREPLICAS Not enough good replicas to write.";
    let stopped = wait_until(STATE_WAIT, || writer.errors().iter().any(|e| e == refused));
    assert!(stopped, "the partitioned master kept accepting writes: {:?}", writer.errors());
    let new = stack.wait_new_master(seen_as);
    wait_switch_everywhere(&stack, seen_as, new);
    let other = *stack.ports[1..].iter().find(|p| **p != new).unwrap();
    stack.wait_replica_of(other, new, STATE_WAIT);
    assert_eq!(writer.missing_on(new, &replicated), Vec::<u64>::new(), "replicated writes lost");
    writer.stop();
    assert_eq!(text(&try_cmd(direct, &["SET", "k", "v"]).unwrap()), refused);
    assert_eq!(role(direct), "master", "still cut off, nobody could reconfigure it");

    proxy.heal();
    stack.wait_replica_of(direct, new, REJOIN_WAIT);
    assert_eq!(text(&try_cmd(new, &["SET", "after-heal", "1"]).unwrap()), "OK");
    let offset = info_field(&info(new, "replication"), "master_repl_offset").parse().unwrap();
    wait_offsets(&[direct, other], offset);
    assert_eq!(text(&try_cmd(direct, &["GET", "after-heal"]).unwrap()), "1");
    assert_eq!(
        text(&try_cmd(direct, &["SET", "k", "v"]).unwrap()),
        "-READONLY You can't write against a read only replica."
    );
    assert_one_failover(&stack, seen_as, new);
}

/// What a sentinel knows, as SENTINEL commands report it: master address and config epoch, replicas
/// (by name) and other sentinels (by run id).
fn knowledge(sentinel: &Sentinel) -> (String, String, String, Vec<String>, Vec<String>) {
    let master = sentinel.master();
    let mut replicas: Vec<String> =
        records(&sentinel.cmd(&["SENTINEL", "REPLICAS", MASTER])).iter().map(|r| field(r, "name")).collect();
    replicas.sort();
    let mut sentinels: Vec<String> =
        records(&sentinel.cmd(&["SENTINEL", "SENTINELS", MASTER])).iter().map(|r| field(r, "runid")).collect();
    sentinels.sort();
    (field(&master, "ip"), field(&master, "port"), field(&master, "config-epoch"), replicas, sentinels)
}

/// The `sentinel current-epoch` of a config file.
fn current_epoch_in(conf: &std::path::Path) -> String {
    let text = std::fs::read_to_string(conf).unwrap();
    text.lines().find_map(|l| l.strip_prefix("sentinel current-epoch ")).unwrap_or_default().trim().to_string()
}

/// After a failover, a sentinel killed with SIGKILL and started again from its rewritten config knows
/// the new master, the epochs, the replicas and the other sentinels, and keeps its id.
#[test]
fn restarted_sentinel_comes_back_from_its_rewritten_config() {
    let Some(mut stack) = Stack::start(&Spec::new(Kind::Rds, 2, &[Kind::Rds; 3])) else { return };
    let old = stack.ports[0];
    assert_eq!(text(&stack.sentinels[0].cmd(&["SENTINEL", "FAILOVER", MASTER])), "OK");
    let new = stack.wait_new_master(old);
    wait_switch_everywhere(&stack, old, new);
    let epoch = field(&stack.sentinels[0].master(), "config-epoch");
    assert_ne!(epoch, "0");
    let settled =
        wait_until(STATE_WAIT, || stack.sentinels.iter().all(|s| field(&s.master(), "config-epoch") == epoch));
    assert!(settled, "sentinels disagree on the config epoch");
    stack.wait_discovery(2, 3);

    let restarted = &mut stack.sentinels[2];
    let id = text(&restarted.cmd(&["SENTINEL", "MYID"]));
    let before = knowledge(restarted);
    let current_epoch = current_epoch_in(&restarted.conf_path());
    assert_eq!(current_epoch, epoch, "current-epoch in the rewritten config");
    assert_eq!(before.3.len(), 2, "replicas known before the restart: {before:?}");
    assert_eq!(before.4.len(), 2, "sentinels known before the restart: {before:?}");
    restarted.kill();
    restarted.start();
    assert_eq!(text(&restarted.cmd(&["SENTINEL", "MYID"])), id);
    assert_eq!(knowledge(restarted), before);
    assert_eq!(current_epoch_in(&restarted.conf_path()), current_epoch);
    assert_eq!(restarted.master_addr(), Some(("127.0.0.1".to_string(), new)));
    let index = stack.sentinels.len() - 1;
    let port = stack.sentinels[index].port;
    stack.events.watch(index, port);
    stack.wait_discovery(2, 3);
    assert_eq!(knowledge(&stack.sentinels[index]), before);
}

/// Malformed SENTINEL commands get Redis's errors, hello messages with garbage fields and a monitored
/// address that refuses connections change nothing about the healthy master: the sentinel stays up and
/// nobody fails it over.
#[test]
fn bad_input_gets_clear_errors_and_no_bogus_failover() {
    let Some(stack) = Stack::start(&Spec::new(Kind::Rds, 1, &[Kind::Rds; 3])) else { return };
    let target = &stack.sentinels[0];
    let master_port = stack.ports[0].to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["SENTINEL"], "-ERR wrong number of arguments for 'sentinel' command"),
        (&["SENTINEL", "foo"], "-ERR unknown subcommand 'foo'. Try SENTINEL HELP."),
        (&["SENTINEL", "MASTER"], "-ERR wrong number of arguments for 'sentinel|master' command"),
        (&["SENTINEL", "MASTER", "nosuch"], "-ERR No such master with that name"),
        (&["SENTINEL", "REPLICAS", "nosuch"], "-ERR No such master with that name"),
        (&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"], "(nil)"),
        (
            &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "notaport", "0", "*"],
            "-ERR value is not an integer or out of range",
        ),
        (
            &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", &master_port, "x", "*"],
            "-ERR value is not an integer or out of range",
        ),
        (
            &["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", &master_port, "0"],
            "-ERR wrong number of arguments for 'sentinel|is-master-down-by-addr' command",
        ),
        (&["SENTINEL", "MONITOR", "x", "127.0.0.1", "99999", "2"], "-ERR Invalid port number."),
        (&["SENTINEL", "MONITOR", "x", "127.0.0.1", "abc", "2"], "-ERR Invalid port"),
        (&["SENTINEL", "MONITOR", "x", "127.0.0.1", "6379", "0"], "-ERR Quorum must be 1 or greater."),
        (&["SENTINEL", "MONITOR", "x", "127.0.0.1", "6379", "abc"], "-ERR Invalid quorum"),
        (&["SENTINEL", "MONITOR", MASTER, "127.0.0.1", "6379", "2"], "-ERR Duplicate master name."),
        (
            &["SENTINEL", "SET", MASTER, "down-after-milliseconds", "-5"],
            "-ERR Invalid argument '-5' for SENTINEL SET 'down-after-milliseconds'",
        ),
        (&["SENTINEL", "SET", MASTER, "quorum", "0"], "-ERR Invalid argument '0' for SENTINEL SET 'quorum'"),
        (
            &["SENTINEL", "SET", MASTER, "nosuchoption", "1"],
            "-ERR Unknown option or number of arguments for SENTINEL SET 'nosuchoption'",
        ),
        (&["SENTINEL", "SET", MASTER, "quorum"], "-ERR wrong number of arguments for 'sentinel|set' command"),
        (&["SENTINEL", "SET", "nosuch", "quorum", "2"], "-ERR No such master with that name"),
        (&["SENTINEL", "FAILOVER", "nosuch"], "-ERR No such master with that name"),
        (&["SENTINEL", "REMOVE", "nosuch"], "-ERR No such master with that name"),
        (
            &["SENTINEL", "CONFIG", "GET"],
            "-ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.",
        ),
        (&["SENTINEL", "CONFIG", "SET", "nosuch", "1"], "-ERR Invalid argument 'nosuch' to SENTINEL CONFIG SET"),
        (&["SENTINEL", "SIMULATE-FAILURE", "foo"], "-ERR Unknown failure simulation specified"),
        (&["SENTINEL", "MASTERS", "extra"], "-ERR wrong number of arguments for 'sentinel|masters' command"),
        (&["PUBLISH", "foo", "bar"], "-ERR Only HELLO messages are accepted by Sentinel instances."),
        (&["SET", "a", "b"], "-ERR unknown command 'SET', with args beginning with: 'a' 'b' "),
    ];
    for (args, want) in cases {
        assert_eq!(text(&target.cmd(args)), *want, "{args:?}");
    }

    // Hello messages with the wrong number of fields, empty fields, non-numbers and binary junk are
    // accepted as messages (`:1`) and must not disturb anything.
    let runid = "a".repeat(40);
    let hellos = [
        "garbage".to_string(),
        "1,2,3".to_string(),
        ",,,,,,,".to_string(),
        format!("127.0.0.1,notaport,{runid},abc,{MASTER},127.0.0.1,xyz,zzz"),
        format!("127.0.0.1,1,{},0,nosuch,127.0.0.1,1,0", "b".repeat(40)),
        format!("127.0.0.1,1,short,0,{MASTER},127.0.0.1,{master_port},0,extra,fields"),
        "\u{0}\u{1},\u{ff}".to_string(),
    ];
    for hello in &hellos {
        assert_eq!(text(&target.cmd(&["PUBLISH", "__sentinel__:hello", hello])), "1", "{hello:?}");
    }

    // Raw protocol junk on connections of their own.
    for junk in
        [&b"*2\r\n$8\r\nSENTINEL\r\n$-5\r\n"[..], b"*-1\r\n*1\r\n$99999999999\r\n", b"\x00\xff\r\n", b"*1\r\n$4\r\nPI"]
    {
        let mut client = Client::connect(target.port).unwrap();
        client.set_timeout(Duration::from_secs(2)).unwrap();
        client.send_raw(junk);
        let _ = client.read_until_closed();
    }

    // A monitored address nobody listens on: SDOWN, ODOWN (quorum 1), then the failover is aborted
    // for want of a replica. Never a switch.
    let dead = free_port().unwrap().to_string();
    assert_eq!(text(&target.cmd(&["SENTINEL", "MONITOR", "dead", "127.0.0.1", &dead, "1"])), "OK");
    assert_eq!(text(&target.cmd(&["SENTINEL", "SET", "dead", "down-after-milliseconds", "1000"])), "OK");
    let aborted = stack.events.wait_for(
        "-failover-abort-no-good-slave",
        Some(0),
        &format!("master dead 127.0.0.1 {dead}"),
        STATE_WAIT,
    );
    assert!(aborted, "the failover of the dead master was not aborted");
    assert!(stack.events.named("+sdown", Some(0)).iter().any(|e| e.message == format!("master dead 127.0.0.1 {dead}")));
    assert_eq!(text(&target.cmd(&["SENTINEL", "REMOVE", "dead"])), "OK");

    // The healthy master stayed healthy on every sentinel, and every sentinel still answers.
    std::thread::sleep(Duration::from_millis(2 * DOWN_AFTER_MS));
    for sentinel in &stack.sentinels {
        assert_eq!(text(&sentinel.cmd(&["PING"])), "PONG");
        assert_eq!(sentinel.master_addr(), Some(("127.0.0.1".to_string(), stack.ports[0])));
        assert_eq!(field(&sentinel.master(), "flags"), "master");
        assert_eq!(field(&sentinel.master(), "config-epoch"), "0");
    }
    let healthy = format!("master {MASTER} ");
    for name in ["+sdown", "+odown", "+try-failover"] {
        let about = stack.events.named(name, None).into_iter().filter(|e| e.message.starts_with(&healthy)).count();
        assert_eq!(about, 0, "{name} about the healthy master");
    }
    for name in ["+switch-master", "+promoted-slave"] {
        assert_eq!(stack.events.named(name, None).len(), 0, "{name}");
    }
    assert!(!target.log().contains("panicked"));
}
