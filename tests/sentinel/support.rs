//! Harness of the sentinel tests: a `Stack` of servers (one master, its replicas) and sentinels on free
//! loopback ports, each with a private directory and a writable sentinel.conf, killed on drop; a
//! subscription to every sentinel's events (`PSUBSCRIBE *`); a throttled writer that records which
//! writes were acknowledged; and a TCP proxy in front of the master that can partition it.
//!
//! Every process is rds or real Redis per test ([`Kind`]), so a scenario runs unchanged against either
//! and a wrong expectation shows up as a failure against real Redis too.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rds_resp::Frame;
use rds_testkit::{
    free_port, require_redis, require_redis_sentinel, wait_until, Client, ServerBuilder, TempDir, TestServer,
};

/// The monitored master's name in every stack.
pub const MASTER: &str = "mymaster";
/// `down-after-milliseconds` of stacks with a real redis-sentinel, and of the tests that do not
/// measure a failover. Not the 1000: with 1000, real redis-sentinel 7.0.15 fails over twice
/// in about one run of ten here. A sentinel that learns the switch from a hello message resets its
/// link to the new master, but may reconnect only 1000 ms after its last attempt at the dead master
/// (its reconnect throttle), so the new master's first PONG can come after down-after; and the
/// is-master-down replies it still holds from the old master's address (younger than 5 s) make that
/// SDOWN an immediate ODOWN of the healthy new master. Above 1000 ms plus a timer tick that cannot
/// happen. Redis's own sentinel tests use 2000. rds-sentinel forgets those replies and connects to
/// the new address at once (crates/rds-sentinel/src/failover.rs `reset_master_and_change_address`),
/// so the failover tests with rds-sentinels only use [`DOWN_AFTER_MS_RDS`].
pub const DOWN_AFTER_MS: u64 = 2000;
/// `down-after-milliseconds` of the failover tests whose sentinels are all rds-sentinels: the
/// issue's 1000.
pub const DOWN_AFTER_MS_RDS: u64 = 1000;
/// `failover-timeout`: short, so an election that fails is retried within the test's bounds.
pub const FAILOVER_TIMEOUT_MS: u64 = 10_000;
/// Bound on a failover, from the kill to every sentinel agreeing (a failed election is retried after
/// 2 × failover-timeout).
pub const FAILOVER_WAIT: Duration = Duration::from_secs(60);
/// Bound on one state change (discovery, a replica linking up).
pub const STATE_WAIT: Duration = Duration::from_secs(30);
/// Bound on an old master being turned into a replica: sentinel waits 4 × publish period (8 s) after
/// it reported `role:master`, and sees that through INFO, refreshed every 10 s.
pub const REJOIN_WAIT: Duration = Duration::from_secs(60);

/// Which implementation a process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// rds-server / rds-sentinel from this workspace.
    Rds,
    /// The real redis-server / redis-sentinel 7.0.
    Redis,
}

/// Our rds-sentinel.
fn rds_sentinel() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-sentinel"))
}

/// The server binary of `kind`, or `None` when real Redis is missing (the test skips; CI fails).
pub fn server_bin(kind: Kind) -> Option<PathBuf> {
    match kind {
        Kind::Rds => Some(PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))),
        Kind::Redis => require_redis().map(|bins| bins.server),
    }
}

/// The sentinel binary of `kind`, or `None` when real Redis is missing (the test skips; CI fails).
pub fn sentinel_bin(kind: Kind) -> Option<PathBuf> {
    match kind {
        Kind::Rds => Some(rds_sentinel()),
        Kind::Redis => {
            require_redis()?;
            require_redis_sentinel()
        }
    }
}

/// The value of `field:` in an INFO text ("" when absent).
pub fn info_field(info: &str, field: &str) -> String {
    let prefix = format!("{field}:");
    info.lines().find_map(|l| l.trim_end().strip_prefix(&prefix)).unwrap_or_default().to_string()
}

