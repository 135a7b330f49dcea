//! Replication commands: REPLCONF, PSYNC, SYNC, REPLICAOF/SLAVEOF, ROLE, WAIT, FAILOVER.

use rds_repl::replconf::{self, parse_i64, Ending};

use crate::blocking::TimeoutReply;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::repl::{master, Waiter};
use crate::state::now_ms;

/// REPLCONF `<option> <value> ...`
pub fn replconf(ctx: &mut Ctx) -> CmdResult {
    let args: Vec<&[u8]> = (1..ctx.argc()).map(|i| ctx.arg(i)).collect();
    let (options, ending) = replconf::parse(&args);
    if !options.is_empty() {
        master::apply_options(ctx.server, ctx.session.id, &options);
    }
    match ending {
        Ending::Ok => ctx.out().ok(),
        Ending::Error(text) => return Err(CommandError::other(text)),
        Ending::Ack(Some(offset)) => master::ack(ctx.server, ctx.session.id, offset),
        Ending::Ack(None) => {}
        Ending::GetAck => {
            if let Some(link) = ctx.server.repl.link.as_mut().filter(|l| l.client_id.is_some()) {
                link.ack_requested = true;
            }
        }
    }
    Ok(())
}

/// True when the calling client is already an attached replica (PSYNC/SYNC then do nothing).
fn is_replica(ctx: &Ctx) -> bool {
    ctx.server.repl.replicas.iter().any(|r| r.client_id == ctx.session.id)
}

/// PSYNC `<replid> <offset>`: `+CONTINUE` and the backlog, or `+FULLRESYNC` and an RDB; the connection
/// then becomes a replica link.
pub fn psync(ctx: &mut Ctx) -> CmdResult {
    if is_replica(ctx) {
        return Ok(());
    }
    if ctx.argc() > 3 && ctx.arg_is(3, "failover") {
        take_over(ctx)?;
    }
    if let Some(refusal) = master::sync_refusal(ctx.server, ctx.session) {
        return Err(refusal);
    }
    let offset = parse_i64(ctx.arg(2)).ok_or(CommandError::NotInteger)?;
    let id = ctx.session.id;
    match master::try_partial(ctx.server, id, ctx.arg(1), offset) {
        Ok(reply) => ctx.out().raw(&reply),
        Err(reason) => {
            if reason.is_partial_error() {
                ctx.server.repl.stats.partial_err += 1;
            }
            master::attach_full(ctx.server, id, false);
        }
    }
    ctx.session.handover = true;
    Ok(())
}

/// `PSYNC <replid> <offset> FAILOVER` from our master handing over: we become the master, and the
/// PSYNC then continues our common history (partial resync).
fn take_over(ctx: &mut Ctx) -> CmdResult {
    let asked = String::from_utf8_lossy(ctx.arg(1)).into_owned();
    tracing::warn!("Failover request received for replid {asked}.");
    if !ctx.server.repl.is_replica() {
        return Err(CommandError::err("PSYNC FAILOVER can't be sent to a master."));
    }
    if !asked.eq_ignore_ascii_case(&ctx.server.repl.ids.replid.to_string()) {
        return Err(CommandError::err("PSYNC FAILOVER replid must match my replid."));
    }
    master::become_master(ctx.server, now_ms());
    let who = client_info(ctx);
    tracing::info!("MASTER MODE enabled (failover request from '{who}')");
    Ok(())
}

/// SYNC: a full resync without `+FULLRESYNC` (pre-PSYNC replicas, `redis-cli --rdb`).
pub fn sync(ctx: &mut Ctx) -> CmdResult {
    if is_replica(ctx) {
        return Ok(());
    }
    if let Some(refusal) = master::sync_refusal(ctx.server, ctx.session) {
        return Err(refusal);
    }
    master::attach_full(ctx.server, ctx.session.id, true);
    ctx.session.handover = true;
    Ok(())
}

/// REPLICAOF `<host> <port>` | `NO ONE` (also SLAVEOF).
pub fn replicaof(ctx: &mut Ctx) -> CmdResult {
    if ctx.server.config.bool("cluster-enabled") {
        return Err(CommandError::err("REPLICAOF not allowed in cluster mode."));
    }
    if ctx.server.repl.failover.is_some() {
        return Err(CommandError::err("REPLICAOF not allowed while failing over."));
    }
    let who = client_info(ctx);
    if ctx.arg_is(1, "no") && ctx.arg_is(2, "one") {
        if ctx.server.repl.is_replica() {
            master::become_master(ctx.server, now_ms());
            tracing::info!("MASTER MODE enabled (user request from '{who}')");
        }
        ctx.out().ok();
        return Ok(());
    }
    if is_replica(ctx) {
        return Err(CommandError::err("Command is not valid when client is a replica."));
    }
    let port = parse_i64(ctx.arg(2))
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| CommandError::err("Invalid master port"))?;
    let host = String::from_utf8_lossy(ctx.arg(1)).into_owned();
    let same = ctx.server.repl.link.as_ref().is_some_and(|l| l.host.eq_ignore_ascii_case(&host) && l.port == port);
    if same {
        tracing::info!("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        ctx.out().simple("OK Already connected to specified master");
        return Ok(());
    }
    master::become_replica(ctx.server, &host, port, now_ms(), false);
    tracing::info!("REPLICAOF {host}:{port} enabled (user request from '{who}')");
    ctx.out().ok();
    Ok(())
}

