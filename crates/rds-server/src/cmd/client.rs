//! CLIENT subcommands: ID, SETNAME, GETNAME, LIST, INFO, KILL, NO-EVICT, REPLY, PAUSE, UNPAUSE,
//! TRACKING, CACHING, GETREDIR, TRACKINGINFO and HELP.

use bytes::Bytes;

use crate::client::{ClientKind, ClientRecord, LineContext, ReplyMode};
use crate::cmd::connection::valid_client_name;
use crate::cmd::server::reply_help;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::tracking::{Tracking, TrackingOptions};
use rds_storage::num::parse_i64;

/// CLIENT ID
pub fn id(ctx: &mut Ctx) -> CmdResult {
    let id = i64::try_from(ctx.session.id).unwrap_or(i64::MAX);
    ctx.out().int(id);
    Ok(())
}

/// CLIENT SETNAME name (an empty name clears it)
pub fn setname(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.arg(2);
    if !valid_client_name(name) {
        return Err(CommandError::err("Client names cannot contain spaces, newlines or special characters."));
    }
    let id = ctx.session.id;
    if let Some(record) = ctx.server.clients.get_mut(id) {
        record.name = (!name.is_empty()).then(|| Bytes::copy_from_slice(name));
    }
    ctx.out().ok();
    Ok(())
}

/// CLIENT GETNAME
pub fn getname(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.server.clients.get(ctx.session.id).and_then(|record| record.name.clone());
    match name {
        Some(name) => ctx.out().bulk(&name),
        None => ctx.out().null(),
    }
    Ok(())
}

/// Which clients CLIENT LIST shows.
enum ListFilter {
    All,
    Type(ClientKind),
    Ids(Vec<i64>),
}

/// CLIENT LIST [TYPE type | ID id [id ...]]
pub fn list(ctx: &mut Ctx) -> CmdResult {
    let filter = if ctx.argc() == 2 {
        ListFilter::All
    } else if ctx.argc() == 4 && ctx.arg_is(2, "type") {
        ListFilter::Type(client_type(ctx.arg(3))?)
    } else if ctx.argc() > 3 && ctx.arg_is(2, "id") {
        let ids = (3..ctx.argc()).map(|i| parse_i64(ctx.arg(i)).ok_or_else(|| CommandError::err("Invalid client ID")));
        ListFilter::Ids(ids.collect::<Result<_, _>>()?)
    } else {
        return Err(CommandError::Syntax);
    };
    let sorted: Vec<u64> = ctx.server.clients.sorted().iter().map(|record| record.id).collect();
    let selected: Vec<u64> = match filter {
        ListFilter::All => sorted.clone(),
        ListFilter::Type(kind) => sorted
            .iter()
            .copied()
            .filter(|id| ctx.server.clients.get(*id).is_some_and(|c| type_of(c) == kind))
            .collect(),
        ListFilter::Ids(ids) => ids.into_iter().filter_map(|id| u64::try_from(id).ok()).collect(),
    };
    let mut text = String::new();
    for id in selected {
        if let Some(line) = info_line(ctx, id, &sorted) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

/// CLIENT INFO
pub fn info(ctx: &mut Ctx) -> CmdResult {
    let sorted: Vec<u64> = ctx.server.clients.sorted().iter().map(|record| record.id).collect();
    let mut text = info_line(ctx, ctx.session.id, &sorted).unwrap_or_default();
    text.push('\n');
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

/// The CLIENT LIST line of client `id`; `sorted` holds every client id in connection order.
fn info_line(ctx: &Ctx, id: u64, sorted: &[u64]) -> Option<String> {
    let record = ctx.server.clients.get(id)?;
    // Redis numbers sockets from 8 (after stdio, the log and the listeners), reusing closed ones.
    let fd = 8 + sorted.binary_search(&id).unwrap_or(0);
    let current = id == ctx.session.id;
    let line = LineContext {
        now_ms: ctx.now_ms,
        fd,
        blocked: ctx.server.blocking.is_blocked(id) || ctx.server.repl.pause.is_postponed(id),
        current_argv: current.then_some(ctx.argv),
        current_command: current.then_some(ctx.spec.name),
    };
    Some(record.info_line(&line))
}

/// The client type CLIENT LIST TYPE and CLIENT KILL TYPE filter on (MONITOR clients count as normal).
fn type_of(record: &ClientRecord) -> ClientKind {
    if record.monitor {
        ClientKind::Normal
    } else {
        record.kind
    }
}

/// Parses a client type name, case-insensitively (`slave` is an alias of `replica`).
fn client_type(name: &[u8]) -> Result<ClientKind, CommandError> {
    let kinds = [
        ("normal", ClientKind::Normal),
        ("slave", ClientKind::Replica),
        ("replica", ClientKind::Replica),
        ("pubsub", ClientKind::PubSub),
        ("master", ClientKind::Master),
    ];
    let found = kinds.iter().find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(name));
    found
        .map(|(_, kind)| *kind)
        .ok_or_else(|| CommandError::err(format!("Unknown client type '{}'", String::from_utf8_lossy(name))))
}

/// The filters of the new CLIENT KILL form; every given filter must match.
#[derive(Default)]
struct KillFilter<'a> {
    id: Option<u64>,
    kind: Option<ClientKind>,
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    keep_caller: bool,
}

impl KillFilter<'_> {
    fn matches(&self, record: &ClientRecord, caller: u64) -> bool {
        let addr_matches = |wanted: Option<&[u8]>, actual: &crate::client::PeerAddr| {
            wanted.is_none_or(|wanted| actual.to_string().as_bytes() == wanted)
        };
        !(self.keep_caller && record.id == caller)
            && self.id.is_none_or(|id| record.id == id)
            && self.kind.is_none_or(|kind| type_of(record) == kind)
            && addr_matches(self.addr, &record.addr)
            && addr_matches(self.laddr, &record.laddr)
    }
}