/// Sends one command to `port` on a new connection with a short timeout: its reply, or `None` when the
/// process cannot be reached.
pub fn try_cmd(port: u16, args: &[&str]) -> Option<Frame> {
    let mut client = Client::connect(port).ok()?;
    client.set_timeout(Duration::from_secs(3)).ok()?;
    client.send_cmd(args).ok()?;
    client.read_frame().ok()
}

/// `INFO <section>` of the process on `port` ("" when unreachable).
pub fn info(port: u16, section: &str) -> String {
    match try_cmd(port, &["INFO", section]) {
        Some(Frame::Bulk(text)) | Some(Frame::Verbatim(_, text)) => String::from_utf8_lossy(&text).into_owned(),
        _ => String::new(),
    }
}

/// A reply as text: bulk and simple strings as they are, errors with a leading `-`, integers as
/// digits, nulls as "(nil)".
pub fn text(frame: &Frame) -> String {
    match frame {
        Frame::Simple(b) | Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Frame::Error(b) => format!("-{}", String::from_utf8_lossy(b)),
        Frame::Integer(n) => n.to_string(),
        Frame::Null => "(nil)".to_string(),
        other => format!("{other:?}"),
    }
}

/// The elements of an array reply as text (empty for anything else).
pub fn texts(frame: &Frame) -> Vec<String> {
    match frame {
        Frame::Array(items) => items.iter().map(text).collect(),
        _ => Vec::new(),
    }
}

/// A flat field/value array (SENTINEL MASTER) as pairs; for an array of those (REPLICAS, SENTINELS),
/// see [`records`].
pub fn pairs(frame: &Frame) -> Vec<(String, String)> {
    texts(frame).chunks(2).filter(|c| c.len() == 2).map(|c| (c[0].clone(), c[1].clone())).collect()
}

/// An array of field/value arrays as a list of pairs lists.
pub fn records(frame: &Frame) -> Vec<Vec<(String, String)>> {
    match frame {
        Frame::Array(items) => items.iter().map(pairs).collect(),
        _ => Vec::new(),
    }
}

/// The value of `field` in a pairs list ("" when absent).
pub fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// One sentinel process with its own directory holding sentinel.conf, which it rewrites and which
/// survives a restart.
pub struct Sentinel {
    /// rds-sentinel or redis-sentinel.
    pub kind: Kind,
    program: PathBuf,
    /// Its port (fixed across restarts).
    pub port: u16,
    conf_dir: TempDir,
    /// The running process (`None` while stopped).
    pub process: Option<TestServer>,
    /// Killed processes, kept because the rewritten config names their directory as `dir`.
    previous: Vec<TestServer>,
}

impl Sentinel {
    /// The config file it reads and rewrites.
    pub fn conf_path(&self) -> PathBuf {
        self.conf_dir.path().join("sentinel.conf")
    }

    /// Starts the process from its config file and waits until it answers PING.
    pub fn start(&mut self) {
        let port = self.port.to_string();
        let builder = ServerBuilder::new(&self.program)
            .config_file(self.conf_path())
            .port_from_config(self.port)
            .args(["--port", port.as_str()]);
        self.process = Some(builder.spawn().unwrap_or_else(|e| panic!("start {:?} sentinel: {e:#}", self.kind)));
    }

    /// Kills the process with SIGKILL (its config file stays).
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
            self.previous.push(process);
        }
    }

    /// Sends a command; panics when the sentinel does not answer.
    pub fn cmd(&self, args: &[&str]) -> Frame {
        try_cmd(self.port, args).unwrap_or_else(|| panic!("sentinel on {} did not answer {args:?}", self.port))
    }

    /// SENTINEL GET-MASTER-ADDR-BY-NAME as (ip, port).
    pub fn master_addr(&self) -> Option<(String, u16)> {
        let reply = texts(&try_cmd(self.port, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER])?);
        match reply.as_slice() {
            [ip, port] => Some((ip.clone(), port.parse().ok()?)),
            _ => None,
        }
    }

    /// SENTINEL MASTER mymaster as pairs.
    pub fn master(&self) -> Vec<(String, String)> {
        pairs(&self.cmd(&["SENTINEL", "MASTER", MASTER]))
    }

    /// The `master0:` line of INFO sentinel as key/value pairs (name, status, address, slaves, sentinels).
    pub fn info_master0(&self) -> Vec<(String, String)> {
        let line = info_field(&info(self.port, "sentinel"), "master0");
        line.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The log of the running process ("" when stopped).
    pub fn log(&self) -> String {
        self.process.as_ref().map(TestServer::log).unwrap_or_default()
    }
}

