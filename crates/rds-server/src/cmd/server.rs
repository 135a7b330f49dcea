//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, LASTSAVE, SHUTDOWN, MONITOR, CONFIG, SLOWLOG and
//! LATENCY. INFO lives in `info`, DEBUG in `debug`.

use rds_commands::{CommandSpec, COMMANDS};

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::state::{now_us, ServerState, Stats};
use crate::watch::{presence, Presence};

/// Writes a HELP reply: one simple string per line.
pub fn reply_help(ctx: &mut Ctx, lines: &[&str]) {
    let out = ctx.out();
    out.array(lines.len());
    for line in lines {
        out.simple(line);
    }
}

/// `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP.`
pub fn subcommand_syntax_error(ctx: &Ctx, command: &str) -> CommandError {
    CommandError::other(rds_commands::errors::subcommand_syntax(ctx.arg(1), command))
}

/// DBSIZE
pub fn dbsize(ctx: &mut Ctx) -> CmdResult {
    let len = ctx.db().len();
    ctx.out().int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// Checks FLUSHDB/FLUSHALL's optional ASYNC|SYNC argument. Both flush at once: freeing memory in the
/// background would change nothing a client can observe.
fn check_flush_mode(ctx: &Ctx) -> CmdResult {
    match ctx.argc() {
        1 => Ok(()),
        2 if ctx.arg_is(1, "async") || ctx.arg_is(1, "sync") => Ok(()),
        _ => Err(CommandError::Syntax),
    }
}

/// Empties database `index`, invalidating WATCHes on its keys; returns the number of keys removed.
pub(crate) fn flush_db(server: &mut ServerState, index: usize) -> u64 {
    let ServerState { keyspace, watches, .. } = server;
    let Some(db) = keyspace.dbs.get_mut(index) else {
        return 0;
    };
    let removed = db.len() as u64;
    if removed > 0 && !watches.is_empty() {
        let now = crate::state::now_ms();
        watches.replace_db(index, |key| presence(db, key, now), |_| Presence::Absent);
    }
    db.clear();
    db.avg_ttl_ms = 0;
    removed
}

/// FLUSHDB [ASYNC|SYNC]
pub fn flushdb(ctx: &mut Ctx) -> CmdResult {
    check_flush_mode(ctx)?;
    let removed = flush_db(ctx.server, ctx.session.db);
    ctx.server.tracking.invalidate_all(&mut ctx.server.clients);
    ctx.changed(removed);
    // Replicated even when the database was already empty, like Redis.
    ctx.propagate(ctx.argv.to_vec());
    ctx.out().ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]
pub fn flushall(ctx: &mut Ctx) -> CmdResult {
    check_flush_mode(ctx)?;
    crate::persist::rdb::before_flushall(ctx.server);
    ctx.server.replica_keys_with_expire.clear();
    let mut removed = 0;
    for index in 0..ctx.server.keyspace.dbs.len() {
        removed += flush_db(ctx.server, index);
    }
    ctx.server.tracking.invalidate_all(&mut ctx.server.clients);
    // With save points Redis 7.0 saves the empty dataset at once, which leaves nothing dirty.
    if !crate::persist::rdb::after_flushall(ctx.server) {
        ctx.changed(removed);
    }
    ctx.propagate(ctx.argv.to_vec());
    ctx.out().ok();
    Ok(())
}

/// TIME: seconds and microseconds, as bulk strings.
pub fn time(ctx: &mut Ctx) -> CmdResult {
    let now = now_us();
    let out = ctx.out();
    out.array(2);
    out.bulk(now.div_euclid(1_000_000).to_string().as_bytes());
    out.bulk(now.rem_euclid(1_000_000).to_string().as_bytes());
    Ok(())
}

/// LASTSAVE
pub fn lastsave(ctx: &mut Ctx) -> CmdResult {
    let secs = ctx.server.last_save_secs;
    ctx.out().int(i64::try_from(secs).unwrap_or(i64::MAX));
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: on success the connection closes without a reply.
pub fn shutdown(ctx: &mut Ctx) -> CmdResult {
    let (mut nosave, mut save, mut now, mut force, mut abort) = (false, false, false, false, false);
    for index in 1..ctx.argc() {
        let flag = if ctx.arg_is(index, "nosave") {
            &mut nosave
        } else if ctx.arg_is(index, "save") {
            &mut save
        } else if ctx.arg_is(index, "now") {
            &mut now
        } else if ctx.arg_is(index, "force") {
            &mut force
        } else if ctx.arg_is(index, "abort") {
            &mut abort
        } else {
            return Err(CommandError::Syntax);
        };
        *flag = true;
    }
    if (abort && (nosave || save || now || force)) || (nosave && save) {
        return Err(CommandError::Syntax);
    }
    if abort {
        // rds never waits for replicas before exiting, so there is never a shutdown to abort.
        return Err(CommandError::err("No shutdown in progress."));
    }
    if !now && ctx.session.deny_blocking {
        return Err(CommandError::err("SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"));
    }
    let mode = if nosave {
        crate::persist::ShutdownSave::NoSave
    } else if save {
        crate::persist::ShutdownSave::Save
    } else {
        crate::persist::ShutdownSave::Default
    };
    if !crate::persist::prepare_shutdown(ctx.server, mode, force) {
        tracing::warn!("Errors trying to shut down the server. Check the logs for more information.");
        return Err(CommandError::err("Errors trying to SHUTDOWN. Check logs."));
    }
    ctx.server.shutdown_requested = true;
    ctx.session.close_after_reply = true;
    Ok(())
}

/// MONITOR: from now on the client receives every command the server runs.
pub fn monitor(ctx: &mut Ctx) -> CmdResult {
    if ctx.session.deny_blocking {
        return Err(CommandError::err("MONITOR isn't allowed for DENY BLOCKING client"));
    }
    let id = ctx.session.id;
    let Some(record) = ctx.server.clients.get_mut(id) else {
        return Err(CommandError::err("no such client"));
    };
    // A replica or a client already monitoring gets no reply at all, as in Redis.
    if record.monitor || record.kind == crate::client::ClientKind::Replica {
        return Ok(());
    }
    record.monitor = true;
    ctx.server.monitors.push(id);
    ctx.out().ok();
    Ok(())
}

/// A container command without a subcommand never reaches here (arity is checked first); an unknown
/// subcommand is answered like the dispatcher does.
pub fn container(ctx: &mut Ctx) -> CmdResult {
    let sub = String::from_utf8_lossy(ctx.arg(1)).into_owned();
    Err(CommandError::err(format!("unknown subcommand '{sub}'. Try {} HELP.", ctx.spec.name.to_uppercase())))
}

const CONFIG_HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
];

/// CONFIG GET pattern [pattern ...]
pub fn config_get(ctx: &mut Ctx) -> CmdResult {
    let patterns: Vec<&[u8]> = (2..ctx.argc()).map(|i| ctx.arg(i)).collect();
    let pairs = ctx.server.config.get(&patterns);
    let out = ctx.out();
    out.map(pairs.len());
    for (name, value) in &pairs {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
    Ok(())
}

/// CONFIG SET directive value [directive value ...]: all or nothing.
pub fn config_set(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() % 2 == 1 {
        return Err(CommandError::Syntax);
    }
    let pairs: Vec<(&[u8], &[u8])> = (2..ctx.argc()).step_by(2).map(|i| (ctx.arg(i), ctx.arg(i + 1))).collect();
    let local = ctx.session.is_local;
    if ctx.server.persist.is_loading() && pairs.iter().any(|(name, _)| rds_config::Config::denied_while_loading(name)) {
        return Err(CommandError::other("LOADING Redis is loading the dataset in memory"));
    }
    let appendonly_before = ctx.server.config.bool("appendonly");
    let listen_before = (ctx.server.config.str("port"), ctx.server.config.str("bind"));
    // Redis's CONFIG SET is all or nothing, also when applying a value (binding a port) fails.
    let previous: Vec<(String, String)> = pairs.iter().flat_map(|(name, _)| ctx.server.config.get(&[name])).collect();
    ctx.server.config.set_from_client(&pairs, local).map_err(|e| CommandError::other(e.to_string()))?;
    rebind_if_changed(ctx, &pairs, listen_before, &previous)?;
    ctx.server.refresh_settings();
    crate::persist::config_changed(ctx.server, appendonly_before)?;
    ctx.out().ok();
    Ok(())
}

/// After CONFIG SET: when `port` or `bind` changed, binds the new listeners now, so a failure is this
/// command's error, with every directive of the call back to its `previous` value and the old
/// listeners kept, as in Redis.
fn rebind_if_changed(
    ctx: &mut Ctx,
    pairs: &[(&[u8], &[u8])],
    (port_before, bind_before): (String, String),
    previous: &[(String, String)],
) -> CmdResult {
    let config = &ctx.server.config;
    let (port, bind) = (config.str("port"), config.str("bind"));
    if port == port_before && bind == bind_before {
        return Ok(());
    }
    let number = u16::try_from(config.int("port")).unwrap_or(0);
    match crate::server::bind_std(number, &bind) {
        Ok(listeners) => {
            tracing::info!("Listening on port {number} (bind {bind})");
            ctx.server.port = number;
            ctx.server.listeners.replacement = Some(listeners);
            ctx.server.listeners.changed.notify_one();
            Ok(())
        }
        Err(error) => {
            tracing::warn!("{error}");
            let restore: Vec<(&[u8], &[u8])> =
                previous.iter().map(|(name, value)| (name.as_bytes(), value.as_bytes())).collect();
            if let Err(error) = ctx.server.config.set_from_client(&restore, true) {
                tracing::warn!("Restoring the configuration after a failed CONFIG SET: {error}");
            }
            // Redis names the first of the two directives in the request, with that directive's message.
            let port_first =
                pairs.iter().find(|(name, _)| name.eq_ignore_ascii_case(b"port") || name.eq_ignore_ascii_case(b"bind"));
            let reason = match port_first {
                Some((name, _)) if name.eq_ignore_ascii_case(b"bind") => {
                    "argument 'bind') - Failed to bind to specified addresses."
                }
                _ => "argument 'port') - Unable to listen on this port. Check server logs.",
            };
            Err(CommandError::err(format!("CONFIG SET failed (possibly related to {reason}")))
        }
    }
}

/// CONFIG RESETSTAT: clears INFO's counters, command and error statistics (not the slow log, the
/// latency monitor or the memory peak, which Redis 7.0 keeps).
pub fn config_resetstat(ctx: &mut Ctx) -> CmdResult {
    let peak_memory = ctx.server.stats.peak_memory;
    ctx.server.stats = Stats { peak_memory, ..Stats::default() };
    ctx.out().ok();
    Ok(())
}

/// CONFIG REWRITE
pub fn config_rewrite(ctx: &mut Ctx) -> CmdResult {
    match ctx.server.config.rewrite() {
        Ok(()) => {
            tracing::info!("CONFIG REWRITE executed with success.");
            ctx.out().ok();
            Ok(())
        }
        Err(error @ rds_config::ConfigError::NoConfigFile) => Err(CommandError::other(error.to_string())),
        Err(error) => {
            tracing::warn!("CONFIG REWRITE failed: {error}");
            Err(CommandError::other(error.to_string()))
        }
    }
}

/// CONFIG HELP
pub fn config_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, CONFIG_HELP);
    Ok(())
}

