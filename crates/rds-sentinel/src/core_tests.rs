//! State-machine tests of the core driven by synthetic time: links are detached (commands are
//! recorded, replies are injected as link events), so no socket or timer is involved.
#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use rds_resp::frame::decode_frame;
use rds_resp::{Frame, Protocol};

use super::*;
use crate::config::MasterConfig;
use crate::model::{
    FailoverState, ReplyKind, SRI_MASTER_DOWN, SRI_O_DOWN, SRI_PROMOTED, SRI_RECONF_DONE, SRI_RECONF_INPROG,
    SRI_RECONF_SENT, SRI_S_DOWN,
};

const T0: i64 = 1_700_000_000_000;
const OTHER_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OTHER_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn sentinel() -> Sentinel {
    let mut mc = MasterConfig::new("mymaster", "127.0.0.1", 6379, 2);
    mc.down_after_ms = 1000;
    mc.known_replicas = vec![("127.0.0.1".into(), 6380), ("127.0.0.1".into(), 6381)];
    mc.known_sentinels = vec![("127.0.0.1".into(), 26380, OTHER_A.into()), ("127.0.0.1".into(), 26381, OTHER_B.into())];
    let config = SentinelConfig { myid: Some("c".repeat(40)), masters: vec![mc], ..SentinelConfig::default() };
    Sentinel::new(config, None, T0).unwrap()
}

/// Answers every command pending on the instance's command link, in order.
fn answer(s: &mut Sentinel, now: i64, sel: Sel, info: &str, is_master_down: &Frame) {
    let link = s.link_of(s.masters[0].get(sel).unwrap());
    let Some(id) = link.cmd.as_ref().map(|h| h.id) else { return };
    let kinds: Vec<ReplyKind> = link.cmd_queue.iter().map(|(_, kind)| *kind).collect();
    for kind in kinds {
        let frame = match kind {
            ReplyKind::Discard => Frame::Simple("OK".into()),
            ReplyKind::Ping => Frame::Simple("PONG".into()),
            ReplyKind::Info => Frame::Bulk(Bytes::copy_from_slice(info.as_bytes())),
            ReplyKind::Publish => Frame::Integer(1),
            ReplyKind::IsMasterDown(_) => is_master_down.clone(),
        };
        s.on_link_event(now, LinkEvent::Frame { link: id, frame });
    }
}

/// Commands written so far to the instance's command link.
fn sent(s: &mut Sentinel, sel: Sel) -> Vec<String> {
    let id = s.link_of(s.masters[0].get(sel).unwrap()).cmd.as_ref().unwrap().id;
    sent_on(s, id)
}

/// Commands written so far to the connection with handle id `id`.
fn sent_on(s: &mut Sentinel, id: u64) -> Vec<String> {
    let mut out = Vec::new();
    for (link, rx) in &mut s.detached {
        if *link != id {
            continue;
        }
        let mut buf = BytesMut::new();
        while let Ok(bytes) = rx.try_recv() {
            buf.extend_from_slice(&bytes);
        }
        while let Ok(Some(Frame::Array(items))) = decode_frame(&mut buf) {
            let words: Vec<String> =
                items.iter().map(|f| String::from_utf8_lossy(f.as_bytes().unwrap_or_default()).into_owned()).collect();
            out.push(words.join(" "));
        }
    }
    out
}

fn kinds(s: &mut Sentinel) -> Vec<String> {
    std::mem::take(&mut s.events).into_iter().map(|e| e.kind).collect()
}

fn replica_info(port: u16, master_port: u16, offset: u64) -> String {
    let status = if master_port == 6379 { "down\r\nmaster_link_down_since_seconds:1" } else { "up" };
    format!(
        "run_id:{port:0>40}\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:{master_port}\r\n\
         master_link_status:{status}\r\nslave_repl_offset:{offset}\r\nslave_priority:100\r\n"
    )
}

const MASTER_INFO: &str = "run_id:1111111111111111111111111111111111111111\r\nrole:master\r\n\
                           slave0:ip=127.0.0.1,port=6380,state=online\r\nslave1:ip=127.0.0.1,port=6381,state=online\r\n";

fn no_vote() -> Frame {
    Frame::Array(vec![Frame::Integer(1), Frame::Bulk("*".into()), Frame::Integer(0)])
}

