//! The differential script format of `tests/diff/*.txt`, and how two replies are compared.
//!
//! One command per line, split with `sdssplitargs` rules (quotes, `\xHH` escapes), `#` starts a
//! comment line. A line may start with a comparison prefix for replies that are not deterministic:
//!
//! - `~ CMD`: same *shape*: types, aggregate lengths and map keys, error codes; values are ignored
//!   (TIME, INFO, CLIENT LIST, HELLO's id ...).
//! - `? CMD`: same reply type (first byte) only (COMMAND, whose length depends on the command set).
//! - `% CMD`: same elements in any order, at every nesting level (KEYS, SCAN, CONFIG GET patterns).
//! - `@ CMD`: same INFO field names and section headers (in any order); values are ignored.
//! - `@[name,name] CMD`: as `@`, and the values of the named fields must be equal too (the fields
//!   whose values are deterministic: `role`, `rdb_bgsave_in_progress`, ...).
//!
//! Directive lines:
//!
//! - `!resp3`: run the whole file a second time after `HELLO 3`.
//! - `!needs CMD ...`: the file uses commands that may not be in rds's command table yet; the runner
//!   skips the file until they all are.
//! - `!sleep MS`: pause, for expiry checks.
//! - `!reconnect`: replace the connection (after QUIT, to drop per-connection state, ...).
//! - `!noreply CMD`: send without reading a reply (CLIENT REPLY OFF/SKIP).
//! - `!read`: read one more reply without sending anything (a second SUBSCRIBE reply, a message).
//! - `!conn NAME`: make the named connection current, opening it on first use; `main` is the first
//!   one. Lets a script publish on one connection and read the message on another.
//! - `!close CMD`: send, then read until the server closes; the bytes received must match (QUIT).
//! - `!raw "bytes"`: send the (escaped, quoted) bytes as they are and compare one reply.
//! - `!rawclose "bytes"`: send the bytes, then read until the server closes (protocol errors).

use std::time::Duration;

use anyhow::{bail, Context};
use bytes::BytesMut;
use rds_resp::inline::split_args;
use rds_resp::Frame;

use crate::client::parse_reply;

/// How two replies to the same step are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// Same shape: see [`shape`].
    Shape,
    /// Same first byte (RESP type).
    Type,
    /// Same elements, ignoring order at every level.
    Unordered,
    /// Same INFO-style `name:value` field names and `# Section` headers, in any order, and equal
    /// values for the fields listed.
    Fields(Vec<String>),
}

/// What one script line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send a command, read one reply.
    Command(Vec<Vec<u8>>),
    /// Send a command, read nothing.
    NoReply(Vec<Vec<u8>>),
    /// Read one reply, send nothing.
    Read,
    /// Switch to the named connection.
    Switch(String),
    /// Send a command, read until the connection closes.
    Close(Vec<Vec<u8>>),
    /// Send raw bytes, read one reply.
    Raw(Vec<u8>),
    /// Send raw bytes, read until the connection closes.
    RawClose(Vec<u8>),
    /// Pause.
    Sleep(Duration),
    /// Open a fresh connection.
    Reconnect,
}

/// One executable line of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based line number in the file.
    pub line: usize,
    /// The line as written (for reports).
    pub text: String,
    /// What to do.
    pub action: Action,
    /// How to compare the replies.
    pub compare: Compare,
}

/// A parsed script file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The file name, for reports.
    pub name: String,
    /// Whether the file also runs in RESP3.
    pub resp3: bool,
    /// Commands (lower case) that must be in the command table for the file to run.
    pub needs: Vec<String>,
    /// The executable lines, in order.
    pub steps: Vec<Step>,
}

impl Script {
    /// The commands the script sends, as argument vectors (for coverage checks).
    pub fn commands(&self) -> impl Iterator<Item = &Vec<Vec<u8>>> {
        self.steps.iter().filter_map(|step| match &step.action {
            Action::Command(argv) | Action::NoReply(argv) | Action::Close(argv) => Some(argv),
            _ => None,
        })
    }
}