const SLOWLOG_HELP: &[&str] = &[
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
];

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// SLOWLOG GET [count]: newest first; -1 means all.
pub fn slowlog_get(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(subcommand_syntax_error(ctx, "SLOWLOG"));
    }
    let count = if ctx.argc() == 3 {
        let count = ctx.int_arg(2).ok().filter(|c| *c >= -1);
        count.ok_or_else(|| CommandError::err("count should be greater than or equal to -1"))?
    } else {
        10
    };
    let entries = &ctx.server.slowlog.entries;
    let count = usize::try_from(count).map_or(entries.len(), |c| c.min(entries.len()));
    let out = &mut ctx.session.reply;
    out.array(count);
    for entry in entries.iter().take(count) {
        out.array(6);
        out.int(int(entry.id));
        out.int(int(entry.time_secs));
        out.int(int(entry.duration_us));
        out.bulk_array(entry.argv.iter());
        out.bulk(entry.peer.as_bytes());
        out.bulk(entry.name.as_bytes());
    }
    Ok(())
}

/// SLOWLOG LEN
pub fn slowlog_len(ctx: &mut Ctx) -> CmdResult {
    let len = ctx.server.slowlog.entries.len();
    ctx.out().int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// SLOWLOG RESET
pub fn slowlog_reset(ctx: &mut Ctx) -> CmdResult {
    ctx.server.slowlog.reset();
    ctx.out().ok();
    Ok(())
}

/// SLOWLOG HELP
pub fn slowlog_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, SLOWLOG_HELP);
    Ok(())
}

