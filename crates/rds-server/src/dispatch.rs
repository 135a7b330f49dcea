//! The dispatcher: resolves a request against the command table, applies the checks every command
//! shares (in Redis's order), runs the handler, then does the bookkeeping every command shares
//! (propagation, expired keys, stats, slow log, MONITOR).

use bytes::Bytes;
use rds_commands::{errors, flags, resolve, CommandSpec, Resolved};

use crate::blocking::BlockedClient;
use crate::client::{ReplyMode, Session};
use crate::cmd;
use crate::ctx::Ctx;
use crate::error::CommandError;
use crate::state::{now_us, ServerState};

/// Runs one request for `session`, writing its reply into the session's reply buffer.
pub fn execute(server: &mut ServerState, session: &mut Session, argv: &[Bytes]) {
    let reply_start = session.reply.buf.len();
    let outer = server.tracking.enter(session.id);
    if server.tracking.client_count() > 0 {
        server.tracking_limit();
    }
    let checked = check(server, session, argv);
    // Invalidations caused before the command runs (the tracking table limit, evictions) come
    // before its reply.
    if server.tracking.client_count() > 0 {
        if let Some(output) = server.tracking.take_current_output(&mut server.clients) {
            session.reply.raw(&output);
        }
    }
    match checked {
        // Held back by CLIENT PAUSE or a FAILOVER: the connection sends it again when the pause ends.
        Ok(_) if session.postponed => {}
        Ok(spec) if session.multi.is_some() && !controls_transaction(spec) => queue(server, session, argv, spec),
        Ok(spec) => {
            server.tracking.set_executing(true);
            call(server, session, argv, spec);
            server.tracking.set_executing(false);
            register_block(server, session, argv);
            let propagated = !server.pending_effects.is_empty();
            if spec.has(flags::TOUCHES_ARBITRARY_KEYS) {
                server.flush_effects_unwrapped();
            } else {
                server.flush_effects();
            }
            if propagated {
                // WAIT waits for the replicas to acknowledge this offset.
                session.woff = server.effects.offset;
            }
            serve_blocked_clients(server);
        }
        Err(error) => {
            let mut error = error;
            if let Resolved::Command(spec) = resolve(argv) {
                server.stats.commands.record_rejected(spec.id);
                if spec.name == "exec" {
                    // A rejected EXEC discards the transaction, and says so (Redis's execCommandAbort).
                    session.multi = None;
                    server.watches.unwatch_all(session.id);
                    let text = error.to_string();
                    let reason = text.strip_prefix("ERR ").unwrap_or(&text);
                    error = CommandError::other(format!("EXECABORT Transaction discarded because of: {reason}"));
                }
            }
            if let Some(transaction) = &mut session.multi {
                transaction.aborted = true;
            }
            reply_error(server, session, &error);
        }
    }
    end_of_command(server, session, argv);
    server.tracking.leave(outer);
    finish_reply_mode(session, reply_start);
}

/// Client-side caching after a command: its own invalidations follow its reply, and the CACHING
/// choice lasts one command (any CLIENT subcommand, or queuing inside MULTI, keeps it).
fn end_of_command(server: &mut ServerState, session: &mut Session, argv: &[Bytes]) {
    if server.tracking.client_count() == 0 {
        return;
    }
    if let Some(output) = server.tracking.take_current_output(&mut server.clients) {
        session.reply.raw(&output);
    }
    let keeps_caching =
        session.multi.is_some() || argv.first().is_some_and(|name| name.eq_ignore_ascii_case(b"client"));
    if !keeps_caching {
        if let Some(state) = server.clients.get_mut(session.id).and_then(|record| record.tracking.as_mut()) {
            state.caching = false;
        }
    }
}

