//! Keyspace-notification flag bits and letters (`notify-keyspace-events`), parsed and printed like
//! Redis's `keyspaceEventsStringToFlags` / `keyspaceEventsFlagsToString`.

/// `K`: `__keyspace@<db>__` channel.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: `__keyevent@<db>__` channel.
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
/// `z`: sorted-set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired events.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted events.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: key-miss events.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key-type events.
pub const MODULE: u32 = 1 << 13;
/// `n`: new-key events.
pub const NEW: u32 = 1 << 14;
/// `A`: alias for `g$lshzxetd`.
pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// The letters inside `A`, in print order.
pub(crate) const CLASSES: [(u8, u32); 11] = [
    (b'g', GENERIC),
    (b'$', STRING),
    (b'l', LIST),
    (b's', SET),
    (b'h', HASH),
    (b'z', ZSET),
    (b'x', EXPIRED),
    (b'e', EVICTED),
    (b't', STREAM),
    (b'd', MODULE),
    (b'n', NEW),
];

/// Redis `keyspaceEventsStringToFlags`; `None` on an unknown letter.
pub fn parse(classes: &[u8]) -> Option<u32> {
    classes.iter().try_fold(0, |flags, &c| {
        let bit = match c {
            b'A' => ALL,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b'm' => KEY_MISS,
            _ => CLASSES.iter().find(|(letter, _)| *letter == c)?.1,
        };
        Some(flags | bit)
    })
}

/// Redis `keyspaceEventsFlagsToString`: `A` or the class letters, then `K`, `E`, `m`.
pub fn format(flags: u32) -> String {
    let mut out = String::new();
    if flags & ALL == ALL {
        out.push('A');
    } else {
        for (letter, bit) in CLASSES {
            if flags & bit != 0 {
                out.push(char::from(letter));
            }
        }
    }
    for (letter, bit) in [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS)] {
        if flags & bit != 0 {
            out.push(letter);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_in_canonical_order() {
        let cases = [("KEA", "AKE"), ("Exg", "gxE"), ("An", "A"), ("mK", "Km"), ("$g", "g$"), ("", "")];
        for (input, want) in cases {
            assert_eq!(parse(input.as_bytes()).map(format).as_deref(), Some(want), "{input}");
        }
        assert_eq!(parse(b"Q"), None);
        assert_eq!(parse(b"g$lshzxetd"), Some(ALL));
    }
}
