//! REPLCONF `<option> <value> ...`: parsing with Redis 7.0's rules and error texts.
//!
//! Options take effect in order; an error stops the command but earlier options stay applied, and
//! `ACK` / `GETACK` end the command without a reply, so [`parse`] returns what to apply and how the
//! command ends.

/// One option to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplconfOption {
    /// `listening-port <n>`.
    ListeningPort(i64),
    /// `ip-address <ip>`.
    IpAddress(Vec<u8>),
    /// `capa eof`.
    CapaEof,
    /// `capa psync2`.
    CapaPsync2,
    /// `rdb-only <0|1>`.
    RdbOnly(bool),
    /// `rdb-filter-only <filters>`: true when the RDB should carry only functions (no keys).
    RdbFilterOnly {
        /// Keep functions.
        functions: bool,
    },
}

/// How a REPLCONF command ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// All options applied: reply `+OK`.
    Ok,
    /// Reply this error (without the leading `-`); the options before it are applied.
    Error(String),
    /// `ack <offset> [fack <aofoffset>]`: no reply. `None` when the offset is not an integer (ignored).
    Ack(Option<i64>),
    /// `getack *`: no reply; a replica answers its master with `REPLCONF ACK`.
    GetAck,
}

/// Redis's `string2ll`: optional `-`, no leading zeros, no spaces, must fit in an i64.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || negative) {
        return None;
    }
    let magnitude = digits.iter().try_fold(0u64, |acc, d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses the arguments after `REPLCONF`.
pub fn parse(args: &[&[u8]]) -> (Vec<ReplconfOption>, Ending) {
    let mut options = Vec::new();
    if args.len() % 2 == 1 {
        return (options, Ending::Error("ERR syntax error".to_string()));
    }
    for (index, pair) in args.chunks_exact(2).enumerate() {
        let (name, value) = (pair[0], pair[1]);
        let is = |word: &str| name.eq_ignore_ascii_case(word.as_bytes());
        let option = if is("listening-port") {
            match parse_i64(value) {
                Some(port) => ReplconfOption::ListeningPort(port),
                None => return (options, not_integer()),
            }
        } else if is("ip-address") {
            if value.len() >= 256 {
                let text =
                    format!("ERR REPLCONF ip-address provided by replica instance is too long: {} bytes", value.len());
                return (options, Ending::Error(text));
            }
            ReplconfOption::IpAddress(value.to_vec())
        } else if is("capa") {
            if value.eq_ignore_ascii_case(b"eof") {
                ReplconfOption::CapaEof
            } else if value.eq_ignore_ascii_case(b"psync2") {
                ReplconfOption::CapaPsync2
            } else {
                continue;
            }
        } else if is("ack") {
            // `ack <offset> fack <aofoffset>`: a 7.0 master reads the first pair only.
            let _fack = args.get(index * 2 + 2).is_some_and(|w| w.eq_ignore_ascii_case(b"fack"));
            return (options, Ending::Ack(parse_i64(value)));
        } else if is("getack") {
            return (options, Ending::GetAck);
        } else if is("rdb-only") {
            match parse_i64(value) {
                Some(flag @ 0..=1) => ReplconfOption::RdbOnly(flag == 1),
                Some(_) => {
                    return (
                        options,
                        Ending::Error("ERR value is out of range, value must between 0 and 1".to_string()),
                    )
                }
                None => return (options, not_integer()),
            }
        } else if is("rdb-filter-only") {
            match parse_filters(value) {
                Ok(functions) => ReplconfOption::RdbFilterOnly { functions },
                Err(error) => return (options, Ending::Error(error)),
            }
        } else {
            let text = format!("ERR Unrecognized REPLCONF option: {}", c_string(name));
            return (options, Ending::Error(text));
        };
        options.push(option);
    }
    (options, Ending::Ok)
}

fn not_integer() -> Ending {
    Ending::Error("ERR value is not an integer or out of range".to_string())
}

/// `rdb-filter-only` words (split like `sdssplitargs`): only `functions` is known.
fn parse_filters(value: &[u8]) -> Result<bool, String> {
    let words = split_words(value).ok_or_else(|| "ERR Missing rdb-filter-only values".to_string())?;
    let mut functions = false;
    for word in words {
        if word.eq_ignore_ascii_case(b"functions") {
            functions = true;
        } else {
            return Err(format!("ERR Unsupported rdb-filter-only option: {}", c_string(&word)));
        }
    }
    Ok(functions)
}

/// Whitespace-separated words with double or single quotes; `None` on unbalanced quotes.
fn split_words(value: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut rest = value;
    loop {
        while let Some((first, tail)) = rest.split_first() {
            if !first.is_ascii_whitespace() {
                break;
            }
            rest = tail;
        }
        let Some(&first) = rest.first() else { return Some(words) };
        let mut word = Vec::new();
        if first == b'"' || first == b'\'' {
            let end = rest[1..].iter().position(|&b| b == first)?;
            word.extend_from_slice(&rest[1..1 + end]);
            rest = &rest[end + 2..];
            if rest.first().is_some_and(|b| !b.is_ascii_whitespace()) {
                return None;
            }
        } else {
            let end = rest.iter().position(u8::is_ascii_whitespace).unwrap_or(rest.len());
            word.extend_from_slice(&rest[..end]);
            rest = &rest[end..];
        }
        words.push(word);
    }
}

/// C's `%s`: stops at a NUL byte.
fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(words: &[&str]) -> (Vec<ReplconfOption>, Ending) {
        let args: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        parse(&args)
    }

    fn error(text: &str) -> Ending {
        Ending::Error(text.to_string())
    }

    #[test]
    fn replies_like_redis() {
        assert_eq!(run(&[]), (vec![], Ending::Ok));
        assert_eq!(run(&["a"]).1, error("ERR syntax error"));
        assert_eq!(run(&["foo", "bar"]).1, error("ERR Unrecognized REPLCONF option: foo"));
        assert_eq!(run(&["listening-port", "abc"]).1, error("ERR value is not an integer or out of range"));
        assert_eq!(run(&["listening-port", "-5"]), (vec![ReplconfOption::ListeningPort(-5)], Ending::Ok));
        assert_eq!(
            run(&["capa", "eof", "capa", "psync2", "CAPA", "zzz"]),
            (vec![ReplconfOption::CapaEof, ReplconfOption::CapaPsync2], Ending::Ok)
        );
        assert_eq!(run(&["ack", "10"]).1, Ending::Ack(Some(10)));
        assert_eq!(run(&["ACK", "abc"]).1, Ending::Ack(None));
        assert_eq!(run(&["ack", "10", "fack", "3"]).1, Ending::Ack(Some(10)));
        assert_eq!(run(&["getack", "*"]).1, Ending::GetAck);
        assert_eq!(run(&["rdb-only", "2"]).1, error("ERR value is out of range, value must between 0 and 1"));
        assert_eq!(run(&["rdb-only", "x"]).1, error("ERR value is not an integer or out of range"));
        assert_eq!(run(&["rdb-only", "1"]).0, vec![ReplconfOption::RdbOnly(true)]);
        assert_eq!(run(&["rdb-filter-only", "functions"]).0, vec![ReplconfOption::RdbFilterOnly { functions: true }]);
        assert_eq!(run(&["rdb-filter-only", ""]).0, vec![ReplconfOption::RdbFilterOnly { functions: false }]);
        assert_eq!(run(&["rdb-filter-only", "foo"]).1, error("ERR Unsupported rdb-filter-only option: foo"));
        assert_eq!(run(&["rdb-filter-only", "\"x"]).1, error("ERR Missing rdb-filter-only values"));
        let long = "x".repeat(256);
        assert_eq!(
            run(&["ip-address", &long]).1,
            error("ERR REPLCONF ip-address provided by replica instance is too long: 256 bytes")
        );
        let (applied, ending) = run(&["listening-port", "7", "bad", "x"]);
        assert_eq!(applied, vec![ReplconfOption::ListeningPort(7)]);
        assert_eq!(ending, error("ERR Unrecognized REPLCONF option: bad"));
    }

    #[test]
    fn parses_integers_like_string2ll() {
        for (text, value) in [("0", Some(0)), ("-1", Some(-1)), ("01", None), ("-0", None), ("+1", None), ("", None)] {
            assert_eq!(parse_i64(text.as_bytes()), value, "{text}");
        }
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b" 1"), None);
    }
}