fn split_command(line: usize, text: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let argv = split_args(text.as_bytes()).with_context(|| format!("line {line}: unbalanced quotes"))?;
    if argv.is_empty() {
        bail!("line {line}: empty command");
    }
    Ok(argv)
}

fn parse_directive(line: usize, text: &str) -> anyhow::Result<Option<Action>> {
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    Ok(Some(match word {
        "!resp3" => return Ok(None),
        "!sleep" => {
            let ms: u64 = rest.parse().with_context(|| format!("line {line}: !sleep needs milliseconds"))?;
            Action::Sleep(Duration::from_millis(ms))
        }
        "!reconnect" => Action::Reconnect,
        "!read" => Action::Read,
        "!conn" if !rest.is_empty() && !rest.contains(char::is_whitespace) => Action::Switch(rest.to_string()),
        "!noreply" => Action::NoReply(split_command(line, rest)?),
        "!close" => Action::Close(split_command(line, rest)?),
        "!raw" | "!rawclose" => {
            let parts = split_args(rest.as_bytes()).with_context(|| format!("line {line}: unbalanced quotes"))?;
            match <[Vec<u8>; 1]>::try_from(parts) {
                Ok([bytes]) if word == "!raw" => Action::Raw(bytes),
                Ok([bytes]) => Action::RawClose(bytes),
                Err(_) => bail!("line {line}: {word} takes one quoted argument"),
            }
        }
        other => bail!("line {line}: unknown directive {other}"),
    }))
}

/// Parses the text of a script file.
pub fn parse_script(name: &str, text: &str) -> anyhow::Result<Script> {
    let mut script = Script { name: name.to_string(), resp3: false, needs: Vec::new(), steps: Vec::new() };
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw_line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (compare, rest) = match trimmed.split_at_checked(2) {
            Some(("~ ", rest)) => (Compare::Shape, rest),
            Some(("? ", rest)) => (Compare::Type, rest),
            Some(("% ", rest)) => (Compare::Unordered, rest),
            Some(("@ ", rest)) => (Compare::Fields(Vec::new()), rest),
            Some(("@[", rest)) => {
                let (names, rest) = rest.split_once("] ").with_context(|| format!("line {line}: unclosed @["))?;
                (Compare::Fields(names.split(',').map(|name| name.trim().to_string()).collect()), rest)
            }
            _ => (Compare::Exact, trimmed),
        };
        if let Some(commands) = rest.strip_prefix("!needs ") {
            script.needs.extend(commands.split_whitespace().map(str::to_lowercase));
            continue;
        }
        let action = if rest.starts_with('!') {
            match parse_directive(line, rest).with_context(|| name.to_string())? {
                Some(action) => action,
                None => {
                    script.resp3 = true;
                    continue;
                }
            }
        } else {
            Action::Command(split_command(line, rest).with_context(|| name.to_string())?)
        };
        script.steps.push(Step { line, text: trimmed.to_string(), action, compare });
    }
    Ok(script)
}

/// Whether two raw replies agree under `compare`.
pub fn replies_match(compare: &Compare, ours: &[u8], theirs: &[u8]) -> bool {
    match compare {
        Compare::Exact => ours == theirs,
        Compare::Type => ours.first() == theirs.first(),
        Compare::Shape => match (parse_reply(ours), parse_reply(theirs)) {
            (Ok(a), Ok(b)) => ours.first() == theirs.first() && shape(&a) == shape(&b),
            _ => ours == theirs,
        },
        Compare::Unordered => match (parse_reply(ours), parse_reply(theirs)) {
            (Ok(a), Ok(b)) => ours.first() == theirs.first() && canonical(&a) == canonical(&b),
            _ => ours == theirs,
        },
        Compare::Fields(values) => match (parse_reply(ours), parse_reply(theirs)) {
            (Ok(a), Ok(b)) => ours.first() == theirs.first() && info_fields(&a, values) == info_fields(&b, values),
            _ => ours == theirs,
        },
    }
}

