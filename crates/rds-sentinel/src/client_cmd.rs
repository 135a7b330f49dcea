//! CLIENT subcommands on a sentinel, as redis-sentinel 7.0 answers them (its table has all of
//! Redis's CLIENT subcommands).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use rds_commands::help::CLIENT_HELP;
use rds_resp::Protocol;

use crate::conn::{Conn, ReplyMode};
use crate::server::ClientHandle;

/// CLIENT TRACKING state of a connection (Redis's `CLIENT_TRACKING*` flags).
#[derive(Debug, Default, Clone)]
pub(crate) struct Tracking {
    pub(crate) on: bool,
    pub(crate) redirect: u64,
    pub(crate) bcast: bool,
    pub(crate) optin: bool,
    pub(crate) optout: bool,
    pub(crate) noloop: bool,
    pub(crate) prefixes: Vec<Bytes>,
    /// CLIENT CACHING given for the next command.
    pub(crate) caching: bool,
}

/// Redis accepts client names made of printable ASCII without spaces (`!`..`~`).
pub(crate) fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

impl Conn {
    /// CLIENT <subcommand> (arity already checked against the table).
    pub(crate) fn client(&mut self, argv: &[Bytes]) {
        let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
        match sub.as_str() {
            "id" => self.out.int(i64::try_from(self.handle.id).unwrap_or(i64::MAX)),
            "getname" => match self.handle.state().name.clone() {
                Some(name) => self.out.bulk(&name),
                None => self.out.null(),
            },
            "setname" => {
                if !valid_name(&argv[2]) {
                    return self.error(b"ERR Client names cannot contain spaces, newlines or special characters.");
                }
                self.handle.state().name = (!argv[2].is_empty()).then(|| argv[2].clone());
                self.out.ok();
            }
            "info" => {
                let line = self.info_line(&self.handle.clone());
                self.verbatim(&line);
            }
            "list" => self.client_list(argv),
            "kill" => self.client_kill(argv),
            "reply" => self.client_reply(&argv[2]),
            "no-evict" => match yes_no_on_off(&argv[2]) {
                Some(on) => {
                    self.handle.state().no_evict = on;
                    self.out.ok();
                }
                None => self.error(b"ERR syntax error"),
            },
            "getredir" => {
                let redirect = if self.tracking.on { i64::try_from(self.tracking.redirect).unwrap_or(-1) } else { -1 };
                self.out.int(redirect);
            }
            "unblock" => self.client_unblock(argv),
            "pause" => self.client_pause(argv),
            "unpause" => {
                self.shared.pause.unpause();
                self.out.ok();
            }
            "tracking" => self.client_tracking(argv),
            "caching" => self.client_caching(&argv[2]),
            "trackinginfo" => self.tracking_info(),
            _ => {
                self.out.array(CLIENT_HELP.len());
                for line in CLIENT_HELP {
                    self.out.simple(line);
                }
            }
        }
    }

