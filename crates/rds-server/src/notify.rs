//! Keyspace notifications (`notify-keyspace-events`): events published on `__keyspace@<db>__:<key>`
//! and `__keyevent@<db>__:<event>`, exactly as Redis names them.

use crate::client::Session;
use crate::state::ServerState;

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired events.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted events.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: key misses (not part of `A`).
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: new keys (not part of `A`).
pub const NEW: u32 = 1 << 13;
/// `A`: alias for `g$lshzxetd`.
pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses the `notify-keyspace-events` value; `None` for an unknown class character.
pub fn parse_flags(classes: &str) -> Option<u32> {
    let mut flags = 0;
    for c in classes.chars() {
        flags |= match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Publishes the `event` of `class` on `key` of `db`, if the configuration asks for it.
pub fn notify(server: &mut ServerState, session: &mut Session, class: u32, event: &str, key: &[u8], db: usize) {
    let flags = server.settings.notify_flags;
    if flags & class == 0 || flags & (KEYSPACE | KEYEVENT) == 0 {
        return;
    }
    if flags & KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        server.pubsub.publish(&mut server.clients, session, false, &channel, event.as_bytes());
    }
    if flags & KEYEVENT != 0 {
        let channel = format!("__keyevent@{db}__:{event}");
        server.pubsub.publish(&mut server.clients, session, false, channel.as_bytes(), key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_classes_like_redis() {
        assert_eq!(parse_flags(""), Some(0));
        assert_eq!(parse_flags("KEA"), Some(KEYSPACE | KEYEVENT | ALL));
        assert_eq!(parse_flags("Kx"), Some(KEYSPACE | EXPIRED));
        assert_eq!(parse_flags("Q"), None);
        assert_eq!(parse_flags("A").map(|f| f & (KEY_MISS | NEW)), Some(0));
    }
}

#[cfg(test)]
mod event_tests {
    use crate::testing::Harness;
    use rds_config::Config;

    fn harness(classes: &str) -> Harness {
        let args = ["--notify-keyspace-events".to_string(), classes.to_string()];
        Harness::with_config(Config::load(None, &args).unwrap()).resp3()
    }

    #[test]
    fn new_keys_and_misses_are_published() {
        let mut h = harness("Enm");
        h.run(&["SUBSCRIBE", "__keyevent@0__:new", "__keyevent@0__:keymiss"]);
        assert_eq!(h.run(&["SET", "k", "v"]), ">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$1\r\nk\r\n+OK\r\n");
        assert_eq!(h.run(&["SET", "k", "w"]), "+OK\r\n");
        assert_eq!(
            h.run(&["GET", "nokey"]),
            ">3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:keymiss\r\n$5\r\nnokey\r\n_\r\n"
        );
    }
}