const LATENCY_HELP: &[&str] = &[
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
];

/// LATENCY LATEST: per event, the latest sample's time and latency and the all-time maximum.
pub fn latency_latest(ctx: &mut Ctx) -> CmdResult {
    let events = &ctx.server.latency.events;
    let out = &mut ctx.session.reply;
    let with_samples: Vec<_> =
        events.iter().filter_map(|(name, e)| e.samples.back().map(|s| (name, s, e.max_ms))).collect();
    out.array(with_samples.len());
    for (name, (time, latency), max) in with_samples {
        out.array(4);
        out.bulk(name.as_bytes());
        out.int(int(*time));
        out.int(int(*latency));
        out.int(int(max));
    }
    Ok(())
}

/// LATENCY HISTORY event: (time, latency) samples, oldest first.
pub fn latency_history(ctx: &mut Ctx) -> CmdResult {
    let name = String::from_utf8_lossy(ctx.arg(2)).into_owned();
    let samples: Vec<(u64, u64)> =
        ctx.server.latency.events.get(&name).map(|e| e.samples.iter().copied().collect()).unwrap_or_default();
    let out = ctx.out();
    out.array(samples.len());
    for (time, latency) in samples {
        out.array(2);
        out.int(int(time));
        out.int(int(latency));
    }
    Ok(())
}