#[test]
fn an_unanswered_ping_makes_the_instance_sdown_after_down_after() {
    let mut s = sentinel();
    s.tick(T0 + 100);
    answer(&mut s, T0 + 150, Sel::Master, MASTER_INFO, &no_vote());
    s.tick(T0 + 1200);
    assert!(sent(&mut s, Sel::Master).iter().any(|c| c == "PING"));
    s.tick(T0 + 2100);
    assert_eq!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    s.tick(T0 + 2300);
    assert_ne!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    let events = std::mem::take(&mut s.events);
    let sdown = events.iter().find(|e| e.kind == "+sdown" && e.text.starts_with("master")).unwrap();
    assert_eq!(sdown.text, "master mymaster 127.0.0.1 6379");
    assert_eq!(sdown.level, Level::Warning);
    // A PONG brings it back.
    answer(&mut s, T0 + 2400, Sel::Master, MASTER_INFO, &no_vote());
    s.tick(T0 + 2450);
    assert!(kinds(&mut s).contains(&"-sdown".to_string()));
}

#[test]
fn votes_are_given_once_per_epoch() {
    let mut s = sentinel();
    assert_eq!(s.vote_leader(T0, 0, 5, OTHER_A), (Some(OTHER_A.to_string()), 5));
    assert_eq!(s.current_epoch, 5);
    assert_eq!(s.vote_leader(T0, 0, 5, OTHER_B), (Some(OTHER_A.to_string()), 5));
    assert_eq!(s.vote_leader(T0, 0, 4, OTHER_B), (Some(OTHER_A.to_string()), 5));
    assert_eq!(s.vote_leader(T0, 0, 6, OTHER_B), (Some(OTHER_B.to_string()), 6));
    let events = std::mem::take(&mut s.events);
    let votes: Vec<&str> = events.iter().filter(|e| e.kind == "+vote-for-leader").map(|e| e.text.as_str()).collect();
    assert_eq!(votes, vec![format!("{OTHER_A} 5"), format!("{OTHER_B} 6")]);
    assert!(s.dirty, "a vote must be flushed to disk");
}

fn execute(s: &mut Sentinel, now: i64, line: &str, protocol: Protocol) -> Vec<u8> {
    let args: Vec<Bytes> = line.split(' ').map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
    let scripts = crate::scripts::ScriptQueue::new(crate::pubsub::EventBus::new());
    crate::commands::execute(s, now, &args, protocol, &scripts, &crate::server::ServerStats::new())
}

#[test]
fn is_master_down_by_addr_replies_state_and_vote() {
    let mut s = sentinel();
    s.tick(T0 + 100);
    let r = execute(&mut s, T0 + 1000, "SENTINEL is-master-down-by-addr 127.0.0.1 6379 0 *", Protocol::Resp2);
    assert_eq!(r, b"*3\r\n:0\r\n$1\r\n*\r\n:0\r\n");
    // The PING sent at T0+100 is still unanswered: the master is down from T0+1101 on, and the
    // answer says so even though no timer call has looked since.
    let line = format!("SENTINEL is-master-down-by-addr 127.0.0.1 6379 3 {OTHER_A}");
    let r = execute(&mut s, T0 + 1101, &line, Protocol::Resp2);
    assert_eq!(r, format!("*3\r\n:1\r\n$40\r\n{OTHER_A}\r\n:3\r\n").into_bytes());
    assert_ne!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    // Unknown address: not down, no vote.
    let r = execute(&mut s, T0, &format!("SENTINEL is-master-down-by-addr 10.0.0.1 6379 3 {OTHER_B}"), Protocol::Resp2);
    assert_eq!(r, b"*3\r\n:0\r\n$1\r\n*\r\n:0\r\n");
    let r = execute(&mut s, T0, "SENTINEL is-master-down-by-addr 127.0.0.1 x 3 *", Protocol::Resp2);
    assert_eq!(r, b"-ERR value is not an integer or out of range\r\n");
    s.tilt = true;
    let r = execute(&mut s, T0, "SENTINEL is-master-down-by-addr 127.0.0.1 6379 3 *", Protocol::Resp2);
    assert_eq!(r, b"*3\r\n:0\r\n$1\r\n*\r\n:0\r\n");
}

