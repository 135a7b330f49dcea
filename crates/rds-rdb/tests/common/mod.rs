//! Shared helpers of rds-rdb's integration tests: the fixtures' text form of a value.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;

use rds_rdb::double::format_g17;
use rds_rdb::LoadLimits;
use rds_storage::hash::HashLimits;
use rds_storage::set::SetLimits;
use rds_storage::zset::ZSetLimits;
use rds_storage::Value;

/// The fixtures directory.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// A score as RESP2 prints it (`%.17g`, `inf`, `-inf`).
pub fn score_text(score: f64) -> String {
    if score.is_infinite() {
        return if score > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    format_g17(score)
}

/// `(type, encoding, value text)` in the format of `generate.py`'s `.expected` files.
pub fn describe(value: &Value) -> (String, String, String) {
    let text = match value {
        Value::Str(_) | Value::Raw(_) | Value::Embstr(_) => hex(value.as_string().unwrap()),
        Value::List(list) => list.iter().map(hex).collect::<Vec<_>>().join(","),
        Value::Set(set) => {
            let mut members: Vec<String> = set.iter().map(|m| hex(&m)).collect();
            members.sort();
            members.join(",")
        }
        Value::Hash(hash) => {
            let mut pairs: Vec<String> = hash.iter().map(|(f, v)| format!("{}:{}", hex(f), hex(v))).collect();
            pairs.sort();
            pairs.join(",")
        }
        Value::ZSet(zset) => {
            zset.iter().map(|(m, s)| format!("{}:{}", hex(m), score_text(s))).collect::<Vec<_>>().join(",")
        }
    };
    (value.type_name().to_string(), value.encoding_name().to_string(), text)
}

/// One line of an `.expected` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub db: u64,
    pub kind: String,
    pub encoding: String,
    pub key: Vec<u8>,
    pub expire_ms: Option<i64>,
    pub text: String,
}

/// A parsed `.expected` file: limits, function libraries, keys.
pub struct Fixture {
    pub limits: LoadLimits,
    pub functions: Vec<Vec<u8>>,
    pub keys: Vec<Expected>,
}

fn config_limits(line: &str) -> LoadLimits {
    let get = |name: &str| -> i64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
            .unwrap()
            .parse()
            .unwrap()
    };
    LoadLimits {
        list_max_listpack_size: get("list-max-listpack-size"),
        hash: HashLimits {
            max_listpack_entries: get("hash-max-listpack-entries") as usize,
            max_listpack_value: get("hash-max-listpack-value") as usize,
        },
        set: SetLimits { max_intset_entries: get("set-max-intset-entries") as usize },
        zset: ZSetLimits {
            max_listpack_entries: get("zset-max-listpack-entries") as usize,
            max_listpack_value: get("zset-max-listpack-value") as usize,
        },
    }
}

/// Reads `<name>.expected`.
pub fn fixture(name: &str) -> Fixture {
    let text = std::fs::read_to_string(data_dir().join(format!("{name}.expected"))).unwrap();
    let mut fixture = Fixture { limits: LoadLimits::default(), functions: Vec::new(), keys: Vec::new() };
    for line in text.lines() {
        if let Some(config) = line.strip_prefix("!config ") {
            fixture.limits = config_limits(config);
        } else if let Some(code) = line.strip_prefix("!function ") {
            fixture.functions.push(unhex(code));
        } else {
            let f: Vec<&str> = line.split('\t').collect();
            let expire: i64 = f[4].parse().unwrap();
            fixture.keys.push(Expected {
                db: f[0].parse().unwrap(),
                kind: f[1].to_string(),
                encoding: f[2].to_string(),
                key: unhex(f[3]),
                expire_ms: (expire >= 0).then_some(expire),
                text: f[5].to_string(),
            });
        }
    }
    fixture
}

/// Reads `<name>.dump`: (key, payload) pairs.
pub fn dumps(name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Ok(text) = std::fs::read_to_string(data_dir().join(format!("{name}.dump"))) else {
        return Vec::new();
    };
    text.lines()
        .map(|line| {
            let (key, payload) = line.split_once('\t').unwrap();
            (unhex(key), unhex(payload))
        })
        .collect()
}