/// What a stack is made of.
pub struct Spec {
    /// The servers' implementation.
    pub server: Kind,
    /// Replicas beside the master.
    pub replicas: usize,
    /// One sentinel per entry.
    pub sentinels: Vec<Kind>,
    /// The master's quorum.
    pub quorum: u32,
    /// Extra command-line directives of every server.
    pub server_args: Vec<String>,
    /// Its `down-after-milliseconds`.
    pub down_after_ms: u64,
    /// Put the master behind a [`Proxy`]: sentinels and replicas reach it through it, so cutting the
    /// proxy partitions the master from everyone (clients can still reach it directly).
    pub proxied_master: bool,
}

impl Spec {
    /// A master with `replicas` replicas of `server`, watched by `sentinels`, quorum 2.
    pub fn new(server: Kind, replicas: usize, sentinels: &[Kind]) -> Spec {
        Spec {
            server,
            replicas,
            sentinels: sentinels.to_vec(),
            quorum: 2,
            server_args: Vec::new(),
            down_after_ms: DOWN_AFTER_MS,
            proxied_master: false,
        }
    }
}

/// Servers and sentinels of one test, killed on drop.
pub struct Stack {
    server_program: PathBuf,
    server_args: Vec<String>,
    /// Servers by index (0 is the first master); `None` once killed.
    pub servers: Vec<Option<TestServer>>,
    /// Their ports, also for killed ones.
    pub ports: Vec<u16>,
    /// The sentinels.
    pub sentinels: Vec<Sentinel>,
    /// Events of every sentinel since it started.
    pub events: Events,
    /// The proxy in front of the first master, if any.
    pub proxy: Option<Proxy>,
}

/// The flags every test server gets: no persistence, no diskless-sync delay (the default 5 s would
/// slow every resync after a failover).
const SERVER_BASE_ARGS: &[&str] = &["--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"];

impl Stack {
    /// Starts the servers, then the sentinels, subscribes to their events, and waits until every
    /// sentinel knows every replica and every other sentinel. `None` when a real Redis binary the spec
    /// needs is missing.
    pub fn start(spec: &Spec) -> Option<Stack> {
        let server_program = server_bin(spec.server)?;
        let mut sentinel_programs = Vec::new();
        for kind in &spec.sentinels {
            sentinel_programs.push(sentinel_bin(*kind)?);
        }
        let mut stack = Stack {
            server_program,
            server_args: spec.server_args.clone(),
            servers: Vec::new(),
            ports: Vec::new(),
            sentinels: Vec::new(),
            events: Events::default(),
            proxy: None,
        };
        let master = stack.spawn_server(&[]);
        stack.ports.push(master.port());
        if spec.proxied_master {
            stack.proxy = Some(Proxy::start(master.port()));
        }
        stack.servers.push(Some(master));
        let monitored = stack.monitored_port();
        let replicaof = ["--replicaof".to_string(), "127.0.0.1".to_string(), monitored.to_string()];
        for _ in 0..spec.replicas {
            let replica = stack.spawn_server(&replicaof);
            stack.ports.push(replica.port());
            stack.servers.push(Some(replica));
        }
        for port in stack.ports[1..].iter().copied() {
            let up = wait_until(STATE_WAIT, || info_field(&info(port, "replication"), "master_link_status") == "up");
            assert!(up, "replica {port} did not link up with the master");
        }
        for (kind, program) in spec.sentinels.iter().zip(sentinel_programs) {
            let conf_dir = TempDir::new("rds-test-sentinel-conf").unwrap();
            let conf = format!(
                "sentinel monitor {MASTER} 127.0.0.1 {monitored} {quorum}\n\
                 sentinel down-after-milliseconds {MASTER} {down_after}\n\
                 sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}\n\
                 sentinel parallel-syncs {MASTER} 1\n",
                quorum = spec.quorum,
                down_after = spec.down_after_ms,
            );
            std::fs::write(conf_dir.path().join("sentinel.conf"), conf).unwrap();
            let port = free_port().unwrap();
            let mut sentinel = Sentinel { kind: *kind, program, port, conf_dir, process: None, previous: Vec::new() };
            sentinel.start();
            stack.events.watch(stack.sentinels.len(), port);
            stack.sentinels.push(sentinel);
        }
        stack.wait_discovery(spec.replicas, spec.sentinels.len());
        Some(stack)
    }