#[test]
fn malformed_commands_get_redis_errors() {
    let mut s = sentinel();
    let cases: [(&str, &[u8]); 7] = [
        ("SENTINEL", b"-ERR wrong number of arguments for 'sentinel' command\r\n"),
        ("SENTINEL foo", b"-ERR unknown subcommand 'foo'. Try SENTINEL HELP.\r\n"),
        ("SENTINEL MASTER", b"-ERR wrong number of arguments for 'sentinel|master' command\r\n"),
        ("SENTINEL master nosuch", b"-ERR No such master with that name\r\n"),
        ("SENTINEL set mymaster quorum 0", b"-ERR Invalid argument '0' for SENTINEL SET 'quorum'\r\n"),
        ("PUBLISH x y", b"-ERR Only HELLO messages are accepted by Sentinel instances.\r\n"),
        ("GET x", b"-ERR unknown command 'GET', with args beginning with: 'x' \r\n"),
    ];
    for (line, expected) in cases {
        assert_eq!(execute(&mut s, T0, line, Protocol::Resp2), expected, "{line}");
    }
    assert_eq!(execute(&mut s, T0, "SENTINEL get-master-addr-by-name x", Protocol::Resp3), b"_\r\n");
    let garbage = "PUBLISH __sentinel__:hello 1.2.3.4,notaport,,,,,,";
    assert_eq!(execute(&mut s, T0, garbage, Protocol::Resp2), b":1\r\n");
    assert_eq!(s.masters[0].sentinels.len(), 2);
}

#[test]
fn instance_descriptions_are_maps_in_resp3() {
    let mut s = sentinel();
    let r = execute(&mut s, T0, "SENTINEL master mymaster", Protocol::Resp3);
    assert!(r.starts_with(b"%20\r\n$4\r\nname\r\n$8\r\nmymaster\r\n$2\r\nip\r\n"), "{}", String::from_utf8_lossy(&r));
    let r = execute(&mut s, T0, "SENTINEL master mymaster", Protocol::Resp2);
    assert!(r.starts_with(b"*40\r\n"));
    let r = execute(&mut s, T0, "SENTINEL sentinels mymaster", Protocol::Resp2);
    assert!(String::from_utf8_lossy(&r).contains("voted-leader\r\n$1\r\n?\r\n"));
}

#[test]
fn hello_messages_add_sentinels_adopt_epochs_and_switch_masters() {
    let mut s = sentinel();
    let newcomer = "d".repeat(40);
    s.process_hello(T0, &format!("127.0.0.1,26382,{newcomer},0,mymaster,127.0.0.1,6379,0"));
    assert_eq!(s.masters[0].sentinels.len(), 3);
    assert_eq!(kinds(&mut s), vec!["+sentinel"]);
    s.dirty = false;
    // Garbage fields: unknown master, bad port, bad address, wrong field count.
    for bad in [
        "127.0.0.1,26383,x,0,nosuch,127.0.0.1,6379,0",
        "127.0.0.1,999999,x,0,mymaster,127.0.0.1,6379,0",
        "not-an-ip,26383,x,0,mymaster,127.0.0.1,6379,0",
        "127.0.0.1,26383,x,0,mymaster",
        ",,,,,,,",
    ] {
        s.process_hello(T0, bad);
    }
    assert_eq!(s.masters[0].sentinels.len(), 3);
    // A newer configuration epoch with another address moves the master.
    s.process_hello(T0, &format!("127.0.0.1,26382,{newcomer},7,mymaster,127.0.0.1,6380,7"));
    assert_eq!(s.current_epoch, 7);
    assert_eq!(s.masters[0].config_epoch, 7);
    assert_eq!(s.masters[0].inst.addr.port, 6380);
    let names: Vec<String> = s.masters[0].replicas.iter().map(|r| r.name.clone()).collect();
    assert_eq!(names, vec!["127.0.0.1:6381", "127.0.0.1:6379"]);
    let events = std::mem::take(&mut s.events);
    let switch = events.iter().find(|e| e.kind == "+switch-master").unwrap();
    assert_eq!(switch.text, "mymaster 127.0.0.1 6379 127.0.0.1 6380");
    let got: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(got, vec!["+new-epoch", "+config-update-from", "+switch-master", "+slave", "+slave"]);
    assert_eq!(events[4].text, "slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380");
    assert!(s.dirty);
}

#[test]
fn a_long_timer_gap_enters_tilt_and_it_ends_after_the_tilt_period() {
    let mut s = sentinel();
    s.tick(T0 + 100);
    s.tick(T0 + 2500);
    assert!(s.tilt);
    let events = std::mem::take(&mut s.events);
    assert_eq!((events[0].kind.as_str(), events[0].text.as_str()), ("+tilt", "#tilt mode entered"));
    let mut t = T0 + 2500;
    while t < T0 + 33_000 {
        t += 100;
        s.tick(t);
    }
    assert!(!s.tilt);
    assert!(kinds(&mut s).contains(&"-tilt".to_string()));
}