/// Parses `<filter> <value> ...` pairs from argument 2 on, reporting the first bad one like Redis.
fn kill_filter<'a>(ctx: &Ctx<'a>) -> Result<KillFilter<'a>, CommandError> {
    let mut filter = KillFilter { keep_caller: true, ..KillFilter::default() };
    let mut index = 2;
    while index < ctx.argc() {
        if index + 1 >= ctx.argc() {
            return Err(CommandError::Syntax);
        }
        let value = ctx.arg(index + 1);
        if ctx.arg_is(index, "id") {
            let id = parse_i64(value).filter(|id| *id > 0);
            let id = id.ok_or_else(|| CommandError::err("client-id should be greater than 0"))?;
            filter.id = Some(id.unsigned_abs());
        } else if ctx.arg_is(index, "type") {
            filter.kind = Some(client_type(value)?);
        } else if ctx.arg_is(index, "addr") {
            filter.addr = Some(value);
        } else if ctx.arg_is(index, "laddr") {
            filter.laddr = Some(value);
        } else if ctx.arg_is(index, "user") {
            // Every client is authenticated as `default`, the only user rds has.
            if value != b"default" {
                return Err(CommandError::err(format!("No such user '{}'", String::from_utf8_lossy(value))));
            }
        } else if ctx.arg_is(index, "skipme") {
            filter.keep_caller = match value {
                v if v.eq_ignore_ascii_case(b"yes") => true,
                v if v.eq_ignore_ascii_case(b"no") => false,
                _ => return Err(CommandError::Syntax),
            };
        } else {
            return Err(CommandError::Syntax);
        }
        index += 2;
    }
    Ok(filter)
}

/// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
pub fn kill(ctx: &mut Ctx) -> CmdResult {
    let caller = ctx.session.id;
    if ctx.argc() == 3 {
        // The old form names one address and may kill the caller itself.
        let addr = ctx.arg(2);
        let target = ctx.server.clients.iter().find(|c| c.addr.to_string().as_bytes() == addr).map(|c| c.id);
        let Some(target) = target else {
            return Err(CommandError::err("No such client"));
        };
        close_client(ctx, target);
        ctx.out().ok();
        return Ok(());
    }
    let filter = kill_filter(ctx)?;
    let targets: Vec<u64> = ctx.server.clients.iter().filter(|c| filter.matches(c, caller)).map(|c| c.id).collect();
    for target in &targets {
        close_client(ctx, *target);
    }
    ctx.out().int(i64::try_from(targets.len()).unwrap_or(i64::MAX));
    Ok(())
}