/// The caller as the log lines of REPLICAOF name it.
fn client_info(ctx: &Ctx) -> String {
    let id = ctx.session.id;
    let addr = ctx.server.clients.get(id).map(|c| c.addr.to_string()).unwrap_or_default();
    format!("id={id} addr={addr}")
}

/// ROLE
pub fn role(ctx: &mut Ctx) -> CmdResult {
    crate::repl::info::role(&mut ctx.session.reply, ctx.server);
    Ok(())
}

/// WAIT `<numreplicas> <timeout ms>`: blocks until that many replicas acknowledged this client's last
/// write, or the timeout; replies how many did.
pub fn wait(ctx: &mut Ctx) -> CmdResult {
    if ctx.server.repl.is_replica() {
        return Err(CommandError::err("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."));
    }
    let numreplicas = ctx.int_arg(1)?;
    let timeout =
        parse_i64(ctx.arg(2)).ok_or_else(|| CommandError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    if timeout > i64::MAX - now {
        return Err(CommandError::err("timeout is out of range"));
    }
    let offset = ctx.session.woff;
    let count = master::acked(ctx.server, offset);
    let count_i64 = i64::try_from(count).unwrap_or(i64::MAX);
    if count_i64 >= numreplicas || ctx.session.deny_blocking {
        ctx.out().int(count_i64);
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout.unsigned_abs()));
    ctx.block(Vec::new(), deadline, TimeoutReply::Integer(count_i64));
    let numreplicas = usize::try_from(numreplicas).unwrap_or(usize::MAX);
    ctx.server.repl.waiters.push(Waiter { client_id: ctx.session.id, offset, numreplicas });
    master::request_acks(ctx.server);
    Ok(())
}

#[cfg(test)]
mod tests;

/// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT: hands the master role over to a
/// replica without losing writes (see [`crate::repl::failover`]).
pub fn failover(ctx: &mut Ctx) -> CmdResult {
    use crate::repl::failover::{self, Failover, FailoverState};
    if ctx.server.config.bool("cluster-enabled") {
        return Err(CommandError::err("FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead."));
    }
    if ctx.argc() == 2 && ctx.arg_is(1, "abort") {
        if ctx.server.repl.failover.is_none() {
            return Err(CommandError::err("No failover in progress."));
        }
        failover::abort(ctx.server, "Failover manually aborted", now_ms());
        ctx.out().ok();
        return Ok(());
    }
    let (mut timeout, mut force, mut target) = (0i64, false, None::<(String, i64)>);
    let mut j = 1;
    while j < ctx.argc() {
        if ctx.arg_is(j, "timeout") && j + 1 < ctx.argc() && timeout == 0 {
            timeout = ctx.int_arg(j + 1)?;
            if timeout <= 0 {
                return Err(CommandError::err("FAILOVER timeout must be greater than 0"));
            }
            j += 2;
        } else if ctx.arg_is(j, "to") && j + 2 < ctx.argc() && target.is_none() {
            let port = ctx.int_arg(j + 2)?;
            target = Some((String::from_utf8_lossy(ctx.arg(j + 1)).into_owned(), port));
            j += 3;
        } else if ctx.arg_is(j, "force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    if ctx.server.repl.failover.is_some() {
        return Err(CommandError::err("FAILOVER already in progress."));
    }
    if ctx.server.repl.is_replica() {
        return Err(CommandError::err("FAILOVER is not valid when server is a replica."));
    }
    if ctx.server.repl.replicas.is_empty() {
        return Err(CommandError::err("FAILOVER requires connected replicas."));
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(CommandError::err("FAILOVER with force option requires both a timeout and target HOST and IP."));
    }
    if let Some((host, port)) = &target {
        let replica = failover::find_replica(ctx.server, host, *port)
            .ok_or_else(|| CommandError::err("FAILOVER target HOST and PORT is not a replica."))?;
        if !failover::is_online(replica) {
            return Err(CommandError::err("FAILOVER target replica is not online."));
        }
    }
    let end_ms = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout.unsigned_abs()));
    failover::start(ctx.server, Failover { state: FailoverState::WaitForSync, target, end_ms, force });
    ctx.out().ok();
    Ok(())
}