/// Runs ticks every 100 ms, the master silent, everyone else answering.
fn run_until(s: &mut Sentinel, t: &mut i64, until: i64, vote: &dyn Fn(&Sentinel) -> Frame) {
    while *t < until {
        *t += 100;
        s.tick(*t);
        let frame = vote(s);
        if s.masters[0].inst.addr.port == 6381 {
            answer(s, *t, Sel::Master, &MASTER_INFO.replace("6381", "6379"), &frame);
        }
        for i in 0..s.masters[0].sentinels.len() {
            answer(s, *t, Sel::Sentinel(i), "", &frame);
        }
        for r in 0..s.masters[0].replicas.len() {
            let replica = &s.masters[0].replicas[r];
            let port = replica.addr.port;
            let promoted =
                replica.flags & SRI_PROMOTED != 0 && s.masters[0].failover_state >= FailoverState::WaitPromotion;
            let moved = replica.flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG | SRI_RECONF_DONE) != 0
                || s.masters[0].inst.addr.port == 6381;
            let info = if promoted || port == 6381 && moved {
                MASTER_INFO.replace("6381", "6379")
            } else {
                replica_info(port, if moved { 6381 } else { 6379 }, u64::from(port))
            };
            answer(s, *t, Sel::Replica(r), &info, &frame);
        }
    }
}

#[test]
fn a_dead_master_is_failed_over_with_redis_event_sequence() {
    let mut s = sentinel();
    let mut t = T0;
    let myid = s.myid.clone();
    let votes = move |s: &Sentinel| {
        let leader = if s.masters[0].failover_state > FailoverState::None { myid.clone() } else { "*".to_string() };
        let epoch = if leader == "*" { 0 } else { i64::try_from(s.current_epoch).unwrap() };
        Frame::Array(vec![Frame::Integer(1), Frame::Bulk(leader.into()), Frame::Integer(epoch)])
    };
    run_until(&mut s, &mut t, T0 + 1000, &votes);
    assert_eq!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    let replica_6381 = s.link_of(&s.masters[0].replicas[1]).cmd.as_ref().unwrap().id;
    run_until(&mut s, &mut t, T0 + 3000, &votes);
    assert!(s.events.iter().any(|e| e.kind == "+odown"));
    // The promotion transaction went to the replica with the highest offset (6381), followed by an
    // INFO that shows the promotion at once.
    let commands = sent_on(&mut s, replica_6381);
    let at = commands.iter().position(|c| c == "MULTI").unwrap();
    assert_eq!(
        commands[at..at + 7],
        [
            "MULTI",
            "SLAVEOF NO ONE",
            "CONFIG REWRITE",
            "CLIENT KILL TYPE normal",
            "CLIENT KILL TYPE pubsub",
            "EXEC",
            "INFO"
        ]
    );
    let got = kinds(&mut s);
    let want = [
        "+sdown",
        "+odown",
        "+new-epoch",
        "+try-failover",
        "+vote-for-leader",
        "+elected-leader",
        "+failover-state-select-slave",
        "+selected-slave",
        "+failover-state-send-slaveof-noone",
        "+failover-state-wait-promotion",
        "+promoted-slave",
        "+failover-state-reconf-slaves",
        "+slave-reconf-sent",
        "+slave-reconf-inprog",
        "+slave-reconf-done",
        "+failover-end",
        "+switch-master",
    ];
    run_until(&mut s, &mut t, T0 + 6000, &votes);
    let got: Vec<String> = got.into_iter().chain(kinds(&mut s)).collect();
    let filtered: Vec<&String> = got.iter().filter(|k| want.contains(&k.as_str())).collect();
    assert_eq!(filtered, want);
    assert_eq!(s.masters[0].inst.addr.port, 6381);
    assert_eq!(s.masters[0].config_epoch, 1);
    let replicas: Vec<&str> = s.masters[0].replicas.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(replicas, vec!["127.0.0.1:6380", "127.0.0.1:6379"]);
    let handshake = sent(&mut s, Sel::Replica(0));
    assert_eq!(handshake.first().map(String::as_str), Some("CLIENT SETNAME sentinel-cccccccc-cmd"));
}

