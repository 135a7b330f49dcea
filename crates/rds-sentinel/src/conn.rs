//! One client connection: request decoding with rds-server's limits, Redis's command checks in
//! `processCommand` order (unknown command, arity, NOAUTH, subscribed context), the
//! connection-local commands, and forwarding the rest to the core.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use rds_resp::{Protocol, ReplyBuf, RequestDecoder, RequestLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use rds_commands::sentinel::SentinelSpec;
use rds_commands::{errors, flags, reply, Resolved};

use crate::acl_users::Denial;
use crate::pubsub::{Kind, Mailbox};
use crate::server::{ClientHandle, ServerStats, Shared};
use crate::CoreRequest;

/// What CLIENT REPLY asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
}

/// One connection's state.
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) handle: Arc<ClientHandle>,
    pub(crate) out: ReplyBuf,
    pub(crate) authenticated: bool,
    pub(crate) reply_mode: ReplyMode,
    /// Set when the connection must close after the pending output is written.
    pub(crate) close: bool,
    /// CLIENT TRACKING state (a sentinel has no keys, so nothing is ever invalidated).
    pub(crate) tracking: crate::client_cmd::Tracking,
    /// Most output bytes buffered at once (CLIENT LIST `rbp`).
    pub(crate) output_peak: usize,
    mailbox: Mailbox,
}

/// Serves `stream` until the client leaves, a protocol error, CLIENT KILL or the pubsub limit.
pub(crate) async fn run(shared: Arc<Shared>, handle: Arc<ClientHandle>, mut stream: TcpStream) {
    let mailbox = shared.bus.register(handle.id, Protocol::Resp2);
    // Like Redis: a new connection runs as the default user, already authenticated when it needs no
    // password.
    let authenticated = shared.options.users.get("default").is_some_and(|u| u.enabled && u.nopass);
    let mut conn = Conn {
        shared,
        handle,
        out: ReplyBuf::new(),
        authenticated,
        reply_mode: ReplyMode::On,
        close: false,
        tracking: Default::default(),
        output_peak: 0,
        mailbox,
    };
    let mut input = BytesMut::with_capacity(16 * 1024);
    let mut decoder = RequestDecoder::new();
    loop {
        tokio::select! {
            read = stream.read_buf(&mut input) => {
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        ServerStats::add(&conn.shared.stats.total_reads_processed, 1);
                        ServerStats::add(&conn.shared.stats.total_net_input_bytes, n as u64);
                    }
                }
                conn.process_input(&mut decoder, &mut input).await;
            }
            frame = conn.mailbox.recv() => match frame {
                Some(frame) => conn.out.raw(&frame),
                None => break, // dropped by the bus for exceeding the pubsub output limit
            },
            () = conn.handle.kill.notified() => break,
        }
        if !conn.out.buf.is_empty() {
            conn.output_peak = conn.output_peak.max(conn.out.buf.len());
            let output = conn.out.buf.split();
            ServerStats::add(&conn.shared.stats.total_writes_processed, 1);
            ServerStats::add(&conn.shared.stats.total_net_output_bytes, output.len() as u64);
            if stream.write_all(&output).await.is_err() {
                break;
            }
        }
        if conn.close {
            break;
        }
    }
}

impl Conn {
    /// Decodes and executes every complete request in `input`.
    async fn process_input(&mut self, decoder: &mut RequestDecoder, input: &mut BytesMut) {
        while !self.close {
            let limits = RequestLimits { authenticated: self.authenticated, ..RequestLimits::default() };
            // Like Redis's querybuf, `qbuf` counts the request being executed and what follows it.
            let (buffered, capacity) = (input.len(), input.capacity());
            match decoder.decode(input, limits) {
                Ok(Some(request)) => {
                    {
                        let mut state = self.handle.state();
                        state.query_buffer = buffered;
                        state.query_buffer_capacity = capacity;
                    }
                    self.execute(request.argv).await
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::debug!("Protocol error ({error}) from client: id={}", self.handle.id);
                    self.error(&error.reply_text());
                    self.close = true;
                }
            }
        }
        let mut state = self.handle.state();
        state.query_buffer = input.len();
        state.query_buffer_capacity = input.capacity();
    }