    /// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a sentinel never has blocked clients.
    fn client_unblock(&mut self, argv: &[Bytes]) {
        if argv.len() > 4 {
            return self.subcommand_syntax_error(&argv[1]);
        }
        if std::str::from_utf8(&argv[2]).ok().and_then(|s| s.parse::<i64>().ok()).is_none() {
            return self.error(b"ERR value is not an integer or out of range");
        }
        if let Some(reason) = argv.get(3) {
            if !reason.eq_ignore_ascii_case(b"timeout") && !reason.eq_ignore_ascii_case(b"error") {
                return self.error(b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            }
        }
        self.out.int(0);
    }

    /// CLIENT PAUSE timeout [WRITE|ALL]: holds the commands of every client (or only PUBLISH) until
    /// the timeout or CLIENT UNPAUSE.
    fn client_pause(&mut self, argv: &[Bytes]) {
        if argv.len() > 4 {
            return self.subcommand_syntax_error(&argv[1]);
        }
        let Some(timeout) = std::str::from_utf8(&argv[2]).ok().and_then(|s| s.parse::<i64>().ok()) else {
            return self.error(b"ERR timeout is not an integer or out of range");
        };
        if timeout < 0 {
            return self.error(b"ERR timeout is negative");
        }
        let all = match argv.get(3) {
            None => true,
            Some(mode) if mode.eq_ignore_ascii_case(b"all") => true,
            Some(mode) if mode.eq_ignore_ascii_case(b"write") => false,
            Some(_) => return self.error(b"ERR CLIENT PAUSE mode must be WRITE or ALL"),
        };
        let millis = u64::try_from(timeout).unwrap_or(0);
        let until = tokio::time::Instant::now() + std::time::Duration::from_millis(millis);
        self.shared.pause.pause(until, all);
        self.out.ok();
    }

    /// `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try CLIENT HELP.`
    fn subcommand_syntax_error(&mut self, sub: &[u8]) {
        self.error(rds_commands::errors::subcommand_syntax(sub, "CLIENT").as_bytes());
    }

    /// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP], with
    /// Redis's checks. A sentinel has no keys, so tracking never sends an invalidation.
    fn client_tracking(&mut self, argv: &[Bytes]) {
        let mut redirect = 0u64;
        let (mut bcast, mut optin, mut optout, mut noloop) = (false, false, false, false);
        let mut prefixes: Vec<Bytes> = Vec::new();
        let mut j = 3;
        while j < argv.len() {
            let more = argv.len() - j - 1;
            let option = &argv[j];
            if option.eq_ignore_ascii_case(b"redirect") && more >= 1 {
                j += 1;
                if redirect != 0 {
                    return self.error(b"ERR A client can only redirect to a single other client");
                }
                let Some(id) = std::str::from_utf8(&argv[j]).ok().and_then(|s| s.parse::<i64>().ok()) else {
                    return self.error(b"ERR value is not an integer or out of range");
                };
                let exists = self.shared.clients().iter().any(|c| i64::try_from(c.id).ok() == Some(id));
                if !exists {
                    return self.error(b"ERR The client ID you want redirect to does not exist");
                }
                redirect = u64::try_from(id).unwrap_or(0);
            } else if option.eq_ignore_ascii_case(b"bcast") {
                bcast = true;
            } else if option.eq_ignore_ascii_case(b"optin") {
                optin = true;
            } else if option.eq_ignore_ascii_case(b"optout") {
                optout = true;
            } else if option.eq_ignore_ascii_case(b"noloop") {
                noloop = true;
            } else if option.eq_ignore_ascii_case(b"prefix") && more >= 1 {
                j += 1;
                prefixes.push(argv[j].clone());
            } else {
                return self.error(b"ERR syntax error");
            }
            j += 1;
        }
        if argv[2].eq_ignore_ascii_case(b"on") {
            if !bcast && !prefixes.is_empty() {
                return self.error(b"ERR PREFIX option requires BCAST mode to be enabled");
            }
            if self.tracking.on && self.tracking.bcast != bcast {
                return self.error(b"ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
            }
            if optin && optout {
                return self.error(b"ERR You can't specify both OPTIN mode and OPTOUT mode");
            }
            if (optin && self.tracking.optout) || (optout && self.tracking.optin) {
                return self.error(b"ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
            }
            if optin && bcast {
                return self.error(b"ERR OPTIN and OPTOUT are not compatible with BCAST");
            }
            if optout && bcast {
                return self.error(b"ERR OPTIN and OPTOUT are not compatible with BCAST");
            }
            if let Some((a, b, existing)) = overlapping_prefix(&self.tracking.prefixes, &prefixes) {
                let which = if existing { "an existing" } else { "another provided" };
                let text = format!(
                    "ERR Prefix '{}' overlaps with {which} prefix '{}'. Prefixes for a single client must not overlap.",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                );
                return self.error(text.as_bytes());
            }
            let tracking = &mut self.tracking;
            tracking.on = true;
            tracking.redirect = redirect;
            tracking.bcast = bcast;
            tracking.optin = optin;
            tracking.optout = optout;
            tracking.noloop = noloop;
            tracking.prefixes.extend(prefixes);
        } else if argv[2].eq_ignore_ascii_case(b"off") {
            self.tracking = Tracking::default();
        } else {
            return self.error(b"ERR syntax error");
        }
        self.handle.state().tracking = self.tracking.clone();
        self.out.ok();
    }

    /// CLIENT CACHING YES|NO (only in OPTIN / OPTOUT tracking).
    fn client_caching(&mut self, mode: &[u8]) {
        if !self.tracking.on {
            return self.error(b"ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        }
        if mode.eq_ignore_ascii_case(b"yes") {
            if !self.tracking.optin {
                return self.error(b"ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            }
        } else if mode.eq_ignore_ascii_case(b"no") {
            if !self.tracking.optout {
                return self.error(b"ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            }
        } else {
            return self.error(b"ERR syntax error");
        }
        self.tracking.caching = true;
        self.out.ok();
    }

    /// CLIENT TRACKINGINFO
    fn tracking_info(&mut self) {
        let t = self.tracking.clone();
        let mut flags: Vec<&str> = Vec::new();
        if !t.on {
            flags.push("off");
        } else {
            flags.push("on");
            for (set, name) in [(t.bcast, "bcast"), (t.optin, "optin"), (t.optout, "optout")] {
                if set {
                    flags.push(name);
                }
            }
            if t.caching && t.optin {
                flags.push("caching-yes");
            }
            if t.caching && t.optout {
                flags.push("caching-no");
            }
            if t.noloop {
                flags.push("noloop");
            }
            if t.redirect != 0 && !self.shared.clients().iter().any(|c| c.id == t.redirect) {
                flags.push("broken_redirect");
            }
        }
        self.out.map(3);
        self.out.bulk(b"flags");
        self.out.set(flags.len());
        for flag in flags {
            self.out.bulk(flag.as_bytes());
        }
        self.out.bulk(b"redirect");
        self.out.int(if t.on { i64::try_from(t.redirect).unwrap_or(-1) } else { -1 });
        self.out.bulk(b"prefixes");
        self.out.bulk_array(t.prefixes.iter());
    }

    fn verbatim(&mut self, text: &str) {
        if self.out.protocol == Protocol::Resp3 {
            self.out.verbatim(text.as_bytes());
        } else {
            self.out.bulk(text.as_bytes());
        }
    }

    /// CLIENT LIST [TYPE type | ID id [id ...]]
    fn client_list(&mut self, argv: &[Bytes]) {
        let clients = self.shared.clients();
        let selected: Vec<Arc<ClientHandle>> = if argv.len() == 2 {
            clients
        } else if argv.len() == 4 && argv[2].eq_ignore_ascii_case(b"type") {
            let Some(pubsub) = client_type(&argv[3]) else {
                let text = format!("ERR Unknown client type '{}'", String::from_utf8_lossy(&argv[3]));
                return self.error(text.as_bytes());
            };
            clients.into_iter().filter(|c| pubsub == Some(self.is_pubsub(c))).collect()
        } else if argv.len() > 3 && argv[2].eq_ignore_ascii_case(b"id") {
            let mut ids = Vec::new();
            for arg in &argv[3..] {
                match std::str::from_utf8(arg).ok().and_then(|s| s.parse::<i64>().ok()) {
                    Some(id) => ids.push(id),
                    None => return self.error(b"ERR Invalid client ID"),
                }
            }
            clients.into_iter().filter(|c| ids.contains(&i64::try_from(c.id).unwrap_or(-1))).collect()
        } else {
            return self.error(b"ERR syntax error");
        };
        let text: String = selected.iter().map(|c| self.info_line(c)).collect();
        self.verbatim(&text);
    }

    fn is_pubsub(&self, client: &ClientHandle) -> bool {
        self.shared.bus.subscription_count(client.id) > 0
    }

    /// One CLIENT LIST line, with Redis's fields. Memory figures are rds's own: `qbuf` the bytes
    /// of the request being run plus what follows it, `qbuf-free` the rest of that buffer,
    /// `argv-mem` the running command's arguments, `obl` output not yet written, `omem` published
    /// messages waiting for the connection, `tot-mem` the sum of the buffers.
    pub(crate) fn info_line(&self, client: &ClientHandle) -> String {
        let state = client.state();
        let now = Instant::now();
        let sub = self.shared.bus.subscriptions(client.id, crate::pubsub::Kind::Channel).len();
        let psub = self.shared.bus.subscriptions(client.id, crate::pubsub::Kind::Pattern).len();
        let tracking = &state.tracking;
        let mut flags = String::new();
        for (set, flag) in
            [(sub + psub > 0, 'P'), (tracking.on, 't'), (tracking.on && tracking.bcast, 'B'), (state.no_evict, 'e')]
        {
            if set {
                flags.push(flag);
            }
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let name = state.name.as_ref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
        let resp = if state.protocol == Protocol::Resp3 { 3 } else { 2 };
        let me = client.id == self.handle.id;
        let (obl, rbs, rbp) =
            if me { (self.out.buf.len(), self.out.buf.capacity(), self.output_peak) } else { (0, 1024, 0) };
        let omem = self.shared.bus.queued_bytes(client.id);
        let qbuf_free = state.query_buffer_capacity.saturating_sub(state.query_buffer);
        let tot_mem = std::mem::size_of::<Conn>() + state.query_buffer_capacity + state.argv_mem + rbs + omem;
        let redir = if tracking.on { i64::try_from(tracking.redirect).unwrap_or(-1) } else { -1 };
        format!(
            "id={} addr={} laddr={} fd={} name={name} age={} idle={} flags={flags} db=0 sub={sub} psub={psub} ssub=0 \
             multi=-1 qbuf={} qbuf-free={qbuf_free} argv-mem={} multi-mem=0 rbs={rbs} rbp={rbp} obl={obl} oll=0 \
             omem={omem} tot-mem={tot_mem} events=r cmd={} user=default redir={redir} resp={resp}\n",
            client.id,
            client.addr,
            client.laddr,
            client.fd,
            now.saturating_duration_since(client.created).as_secs(),
            now.saturating_duration_since(state.last_interaction).as_secs(),
            state.query_buffer,
            state.argv_mem,
            state.last_command,
        )
    }

    /// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [ADDR a] [LADDR a] [USER u] [SKIPME yes|no]
    fn client_kill(&mut self, argv: &[Bytes]) {
        if argv.len() == 3 {
            let target = argv[2].clone();
            let victim = self.shared.clients().into_iter().find(|c| c.addr.to_string().as_bytes() == &target[..]);
            match victim {
                Some(victim) => {
                    self.kill(&victim);
                    self.out.ok();
                }
                None => self.error(b"ERR No such client"),
            }
            return;
        }
        if !argv.len().is_multiple_of(2) {
            return self.error(b"ERR syntax error");
        }
        let mut filter = KillFilter { skipme: true, ..KillFilter::default() };
        for pair in argv[2..].chunks(2) {
            let (option, value) = (String::from_utf8_lossy(&pair[0]).to_ascii_lowercase(), &pair[1]);
            match option.as_str() {
                "id" => match std::str::from_utf8(value).ok().and_then(|s| s.parse::<i64>().ok()) {
                    Some(id) if id > 0 => filter.id = Some(id as u64),
                    _ => return self.error(b"ERR client-id should be greater than 0"),
                },
                "type" => match client_type(value) {
                    Some(pubsub) => filter.kind = Some(pubsub),
                    None => {
                        let text = format!("ERR Unknown client type '{}'", String::from_utf8_lossy(value));
                        return self.error(text.as_bytes());
                    }
                },
                "addr" => filter.addr = Some(value.clone()),
                "laddr" => filter.laddr = Some(value.clone()),
                "user" => filter.user = Some(value.clone()),
                "skipme" => match yes_no_on_off(value) {
                    Some(skip) => filter.skipme = skip,
                    None => return self.error(b"ERR syntax error"),
                },
                _ => return self.error(b"ERR syntax error"),
            }
        }
        let mut killed = 0;
        for client in self.shared.clients() {
            if filter.matches(&client, self.is_pubsub(&client), self.handle.id) {
                self.kill(&client);
                killed += 1;
            }
        }
        self.out.int(killed);
    }

    fn kill(&mut self, victim: &ClientHandle) {
        if victim.id == self.handle.id {
            // Redis replies first, then closes the connection.
            self.close = true;
        } else {
            victim.kill.notify_one();
        }
    }

    /// CLIENT REPLY ON|OFF|SKIP: only ON itself answers.
    fn client_reply(&mut self, mode: &[u8]) {
        if mode.eq_ignore_ascii_case(b"on") {
            self.reply_mode = ReplyMode::On;
            self.out.ok();
        } else if mode.eq_ignore_ascii_case(b"off") {
            self.reply_mode = ReplyMode::Off;
        } else if mode.eq_ignore_ascii_case(b"skip") {
            if self.reply_mode == ReplyMode::On {
                self.reply_mode = ReplyMode::Skip;
            }
        } else {
            self.error(b"ERR syntax error");
        }
    }
}

/// CLIENT KILL's new-form filters; every given one must match.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    /// `Some(true)` for TYPE pubsub, `Some(false)` for TYPE normal; `None` inside for types a
    /// sentinel never has (master, replica), which match nobody.
    kind: Option<Option<bool>>,
    addr: Option<Bytes>,
    laddr: Option<Bytes>,
    user: Option<Bytes>,
    skipme: bool,
}

impl KillFilter {
    fn matches(&self, client: &ClientHandle, pubsub: bool, me: u64) -> bool {
        self.id.is_none_or(|id| id == client.id)
            && self.kind.is_none_or(|kind| kind == Some(pubsub))
            && self.addr.as_ref().is_none_or(|a| a[..] == *client.addr.to_string().as_bytes())
            && self.laddr.as_ref().is_none_or(|a| a[..] == *client.laddr.to_string().as_bytes())
            && self.user.as_ref().is_none_or(|u| &u[..] == b"default")
            && !(self.skipme && client.id == me)
    }
}

/// A client type name: `Some(Some(pubsub?))` for normal/pubsub, `Some(None)` for the types a
/// sentinel has no clients of, `None` for an unknown name.
fn client_type(name: &[u8]) -> Option<Option<bool>> {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    match name.as_str() {
        "normal" => Some(Some(false)),
        "pubsub" => Some(Some(true)),
        "master" | "replica" | "slave" => Some(None),
        _ => None,
    }
}

fn yes_no_on_off(value: &[u8]) -> Option<bool> {
    if value.eq_ignore_ascii_case(b"yes") || value.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if value.eq_ignore_ascii_case(b"no") || value.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

/// Two prefixes overlap when one starts with the other (Redis's `checkPrefixCollisionsOrReply`):
/// returns the offending pair, new prefix first, and whether the other one was already set.
fn overlapping_prefix<'a>(existing: &'a [Bytes], new: &'a [Bytes]) -> Option<(&'a Bytes, &'a Bytes, bool)> {
    let overlap = |a: &Bytes, b: &Bytes| a.starts_with(b) || b.starts_with(a);
    for (i, prefix) in new.iter().enumerate() {
        if let Some(other) = existing.iter().find(|other| overlap(prefix, other)) {
            return Some((prefix, other, true));
        }
        if let Some(other) = new[i + 1..].iter().find(|other| overlap(prefix, other)) {
            return Some((prefix, other, false));
        }
    }
    None
}
