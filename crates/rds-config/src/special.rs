//! The bespoke directives (Redis `createSpecialConfig`): `dir`, `save`, `client-output-buffer-limit`,
//! `oom-score-adj-values`, `notify-keyspace-events`, `bind`, `replicaof`,
//! `latency-tracking-info-percentiles`, plus the file-only ones, which only collect their lines.

use std::path::{Path, PathBuf};

use crate::cstr::{format_double, memtoull, string2d, strtoll_full};
use crate::error::strerror;
use crate::kind::Special;
use crate::notify;
use crate::value::{ClientBufferLimit, Origin, Value};

/// Redis's default `save` points.
pub(crate) const DEFAULT_SAVE: [(i64, i32); 3] = [(3600, 1), (300, 100), (60, 10000)];

/// Redis's default output buffer limits: normal, replica, pubsub.
pub(crate) const DEFAULT_OBUF: [ClientBufferLimit; 3] = [
    ClientBufferLimit { hard_bytes: 0, soft_bytes: 0, soft_seconds: 0 },
    ClientBufferLimit { hard_bytes: 256 << 20, soft_bytes: 64 << 20, soft_seconds: 60 },
    ClientBufferLimit { hard_bytes: 32 << 20, soft_bytes: 8 << 20, soft_seconds: 60 },
];

/// Redis's default `oom-score-adj-values`.
pub(crate) const DEFAULT_OOM: [i32; 3] = [0, 200, 800];

/// Redis's default `bind`.
pub(crate) const DEFAULT_BIND: [&str; 2] = ["*", "-::*"];

/// Redis's default `latency-tracking-info-percentiles`.
pub(crate) const DEFAULT_PERCENTILES: [f64; 3] = [50.0, 99.0, 99.9];

/// Class names as CONFIG GET prints them.
pub(crate) const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

const WRONG_ARGS: &str = "wrong number of arguments";

/// The default value of a bespoke directive.
pub(crate) fn default_value(which: Special) -> Value {
    match which {
        Special::Dir => Value::Dir(std::env::current_dir().unwrap_or_default()),
        Special::Save => Value::Save(DEFAULT_SAVE.to_vec()),
        Special::ClientOutputBufferLimit => Value::Obuf(DEFAULT_OBUF),
        Special::OomScoreAdjValues => Value::Oom(DEFAULT_OOM),
        Special::NotifyKeyspaceEvents => Value::Notify(0),
        Special::Bind => Value::Bind(DEFAULT_BIND.iter().map(|a| a.as_bytes().to_vec()).collect()),
        Special::ReplicaOf => Value::ReplicaOf(None),
        Special::LatencyPercentiles => Value::Percentiles(DEFAULT_PERCENTILES.to_vec()),
        Special::Include | Special::RenameCommand | Special::User | Special::LoadModule => Value::Lines(Vec::new()),
    }
}

/// Parses the arguments of a bespoke directive.
pub(crate) fn set(which: Special, current: &Value, args: &[&[u8]], origin: Origin) -> Result<Value, String> {
    match which {
        Special::Dir => set_dir(current, args),
        Special::Save => set_save(current, args, origin),
        Special::ClientOutputBufferLimit => set_obuf(current, args),
        Special::OomScoreAdjValues => set_oom(args),
        Special::NotifyKeyspaceEvents => match args {
            [classes] => notify::parse(classes)
                .map(Value::Notify)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()),
            _ => Err(WRONG_ARGS.to_string()),
        },
        Special::Bind => set_bind(args),
        Special::ReplicaOf => set_replicaof(args),
        Special::LatencyPercentiles => set_percentiles(args),
        Special::Include | Special::RenameCommand | Special::User | Special::LoadModule => {
            let mut lines = match current {
                Value::Lines(lines) => lines.clone(),
                _ => Vec::new(),
            };
            lines.push(args.iter().map(|a| a.to_vec()).collect());
            Ok(Value::Lines(lines))
        }
    }
}

/// A bespoke value as CONFIG GET prints it.
pub(crate) fn get(value: &Value) -> String {
    let join = |parts: Vec<String>| parts.join(" ");
    match value {
        Value::Dir(path) => path.to_string_lossy().into_owned(),
        Value::Save(points) => join(points.iter().map(|(s, c)| format!("{s} {c}")).collect()),
        Value::Obuf(limits) => join(
            OBUF_CLASSES
                .iter()
                .zip(limits)
                .map(|(class, l)| format!("{class} {} {} {}", l.hard_bytes, l.soft_bytes, l.soft_seconds))
                .collect(),
        ),
        Value::Oom(values) => join(values.iter().map(i32::to_string).collect()),
        Value::Notify(flags) => notify::format(*flags),
        Value::Bind(addrs) => join(addrs.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect()),
        Value::ReplicaOf(Some((host, port))) => format!("{} {port}", String::from_utf8_lossy(host)),
        Value::Percentiles(values) => join(values.iter().map(|v| format_double(*v)).collect()),
        Value::Lines(lines) => join(
            lines
                .iter()
                .map(|args| join(args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect()))
                .collect(),
        ),
        Value::ReplicaOf(None) | Value::Bool(_) | Value::Num(_) | Value::Enum(_) | Value::Str(_) => String::new(),
    }
}

