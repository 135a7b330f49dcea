//! MODULE LIST | LOAD | LOADEX | UNLOAD | HELP. rds cannot load Redis modules (they are C shared
//! objects written against Redis's internals), so no module is ever loaded: LIST is empty, LOAD and
//! LOADEX fail as Redis does when a module does not load, logging why, and UNLOAD finds no module.

use crate::cmd::server::reply_help;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

const HELP: &[&str] = &[
    "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
    "HELP",
    "    Prints this help.",
];

/// MODULE LIST: the loaded modules, none.
pub fn list(ctx: &mut Ctx) -> CmdResult {
    ctx.out().array(0);
    Ok(())
}

/// MODULE LOAD path [arg ...]
pub fn load(ctx: &mut Ctx) -> CmdResult {
    Err(load_failure(ctx.arg(2)))
}

/// MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]: the arguments are checked (a bad
/// one is logged, as Redis does), then the load fails like LOAD's.
pub fn loadex(ctx: &mut Ctx) -> CmdResult {
    let mut at = 3;
    while at < ctx.argc() {
        if ctx.arg_is(at, "config") {
            if at + 2 >= ctx.argc() {
                tracing::info!("CONFIG specified without name value pair");
                return Err(loading_error());
            }
            at += 3;
        } else if ctx.arg_is(at, "args") {
            break;
        } else {
            tracing::info!("Syntax Error from arguments to loadex around {}.", String::from_utf8_lossy(ctx.arg(at)));
            return Err(loading_error());
        }
    }
    Err(load_failure(ctx.arg(2)))
}

/// MODULE UNLOAD name
pub fn unload(_ctx: &mut Ctx) -> CmdResult {
    Err(CommandError::err("Error unloading module: no such module with that name"))
}

/// MODULE HELP
pub fn help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, HELP);
    Ok(())
}

/// Logs why the module at `path` was not loaded, as Redis's warning does, and returns the reply.
fn load_failure(path: &[u8]) -> CommandError {
    let path = String::from_utf8_lossy(path);
    let reason = match std::fs::metadata(path.as_ref()) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!("{path}: cannot open shared object file: No such file or directory")
        }
        Ok(meta) if !is_executable(&meta) => "It does not have execute permissions.".to_string(),
        _ => "rds-server does not load Redis modules".to_string(),
    };
    tracing::warn!("Module {path} failed to load: {reason}");
    loading_error()
}

fn loading_error() -> CommandError {
    CommandError::err("Error loading the extension. Please check the server logs.")
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}