    /// The master's port as sentinels and replicas know it (the proxy's when there is one).
    pub fn monitored_port(&self) -> u16 {
        self.proxy.as_ref().map_or(self.ports[0], |p| p.port)
    }

    fn spawn_server(&self, extra: &[String]) -> TestServer {
        ServerBuilder::new(&self.server_program)
            .args(SERVER_BASE_ARGS.iter().copied())
            .args(self.server_args.iter().cloned())
            .args(extra.iter().cloned())
            .spawn()
            .unwrap()
    }

    /// Restarts the killed server `index` on its old port, empty and as a master.
    pub fn restart_server(&mut self, index: usize) {
        let port = self.ports[index].to_string();
        let server = ServerBuilder::new(&self.server_program)
            .port_from_config(self.ports[index])
            .args(["--port", port.as_str()])
            .args(SERVER_BASE_ARGS.iter().copied())
            .args(self.server_args.iter().cloned())
            .spawn()
            .unwrap();
        self.servers[index] = Some(server);
    }

    /// kill -9 of server `index` (reaped, its port stays known).
    pub fn kill_server(&mut self, index: usize) {
        let mut server = self.servers[index].take().expect("server already killed");
        server.signal("KILL").unwrap();
        server.kill();
    }

    /// Waits until every running sentinel reports `replicas` replicas and `sentinels` sentinels
    /// (itself included) for the master, and status ok.
    pub fn wait_discovery(&self, replicas: usize, sentinels: usize) {
        let want = (replicas.to_string(), sentinels.to_string(), "ok".to_string());
        let mut last = Vec::new();
        let found = wait_until(STATE_WAIT, || {
            last = self.running().map(|s| s.info_master0()).collect::<Vec<_>>();
            last.iter().all(|m| (field(m, "slaves"), field(m, "sentinels"), field(m, "status")) == want)
        });
        assert!(found, "sentinels did not discover {replicas} replicas and {sentinels} sentinels: {last:?}");
    }

    /// The running sentinels.
    pub fn running(&self) -> impl Iterator<Item = &Sentinel> {
        self.sentinels.iter().filter(|s| s.process.is_some())
    }

    /// Waits until every running sentinel names the same master, other than `old_port`, and returns
    /// its port.
    pub fn wait_new_master(&self, old_port: u16) -> u16 {
        let mut last = Vec::new();
        let agreed = wait_until(FAILOVER_WAIT, || {
            last = self.running().map(|s| s.master_addr()).collect::<Vec<_>>();
            last.iter().all(|a| a.is_some() && *a == last[0] && a.as_ref().is_some_and(|(_, p)| *p != old_port))
        });
        if !agreed {
            self.dump_events();
        }
        assert!(agreed, "sentinels did not agree on a new master within {FAILOVER_WAIT:?}: {last:?}");
        last[0].as_ref().map(|(_, port)| *port).unwrap_or_default()
    }

    /// Waits until the server on `port` is a replica of `master_port` with its link up.
    pub fn wait_replica_of(&self, port: u16, master_port: u16, timeout: Duration) {
        let mut last = String::new();
        let ok = wait_until(timeout, || {
            last = info(port, "replication");
            info_field(&last, "role") == "slave"
                && info_field(&last, "master_port") == master_port.to_string()
                && info_field(&last, "master_link_status") == "up"
        });
        if !ok {
            self.dump_events();
        }
        assert!(ok, "server {port} is not a linked replica of {master_port} within {timeout:?}:\n{last}");
    }