/// Answers every command pending on the master's command link with `reply(kind)`.
fn answer_master_with(s: &mut Sentinel, now: i64, reply: &dyn Fn(ReplyKind) -> Frame) {
    let link = s.link_of(&s.masters[0].inst);
    let Some(id) = link.cmd.as_ref().map(|h| h.id) else { return };
    let pending: Vec<ReplyKind> = link.cmd_queue.iter().map(|(_, kind)| *kind).collect();
    for kind in pending {
        s.on_link_event(now, LinkEvent::Frame { link: id, frame: reply(kind) });
    }
}

fn ok_or(kind: ReplyKind, ping: &str, info: &str) -> Frame {
    match kind {
        ReplyKind::Ping if ping.starts_with('-') => Frame::Error(Bytes::copy_from_slice(&ping.as_bytes()[1..])),
        ReplyKind::Ping => Frame::Simple(Bytes::copy_from_slice(ping.as_bytes())),
        ReplyKind::Info => Frame::Bulk(Bytes::copy_from_slice(info.as_bytes())),
        _ => Frame::Simple("OK".into()),
    }
}

/// Ticks every 100 ms from `*t` to `until`, answering the master with `ping` (and MASTER_INFO).
fn run_master(s: &mut Sentinel, t: &mut i64, until: i64, ping: &str, info: &str) {
    while *t < until {
        *t += 100;
        s.tick(*t);
        answer_master_with(s, *t, &|kind| ok_or(kind, ping, info));
    }
}

#[test]
fn a_busy_master_gets_one_script_kill_once_sdown_then_recovers() {
    let mut s = sentinel();
    let mut t = T0;
    run_master(&mut s, &mut t, T0 + 500, "PONG", MASTER_INFO);
    let _ = sent(&mut s, Sel::Master);
    // -BUSY is a reply but not an acceptable one: SDOWN after down-after, then one SCRIPT KILL.
    run_master(&mut s, &mut t, T0 + 2500, "-BUSY Redis is busy running a script.", MASTER_INFO);
    assert!(s.masters[0].inst.flags & SRI_S_DOWN != 0);
    assert!(s.masters[0].inst.flags & crate::model::SRI_SCRIPT_KILL_SENT != 0);
    let kills = sent(&mut s, Sel::Master).iter().filter(|c| c.as_str() == "SCRIPT KILL").count();
    assert_eq!(kills, 1);
    assert!(crate::model::flags_string(&s.masters[0].inst, false).ends_with("script_kill_sent"));
    // The script died: PONG again, -sdown, and the flag is cleared for the next busy script.
    run_master(&mut s, &mut t, T0 + 4000, "PONG", MASTER_INFO);
    assert_eq!(s.masters[0].inst.flags & (SRI_S_DOWN | crate::model::SRI_SCRIPT_KILL_SENT), 0);
    let events = kinds(&mut s);
    assert!(events.contains(&"+sdown".to_string()) && events.contains(&"-sdown".to_string()), "{events:?}");
}

#[test]
fn a_rebooted_master_not_answering_pong_within_the_reboot_period_is_sdown() {
    let mut s = sentinel();
    s.masters[0].options.reboot_down_after_ms = 500;
    let mut t = T0;
    run_master(&mut s, &mut t, T0 + 500, "PONG", MASTER_INFO);
    let _ = kinds(&mut s);
    // New run id while loading: +reboot, PING answers -LOADING (acceptable, so no plain SDOWN)...
    let rebooted = MASTER_INFO.replace("1111111111111111111111111111111111111111", &"2".repeat(40));
    s.timing.info_period = 100;
    run_master(&mut s, &mut t, T0 + 800, "-LOADING Redis is loading the dataset in memory", &rebooted);
    assert!(s.masters[0].inst.flags & crate::model::SRI_MASTER_REBOOT != 0);
    assert_eq!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    // ... but no PONG within master-reboot-down-after-period: SDOWN.
    run_master(&mut s, &mut t, T0 + 1500, "-LOADING Redis is loading the dataset in memory", &rebooted);
    assert!(s.masters[0].inst.flags & SRI_S_DOWN != 0);
    let events = kinds(&mut s);
    assert_eq!(events.iter().filter(|e| e.as_str() == "+reboot").count(), 1, "{events:?}");
    assert!(events.contains(&"+sdown".to_string()));
    // The first PONG ends the reboot state and the SDOWN.
    run_master(&mut s, &mut t, T0 + 3000, "PONG", &rebooted);
    assert_eq!(s.masters[0].inst.flags & (SRI_S_DOWN | crate::model::SRI_MASTER_REBOOT), 0);
    // Without master-reboot-down-after-period a reboot never makes the master SDOWN by itself.
    let mut s = sentinel();
    let mut t = T0;
    run_master(&mut s, &mut t, T0 + 500, "PONG", MASTER_INFO);
    s.timing.info_period = 100;
    run_master(&mut s, &mut t, T0 + 3000, "-LOADING Redis is loading the dataset in memory", &rebooted);
    assert_eq!(s.masters[0].inst.flags & (SRI_S_DOWN | crate::model::SRI_MASTER_REBOOT), 0);
}