    /// Redis `processCommand`: the checks (from the sentinel's command table), then the command.
    async fn execute(&mut self, argv: Vec<Bytes>) {
        let spec = match rds_commands::sentinel::resolve(&argv) {
            Resolved::Command(spec) => spec,
            Resolved::UnknownCommand => return self.error(errors::unknown_command(&argv).as_bytes()),
            Resolved::UnknownSubcommand(_) => return self.error(errors::unknown_subcommand(&argv).as_bytes()),
        };
        let fullname = spec.name;
        let command = spec.container().unwrap_or(fullname);
        if !spec.arity_ok(argv.len()) {
            return self.error(format!("ERR wrong number of arguments for '{fullname}' command").as_bytes());
        }
        if !self.authenticated && !spec.has(flags::NO_AUTH) {
            return self.error(b"NOAUTH Authentication required.");
        }
        let user = self.handle.state().user.clone();
        match self.shared.options.users.check(&user, spec, &argv) {
            Ok(()) => {}
            Err(Denial::Command) => {
                self.log_acl_denial("command", fullname, &user);
                let text = format!("NOPERM this user has no permissions to run the '{fullname}' command");
                return self.error(text.as_bytes());
            }
            Err(Denial::Channel(channel)) => {
                self.log_acl_denial("channel", &String::from_utf8_lossy(&channel), &user);
                return self
                    .error(b"NOPERM this user has no permissions to access one of the channels used as arguments");
            }
        }
        let subscribed = self.subscription_count() > 0 && self.out.protocol == Protocol::Resp2;
        let allowed = ["ping", "subscribe", "psubscribe", "unsubscribe", "punsubscribe"];
        if subscribed && !allowed.contains(&command) {
            let text = format!(
                "ERR Can't execute '{fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            );
            return self.error(text.as_bytes());
        }
        // CLIENT PAUSE: ALL holds every command, WRITE the ones that may replicate (PUBLISH here).
        self.shared.pause.wait(spec.has(flags::WRITE | flags::MAY_REPLICATE)).await;
        {
            let mut state = self.handle.state();
            state.last_interaction = Instant::now();
            state.last_command = fullname.to_string();
            state.argv_mem = argv.iter().map(|a| a.len()).sum();
        }
        ServerStats::add(&self.shared.stats.total_commands_processed, 1);
        let mode = self.reply_mode;
        let mark = self.out.buf.len();
        self.dispatch(command, &argv).await;
        self.count_error_reply(mark);
        // CLIENT REPLY OFF/SKIP: drop what this command wrote, except the command that set the mode.
        if mode != ReplyMode::On && fullname != "client|reply" {
            self.out.buf.truncate(mark);
            if mode == ReplyMode::Skip {
                self.reply_mode = ReplyMode::On;
            }
        }
        // CLIENT CACHING applies to the next command only (CLIENT subcommands keep it, as in Redis).
        if command != "client" {
            self.tracking.caching = false;
        }
        self.handle.state().argv_mem = 0;
    }

    async fn dispatch(&mut self, command: &str, argv: &[Bytes]) {
        match command {
            "ping" => self.ping(argv),
            "auth" => self.auth(argv),
            "hello" => self.hello(argv),
            "client" => self.client(argv),
            "command" => self.command(argv),
            "acl" => self.acl(argv),
            "subscribe" => self.subscribe(Kind::Channel, argv),
            "psubscribe" => self.subscribe(Kind::Pattern, argv),
            "unsubscribe" => self.unsubscribe(Kind::Channel, argv),
            "punsubscribe" => self.unsubscribe(Kind::Pattern, argv),
            _ => self.forward(argv).await,
        }
    }

    /// Sends a command to the core and appends its reply, after any event published meanwhile
    /// (Redis writes a push to a subscriber before the reply of the command that caused it).
    async fn forward(&mut self, argv: &[Bytes]) {
        let (tx, rx) = oneshot::channel();
        let request = CoreRequest { args: argv.to_vec(), protocol: self.out.protocol, reply: tx };
        if self.shared.core.send(request).await.is_err() {
            self.close = true;
            return;
        }
        let Ok(reply) = rx.await else {
            // The core is gone (SHUTDOWN): the process is exiting.
            self.close = true;
            return;
        };
        while let Some(frame) = self.mailbox.try_recv() {
            self.out.raw(&frame);
        }
        self.out.raw(&reply);
    }

    pub(crate) fn error(&mut self, text: &[u8]) {
        self.out.error(text);
    }

    fn count_error_reply(&self, mark: usize) {
        if self.out.buf.get(mark) == Some(&b'-') {
            ServerStats::add(&self.shared.stats.total_error_replies, 1);
        }
    }

    pub(crate) fn subscription_count(&self) -> usize {
        self.shared.bus.subscription_count(self.handle.id)
    }

    pub(crate) fn set_protocol(&mut self, protocol: Protocol) {
        self.out.protocol = protocol;
        self.handle.state().protocol = protocol;
        self.shared.bus.set_protocol(self.handle.id, protocol);
    }

    fn ping(&mut self, argv: &[Bytes]) {
        if argv.len() > 2 {
            return self.error(b"ERR wrong number of arguments for 'ping' command");
        }
        if self.subscription_count() > 0 && self.out.protocol == Protocol::Resp2 {
            self.out.array(2);
            self.out.bulk(b"pong");
            self.out.bulk(argv.get(1).map_or(&b""[..], |a| a));
            return;
        }
        match argv.get(1) {
            Some(message) => self.out.bulk(message),
            None => self.out.simple("PONG"),
        }
    }

    /// AUTH [user] password (one argument: the default user).
    fn auth(&mut self, argv: &[Bytes]) {
        if argv.len() > 3 {
            return self.error(b"ERR syntax error");
        }
        if argv.len() == 2 && self.shared.options.users.default_is_nopass() {
            return self.error(
                b"ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            );
        }
        let (user, password) = if argv.len() == 3 { (&argv[1][..], &argv[2]) } else { (&b"default"[..], &argv[1]) };
        if self.check_password(user, password) {
            self.log_in(user);
            self.out.ok();
        } else {
            self.log_auth_failure(&argv[0], user);
            self.error(b"WRONGPASS invalid username-password pair or user is disabled.");
        }
    }

    /// ACL LOG entry for a failed AUTH or HELLO AUTH (`object` is the command name as typed).
    fn log_auth_failure(&self, object: &[u8], user: &[u8]) {
        self.log_acl_denial("auth", &String::from_utf8_lossy(object), &String::from_utf8_lossy(user));
    }

    /// ACL LOG entry: `reason` is `auth` or `command`.
    fn log_acl_denial(&self, reason: &str, object: &str, user: &str) {
        let mut info = self.info_line(&self.handle.clone());
        info.pop();
        self.shared.acl_log.add(reason, object, user, info);
    }

    pub(crate) fn check_password(&self, user: &[u8], password: &[u8]) -> bool {
        self.shared.options.users.authenticate(user, password)
    }

    /// The connection now runs as `user`.
    fn log_in(&mut self, user: &[u8]) {
        self.authenticated = true;
        self.handle.state().user = String::from_utf8_lossy(user).into_owned();
    }

    /// HELLO [protover [AUTH username password] [SETNAME clientname]]
    fn hello(&mut self, argv: &[Bytes]) {
        let mut protocol = self.out.protocol;
        if let Some(version) = argv.get(1) {
            match std::str::from_utf8(version).ok().and_then(|v| v.parse::<i64>().ok()) {
                Some(2) => protocol = Protocol::Resp2,
                Some(3) => protocol = Protocol::Resp3,
                Some(_) => return self.error(b"NOPROTO unsupported protocol version"),
                None => return self.error(b"ERR Protocol version is not an integer or out of range"),
            }
        }
        let mut auth: Option<(&Bytes, &Bytes)> = None;
        let mut name: Option<&Bytes> = None;
        let mut i = 2;
        while i < argv.len() {
            let more = argv.len() - i - 1;
            let option = String::from_utf8_lossy(&argv[i]).into_owned();
            if option.eq_ignore_ascii_case("auth") && more >= 2 {
                auth = Some((&argv[i + 1], &argv[i + 2]));
                i += 3;
            } else if option.eq_ignore_ascii_case("setname") && more >= 1 {
                name = Some(&argv[i + 1]);
                i += 2;
            } else {
                return self.error(format!("ERR Syntax error in HELLO option '{option}'").as_bytes());
            }
        }
        if let Some((user, password)) = auth {
            if !self.check_password(user, password) {
                self.log_auth_failure(&argv[0], user);
                return self.error(b"WRONGPASS invalid username-password pair or user is disabled.");
            }
            self.log_in(user);
        }
        if !self.authenticated {
            return self.error(b"NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        }
        if let Some(name) = name {
            if !crate::client_cmd::valid_name(name) {
                return self.error(b"ERR Client names cannot contain spaces, newlines or special characters.");
            }
            self.handle.state().name = (!name.is_empty()).then(|| name.clone());
        }
        self.set_protocol(protocol);
        self.out.map(6);
        self.out.bulk(b"server");
        self.out.bulk(b"redis");
        self.out.bulk(b"version");
        self.out.bulk(rds_config::REDIS_VERSION.as_bytes());
        self.out.bulk(b"proto");
        self.out.int(if protocol == Protocol::Resp3 { 3 } else { 2 });
        self.out.bulk(b"id");
        self.out.int(i64::try_from(self.handle.id).unwrap_or(i64::MAX));
        self.out.bulk(b"mode");
        self.out.bulk(b"sentinel");
        self.out.bulk(b"modules");
        self.out.array(0);
    }

    /// SUBSCRIBE / PSUBSCRIBE: one confirmation per name, counting channels and patterns.
    fn subscribe(&mut self, kind: Kind, argv: &[Bytes]) {
        let label: &[u8] = if kind == Kind::Channel { b"subscribe" } else { b"psubscribe" };
        for name in &argv[1..] {
            let count = self.shared.bus.subscribe(self.handle.id, kind, name);
            self.confirmation(label, Some(name), count);
        }
    }

    /// UNSUBSCRIBE / PUNSUBSCRIBE: the named ones, or all (a null name when there were none).
    fn unsubscribe(&mut self, kind: Kind, argv: &[Bytes]) {
        let label: &[u8] = if kind == Kind::Channel { b"unsubscribe" } else { b"punsubscribe" };
        let names: Vec<Bytes> =
            if argv.len() > 1 { argv[1..].to_vec() } else { self.shared.bus.subscriptions(self.handle.id, kind) };
        if names.is_empty() {
            let count = self.subscription_count();
            return self.confirmation(label, None, count);
        }
        for name in &names {
            let count = self.shared.bus.unsubscribe(self.handle.id, kind, name);
            self.confirmation(label, Some(name), count);
        }
    }

    fn confirmation(&mut self, label: &[u8], name: Option<&Bytes>, count: usize) {
        self.out.push(3);
        self.out.bulk(label);
        match name {
            Some(name) => self.out.bulk(name),
            None => self.out.null(),
        }
        self.out.int(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// COMMAND and its subcommands over the sentinel's own table.
    fn command(&mut self, argv: &[Bytes]) {
        let table = rds_commands::sentinel::commands();
        if argv.len() == 1 {
            return reply::all_info(&mut self.out, table);
        }
        let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
        match sub.as_str() {
            "count" => self.out.int(i64::try_from(reply::top_level(table).count()).unwrap_or(0)),
            "list" => self.command_list(argv),
            "info" if argv.len() == 2 => reply::all_info(&mut self.out, table),
            "info" => {
                self.out.array(argv.len() - 2);
                for name in &argv[2..] {
                    match rds_commands::sentinel::lookup(name) {
                        Some(spec) => reply::info(&mut self.out, table, spec),
                        None => self.out.null(),
                    }
                }
            }
            "docs" => {
                let specs: Vec<&SentinelSpec> = if argv.len() == 2 {
                    reply::top_level(table).collect()
                } else {
                    argv[2..].iter().filter_map(|name| rds_commands::sentinel::lookup(name)).collect()
                };
                reply::docs(&mut self.out, table, &specs);
            }
            "getkeys" | "getkeysandflags" => match rds_commands::sentinel::resolve(&argv[2..]) {
                // No sentinel command has key arguments.
                Resolved::Command(_) => self.error(b"ERR The command has no key arguments"),
                _ => self.error(b"ERR Invalid command specified"),
            },
            _ => {
                self.out.array(reply::COMMAND_HELP.len());
                for line in reply::COMMAND_HELP {
                    self.out.simple(line);
                }
            }
        }
    }

    /// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
    fn command_list(&mut self, argv: &[Bytes]) {
        let table = rds_commands::sentinel::commands();
        let names: Vec<&str> = if argv.len() == 2 {
            table.iter().map(|spec| spec.name).collect()
        } else if argv.len() == 5 && argv[2].eq_ignore_ascii_case(b"filterby") {
            let value = &argv[4];
            if argv[3].eq_ignore_ascii_case(b"module") {
                Vec::new()
            } else if argv[3].eq_ignore_ascii_case(b"aclcat") {
                let category = rds_commands::acl::by_name(value).unwrap_or(0);
                table.iter().filter(|spec| spec.acl_bits() & category != 0).map(|spec| spec.name).collect()
            } else if argv[3].eq_ignore_ascii_case(b"pattern") {
                let matches = |spec: &&SentinelSpec| rds_glob::glob_match(value, spec.name.as_bytes(), true);
                table.iter().filter(matches).map(|spec| spec.name).collect()
            } else {
                return self.error(b"ERR syntax error");
            }
        } else {
            return self.error(b"ERR syntax error");
        };
        self.out.bulk_array(names.iter());
    }
}
