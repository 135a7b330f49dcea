//! Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET.

use rds_resp::Protocol;

use crate::client::{ClientKind, ReplyMode};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Version string reported to clients; tools check it to enable 7.0 features.
pub const REDIS_VERSION: &str = "7.0.15";

/// PING [message]
pub fn ping(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() > 2 {
        return Err(CommandError::WrongArity("ping".into()));
    }
    let subscribed = ctx.server.clients.get(ctx.session.id).is_some_and(|c| c.kind == ClientKind::PubSub);
    if subscribed && ctx.out().protocol == Protocol::Resp2 {
        let message = ctx.arg(1);
        let out = ctx.out();
        out.array(2);
        out.bulk(b"pong");
        out.bulk(message);
        return Ok(());
    }
    if ctx.argc() == 2 {
        let message = ctx.arg(1);
        ctx.out().bulk(message);
    } else {
        ctx.out().simple("PONG");
    }
    Ok(())
}

/// ECHO message
pub fn echo(ctx: &mut Ctx) -> CmdResult {
    let message = ctx.arg(1);
    ctx.out().bulk(message);
    Ok(())
}

/// SELECT index
pub fn select(ctx: &mut Ctx) -> CmdResult {
    let index = ctx.int_arg(1).map_err(|_| CommandError::err("value is not an integer or out of range"))?;
    if ctx.server.config.bool("cluster-enabled") && index != 0 {
        return Err(CommandError::err("SELECT is not allowed in cluster mode"));
    }
    let index = usize::try_from(index).ok().filter(|i| *i < ctx.server.keyspace.dbs.len());
    let Some(index) = index else { return Err(CommandError::DbIndexOutOfRange) };
    ctx.session.db = index;
    ctx.out().ok();
    Ok(())
}

/// QUIT: replies OK, then the connection closes.
pub fn quit(ctx: &mut Ctx) -> CmdResult {
    ctx.out().ok();
    ctx.session.close_after_reply = true;
    Ok(())
}

/// Checks a username/password pair against the default user (rds has no ACL users yet).
fn check_password(ctx: &Ctx, user: &[u8], password: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    let required = &ctx.server.settings.requirepass;
    required.is_empty() || required.as_slice() == password
}

/// AUTH [username] password
pub fn auth(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(CommandError::Syntax);
    }
    let (user, password) = if ctx.argc() == 2 { (&b"default"[..], ctx.arg(1)) } else { (ctx.arg(1), ctx.arg(2)) };
    if ctx.argc() == 2 && ctx.server.settings.requirepass.is_empty() {
        return Err(CommandError::err(
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    if !check_password(ctx, user, password) {
        return Err(CommandError::WrongPass);
    }
    ctx.session.authenticated = true;
    ctx.out().ok();
    Ok(())
}

/// Client names may not contain spaces or special characters (Redis's `validateClientName`).
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(ctx: &mut Ctx) -> CmdResult {
    let mut protocol = ctx.out().protocol;
    if ctx.argc() >= 2 {
        let version =
            ctx.int_arg(1).map_err(|_| CommandError::err("Protocol version is not an integer or out of range"))?;
        protocol = match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(CommandError::other("NOPROTO unsupported protocol version")),
        };
    }
    let mut name = None;
    let mut credentials = None;
    let mut index = 2;
    while index < ctx.argc() {
        let more = ctx.argc() - index - 1;
        if ctx.arg_is(index, "auth") && more >= 2 {
            credentials = Some((ctx.arg(index + 1), ctx.arg(index + 2)));
            index += 3;
        } else if ctx.arg_is(index, "setname") && more >= 1 {
            let candidate = ctx.arg(index + 1);
            if !valid_client_name(candidate) {
                return Err(CommandError::err("Client names cannot contain spaces, newlines or special characters."));
            }
            name = Some(candidate);
            index += 2;
        } else {
            let option = String::from_utf8_lossy(ctx.arg(index)).into_owned();
            return Err(CommandError::err(format!("Syntax error in HELLO option '{option}'")));
        }
    }
    if let Some((user, password)) = credentials {
        if !check_password(ctx, user, password) {
            return Err(CommandError::WrongPass);
        }
        ctx.session.authenticated = true;
    }
    if !ctx.session.authenticated {
        return Err(CommandError::other(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    let id = ctx.session.id;
    if let Some(record) = ctx.server.clients.get_mut(id) {
        if let Some(name) = name {
            record.name = (!name.is_empty()).then(|| bytes::Bytes::copy_from_slice(name));
        }
        record.protocol = protocol;
    }
    let replica = ctx.server.expiry_mode == rds_storage::ExpiryMode::HideOnly;
    let cluster = ctx.server.config.bool("cluster-enabled");
    let out = ctx.out();
    out.protocol = protocol;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(if protocol == Protocol::Resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.int(i64::try_from(id).unwrap_or(i64::MAX));
    out.bulk(b"mode");
    out.bulk(if cluster { b"cluster" } else { b"standalone" });
    out.bulk(b"role");
    out.bulk(if replica { b"replica" } else { b"master" });
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

/// RESET: back to a fresh connection's state.
pub fn reset(ctx: &mut Ctx) -> CmdResult {
    let id = ctx.session.id;
    ctx.session.db = 0;
    ctx.session.reply_mode = ReplyMode::On;
    ctx.session.authenticated = ctx.server.settings.requirepass.is_empty();
    ctx.server.monitors.retain(|m| *m != id);
    ctx.session.multi = None;
    ctx.server.watches.unwatch_all(id);
    ctx.server.pubsub.remove_client(id);
    let server = &mut *ctx.server;
    if let Some(record) = server.clients.get_mut(id) {
        server.tracking.disable(record);
        record.kind = ClientKind::Normal;
        record.subscriptions = (0, 0, 0);
        record.multi = None;
        record.name = None;
        record.protocol = Protocol::Resp2;
        record.monitor = false;
        record.db = 0;
        record.no_evict = false;
    }
    let out = ctx.out();
    out.protocol = Protocol::Resp2;
    out.simple("RESET");
    Ok(())
}