/// Commands that run at once inside MULTI instead of being queued.
fn controls_transaction(spec: &CommandSpec) -> bool {
    matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// Queues a command inside MULTI (or rejects it, which aborts the transaction).
fn queue(server: &mut ServerState, session: &mut Session, argv: &[Bytes], spec: &CommandSpec) {
    let Some(transaction) = &mut session.multi else { return };
    if spec.has(flags::NO_MULTI) {
        transaction.aborted = true;
        reply_error(server, session, &CommandError::err("Command not allowed inside a transaction"));
        return;
    }
    transaction.queued.push(argv.to_vec());
    let queued = transaction.queued.len();
    if let Some(record) = server.clients.get_mut(session.id) {
        record.multi = Some(queued);
    }
    session.reply.simple("QUEUED");
}

/// Registers the client as blocked when its handler asked to block.
fn register_block(server: &mut ServerState, session: &mut Session, argv: &[Bytes]) {
    let Some(request) = session.block.take() else { return };
    let blocked = BlockedClient { argv: argv.to_vec(), db: session.db, protocol: session.reply.protocol, request };
    server.blocking.block(session.id, blocked);
}

/// Most rounds of serving blocked clients after one command: each round can make more keys ready
/// (BLMOVE pushes), and a bound keeps a pathological chain from stalling the server.
const MAX_SERVE_ROUNDS: usize = 1000;

/// Retries the commands of clients blocked on keys that became ready, first blocked first served, and
/// queues their replies to them.
pub fn serve_blocked_clients(server: &mut ServerState) {
    let mut rounds = 0;
    while server.blocking.has_ready() && rounds < MAX_SERVE_ROUNDS {
        rounds += 1;
        for (db, key) in server.blocking.take_ready() {
            let waiters = server.blocking.waiters(db, &key);
            server.blocking.set_serving(Some((db, key)));
            for id in waiters {
                serve_blocked_client(server, id);
            }
        }
    }
    server.blocking.set_serving(None);
}

fn serve_blocked_client(server: &mut ServerState, id: u64) {
    let Some(blocked) = server.blocking.get(id).cloned() else { return };
    let Resolved::Command(spec) = resolve(&blocked.argv) else { return };
    let mut session = Session::new(id, true, true);
    session.db = blocked.db;
    session.reply.protocol = blocked.protocol;
    // The served client's invalidations for its own command follow its reply.
    let outer = server.tracking.enter(id);
    server.tracking.set_executing(true);
    call(server, &mut session, &blocked.argv, spec);
    let tracking_output = server.tracking.take_current_output(&mut server.clients);
    server.tracking.leave(outer);
    if session.block.is_some() {
        // Still nothing for it (another waiter took the element, or the key has another type now).
        server.flush_effects();
        return;
    }
    if let Some(output) = tracking_output {
        session.reply.raw(&output);
    }
    server.blocking.unblock(id);
    server.flush_effects();
    if let Some(record) = server.clients.get_mut(id) {
        record.push(&session.reply.buf);
    }
}

/// The checks of Redis's `processCommand`, in its order.
fn check(
    server: &mut ServerState,
    session: &mut Session,
    argv: &[Bytes],
) -> Result<&'static CommandSpec, CommandError> {
    let spec = match resolve_cached(session, argv) {
        Resolved::Command(spec) => spec,
        Resolved::UnknownCommand => return Err(CommandError::other(errors::unknown_command(argv))),
        Resolved::UnknownSubcommand(_) => return Err(CommandError::other(errors::unknown_subcommand(argv))),
    };
    if !spec.arity_ok(argv.len()) {
        return Err(CommandError::WrongArity(spec.name.to_string()));
    }
    check_protected(server, session, spec)?;
    if !session.authenticated && !spec.has(flags::NO_AUTH) {
        return Err(CommandError::NoAuth);
    }
    // Redis evicts before every command when maxmemory is set, then refuses DENYOOM commands if that
    // was not enough (after cluster redirection, before MISCONF/READONLY).
    if !session.is_master {
        crate::evict::check_oom(server, session, spec)?;
    }
    crate::persist::check_misconf(server, session, spec)?;
    crate::repl::master::check_write(server, session, spec)?;
    check_pubsub_context(server, session, spec)?;
    crate::repl::master::check_stale(server, session, spec)?;
    crate::persist::check_loading(server, spec)?;
    if server.repl.pause.is_active() {
        crate::repl::pause::postpone(server, session, spec);
    }
    Ok(spec)
}

/// Resolves `argv` like [`resolve`], answering from the session's last plain command when the name
/// matches it (case-insensitively, as the table lookup does).
fn resolve_cached(session: &mut Session, argv: &[Bytes]) -> Resolved {
    if let Some(spec) = argv.first().and_then(|name| same_command(session.last_spec, name)) {
        return Resolved::Command(spec);
    }
    let resolved = resolve(argv);
    if let Resolved::Command(spec) = &resolved {
        // Containers resolve through their subcommand, and a subcommand's full name (`client|id`)
        // typed as a command name is unknown: only plain commands can be answered by name alone.
        if !spec.has(flags::CONTAINER) && spec.container().is_none() {
            session.last_spec = Some(*spec);
        }
    }
    resolved
}