/// The sorted field names and section headers of an INFO-style text reply, with `name:value` kept whole
/// for the fields in `values` (`None` for other replies).
pub fn info_fields(frame: &Frame, values: &[String]) -> Option<Vec<String>> {
    let text = match frame {
        Frame::Bulk(text) | Frame::Verbatim(_, text) => String::from_utf8_lossy(text).into_owned(),
        _ => return None,
    };
    let mut fields: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once(':') {
            Some((name, _)) if !values.iter().any(|v| v == name) => name,
            _ => line,
        })
        .map(str::to_string)
        .collect();
    fields.sort();
    Some(fields)
}

/// A reply's structure without its values: types, aggregate lengths, map keys and error codes.
pub fn shape(frame: &Frame) -> String {
    let list = |prefix: &str, items: &[Frame]| {
        let inner: Vec<String> = items.iter().map(shape).collect();
        format!("{prefix}{}[{}]", items.len(), inner.join(","))
    };
    match frame {
        Frame::Simple(_) => "+".into(),
        Frame::Error(text) | Frame::BlobError(text) => {
            let code = text.split(|&b| b == b' ').next().unwrap_or_default();
            format!("-{}", String::from_utf8_lossy(code))
        }
        Frame::Integer(_) => ":".into(),
        Frame::Bulk(_) => "$".into(),
        Frame::Null => "null".into(),
        Frame::Double(_) => ",".into(),
        Frame::Boolean(_) => "#".into(),
        Frame::BigNumber(_) => "(".into(),
        Frame::Verbatim(format, _) => format!("={}", String::from_utf8_lossy(format)),
        Frame::Array(items) => list("*", items),
        Frame::Set(items) => list("~", items),
        Frame::Push(items) => list(">", items),
        Frame::Map(pairs) => {
            let inner: Vec<String> = pairs
                .iter()
                .map(|(key, value)| {
                    let key = match key.as_bytes() {
                        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                        None => shape(key),
                    };
                    format!("{key}:{}", shape(value))
                })
                .collect();
            format!("%{}{{{}}}", pairs.len(), inner.join(","))
        }
    }
}

fn encoded(frame: &Frame) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frame.encode(&mut buf);
    buf.to_vec()
}