/// One LATENCY HISTOGRAM entry: command name, calls, `(µs, cumulative count)` steps.
type CommandHistogram = (&'static str, u64, Vec<(u64, u64)>);

/// LATENCY HISTOGRAM [command ...]: per command (and subcommand) that ran since the last CONFIG
/// RESETSTAT, its calls and cumulative latency distribution. Named commands are reported in argument
/// order (a container also reports its subcommands); unknown names are skipped.
pub fn latency_histogram(ctx: &mut Ctx) -> CmdResult {
    let specs: Vec<&'static CommandSpec> = if ctx.argc() == 2 {
        COMMANDS.iter().collect()
    } else {
        ctx.argv[2..]
            .iter()
            .filter_map(|name| rds_commands::lookup(name))
            .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands()))
            .collect()
    };
    let stats = &ctx.server.stats.commands;
    let histograms: Vec<CommandHistogram> = specs
        .iter()
        .filter_map(|spec| {
            let histogram = stats.get(spec.id)?.histogram.as_ref()?;
            Some((spec.name, histogram.total(), histogram.cumulative_usec()))
        })
        .collect();
    let out = &mut ctx.session.reply;
    out.map(histograms.len());
    for (name, calls, steps) in histograms {
        out.bulk(name.as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.int(int(calls));
        out.bulk(b"histogram_usec");
        out.map(steps.len());
        for (usec, count) in steps {
            out.int(int(usec));
            out.int(int(count));
        }
    }
    Ok(())
}

/// LATENCY RESET [event ...]: drops the named events (all without arguments); replies how many.
pub fn latency_reset(ctx: &mut Ctx) -> CmdResult {
    let events = &mut ctx.server.latency.events;
    let reset = if ctx.argv.len() == 2 {
        let count = events.len();
        events.clear();
        count
    } else {
        ctx.argv[2..].iter().filter(|name| events.remove(String::from_utf8_lossy(name).as_ref()).is_some()).count()
    };
    ctx.out().int(i64::try_from(reset).unwrap_or(i64::MAX));
    Ok(())
}

/// LATENCY HELP
pub fn latency_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, LATENCY_HELP);
    Ok(())
}

#[cfg(test)]
mod tests;
