//! [`Value`]: the stored value of one directive, and the generic set/print rules of Redis's bool,
//! numeric, enum and string configs (`boolConfigSet`, `numericParseString`, `enumConfigGet`, ...).
//! The bespoke directives live in `special.rs`.

use std::path::PathBuf;

use crate::cstr::{memtoull, string2ll, strtoll_checked};
use crate::kind::{Directive, Kind, NumFmt, MULTI_ARG};
use crate::special;

/// One `client-output-buffer-limit` class: hard and soft limits in bytes, soft limit duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientBufferLimit {
    /// Disconnect as soon as the output buffer exceeds this many bytes (0 = no limit).
    pub hard_bytes: u64,
    /// Disconnect when the buffer stays above this many bytes ...
    pub soft_bytes: u64,
    /// ... for this many seconds.
    pub soft_seconds: i32,
}

/// The stored value of one directive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    /// Numbers; percentages are stored negative, like Redis.
    Num(i128),
    Enum(i32),
    /// `None` means unset (prints as "").
    Str(Option<Vec<u8>>),
    Dir(PathBuf),
    /// (seconds, changes) pairs.
    Save(Vec<(i64, i32)>),
    /// normal, replica, pubsub.
    Obuf([ClientBufferLimit; 3]),
    Oom([i32; 3]),
    Notify(u32),
    Bind(Vec<Vec<u8>>),
    ReplicaOf(Option<(Vec<u8>, u16)>),
    Percentiles(Vec<f64>),
    /// File-only directives: the arguments of each occurrence.
    Lines(Vec<Vec<Vec<u8>>>),
}

/// Where a value comes from: `save` lines in a file accumulate, CONFIG SET replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A config file, stdin or CLI line.
    File,
    /// CONFIG SET.
    Set,
}

/// The default value of a directive (`dir` defaults to the process's working directory).
pub(crate) fn default_value(d: &Directive) -> Value {
    match d.kind {
        Kind::Bool { default, .. } => Value::Bool(default),
        Kind::Num { default, .. } => Value::Num(default),
        Kind::Enum { default, .. } => Value::Enum(default),
        Kind::Str { default, .. } => Value::Str(default.map(|s| s.as_bytes().to_vec())),
        Kind::Special(which) => special::default_value(which),
    }
}

/// Parses `args` for directive `d` (file arguments, or a CONFIG SET value already split); the error is
/// Redis's reason text.
pub(crate) fn set(d: &Directive, current: &Value, args: &[&[u8]], origin: Origin) -> Result<Value, String> {
    let first = args.first().copied().unwrap_or_default();
    match d.kind {
        Kind::Bool { check, .. } => {
            let on = parse_yes_no(first).ok_or("argument must be 'yes' or 'no'")?;
            if let Some(check) = check {
                check(on)?;
            }
            Ok(Value::Bool(on))
        }
        Kind::Num { min, max, unsigned, fmt, .. } => {
            let raw = parse_number(first, fmt)?;
            check_bounds(raw, min, max, unsigned, fmt).map(Value::Num)
        }
        Kind::Enum { values, check, .. } => {
            let value = parse_enum(values, args, d.has(MULTI_ARG))?;
            if let Some(check) = check {
                check(value)?;
            }
            Ok(Value::Enum(value))
        }
        Kind::Str { empty_is_null, check, .. } => {
            if let Some(check) = check {
                check(first)?;
            }
            Ok(Value::Str((!(empty_is_null && first.is_empty())).then(|| first.to_vec())))
        }
        Kind::Special(which) => special::set(which, current, args, origin),
    }
}

/// The value as CONFIG GET prints it.
pub(crate) fn get(d: &Directive, value: &Value) -> String {
    match (d.kind, value) {
        (_, Value::Bool(on)) => yes_no(*on).to_string(),
        (Kind::Num { fmt, .. }, Value::Num(n)) => match fmt {
            NumFmt::MemoryPercent if *n < 0 => format!("{}%", -n),
            NumFmt::Octal => format!("{n:o}"),
            _ => n.to_string(),
        },
        (Kind::Enum { values, .. }, Value::Enum(v)) => {
            enum_name(values, *v, d.has(MULTI_ARG)).unwrap_or_else(|| "unknown".to_string())
        }
        (_, Value::Str(s)) => String::from_utf8_lossy(s.as_deref().unwrap_or_default()).into_owned(),
        (_, other) => special::get(other),
    }
}

/// How Redis prints a bool.
pub(crate) fn yes_no(on: bool) -> &'static str {
    if on {
        "yes"
    } else {
        "no"
    }
}

