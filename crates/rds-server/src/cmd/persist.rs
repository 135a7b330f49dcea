//! Persistence commands: SAVE, BGSAVE [SCHEDULE], BGREWRITEAOF (LASTSAVE lives with the server
//! commands). The machinery is in `crate::persist`.

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::persist::{aof, rdb, StartError};

/// SAVE: writes the RDB now, blocking every client meanwhile, as Redis does.
pub fn save(ctx: &mut Ctx) -> CmdResult {
    if ctx.server.persist.bgsave_in_progress() {
        return Err(CommandError::err("Background save already in progress"));
    }
    // Counted by the command (not by the saves of FLUSHALL, DEBUG RELOAD or SHUTDOWN), as in Redis.
    ctx.server.persist.rdb.saves += 1;
    match rdb::save(ctx.server) {
        Ok(()) => {
            ctx.out().ok();
            Ok(())
        }
        Err(_) => Err(CommandError::other("ERR")),
    }
}

/// BGSAVE [SCHEDULE]: starts a background save, or schedules one after the running AOF rewrite.
pub fn bgsave(ctx: &mut Ctx) -> CmdResult {
    let schedule = match ctx.argc() {
        1 => false,
        2 if ctx.arg_is(1, "schedule") => true,
        _ => return Err(CommandError::Syntax),
    };
    // Inside EXEC a job is only scheduled, as in Redis (`server.in_exec`).
    let in_exec = ctx.session.deny_blocking;
    if ctx.server.persist.bgsave_in_progress() {
        return Err(CommandError::err("Background save already in progress"));
    }
    if crate::persist::snapshot_busy(ctx.server) || in_exec {
        if schedule || in_exec {
            ctx.server.persist.rdb.bgsave_scheduled = true;
            ctx.out().simple("Background saving scheduled");
            return Ok(());
        }
        return Err(CommandError::err(
            "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        ));
    }
    match rdb::start_bgsave(ctx.server) {
        Ok(()) => {
            ctx.out().simple("Background saving started");
            Ok(())
        }
        Err(_) => Err(CommandError::other("ERR")),
    }
}

/// BGREWRITEAOF: starts an AOF rewrite, or schedules it after the running job.
pub fn bgrewriteaof(ctx: &mut Ctx) -> CmdResult {
    let in_exec = ctx.session.deny_blocking;
    if ctx.server.persist.rewrite_in_progress() {
        return Err(CommandError::err("Background append only file rewriting already in progress"));
    }
    if crate::persist::snapshot_busy(ctx.server) || in_exec {
        ctx.server.persist.aof.rewrite_scheduled = true;
        ctx.out().simple("Background append only file rewriting scheduled");
        return Ok(());
    }
    match aof::start_rewrite(ctx.server) {
        Ok(()) => {
            ctx.out().simple("Background append only file rewriting started");
            Ok(())
        }
        Err(StartError::Busy) => {
            ctx.server.persist.aof.rewrite_scheduled = true;
            ctx.out().simple("Background append only file rewriting scheduled");
            Ok(())
        }
        Err(StartError::Failed(_)) => Err(CommandError::err(
            "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        )),
    }
}

#[cfg(test)]
mod tests;
