//! Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB *.

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::pubsub::{update_client_mode, Namespace};

fn confirmation_word(namespace: Namespace, subscribe: bool) -> &'static [u8] {
    match (namespace, subscribe) {
        (Namespace::Channel, true) => b"subscribe",
        (Namespace::Channel, false) => b"unsubscribe",
        (Namespace::Pattern, true) => b"psubscribe",
        (Namespace::Pattern, false) => b"punsubscribe",
        (Namespace::Shard, true) => b"ssubscribe",
        (Namespace::Shard, false) => b"sunsubscribe",
    }
}

fn confirm(ctx: &mut Ctx, namespace: Namespace, subscribe: bool, name: Option<&[u8]>) {
    let count = ctx.server.pubsub.of(ctx.session.id).count(namespace);
    ctx.session.pushed_reply = true;
    let out = ctx.out();
    out.push(3);
    out.bulk(confirmation_word(namespace, subscribe));
    match name {
        Some(name) => out.bulk(name),
        None => out.null(),
    }
    out.int(i64::try_from(count).unwrap_or(i64::MAX));
}

fn subscribe_to(ctx: &mut Ctx, namespace: Namespace) -> CmdResult {
    let id = ctx.session.id;
    for index in 1..ctx.argc() {
        let name = Bytes::copy_from_slice(ctx.arg(index));
        ctx.server.pubsub.subscribe(id, namespace, &name);
        let subs = ctx.server.pubsub.of(id);
        update_client_mode(&mut ctx.server.clients, id, &subs);
        confirm(ctx, namespace, true, Some(&name));
    }
    Ok(())
}

fn unsubscribe_from(ctx: &mut Ctx, namespace: Namespace) -> CmdResult {
    let id = ctx.session.id;
    let names: Vec<Bytes> = if ctx.argc() > 1 {
        ctx.argv[1..].to_vec()
    } else {
        let subs = ctx.server.pubsub.of(id);
        match namespace {
            Namespace::Channel => subs.channels,
            Namespace::Pattern => subs.patterns,
            Namespace::Shard => subs.shard_channels,
        }
    };
    if names.is_empty() {
        confirm(ctx, namespace, false, None);
    }
    for name in names {
        ctx.server.pubsub.unsubscribe(id, namespace, &name);
        let subs = ctx.server.pubsub.of(id);
        update_client_mode(&mut ctx.server.clients, id, &subs);
        confirm(ctx, namespace, false, Some(&name));
    }
    Ok(())
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_to(ctx, Namespace::Channel)
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_to(ctx, Namespace::Pattern)
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
pub fn ssubscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_to(ctx, Namespace::Shard)
}

/// UNSUBSCRIBE [channel ...]
pub fn unsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_from(ctx, Namespace::Channel)
}

/// PUNSUBSCRIBE [pattern ...]
pub fn punsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_from(ctx, Namespace::Pattern)
}

/// SUNSUBSCRIBE [shardchannel ...]
pub fn sunsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_from(ctx, Namespace::Shard)
}

fn publish_on(ctx: &mut Ctx, shard: bool) -> CmdResult {
    let (channel, message) = (ctx.arg(1), ctx.arg(2));
    let receivers = ctx.server.pubsub.publish(&mut ctx.server.clients, ctx.session, shard, channel, message);
    // Replicas get PUBLISH too, so their own subscribers receive the message.
    ctx.propagate(ctx.argv.to_vec());
    ctx.out().int(i64::try_from(receivers).unwrap_or(i64::MAX));
    Ok(())
}

/// PUBLISH channel message
pub fn publish(ctx: &mut Ctx) -> CmdResult {
    publish_on(ctx, false)
}

/// SPUBLISH shardchannel message
pub fn spublish(ctx: &mut Ctx) -> CmdResult {
    publish_on(ctx, true)
}

fn reply_channels(ctx: &mut Ctx, namespace: Namespace) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    let pattern = (ctx.argc() == 3).then(|| ctx.arg(2));
    let names = ctx.server.pubsub.active(namespace, pattern);
    ctx.out().bulk_array(names.iter());
    Ok(())
}

fn reply_numsub(ctx: &mut Ctx, namespace: Namespace) -> CmdResult {
    let names = &ctx.argv[2..];
    let counts: Vec<usize> = names.iter().map(|n| ctx.server.pubsub.subscriber_count(namespace, n)).collect();
    let out = ctx.out();
    out.map(names.len());
    for (name, count) in names.iter().zip(counts) {
        out.bulk(name);
        out.int(i64::try_from(count).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern]
pub fn pubsub_channels(ctx: &mut Ctx) -> CmdResult {
    reply_channels(ctx, Namespace::Channel)
}

/// PUBSUB SHARDCHANNELS [pattern]
pub fn pubsub_shardchannels(ctx: &mut Ctx) -> CmdResult {
    reply_channels(ctx, Namespace::Shard)
}

/// PUBSUB NUMSUB [channel ...]
pub fn pubsub_numsub(ctx: &mut Ctx) -> CmdResult {
    reply_numsub(ctx, Namespace::Channel)
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
pub fn pubsub_shardnumsub(ctx: &mut Ctx) -> CmdResult {
    reply_numsub(ctx, Namespace::Shard)
}

/// PUBSUB NUMPAT
pub fn pubsub_numpat(ctx: &mut Ctx) -> CmdResult {
    let count = ctx.server.pubsub.pattern_count();
    ctx.out().int(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// PUBSUB HELP
pub fn pubsub_help(ctx: &mut Ctx) -> CmdResult {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    let out = ctx.out();
    out.array(LINES.len());
    for line in LINES {
        out.simple(line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn subscribe_confirms_and_restricts_resp2() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["SUBSCRIBE", "a", "b"], "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"),
            (&["PSUBSCRIBE", "h*"], "*3\r\n$10\r\npsubscribe\r\n$2\r\nh*\r\n:3\r\n"),
            (&["ECHO", "x"], "-ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"),
            (&["PING"], "*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
            (&["PUNSUBSCRIBE"], "*3\r\n$12\r\npunsubscribe\r\n$2\r\nh*\r\n:2\r\n"),
            (&["UNSUBSCRIBE", "a"], "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"),
            (&["UNSUBSCRIBE"], "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n"),
            (&["UNSUBSCRIBE"], "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
            (&["ECHO", "x"], "$1\r\nx\r\n"),
        ]);
    }

    #[test]
    fn publish_reaches_channel_and_pattern_subscribers_in_resp3() {
        let mut h = Harness::new().resp3();
        h.run(&["SUBSCRIBE", "news"]);
        h.run(&["PSUBSCRIBE", "n*"]);
        let reply = h.run(&["PUBLISH", "news", "hi"]);
        assert_eq!(
            reply,
            ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n:2\r\n"
        );
        h.expect_all(&[
            (&["PUBSUB", "NUMSUB", "news", "other"], "%2\r\n$4\r\nnews\r\n:1\r\n$5\r\nother\r\n:0\r\n"),
            (&["PUBSUB", "NUMPAT"], ":1\r\n"),
            (&["PUBSUB", "CHANNELS", "x*"], "*0\r\n"),
        ]);
    }
}