/// Redis `yesnotoi`.
pub(crate) fn parse_yes_no(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// Redis `numericParseString`: memory, then percent, then octal, then plain decimal. Memory values come
/// back as unsigned (0..=u64::MAX), the rest as `i64`.
fn parse_number(arg: &[u8], fmt: NumFmt) -> Result<i128, String> {
    let memory = matches!(fmt, NumFmt::Memory | NumFmt::MemoryPercent);
    if memory {
        if let Some(v) = memtoull(arg) {
            return Ok(i128::from(v));
        }
    }
    if fmt == NumFmt::MemoryPercent && arg.len() > 1 && arg.last() == Some(&b'%') {
        if let Some(p) = string2ll(&arg[..arg.len() - 1]).filter(|p| *p >= 0) {
            return Ok(-i128::from(p));
        }
    }
    if fmt == NumFmt::Octal {
        if let Some(v) = strtoll_checked(arg, 8) {
            return Ok(i128::from(v));
        }
    }
    if fmt == NumFmt::Int {
        if let Some(v) = string2ll(arg) {
            return Ok(i128::from(v));
        }
    }
    Err(match fmt {
        NumFmt::MemoryPercent => "argument must be a memory or percent value",
        NumFmt::Memory => "argument must be a memory value",
        NumFmt::Octal => "argument couldn't be parsed as an octal number",
        NumFmt::Int => "argument couldn't be parsed into an integer",
    }
    .to_string())
}

/// Redis `numericBoundaryCheck`, including its C casts: unsigned types compare as `unsigned long long`,
/// signed ones as `long long` (so a huge memory value wraps negative and fails the lower bound).
fn check_bounds(raw: i128, min: i128, max: i128, unsigned: bool, fmt: NumFmt) -> Result<i128, String> {
    if unsigned {
        let value = i128::from(if raw < 0 { raw as i64 as u64 } else { raw as u64 });
        if value > max || value < min {
            return Err(if fmt == NumFmt::Octal {
                format!("argument must be between {min:o} and {max:o} inclusive")
            } else {
                format!("argument must be between {min} and {max} inclusive")
            });
        }
        return Ok(value);
    }
    let value = i128::from(raw as u64 as i64);
    if fmt == NumFmt::MemoryPercent && value < 0 {
        if value < min {
            return Err(format!("percentage argument must be less or equal to {}", -min));
        }
    } else if value > max || value < min {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(value)
}

/// Redis `configEnumGetValue`: one name, or (for MULTI_ARG enums) several names OR-ed together.
fn parse_enum(values: &[(&str, i32)], args: &[&[u8]], bitflags: bool) -> Result<i32, String> {
    let find = |arg: &[u8]| values.iter().find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(arg));
    let parsed = if bitflags {
        if args.is_empty() {
            None
        } else {
            args.iter().try_fold(0, |acc, arg| find(arg).map(|(_, v)| acc | v))
        }
    } else {
        args.first().and_then(|arg| find(arg)).map(|(_, v)| *v)
    };
    parsed.ok_or_else(|| {
        let names: Vec<&str> = values.iter().map(|(name, _)| *name).collect();
        let mut text = format!("argument(s) must be one of the following: {}", names.join(", "));
        text.truncate(255);
        text
    })
}

/// Redis `configEnumGetName`: the exact match, or for bit flags the names of the set bits.
pub(crate) fn enum_name(values: &[(&str, i32)], value: i32, bitflags: bool) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for (name, v) in values {
        if *v == value {
            return Some((*name).to_string());
        }
        if bitflags && *v != 0 && *v == unmatched & v {
            names.push(name);
            unmatched &= !v;
        }
    }
    (!names.is_empty() && unmatched == 0).then(|| names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::lookup;

    fn set_one(name: &str, arg: &str) -> Result<String, String> {
        let (index, _) = lookup(name.as_bytes()).unwrap();
        let d = &crate::table::DIRECTIVES[index];
        set(d, &default_value(d), &[arg.as_bytes()], Origin::Set).map(|v| get(d, &v))
    }

    #[test]
    fn generic_kinds_parse_and_print_like_redis() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("appendonly", "YES", Ok("yes")),
            ("appendonly", "maybe", Err("argument must be 'yes' or 'no'")),
            ("port", "6380", Ok("6380")),
            ("port", "abc", Err("argument couldn't be parsed into an integer")),
            ("port", "70000", Err("argument must be between 0 and 65535 inclusive")),
            ("maxmemory", "1gb", Ok("1073741824")),
            ("maxmemory", "-1", Err("argument must be a memory value")),
            ("maxmemory", "18446744073709551615", Ok("18446744073709551615")),
            ("maxclients", "-1", Err("argument must be between 1 and 4294967295 inclusive")),
            ("slowlog-max-len", "-1", Err("argument must be between 0 and 9223372036854775807 inclusive")),
            (
                "proto-max-bulk-len",
                "9223372036854775808",
                Err("argument must be between 1048576 and 9223372036854775807 inclusive"),
            ),
            ("maxmemory-clients", "10%", Ok("10%")),
            ("maxmemory-clients", "200%", Err("percentage argument must be less or equal to 100")),
            ("maxmemory-clients", "-5", Err("argument must be a memory or percent value")),
            ("unixsocketperm", "700", Ok("700")),
            ("unixsocketperm", "1000", Err("argument must be between 0 and 777 inclusive")),
            ("unixsocketperm", "9", Err("argument couldn't be parsed as an octal number")),
            ("loglevel", "WARNING", Ok("warning")),
            ("loglevel", "foo", Err("argument(s) must be one of the following: debug, verbose, notice, warning")),
            ("oom-score-adj", "relative", Ok("yes")),
            ("requirepass", "", Ok("")),
            ("dbfilename", "a/b", Err("dbfilename can't be a path, just a filename")),
        ];
        for (name, arg, want) in cases {
            let got = set_one(name, arg);
            assert_eq!(got.as_deref(), want.map_err(|e| e.to_string()).as_deref(), "{name} {arg}");
        }
    }

    #[test]
    fn bit_flag_enums_combine_and_print_in_table_order() {
        let (index, _) = lookup(b"shutdown-on-sigint").unwrap();
        let d = &crate::table::DIRECTIVES[index];
        let parse = |args: &[&[u8]]| set(d, &default_value(d), args, Origin::Set).map(|v| get(d, &v));
        assert_eq!(parse(&[b"now", b"save"]), Ok("save now".to_string()));
        assert_eq!(parse(&[b"force", b"now", b"nosave"]), Ok("nosave now force".to_string()));
        assert_eq!(parse(&[b"default", b"now"]), Ok("now".to_string()));
        assert_eq!(parse(&[b"default"]), Ok("default".to_string()));
        assert!(parse(&[]).is_err());
        assert_eq!(
            parse(&[b"save", b"nosave"]),
            Err("shutdown options SAVE and NOSAVE can't be used simultaneously".to_string())
        );
    }
}