    /// Prints every event seen so far (on a failure, beside the processes' logs).
    pub fn dump_events(&self) {
        eprintln!("---- sentinel events ----");
        for e in self.events.all() {
            eprintln!("[s{} {:>6} ms] {} {}", e.sentinel, e.at.as_millis(), e.channel, e.message);
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_events();
        }
    }
}

/// One event a sentinel published.
#[derive(Clone, Debug)]
pub struct Event {
    /// Index of the sentinel in the stack.
    pub sentinel: usize,
    /// The channel: the event name (`+switch-master`, ...).
    pub channel: String,
    /// The message text.
    pub message: String,
    /// When it arrived, since the subscriptions began.
    pub at: Duration,
}

/// Subscriptions to sentinels' events, one reader thread each; stopped on drop.
pub struct Events {
    list: Arc<Mutex<Vec<Event>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    origin: Instant,
}

impl Default for Events {
    fn default() -> Events {
        Events { list: Arc::default(), stop: Arc::default(), threads: Vec::new(), origin: Instant::now() }
    }
}

impl Events {
    /// Subscribes to every channel of the sentinel on `port` (index `sentinel`); returns once the
    /// subscription is confirmed, so no later event is missed.
    pub fn watch(&mut self, sentinel: usize, port: u16) {
        let mut client = Client::connect(port).unwrap();
        client.send_cmd(&["PSUBSCRIBE", "*"]).unwrap();
        let confirmed = client.read_frame().unwrap();
        assert_eq!(texts(&confirmed).first().map(String::as_str), Some("psubscribe"), "{confirmed:?}");
        client.set_timeout(Duration::from_millis(200)).unwrap();
        let (list, stop, origin) = (self.list.clone(), self.stop.clone(), self.origin);
        self.threads.push(std::thread::spawn(move || loop {
            match client.read_frame() {
                Ok(frame) => {
                    let parts = texts(&frame);
                    if let [kind, _, channel, message] = parts.as_slice() {
                        if kind == "pmessage" {
                            let event = Event {
                                sentinel,
                                channel: channel.clone(),
                                message: message.clone(),
                                at: origin.elapsed(),
                            };
                            list.lock().unwrap().push(event);
                        }
                    }
                }
                Err(error) if format!("{error:#}").contains("no complete reply") => {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
                Err(_) => return,
            }
        }));
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<Event> {
        self.list.lock().unwrap().clone()
    }

    /// Events named `channel` (of sentinel `sentinel` when given).
    pub fn named(&self, channel: &str, sentinel: Option<usize>) -> Vec<Event> {
        self.all().into_iter().filter(|e| e.channel == channel && sentinel.is_none_or(|s| e.sentinel == s)).collect()
    }

    /// Waits until `channel` was published by `sentinel` (any when `None`) with a message containing
    /// `needle`.
    pub fn wait_for(&self, channel: &str, sentinel: Option<usize>, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.named(channel, sentinel).iter().any(|e| e.message.contains(needle)))
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A throttled writer thread: `SET <prefix>:<i> <i>` for i = 0, 1, ..., recording which writes the
/// server acknowledged with `+OK`. It goes on after error replies (e.g. -NOREPLICAS) and stops when
/// the connection fails or it is stopped.
pub struct Writer {
    acked: Arc<Mutex<Vec<u64>>>,
    errors: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    prefix: String,
}

impl Writer {
    /// Starts writing to the server on `port`.
    pub fn start(port: u16, prefix: &str) -> Writer {
        let (acked, errors, stop) =
            (Arc::<Mutex<Vec<u64>>>::default(), Arc::<Mutex<Vec<String>>>::default(), Arc::<AtomicBool>::default());
        let (acked2, errors2, stop2, prefix2) = (acked.clone(), errors.clone(), stop.clone(), prefix.to_string());
        let handle = std::thread::spawn(move || {
            let Ok(mut client) = Client::connect(port) else { return };
            let _ = client.set_timeout(Duration::from_secs(5));
            let mut i = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                let value = i.to_string();
                match client.try_cmd(&["SET", &format!("{prefix2}:{i}"), &value]) {
                    Ok(reply) if reply == b"+OK\r\n" => acked2.lock().unwrap().push(i),
                    Ok(reply) => {
                        errors2.lock().unwrap().push(String::from_utf8_lossy(&reply).trim_end().to_string());
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(_) => return,
                }
                i += 1;
                // A bounded load: about a thousand writes a second at most.
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Writer { acked, errors, stop, handle: Some(handle), prefix: prefix.to_string() }
    }

    /// The indexes acknowledged so far.
    pub fn acked(&self) -> Vec<u64> {
        self.acked.lock().unwrap().clone()
    }

    /// The error replies so far.
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }

    /// Stops the thread and waits for it.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }

    /// Indexes in `which` whose key the server on `port` does not hold with the written value.
    pub fn missing_on(&self, port: u16, which: &[u64]) -> Vec<u64> {
        let mut client = Client::connect(port).unwrap();
        let mut missing = Vec::new();
        for chunk in which.chunks(500) {
            let keys: Vec<String> = chunk.iter().map(|i| format!("{}:{i}", self.prefix)).collect();
            let mut args = vec!["MGET"];
            args.extend(keys.iter().map(String::as_str));
            client.send_cmd(&args).unwrap();
            let values = texts(&client.read_frame().unwrap());
            assert_eq!(values.len(), chunk.len(), "MGET reply");
            missing.extend(chunk.iter().zip(values).filter(|(i, v)| *v != i.to_string()).map(|(i, _)| *i));
        }
        missing
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until every replica in `replicas` applied the master's stream up to `offset`.
pub fn wait_offsets(replicas: &[u16], offset: i64) {
    let ok = wait_until(STATE_WAIT, || {
        replicas
            .iter()
            .all(|p| info_field(&info(*p, "replication"), "slave_repl_offset").parse().unwrap_or(-1) >= offset)
    });
    assert!(ok, "replicas {replicas:?} did not reach offset {offset}");
}

/// A TCP proxy on a free loopback port forwarding to `127.0.0.1:<target>`. [`cut`](Proxy::cut) stops
/// relaying in both directions (connections stay open and new ones are accepted but go nowhere, as
/// behind a partition); [`heal`](Proxy::heal) closes every connection that saw the partition and
/// relays new ones again.
pub struct Proxy {
    /// The port to connect to instead of the target.
    pub port: u16,
    cut: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts relaying to `target`.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, generation, stop) =
            (Arc::<AtomicBool>::default(), Arc::<AtomicU64>::default(), Arc::<AtomicBool>::default());
        let (cut2, generation2, stop2) = (cut.clone(), generation.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    Err(_) => return,
                };
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                let _ = client.set_nonblocking(false);
                let born = generation2.load(Ordering::SeqCst);
                for (from, to) in [(&client, &upstream), (&upstream, &client)] {
                    let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else { continue };
                    let (cut, generation, stop) = (cut2.clone(), generation2.clone(), stop2.clone());
                    std::thread::spawn(move || relay(from, to, born, &cut, &generation, &stop));
                }
            }
        });
        Proxy { port, cut, generation, stop, accept: Some(accept) }
    }

    /// Partitions: nothing goes through until [`heal`](Proxy::heal).
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    /// Ends the partition: connections that lived through it are closed, new ones relay.
    pub fn heal(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` while the proxy is not cut, until either side closes, the proxy stops, or the
/// connection's generation has passed.
fn relay(
    mut from: TcpStream,
    mut to: TcpStream,
    born: u64,
    cut: &AtomicBool,
    generation: &AtomicU64,
    stop: &AtomicBool,
) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buf = [0u8; 16 * 1024];
    while !stop.load(Ordering::Relaxed) {
        if cut.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        if generation.load(Ordering::SeqCst) != born {
            break;
        }
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let _ = from.shutdown(std::net::Shutdown::Both);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// The path of a file under the workspace's tests/ directory.
pub fn tests_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(relative)
}