#[test]
fn one_sentinel_watching_two_masters_shares_one_link() {
    let mut first = MasterConfig::new("first", "127.0.0.1", 6379, 2);
    first.known_sentinels = vec![("127.0.0.1".into(), 26380, OTHER_A.into())];
    let second = MasterConfig::new("second", "127.0.0.1", 7379, 2);
    let config =
        SentinelConfig { myid: Some("c".repeat(40)), masters: vec![first, second], ..SentinelConfig::default() };
    let mut s = Sentinel::new(config, None, T0).unwrap();
    // Learned from a hello about the second master: the link of the first master's entry is reused.
    s.process_hello(T0, &format!("127.0.0.1,26380,{OTHER_A},0,second,127.0.0.1,7379,0"));
    let (a, b) = (&s.masters[0].sentinels[0], &s.masters[1].sentinels[0]);
    assert_eq!(a.link, b.link);
    assert_eq!(s.link_refcount(a.link), 2);
    let reply = execute(&mut s, T0, "SENTINEL SENTINELS second", Protocol::Resp2);
    assert!(String::from_utf8_lossy(&reply).contains("$13\r\nlink-refcount\r\n$1\r\n2\r\n"));
    // One connection, one PING per period for both entries; the reply serves both.
    s.tick(T0 + 10);
    let pings = sent(&mut s, Sel::Sentinel(0)).iter().filter(|c| c.as_str() == "PING").count();
    assert_eq!(pings, 1);
    let link = s.link_of(&s.masters[1].sentinels[0]).cmd.as_ref().unwrap().id;
    let queued = s.link_of(&s.masters[0].sentinels[0]).cmd_queue.len();
    for _ in 0..queued {
        s.on_link_event(T0 + 20, LinkEvent::Frame { link, frame: Frame::Simple("PONG".into()) });
    }
    assert_eq!(s.link_of(&s.masters[1].sentinels[0]).act_ping_time, 0);
    // Dropping one master keeps the link for the other (refcount 1), and its connection open.
    execute(&mut s, T0 + 30, "SENTINEL REMOVE first", Protocol::Resp2);
    s.tick(T0 + 40);
    let remaining = &s.masters[0].sentinels[0];
    assert_eq!(s.link_refcount(remaining.link), 1);
    assert!(s.link_of(remaining).cmd.is_some());
    assert_eq!(s.links.len(), 2, "the second master's link and the shared one");
}

/// Closes the master's connections, as a refused connection attempt does.
fn refuse_master(s: &mut Sentinel, now: i64) {
    let link = s.link_of(&s.masters[0].inst);
    let ids: Vec<u64> = link.cmd.iter().chain(link.pubsub.iter()).map(|h| h.id).collect();
    for link in ids {
        s.on_link_event(now, LinkEvent::Closed { link, reason: "Connection refused".into() });
    }
}

fn down_reply() -> Frame {
    Frame::Array(vec![Frame::Integer(1), Frame::Bulk("*".into()), Frame::Integer(0)])
}

