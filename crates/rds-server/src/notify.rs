//! Keyspace notifications (`notify-keyspace-events`): events published on `__keyspace@<db>__:<key>`
//! and `__keyevent@<db>__:<event>`, exactly as Redis names them.

use crate::client::Session;
use crate::state::ServerState;

// The class bits and their letters are the config crate's, which parses and prints the directive.
pub use rds_config::notify::{
    ALL, EVICTED, EXPIRED, GENERIC, HASH, KEYEVENT, KEYSPACE, KEY_MISS, LIST, MODULE, NEW, SET, STREAM, STRING, ZSET,
};

/// Parses the `notify-keyspace-events` value; `None` for an unknown class character.
pub fn parse_flags(classes: &str) -> Option<u32> {
    rds_config::notify::parse(classes.as_bytes())
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