/// Redis changes the process's working directory; rds stores the resolved absolute path instead, with a
/// relative argument resolved against the current `dir` (which is where Redis's cwd would be).
fn set_dir(current: &Value, args: &[&[u8]]) -> Result<Value, String> {
    let [arg] = args else {
        return Err(WRONG_ARGS.to_string());
    };
    let base = match current {
        Value::Dir(dir) => dir.clone(),
        _ => PathBuf::new(),
    };
    let wanted = base.join(Path::new(&*String::from_utf8_lossy(arg)));
    if arg.is_empty() {
        return Err("No such file or directory".to_string());
    }
    let resolved = std::fs::canonicalize(&wanted).map_err(|e| strerror(&e))?;
    if !resolved.is_dir() {
        return Err("Not a directory".to_string());
    }
    Ok(Value::Dir(resolved))
}

fn set_save(current: &Value, args: &[&[u8]], origin: Origin) -> Result<Value, String> {
    const INVALID: &str = "Invalid save parameters";
    if args == [b"".as_slice()] {
        // `save ""` clears the points, in a file too (later `save` lines add again).
        return Ok(Value::Save(Vec::new()));
    }
    if args.len() & 1 != 0 {
        return Err(INVALID.to_string());
    }
    let mut points = match (origin, current) {
        (Origin::File, Value::Save(points)) => points.clone(),
        _ => Vec::new(),
    };
    for pair in args.chunks_exact(2) {
        let seconds = strtoll_full(pair[0], 10).filter(|s| *s >= 1).ok_or(INVALID)?;
        let changes = strtoll_full(pair[1], 10).filter(|c| *c >= 0).ok_or(INVALID)?;
        points.push((seconds, changes as i32));
    }
    Ok(Value::Save(points))
}

/// Redis `updateClientOutputBufferLimit`: every group is validated before any is applied.
fn set_obuf(current: &Value, args: &[&[u8]]) -> Result<Value, String> {
    if args.len() & 3 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".to_string());
    }
    let mut limits = match current {
        Value::Obuf(limits) => *limits,
        _ => DEFAULT_OBUF,
    };
    for group in args.chunks_exact(4) {
        let class = match group[0].to_ascii_lowercase().as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => return Err("Invalid client class specified in buffer limit configuration.".to_string()),
        };
        let hard = memtoull(group[1]);
        let soft = memtoull(group[2]);
        let seconds = strtoll_full(group[3], 10).map(|s| s as i32);
        let (Some(hard_bytes), Some(soft_bytes), Some(soft_seconds)) = (hard, soft, seconds.filter(|s| *s >= 0)) else {
            return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string());
        };
        limits[class] = ClientBufferLimit { hard_bytes, soft_bytes, soft_seconds };
    }
    Ok(Value::Obuf(limits))
}

fn set_oom(args: &[&[u8]]) -> Result<Value, String> {
    let [a, b, c] = args else {
        return Err(WRONG_ARGS.to_string());
    };
    let mut values = [0i32; 3];
    for (slot, arg) in values.iter_mut().zip([a, b, c]) {
        let value = strtoll_full(arg, 10).filter(|v| (-2000..=2000).contains(v));
        *slot = value.ok_or("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")? as i32;
    }
    Ok(Value::Oom(values))
}

fn set_bind(args: &[&[u8]]) -> Result<Value, String> {
    if args.len() > 16 {
        return Err("Too many bind addresses specified.".to_string());
    }
    let args = if args == [b"".as_slice()] { &[][..] } else { args };
    Ok(Value::Bind(args.iter().map(|a| a.to_vec()).collect()))
}

fn set_replicaof(args: &[&[u8]]) -> Result<Value, String> {
    let [host, port] = args else {
        return Err(WRONG_ARGS.to_string());
    };
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        return Ok(Value::ReplicaOf(None));
    }
    let port = strtoll_full(port, 10).and_then(|p| u16::try_from(p).ok()).ok_or("Invalid master port")?;
    Ok(Value::ReplicaOf(Some((host.to_vec(), port))))
}

fn set_percentiles(args: &[&[u8]]) -> Result<Value, String> {
    let args = if args == [b"".as_slice()] { &[][..] } else { args };
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        let value = string2d(arg).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&value) {
            return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".to_string());
        }
        values.push(value);
    }
    Ok(Value::Percentiles(values))
}

#[cfg(test)]
#[path = "special_tests.rs"]
mod tests;
