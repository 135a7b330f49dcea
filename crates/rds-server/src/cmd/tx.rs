//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use rds_commands::{resolve, Resolved};

use crate::client::Transaction;
use crate::ctx::Ctx;
use crate::dispatch::call;
use crate::error::{CmdResult, CommandError};
use crate::watch::{presence, Presence};

/// MULTI
pub fn multi(ctx: &mut Ctx) -> CmdResult {
    if ctx.session.multi.is_some() {
        return Err(CommandError::err("MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(Transaction::default());
    set_record_multi(ctx, Some(0));
    ctx.out().ok();
    Ok(())
}

fn set_record_multi(ctx: &mut Ctx, multi: Option<usize>) {
    if let Some(record) = ctx.server.clients.get_mut(ctx.session.id) {
        record.multi = multi;
    }
}

/// DISCARD
pub fn discard(ctx: &mut Ctx) -> CmdResult {
    if ctx.session.multi.take().is_none() {
        return Err(CommandError::err("DISCARD without MULTI"));
    }
    set_record_multi(ctx, None);
    ctx.server.watches.unwatch_all(ctx.session.id);
    ctx.out().ok();
    Ok(())
}

/// True when a WATCHed key was written, or expired, since WATCH.
fn watch_broken(ctx: &mut Ctx) -> bool {
    let id = ctx.session.id;
    if ctx.server.watches.is_invalidated(id) {
        return true;
    }
    let now = ctx.now_ms;
    let dbs = &ctx.server.keyspace.dbs;
    ctx.server.watches.any_live_watched(id, |db, key| presence(&dbs[db], key, now) == Presence::Stale)
}

/// EXEC: runs the queued commands as one unit, or fails when the transaction was aborted or a watched
/// key changed.
pub fn exec(ctx: &mut Ctx) -> CmdResult {
    let Some(transaction) = ctx.session.multi.take() else {
        return Err(CommandError::err("EXEC without MULTI"));
    };
    set_record_multi(ctx, None);
    if transaction.aborted {
        ctx.server.watches.unwatch_all(ctx.session.id);
        return Err(CommandError::other("EXECABORT Transaction discarded because of previous errors."));
    }
    let broken = watch_broken(ctx);
    ctx.server.watches.unwatch_all(ctx.session.id);
    if broken {
        ctx.out().null_array();
        return Ok(());
    }
    ctx.out().array(transaction.queued.len());
    ctx.session.deny_blocking = true;
    for argv in &transaction.queued {
        match resolve(argv) {
            Resolved::Command(spec) => call(ctx.server, ctx.session, argv, spec),
            // Queued commands were resolved when queued; a table without them cannot happen.
            _ => ctx.session.reply.error(b"ERR unknown command"),
        }
    }
    ctx.session.deny_blocking = false;
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Ctx) -> CmdResult {
    if ctx.session.multi.is_some() {
        return Err(CommandError::err("WATCH inside MULTI is not allowed"));
    }
    let (id, db, now) = (ctx.session.id, ctx.session.db, ctx.now_ms);
    for index in 1..ctx.argc() {
        let key = ctx.arg(index);
        let stale = presence(&ctx.server.keyspace.dbs[db], key, now) == Presence::Stale;
        ctx.server.watches.watch(id, db, key, stale);
    }
    ctx.out().ok();
    Ok(())
}

/// UNWATCH
pub fn unwatch(ctx: &mut Ctx) -> CmdResult {
    ctx.server.watches.unwatch_all(ctx.session.id);
    ctx.out().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn queues_and_executes_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["EXEC"], "-ERR EXEC without MULTI\r\n"),
            (&["DISCARD"], "-ERR DISCARD without MULTI\r\n"),
            (&["MULTI"], "+OK\r\n"),
            (&["MULTI"], "-ERR MULTI calls can not be nested\r\n"),
            (&["WATCH", "k"], "-ERR WATCH inside MULTI is not allowed\r\n"),
            (&["PING"], "+QUEUED\r\n"),
            (&["ECHO", "hi"], "+QUEUED\r\n"),
            (&["EXEC"], "*2\r\n+PONG\r\n$2\r\nhi\r\n"),
        ]);
    }

    #[test]
    fn queued_errors_abort_with_execabort() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["MULTI"], "+OK\r\n"),
            (&["PING"], "+QUEUED\r\n"),
            (&["ECHO"], "-ERR wrong number of arguments for 'echo' command\r\n"),
            (&["NOSUCH"], "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"),
            (&["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n"),
            (&["PING"], "+PONG\r\n"),
        ]);
    }

    #[test]
    fn a_touched_watched_key_makes_exec_return_null() {
        let mut h = Harness::new();
        h.expect_all(&[(&["WATCH", "k"], "+OK\r\n"), (&["MULTI"], "+OK\r\n"), (&["PING"], "+QUEUED\r\n")]);
        h.state.key_touched(0, b"k");
        h.expect_all(&[(&["EXEC"], "*-1\r\n")]);
        // The watch is gone after EXEC: the next transaction runs.
        h.expect_all(&[(&["MULTI"], "+OK\r\n"), (&["EXEC"], "*0\r\n")]);
        h.expect_all(&[(&["WATCH", "k"], "+OK\r\n"), (&["UNWATCH"], "+OK\r\n")]);
        h.state.key_touched(0, b"k");
        h.expect_all(&[(&["MULTI"], "+OK\r\n"), (&["EXEC"], "*0\r\n")]);
    }

    #[test]
    fn keys_scan_and_randomkey_expire_are_deleted_one_by_one() {
        // Redis's expire.tcl: "SCAN/RANDOMKEY: Lazy-expire should not be wrapped in MULTI/EXEC".
        for command in [&["SCAN", "0"][..], &["RANDOMKEY"][..]] {
            let mut h = Harness::new();
            h.run(&["SET", "foo1", "bar", "PX", "1"]);
            h.run(&["SET", "foo2", "bar", "PX", "1"]);
            std::thread::sleep(std::time::Duration::from_millis(5));
            h.state.effects.enable();
            h.run(command);
            let stream = String::from_utf8(h.state.effects.take().to_vec()).unwrap();
            assert!(!stream.contains("MULTI"), "{command:?} wrapped its DELs: {stream:?}");
            assert_eq!(stream.matches("DEL").count(), 2, "{command:?}: {stream:?}");
        }
    }

    #[test]
    fn several_effects_are_propagated_as_one_multi_exec_unit() {
        let mut h = Harness::new();
        h.state.effects.enable();
        h.run(&["MULTI"]);
        h.run(&["PUBLISH", "c", "1"]);
        h.run(&["PUBLISH", "c", "2"]);
        h.run(&["EXEC"]);
        let stream = String::from_utf8(h.state.effects.take().to_vec()).unwrap();
        assert_eq!(
            stream,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$1\r\n1\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n"
        );
    }
}