/// Closes client `id`: the caller after this reply is written, others as soon as their task wakes.
fn close_client(ctx: &mut Ctx, id: u64) {
    if id == ctx.session.id {
        ctx.session.close_after_reply = true;
    } else if let Some(record) = ctx.server.clients.get_mut(id) {
        record.request_kill();
    }
}

/// CLIENT NO-EVICT ON|OFF
pub fn no_evict(ctx: &mut Ctx) -> CmdResult {
    let enabled = on_off(ctx.arg(2)).ok_or(CommandError::Syntax)?;
    let id = ctx.session.id;
    if let Some(record) = ctx.server.clients.get_mut(id) {
        record.no_evict = enabled;
    }
    ctx.out().ok();
    Ok(())
}

fn on_off(word: &[u8]) -> Option<bool> {
    if word.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if word.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

/// CLIENT REPLY ON|OFF|SKIP: only ON is answered; the dispatcher applies the mode to replies.
pub fn reply(ctx: &mut Ctx) -> CmdResult {
    if ctx.arg_is(2, "skip") {
        if ctx.session.reply_mode != ReplyMode::Off {
            ctx.session.reply_mode = ReplyMode::SkipNext;
        }
        return Ok(());
    }
    match on_off(ctx.arg(2)) {
        Some(true) => {
            ctx.session.reply_mode = ReplyMode::On;
            ctx.out().ok();
        }
        Some(false) => ctx.session.reply_mode = ReplyMode::Off,
        None => return Err(CommandError::Syntax),
    }
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE|ALL]: holds back every command (ALL, the default) or the ones that
/// may write (WRITE) of every client but replicas, until the timeout (ms) or CLIENT UNPAUSE.
pub fn pause(ctx: &mut Ctx) -> CmdResult {
    use crate::repl::pause::{PauseKind, PausePurpose};
    if ctx.argc() > 4 {
        return Err(crate::cmd::server::subcommand_syntax_error(ctx, "CLIENT"));
    }
    let kind = if ctx.argc() == 4 {
        if ctx.arg_is(3, "write") {
            PauseKind::Write
        } else if ctx.arg_is(3, "all") {
            PauseKind::All
        } else {
            return Err(CommandError::err("CLIENT PAUSE mode must be WRITE or ALL"));
        }
    } else {
        PauseKind::All
    };
    let timeout =
        parse_i64(ctx.arg(2)).ok_or_else(|| CommandError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    // Redis 7.0 adds the time without an overflow check: a huge timeout wraps around to an end in
    // the past, which ends the pause at once. A zero timeout is an end of 0, also in the past.
    let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    let end = if timeout > 0 { timeout.wrapping_add(now) } else { 0 };
    crate::repl::pause::pause(ctx.server, PausePurpose::Client, end, kind);
    ctx.out().ok();
    Ok(())
}

/// CLIENT UNPAUSE: ends the pause of CLIENT PAUSE (not the one of a FAILOVER in progress).
pub fn unpause(ctx: &mut Ctx) -> CmdResult {
    crate::repl::pause::unpause(ctx.server, crate::repl::pause::PausePurpose::Client);
    ctx.out().ok();
    Ok(())
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with
/// Redis's checks in Redis's order.
pub fn tracking(ctx: &mut Ctx) -> CmdResult {
    let mut options = TrackingOptions::default();
    let argc = ctx.argc();
    let mut j = 3;
    while j < argc {
        let more = argc - j - 1;
        if ctx.arg_is(j, "redirect") && more >= 1 {
            j += 1;
            if options.redirect != 0 {
                return Err(CommandError::err("A client can only redirect to a single other client"));
            }
            let id = ctx.int_arg(j)?;
            let id = u64::try_from(id).ok().filter(|&id| id != 0 && ctx.server.clients.get(id).is_some());
            let Some(id) = id else {
                return Err(CommandError::err("The client ID you want redirect to does not exist"));
            };
            options.redirect = id;
        } else if ctx.arg_is(j, "bcast") {
            options.bcast = true;
        } else if ctx.arg_is(j, "optin") {
            options.optin = true;
        } else if ctx.arg_is(j, "optout") {
            options.optout = true;
        } else if ctx.arg_is(j, "noloop") {
            options.noloop = true;
        } else if ctx.arg_is(j, "prefix") && more >= 1 {
            j += 1;
            options.prefixes.push(Bytes::copy_from_slice(ctx.arg(j)));
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    let id = ctx.session.id;
    let server = &mut *ctx.server;
    let Some(record) = server.clients.get_mut(id) else { return Err(CommandError::Syntax) };
    if ctx.argv[2].eq_ignore_ascii_case(b"on") {
        let current = record.tracking.as_ref();
        if !options.bcast && !options.prefixes.is_empty() {
            return Err(CommandError::err("PREFIX option requires BCAST mode to be enabled"));
        }
        if current.is_some_and(|state| state.bcast != options.bcast) {
            return Err(CommandError::err(
                "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
            ));
        }
        if options.optin && options.optout {
            return Err(CommandError::err("You can't specify both OPTIN mode and OPTOUT mode"));
        }
        if current.is_some_and(|state| (options.optin && state.optout) || (options.optout && state.optin)) {
            return Err(CommandError::err(
                "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
            ));
        }
        if options.bcast && (options.optin || options.optout) {
            return Err(CommandError::err("OPTIN and OPTOUT are not compatible with BCAST"));
        }
        if options.bcast {
            let empty = std::collections::BTreeSet::new();
            let existing = current.map_or(&empty, |state| &state.prefixes);
            if let Some(text) = Tracking::prefix_collision(existing, &options.prefixes) {
                return Err(CommandError::err(text));
            }
        }
        server.tracking.enable(record, options);
    } else if ctx.argv[2].eq_ignore_ascii_case(b"off") {
        server.tracking.disable(record);
    } else {
        return Err(CommandError::Syntax);
    }
    ctx.out().ok();
    Ok(())
}

/// CLIENT CACHING YES|NO: whether the next command's reads are tracked, in OPTIN / OPTOUT mode.
pub fn caching(ctx: &mut Ctx) -> CmdResult {
    let yes = ctx.arg_is(2, "yes");
    let no = ctx.arg_is(2, "no");
    let id = ctx.session.id;
    let Some(state) = ctx.server.clients.get_mut(id).and_then(|record| record.tracking.as_mut()) else {
        return Err(CommandError::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    if yes && !state.optin {
        return Err(CommandError::err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
    }
    if no && !state.optout {
        return Err(CommandError::err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
    }
    if !yes && !no {
        return Err(CommandError::Syntax);
    }
    state.caching = true;
    ctx.out().ok();
    Ok(())
}

/// CLIENT GETREDIR: the client invalidations are redirected to, 0 for none, -1 when not tracking.
pub fn getredir(ctx: &mut Ctx) -> CmdResult {
    let redirect =
        ctx.server.clients.get(ctx.session.id).and_then(|record| record.tracking.as_ref()).map(|state| state.redirect);
    ctx.out().int(redirect.map_or(-1, |id| i64::try_from(id).unwrap_or(i64::MAX)));
    Ok(())
}

/// CLIENT TRACKINGINFO: the tracking flags, redirect and prefixes of this connection.
pub fn tracking_info(ctx: &mut Ctx) -> CmdResult {
    let state = ctx.server.clients.get(ctx.session.id).and_then(|record| record.tracking.clone());
    let mut flags = Vec::new();
    match &state {
        None => flags.push("off"),
        Some(state) => {
            flags.push("on");
            let optional = [
                (state.bcast, "bcast"),
                (state.optin, "optin"),
                (state.optin && state.caching, "caching-yes"),
                (state.optout, "optout"),
                (state.optout && state.caching, "caching-no"),
                (state.noloop, "noloop"),
                (state.broken_redirect, "broken_redirect"),
            ];
            flags.extend(optional.iter().filter(|(set, _)| *set).map(|(_, name)| *name));
        }
    }
    let out = ctx.out();
    out.map(3);
    out.bulk(b"flags");
    out.set(flags.len());
    for flag in flags {
        out.bulk(flag.as_bytes());
    }
    out.bulk(b"redirect");
    out.int(state.as_ref().map_or(-1, |state| i64::try_from(state.redirect).unwrap_or(i64::MAX)));
    out.bulk(b"prefixes");
    let prefixes = state.map(|state| state.prefixes).unwrap_or_default();
    out.array(prefixes.len());
    for prefix in &prefixes {
        out.bulk(prefix);
    }
    Ok(())
}

/// CLIENT HELP
pub fn help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, rds_commands::help::CLIENT_HELP);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::client::ReplyMode;
    use crate::testing::Harness;

    /// A CLIENT LIST line of redis-server 7.0.15 for a fresh client running CLIENT LIST.
    const REDIS_LINE: &str = "id=8 addr=127.0.0.1:33872 laddr=127.0.0.1:23791 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658 events=r cmd=client|list user=default redir=-1 resp=2";

    fn field_names(line: &str) -> Vec<&str> {
        line.split(' ').filter_map(|field| field.split_once('=')).map(|(name, _)| name).collect()
    }

    fn add_client(h: &mut Harness, port: u16) -> u64 {
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let local: std::net::SocketAddr = "127.0.0.1:6379".parse().unwrap();
        h.state.clients.register(addr, local, crate::state::now_ms())
    }

    #[test]
    fn names_and_ids_reply_like_redis() {
        let mut h = Harness::new();
        let id = h.session.id;
        h.expect_all(&[
            (&["CLIENT", "ID"], &format!(":{id}\r\n")),
            (&["CLIENT", "GETNAME"], "$-1\r\n"),
            (
                &["CLIENT", "SETNAME", "a b"],
                "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            ),
            (
                &["CLIENT", "SETNAME", "caf\u{e9}"],
                "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            ),
            (&["CLIENT", "SETNAME", "abc"], "+OK\r\n"),
            (&["CLIENT", "GETNAME"], "$3\r\nabc\r\n"),
            (&["CLIENT", "SETNAME", ""], "+OK\r\n"),
            (&["CLIENT", "GETNAME"], "$-1\r\n"),
            (&["CLIENT"], "-ERR wrong number of arguments for 'client' command\r\n"),
            (&["CLIENT", "ID", "x"], "-ERR wrong number of arguments for 'client|id' command\r\n"),
            (&["CLIENT", "NOPE"], "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n"),
            (&["CLIENT", "NO-EVICT", "maybe"], "-ERR syntax error\r\n"),
            (&["CLIENT", "NO-EVICT", "ON"], "+OK\r\n"),
            (&["CLIENT", "REPLY", "maybe"], "-ERR syntax error\r\n"),
        ]);
        assert!(h.state.clients.get(id).is_some_and(|c| c.no_evict));
        let help = h.run(&["CLIENT", "HELP"]);
        assert!(
            help.starts_with("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            "{help}"
        );
    }

    #[test]
    fn list_and_info_print_redis_fields_in_order() {
        let mut h = Harness::new();
        let list = h.run(&["CLIENT", "LIST"]);
        let body = list.split_once("\r\n").map(|(_, body)| body).unwrap_or_default();
        let line = body.trim_end_matches("\r\n").trim_end_matches('\n');
        assert_eq!(field_names(line), field_names(REDIS_LINE));
        let id = h.session.id;
        let expected = format!("id={id} addr=127.0.0.1:40000 laddr=127.0.0.1:6379 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658 events=r cmd=client|list user=default redir=-1 resp=2\n");
        assert_eq!(list, format!("${}\r\n{expected}\r\n", expected.len()));
        h.run(&["CLIENT", "NO-EVICT", "on"]);
        h.run(&["SELECT", "2"]);
        let mut h3 = h.resp3();
        let info = h3.run(&["CLIENT", "INFO"]);
        assert!(info.starts_with("=") && info.contains("\r\ntxt:id="), "{info}");
        assert!(
            info.contains(" flags=e db=2 ") && info.ends_with(" cmd=client|info user=default redir=-1 resp=2\n\r\n"),
            "{info}"
        );
    }

    #[test]
    fn list_filters_by_type_and_id() {
        let mut h = Harness::new();
        let other = add_client(&mut h, 40001);
        let me = h.session.id;
        h.expect_all(&[
            (&["CLIENT", "LIST", "TYPE", "foo"], "-ERR Unknown client type 'foo'\r\n"),
            (&["CLIENT", "LIST", "ID", "x"], "-ERR Invalid client ID\r\n"),
            (&["CLIENT", "LIST", "ID"], "-ERR syntax error\r\n"),
            (&["CLIENT", "LIST", "TYPE"], "-ERR syntax error\r\n"),
            (&["CLIENT", "LIST", "TYPE", "normal", "ID", "1"], "-ERR syntax error\r\n"),
            (&["CLIENT", "LIST", "ID", "0", "-5", "999"], "$0\r\n\r\n"),
            (&["CLIENT", "LIST", "TYPE", "replica"], "$0\r\n\r\n"),
            (&["CLIENT", "LIST", "TYPE", "SLAVE"], "$0\r\n\r\n"),
        ]);
        let both = h.run(&["CLIENT", "LIST", "TYPE", "normal"]);
        assert_eq!(both.matches("\nid=").count(), 2, "{both}");
        let one = h.run(&["CLIENT", "LIST", "ID", &other.to_string()]);
        assert!(one.contains(&format!("\r\nid={other} addr=127.0.0.1:40001 ")) && one.contains(" fd=9 "), "{one}");
        assert!(one.contains(" qbuf=0 qbuf-free=4 ") && one.contains(" cmd=NULL "), "{one}");
        let ordered = h.run(&["CLIENT", "LIST", "ID", &other.to_string(), &me.to_string()]);
        let first = ordered.find(&format!("id={other} ")).unwrap();
        assert!(first < ordered.find(&format!("id={me} ")).unwrap());
    }

    #[test]
    fn kill_filters_and_counts_like_redis() {
        let mut h = Harness::new();
        let other = add_client(&mut h, 40001);
        h.expect_all(&[
            (&["CLIENT", "KILL", "1.2.3.4:5"], "-ERR No such client\r\n"),
            (&["CLIENT", "KILL", "ID"], "-ERR No such client\r\n"),
            (&["CLIENT", "KILL", "ID", "x"], "-ERR client-id should be greater than 0\r\n"),
            (&["CLIENT", "KILL", "ID", "0"], "-ERR client-id should be greater than 0\r\n"),
            (&["CLIENT", "KILL", "ID", "1", "TYPE"], "-ERR syntax error\r\n"),
            (&["CLIENT", "KILL", "TYPE", "foo"], "-ERR Unknown client type 'foo'\r\n"),
            (&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "maybe"], "-ERR syntax error\r\n"),
            (&["CLIENT", "KILL", "USER", "nobody"], "-ERR No such user 'nobody'\r\n"),
            (&["CLIENT", "KILL", "MAXAGE", "1"], "-ERR syntax error\r\n"),
            (&["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"], ":0\r\n"),
            (&["CLIENT", "KILL", "TYPE", "pubsub"], ":0\r\n"),
            (&["CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "USER", "default"], ":1\r\n"),
        ]);
        assert!(h.state.clients.get(other).is_some_and(|c| c.kill));
        assert!(!h.session.close_after_reply);
        h.expect_all(&[(&["CLIENT", "KILL", "ID", &h.session.id.to_string(), "SKIPME", "no"], ":1\r\n")]);
        assert!(h.session.close_after_reply);
    }

    #[test]
    fn kill_old_form_may_kill_the_caller() {
        let mut h = Harness::new();
        h.expect_all(&[(&["CLIENT", "KILL", "127.0.0.1:40000"], "+OK\r\n")]);
        assert!(h.session.close_after_reply);
    }

    #[test]
    fn reply_off_and_skip_silence_replies() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["CLIENT", "REPLY", "SKIP"], ""),
            (&["ECHO", "1"], ""),
            (&["ECHO", "2"], "$1\r\n2\r\n"),
            (&["CLIENT", "REPLY", "OFF"], ""),
            (&["ECHO", "3"], ""),
            (&["CLIENT", "REPLY", "SKIP"], ""),
            (&["ECHO", "4"], ""),
            (&["CLIENT", "REPLY", "ON"], "+OK\r\n"),
            (&["CLIENT", "REPLY", "SKIP"], ""),
            (&["CLIENT", "REPLY", "ON"], "+OK\r\n"),
            (&["ECHO", "5"], "$1\r\n5\r\n"),
        ]);
        assert_eq!(h.session.reply_mode, ReplyMode::On);
    }
}