/// The sequence behind the double failovers with down-after-milliseconds 1000 (redis-sentinel 7.0.15
/// has it): this sentinel voted for another one, holds "master is down" replies about the old address,
/// and learns the switch from a hello right after one of its 1 s-throttled reconnection attempts at
/// the dead master; some of its is-master-down requests are still in flight. The healthy new master
/// answers at once, yet it must neither go SDOWN (its link starts now, not a second later) nor become
/// ODOWN from the peers' answers about the old address.
#[test]
fn a_switch_learned_from_a_hello_does_not_fail_over_the_new_master() {
    let mut s = sentinel();
    let mut t = T0;
    let healthy = |s: &mut Sentinel, t: i64, sentinels: bool| {
        for r in 0..s.masters[0].replicas.len() {
            let port = s.masters[0].replicas[r].addr.port;
            answer(s, t, Sel::Replica(r), &replica_info(port, 6379, 10), &no_vote());
        }
        if sentinels {
            for i in 0..s.masters[0].sentinels.len() {
                answer(s, t, Sel::Sentinel(i), "", &down_reply());
            }
        }
    };
    while t < T0 + 1000 {
        t += 100;
        s.tick(t);
        answer(&mut s, t, Sel::Master, MASTER_INFO, &no_vote());
        healthy(&mut s, t, true);
    }
    // kill -9 of the master: every connection attempt from now on is refused.
    refuse_master(&mut s, t + 50);
    let mut voted = false;
    while t < T0 + 4000 {
        t += 100;
        s.tick(t);
        refuse_master(&mut s, t);
        if !voted && s.masters[0].inst.flags & SRI_S_DOWN != 0 {
            // The peer that becomes leader asks for our vote before our own answers come back.
            let line = format!("SENTINEL is-master-down-by-addr 127.0.0.1 6379 1 {OTHER_A}");
            let reply = execute(&mut s, t, &line, Protocol::Resp2);
            assert_eq!(reply, format!("*3\r\n:1\r\n$40\r\n{OTHER_A}\r\n:1\r\n").into_bytes());
            voted = true;
        }
        // The other sentinels' replies are held back in the last second: requests stay in flight.
        healthy(&mut s, t, t < T0 + 3000);
    }
    assert!(voted);
    assert_ne!(s.masters[0].inst.flags & SRI_O_DOWN, 0, "the old master is ODOWN");
    assert_eq!(s.masters[0].failover_state, FailoverState::None, "we voted for someone else");
    assert!(s.masters[0].sentinels.iter().all(|x| x.flags & SRI_MASTER_DOWN != 0));
    let pending = s.masters[0].sentinels.iter().map(|x| s.link_of(x).cmd_queue.len()).sum::<usize>();
    assert!(pending > 0, "is-master-down requests in flight");
    // Ticks run on their own phase: the last attempt at the dead master happened at a tick `r`.
    let r = s.link_of(&s.masters[0].inst).last_reconn_time;
    assert!(r <= t && t - r < 1000);
    while t < r + 1000 - 100 {
        t += 100;
        s.tick(t);
        refuse_master(&mut s, t);
    }
    // The leader's hello: epoch 1, the master is now 6381. It arrives 10 ms after the attempt.
    let _ = kinds(&mut s);
    let h = r + 1000 + 10;
    while t < h - 100 {
        t += 100;
        s.tick(t);
        refuse_master(&mut s, t);
    }
    s.process_hello(h, &format!("127.0.0.1,26380,{OTHER_A},1,mymaster,127.0.0.1,6381,1"));
    assert_eq!(s.masters[0].inst.addr.port, 6381);
    // Replies to the requests sent about the old address arrive now: they say nothing about 6381.
    for i in 0..s.masters[0].sentinels.len() {
        answer(&mut s, h + 1, Sel::Sentinel(i), "", &down_reply());
    }
    assert!(s.masters[0].sentinels.iter().all(|x| x.flags & SRI_MASTER_DOWN == 0), "stale master_down flags");
    // From here the new master, replicas and peers all answer at once; the timer's phase moved by 40 ms
    // (hz changes between calls), so some tick falls just after the reconnection throttle expires.
    t = h + 40;
    let new_master_info = MASTER_INFO.replace("6381", "6379");
    while t < h + 7000 {
        s.tick(t);
        answer(&mut s, t, Sel::Master, &new_master_info, &no_vote());
        for r in 0..s.masters[0].replicas.len() {
            let port = s.masters[0].replicas[r].addr.port;
            answer(&mut s, t, Sel::Replica(r), &replica_info(port, 6381, 10), &no_vote());
        }
        for i in 0..s.masters[0].sentinels.len() {
            answer(&mut s, t, Sel::Sentinel(i), "", &no_vote());
        }
        t += 100;
    }
    let events = std::mem::take(&mut s.events);
    let about_new: Vec<String> = events
        .iter()
        .filter(|e| e.text.starts_with("master mymaster 127.0.0.1 6381"))
        .map(|e| format!("{} {}", e.kind, e.text))
        .collect();
    assert!(about_new.iter().all(|e| !e.starts_with("+sdown") && !e.starts_with("+odown")), "{about_new:?}");
    assert!(!events.iter().any(|e| e.kind == "+try-failover"), "second failover: {about_new:?}");
    assert_eq!(s.masters[0].failover_state, FailoverState::None);
    assert_eq!(s.masters[0].inst.flags & (SRI_S_DOWN | SRI_O_DOWN), 0);
    assert_eq!(s.masters[0].inst.addr.port, 6381);
}

