//! FUNCTION: rds has no script engine, so no library can ever be loaded and the function library is
//! always empty. FUNCTION FLUSH therefore has nothing to delete, but it is still a write (counted in
//! `dirty`, propagated to replicas and the AOF like Redis does) so that clients, the Redis test suite
//! (which flushes functions before every unit) and real masters replicating a FUNCTION FLUSH work.

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// FUNCTION FLUSH [ASYNC|SYNC]
pub fn flush(ctx: &mut Ctx) -> CmdResult {
    match ctx.argc() {
        2 => {}
        3 if ctx.arg_is(2, "async") || ctx.arg_is(2, "sync") => {}
        3 => return Err(CommandError::err("FUNCTION FLUSH only supports SYNC|ASYNC option")),
        _ => return Err(super::server::subcommand_syntax_error(ctx, "FUNCTION")),
    }
    ctx.changed(1);
    ctx.out().ok();
    Ok(())
}