/// `last_spec` (a connection's last plain command) when `name` names it, case-insensitively as the
/// table lookup does: pipelines mostly repeat one command, and this saves the lookup.
pub fn same_command(last_spec: Option<&'static CommandSpec>, name: &[u8]) -> Option<&'static CommandSpec> {
    last_spec.filter(|spec| name.eq_ignore_ascii_case(spec.name.as_bytes()))
}

/// DEBUG (and MODULE) run only when `enable-debug-command` (`enable-module-command`) is `yes`, or `local`
/// and the client is on the loopback interface.
fn check_protected(server: &ServerState, session: &Session, spec: &CommandSpec) -> Result<(), CommandError> {
    if !spec.has(flags::PROTECTED) {
        return Ok(());
    }
    let command = spec.name.split('|').next().unwrap_or(spec.name);
    let option = if command == "debug" { "enable-debug-command" } else { "enable-module-command" };
    let setting = server.config.str(option);
    if setting == "yes" || (setting == "local" && session.is_local) {
        return Ok(());
    }
    Err(CommandError::err(format!(
        "{} command not allowed. If the {option} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        command.to_uppercase()
    )))
}

/// A RESP2 client in subscribed mode may only (un)subscribe, ping, quit and reset.
fn check_pubsub_context(server: &ServerState, session: &Session, spec: &CommandSpec) -> Result<(), CommandError> {
    if session.reply.protocol != rds_resp::Protocol::Resp2 {
        return Ok(());
    }
    let subscribed = server.clients.get(session.id).is_some_and(|c| c.kind == crate::client::ClientKind::PubSub);
    let allowed = matches!(
        spec.name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    );
    if subscribed && !allowed {
        return Err(CommandError::err(format!(
            "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            spec.name
        )));
    }
    Ok(())
}

/// Runs the handler and the shared bookkeeping (Redis's `call`).
pub fn call(server: &mut ServerState, session: &mut Session, argv: &[Bytes], spec: &'static CommandSpec) {
    let start_us = session.clock_us.unwrap_or_else(now_us);
    let now = start_us / 1000;
    let db_index = session.db;
    let mut ctx = Ctx::new(server, session, argv, spec, now);
    let result = cmd::handler(spec.id)(&mut ctx);
    let Ctx { changes, effects, modified, .. } = ctx;
    if let Err(error) = &result {
        reply_error(server, session, error);
    }
    if server.tracking.client_count() > 0 && spec.has(flags::READONLY) {
        remember_tracked_keys(server, session, argv, spec);
    }
    propagate_expired(server);
    if changes > 0 {
        server.dirty += changes;
        // Only WATCH, blocked clients, client-side caching and a writable replica's own expiry care
        // which keys were written: skip the key-spec walk (and its allocations) without them.
        let replica_write = server.repl.link.is_some() && !session.is_master;
        if !server.watches.is_empty() || !server.blocking.is_empty() || server.tracking.is_active() || replica_write {
            let positions = modified.unwrap_or_else(|| spec.written_keys(argv));
            for position in positions {
                let key = &argv[position];
                server.key_touched(db_index, key);
                if replica_write && server.keyspace.dbs[db_index].expire_at(key).is_some() {
                    server.replica_keys_with_expire.remember(db_index, key);
                }
            }
        }
        // Without a consumer (no replica, no AOF) the effects would be dropped: skip copying them.
        if effects.is_none() && server.effects.is_enabled() {
            server.pending_effects.push((db_index, argv.to_vec()));
        }
    }
    if let Some(effects) = effects.filter(|_| server.effects.is_enabled()) {
        server.pending_effects.extend(effects.into_iter().map(|effect| (db_index, effect)));
    }
    let end_us = now_us();
    if session.clock_us.is_some() {
        session.clock_us = Some(end_us);
    }
    let duration_us = end_us.saturating_sub(start_us);
    // Redis records the memory peak after every command, before the next eviction. Summing the
    // dataset (the deterministic source some tests use) costs O(keys): that source's peak is only
    // raised by the cron and by readers of the figure.
    if server.memory.source != crate::memory::Source::Dataset {
        server.update_memory_peak();
    }
    // A blocked client's command retried after a write (`serve_blocked_clients`) is still the one
    // command it sent: as in Redis it counts once in the stats and shows once to MONITOR, and it
    // reaches the slow log only when it is served (never when it blocks or times out).
    let retry = server.blocking.serving().is_some();
    if session.block.is_none() {
        record_slow(server, session.id, argv, spec, duration_us, now);
    }
    if retry {
        return;
    }
    server.stats.commands_processed += 1;
    server.stats.commands.record_call(spec.id, duration_us, result.is_err(), server.settings.latency_tracking);
    if let Some(record) = server.clients.get_mut(session.id) {
        record.last_command = spec.name;
        record.last_interaction_ms = now;
        record.db = session.db;
    }
    if !server.monitors.is_empty() && !spec.has(flags::SKIP_MONITOR | flags::ADMIN) {
        feed_monitors(server, session.id, db_index, argv, start_us);
    }
}

/// Remembers the keys a read-only command read for its client, when it tracks them.
fn remember_tracked_keys(server: &mut ServerState, session: &Session, argv: &[Bytes], spec: &CommandSpec) {
    let Some(record) = server.clients.get(session.id) else { return };
    if record.tracking.is_none() || spec.has(flags::PUBSUB) {
        return;
    }
    let keys = spec.keys(argv).unwrap_or_default();
    server.tracking.remember(record, keys.iter().map(|key| &argv[key.pos]));
}

/// Sends DEL for keys that expired during the command to replicas/AOF, and counts them.
pub fn propagate_expired(server: &mut ServerState) {
    if server.keyspace.dbs.iter().all(|db| db.expired.is_empty()) {
        return;
    }
    for db_index in 0..server.keyspace.dbs.len() {
        if server.keyspace.dbs[db_index].expired.is_empty() {
            continue;
        }
        let expired = std::mem::take(&mut server.keyspace.dbs[db_index].expired);
        server.stats.expired_keys += expired.len() as u64;
        for key in expired {
            server.key_removed(db_index, &key);
            if server.settings.notify_flags != 0 {
                // Expiry has no calling client: deliver like any other publisher's message.
                let mut nobody = Session::new(0, true, true);
                crate::notify::notify(server, &mut nobody, crate::notify::EXPIRED, "expired", &key, db_index);
            }
            if server.effects.is_enabled() {
                server.pending_effects.push((db_index, vec![Bytes::from_static(b"DEL"), Bytes::copy_from_slice(&key)]));
            }
        }
    }
}

fn record_slow(server: &mut ServerState, client: u64, argv: &[Bytes], spec: &CommandSpec, duration_us: u64, now: u64) {
    let threshold = server.settings.slowlog_slower_than_us;
    if threshold >= 0 && duration_us >= threshold.unsigned_abs() && !spec.has(flags::SKIP_SLOWLOG) {
        let (peer, name) = server.clients.get(client).map_or_else(Default::default, |c| {
            (c.addr.to_string(), c.name.as_deref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default())
        });
        let max_len = server.settings.slowlog_max_len;
        server.slowlog.record(argv, duration_us, now / 1000, peer, name, max_len);
    }
    let threshold_ms = server.settings.latency_threshold_ms;
    let duration_ms = duration_us / 1000;
    if threshold_ms > 0 && duration_ms >= threshold_ms {
        let event = if spec.has(flags::FAST) { "fast-command" } else { "command" };
        server.latency.record(event, duration_ms, now / 1000, threshold_ms);
    }
}

fn feed_monitors(server: &mut ServerState, client: u64, db: usize, argv: &[Bytes], time_us: u64) {
    // Redis shows a Unix socket client as `unix:<path>` here (its address elsewhere is `<path>:0`).
    let peer = server.clients.get(client).map_or_else(String::new, |c| match &c.addr {
        crate::client::PeerAddr::Unix(path) => format!("unix:{path}"),
        addr => addr.to_string(),
    });
    let mut line = format!("{}.{:06} [{} {}]", time_us / 1_000_000, time_us % 1_000_000, db, peer);
    for arg in argv {
        line.push(' ');
        line.push_str(&repr(arg));
    }
    let monitors = server.monitors.clone();
    for id in monitors {
        if let Some(record) = server.clients.get_mut(id) {
            let mut push = record.push_buffer();
            push.simple(&line);
            let bytes = push.buf;
            record.push(&bytes);
        }
    }
}

/// Quotes bytes like Redis's `sdscatrepr` (MONITOR lines, AOF manifest names); one implementation,
/// in the config crate, which also needs it for CONFIG REWRITE.
pub use rds_config::repr;

/// Writes an error reply and counts it.
pub fn reply_error(server: &mut ServerState, session: &mut Session, error: &CommandError) {
    server.stats.error_replies += 1;
    let text = error.to_string();
    server.stats.errors.record(&text);
    session.reply.error(text.as_bytes());
}

fn finish_reply_mode(session: &mut Session, reply_start: usize) {
    let pushed = std::mem::take(&mut session.pushed_reply);
    match session.reply_mode {
        ReplyMode::On => {}
        ReplyMode::Off if pushed => {}
        ReplyMode::Off => session.reply.buf.truncate(reply_start),
        ReplyMode::Skip => {
            if !pushed {
                session.reply.buf.truncate(reply_start);
            }
            session.reply_mode = ReplyMode::On;
        }
        ReplyMode::SkipNext => session.reply_mode = ReplyMode::Skip,
    }
}
