//! COMMAND and its subcommands: the command table as clients see it (INFO, DOCS, COUNT, LIST, GETKEYS,
//! GETKEYSANDFLAGS, HELP). Everything printed comes from rds-commands' table.

use rds_commands::{acl, flags, keyspec, lookup, reply, resolve, top_level, CommandSpec, Resolved, COMMANDS};
use rds_storage::glob::glob_match;

use crate::cmd::server::reply_help;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// COMMAND: the info of every command.
pub fn command(ctx: &mut Ctx) -> CmdResult {
    reply::all_info(ctx.out(), COMMANDS);
    Ok(())
}

/// COMMAND COUNT
pub fn count(ctx: &mut Ctx) -> CmdResult {
    let count = top_level().count();
    ctx.out().int(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// COMMAND INFO [name ...]: nil for unknown names; every command when none is given.
pub fn info(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() == 2 {
        reply::all_info(ctx.out(), COMMANDS);
        return Ok(());
    }
    let argv = ctx.argv;
    let out = ctx.out();
    out.array(argv.len() - 2);
    for name in &argv[2..] {
        match lookup(name) {
            Some(spec) => reply::info(out, COMMANDS, spec),
            None => out.null(),
        }
    }
    Ok(())
}

/// COMMAND DOCS [name ...]: unknown names are left out; every command when none is given.
pub fn docs(ctx: &mut Ctx) -> CmdResult {
    let specs: Vec<&CommandSpec> = if ctx.argc() == 2 {
        top_level().collect()
    } else {
        ctx.argv[2..].iter().filter_map(|name| lookup(name)).collect()
    };
    reply::docs(ctx.out(), COMMANDS, &specs);
    Ok(())
}

/// COMMAND GETKEYS command [arg ...]
pub fn getkeys(ctx: &mut Ctx) -> CmdResult {
    reply_keys(ctx, false)
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]: each key with the flags of the key spec that found it.
pub fn getkeys_and_flags(ctx: &mut Ctx) -> CmdResult {
    reply_keys(ctx, true)
}

/// The keys of the command in arguments 2.., as GETKEYS and GETKEYSANDFLAGS reply them.
fn reply_keys(ctx: &mut Ctx, with_flags: bool) -> CmdResult {
    let argv = &ctx.argv[2..];
    let spec = match resolve(argv) {
        Resolved::Command(spec) => spec,
        Resolved::UnknownCommand | Resolved::UnknownSubcommand(_) => {
            return Err(CommandError::err("Invalid command specified"));
        }
    };
    if !spec.has_key_args() {
        return Err(CommandError::err("The command has no key arguments"));
    }
    if !spec.arity_ok(argv.len()) {
        return Err(CommandError::err("Invalid number of arguments specified for command"));
    }
    let keys = spec.keys(argv).unwrap_or_default();
    if keys.is_empty() && !spec.has(flags::NO_MANDATORY_KEYS) {
        return Err(CommandError::err("Invalid arguments specified for command"));
    }
    let out = ctx.out();
    out.array(keys.len());
    for key in keys {
        if with_flags {
            out.array(2);
            out.bulk(&argv[key.pos]);
            let names: Vec<&str> = keyspec::flag_names(key.flags).collect();
            out.set(names.len());
            for name in names {
                out.simple(name);
            }
        } else {
            out.bulk(&argv[key.pos]);
        }
    }
    Ok(())
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
pub fn list(ctx: &mut Ctx) -> CmdResult {
    let names: Vec<&str> = if ctx.argc() == 2 {
        COMMANDS.iter().map(|spec| spec.name).collect()
    } else if ctx.argc() == 5 && ctx.arg_is(2, "filterby") {
        let value = ctx.arg(4);
        if ctx.arg_is(3, "module") {
            // rds loads no modules, so no command belongs to one.
            Vec::new()
        } else if ctx.arg_is(3, "aclcat") {
            let category = acl::by_name(value).unwrap_or(0);
            COMMANDS.iter().filter(|spec| spec.acl_bits() & category != 0).map(|spec| spec.name).collect()
        } else if ctx.arg_is(3, "pattern") {
            COMMANDS.iter().filter(|spec| glob_match(value, spec.name.as_bytes(), true)).map(|spec| spec.name).collect()
        } else {
            return Err(CommandError::Syntax);
        }
    } else {
        return Err(CommandError::Syntax);
    };
    let out = ctx.out();
    out.array(names.len());
    for name in names {
        out.bulk(name.as_bytes());
    }
    Ok(())
}

/// COMMAND HELP
pub fn help(ctx: &mut Ctx) -> CmdResult {
    reply_help(ctx, reply::COMMAND_HELP);
    Ok(())
}

#[cfg(test)]
mod tests;