/// The reply re-encoded with the elements of every aggregate sorted, so order does not matter.
pub fn canonical(frame: &Frame) -> Vec<u8> {
    let sorted = |prefix: &str, items: &[Frame]| {
        let mut parts: Vec<Vec<u8>> = items.iter().map(canonical).collect();
        parts.sort();
        let mut out = format!("{prefix}{}\r\n", items.len()).into_bytes();
        parts.iter().for_each(|p| out.extend_from_slice(p));
        out
    };
    match frame {
        Frame::Array(items) => sorted("*", items),
        Frame::Set(items) => sorted("~", items),
        Frame::Push(items) => sorted(">", items),
        Frame::Map(pairs) => {
            let mut parts: Vec<Vec<u8>> = pairs
                .iter()
                .map(|(key, value)| {
                    let mut pair = canonical(key);
                    pair.extend_from_slice(&canonical(value));
                    pair
                })
                .collect();
            parts.sort();
            let mut out = format!("%{}\r\n", pairs.len()).into_bytes();
            parts.iter().for_each(|p| out.extend_from_slice(p));
            out
        }
        other => encoded(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_prefixes_and_directives() {
        let text = "# comment\n!resp3\n!needs LPUSH sadd\nSET k \"a b\\x00\"\n~ TIME\n? COMMAND\n% KEYS *\n!sleep 5\n!reconnect\n\
                    !noreply CLIENT REPLY OFF\n!close QUIT\n!raw \"PING\\r\\n\"\n!rawclose \"*x\"\n!read\n!conn pub\n";
        let script = parse_script("t.txt", text).unwrap();
        assert!(script.resp3);
        assert_eq!(script.needs, vec!["lpush".to_string(), "sadd".to_string()]);
        let actions: Vec<(usize, Action, Compare)> =
            script.steps.iter().map(|s| (s.line, s.action.clone(), s.compare.clone())).collect();
        let argv = |words: &[&[u8]]| words.iter().map(|w| w.to_vec()).collect::<Vec<_>>();
        assert_eq!(
            actions,
            vec![
                (4, Action::Command(argv(&[b"SET", b"k", b"a b\x00"])), Compare::Exact),
                (5, Action::Command(argv(&[b"TIME"])), Compare::Shape),
                (6, Action::Command(argv(&[b"COMMAND"])), Compare::Type),
                (7, Action::Command(argv(&[b"KEYS", b"*"])), Compare::Unordered),
                (8, Action::Sleep(Duration::from_millis(5)), Compare::Exact),
                (9, Action::Reconnect, Compare::Exact),
                (10, Action::NoReply(argv(&[b"CLIENT", b"REPLY", b"OFF"])), Compare::Exact),
                (11, Action::Close(argv(&[b"QUIT"])), Compare::Exact),
                (12, Action::Raw(b"PING\r\n".to_vec()), Compare::Exact),
                (13, Action::RawClose(b"*x".to_vec()), Compare::Exact),
                (14, Action::Read, Compare::Exact),
                (15, Action::Switch("pub".to_string()), Compare::Exact),
            ]
        );
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(parse_script("t", "SET \"k").is_err());
        assert!(parse_script("t", "!bogus").is_err());
        assert!(parse_script("t", "!sleep soon").is_err());
        assert!(parse_script("t", "!conn").is_err());
        assert!(parse_script("t", "!conn a b").is_err());
    }

    #[test]
    fn compares_by_mode() {
        assert!(replies_match(&Compare::Exact, b"+OK\r\n", b"+OK\r\n"));
        assert!(!replies_match(&Compare::Exact, b"$-1\r\n", b"*-1\r\n"));
        assert!(replies_match(&Compare::Shape, b"*2\r\n$2\r\n10\r\n$1\r\n5\r\n", b"*2\r\n$1\r\n9\r\n$2\r\n77\r\n"));
        assert!(!replies_match(&Compare::Shape, b"*1\r\n$1\r\n1\r\n", b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"));
        assert!(!replies_match(&Compare::Shape, b"-ERR a\r\n", b"-WRONGTYPE a\r\n"));
        assert!(replies_match(&Compare::Type, b":1\r\n", b":2\r\n"));
        assert!(replies_match(&Compare::Unordered, b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"));
        assert!(!replies_match(&Compare::Unordered, b"*2\r\n$1\r\na\r\n$1\r\na\r\n", b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"));
        let bulk = |text: &str| format!("${}\r\n{text}\r\n", text.len()).into_bytes();
        assert!(replies_match(
            &Compare::Fields(vec![]),
            &bulk("# S\r\na:1\r\nb:22\r\n"),
            &bulk("# S\r\nb:3\r\na:4\r\n")
        ));
        assert!(!replies_match(&Compare::Fields(vec![]), &bulk("# S\r\na:1\r\n"), &bulk("# S\r\nc:1\r\n")));
        assert!(!replies_match(&Compare::Fields(vec![]), &bulk("# S\r\na:1\r\n"), &bulk("# T\r\na:1\r\n")));
        let role = Compare::Fields(vec!["role".to_string()]);
        assert!(replies_match(&role, &bulk("role:master\r\nx:1\r\n"), &bulk("role:master\r\nx:2\r\n")));
        assert!(!replies_match(&role, &bulk("role:master\r\nx:1\r\n"), &bulk("role:slave\r\nx:1\r\n")));
        let parsed = parse_script("t", "@[role, x] INFO replication").unwrap();
        assert_eq!(parsed.steps[0].compare, Compare::Fields(vec!["role".to_string(), "x".to_string()]));
        assert!(parse_script("t", "@[role INFO").is_err());
    }
}