#[test]
fn the_next_deadline_is_when_the_oldest_unanswered_ping_runs_out() {
    let mut s = sentinel();
    // Every link starts disconnected, available since T0: down-after runs out at T0 + 1001.
    assert_eq!(s.next_deadline(T0), Some(T0 + 1001));
    s.tick(T0 + 100);
    // Connecting now, with a PING queued: the clock still runs from the links' creation.
    assert_eq!(s.next_deadline(T0 + 100), Some(T0 + 1001));
    answer(&mut s, T0 + 150, Sel::Master, MASTER_INFO, &no_vote());
    for i in 0..2 {
        answer(&mut s, T0 + 150, Sel::Sentinel(i), "", &no_vote());
        answer(&mut s, T0 + 150, Sel::Replica(i), &replica_info(6380 + i as u16, 6379, 1), &no_vote());
    }
    // Everyone answered: nothing can go down before the next PING.
    assert_eq!(s.next_deadline(T0 + 150), None);
    s.tick(T0 + 1200);
    assert_eq!(s.next_deadline(T0 + 1200), Some(T0 + 2201));
    // Past the deadline the master is SDOWN, and an SDOWN instance has no deadline.
    answer(&mut s, T0 + 1250, Sel::Sentinel(0), "", &no_vote());
    answer(&mut s, T0 + 1250, Sel::Sentinel(1), "", &no_vote());
    for i in 0..2 {
        answer(&mut s, T0 + 1250, Sel::Replica(i), &replica_info(6380 + i as u16, 6379, 1), &no_vote());
    }
    s.tick(T0 + 2201);
    assert_ne!(s.masters[0].inst.flags & SRI_S_DOWN, 0);
    assert_eq!(s.next_deadline(T0 + 2201), None);
}

/// Replicas whose INFO is older than the 5 s selection limit when the master goes down (their link
/// to it looks fine, so nothing asked for INFO more often than every 10 s): the election is won
/// within milliseconds, before the INFO sent at the failover start is answered. The selection waits
/// for those replies instead of aborting for want of a good replica.
#[test]
fn the_replica_selection_waits_for_the_info_asked_at_the_failover_start() {
    let mut s = sentinel();
    let myid = s.myid.clone();
    let vote = |s: &Sentinel| {
        let epoch = i64::try_from(s.current_epoch).unwrap();
        Frame::Array(vec![Frame::Integer(1), Frame::Bulk(myid.clone().into()), Frame::Integer(epoch)])
    };
    let replica_up =
        |port: u16| replica_info(port, 6381, u64::from(port)).replace("master_port:6381", "master_port:6379");
    let mut t = T0;
    // Healthy for 7 s: replicas answer their first INFO, then only PINGs (INFO every 10 s).
    while t < T0 + 7000 {
        t += 100;
        s.tick(t);
        answer(&mut s, t, Sel::Master, MASTER_INFO, &no_vote());
        for r in 0..2 {
            answer(&mut s, t, Sel::Replica(r), &replica_up(6380 + r as u16), &no_vote());
        }
        for i in 0..2 {
            answer(&mut s, t, Sel::Sentinel(i), "", &no_vote());
        }
    }
    assert!(s.masters[0].replicas.iter().all(|r| t - r.info_refresh > 5000));
    // The master stops answering; the replicas' answers are held back while the election runs.
    let mut waited = false;
    while t < T0 + 10_000 && s.masters[0].promoted.is_none() {
        t += 100;
        s.tick(t);
        for _ in 0..2 {
            let frame = vote(&s);
            for i in 0..2 {
                answer(&mut s, t, Sel::Sentinel(i), "", &frame);
            }
        }
        if s.masters[0].failover_state == FailoverState::SelectSlave {
            waited = true;
        }
        for r in 0..2 {
            answer(&mut s, t, Sel::Replica(r), &replica_up(6380 + r as u16), &no_vote());
        }
    }
    let events = kinds(&mut s);
    assert!(waited, "the election was won before the replicas' INFO came back: {events:?}");
    assert!(!events.contains(&"-failover-abort-no-good-slave".to_string()), "{events:?}");
    assert!(events.contains(&"+selected-slave".to_string()), "{events:?}");
    assert_eq!(s.masters[0].failover_state, FailoverState::WaitPromotion);
}
