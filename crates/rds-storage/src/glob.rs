//! Redis's glob matcher for KEYS, SCAN MATCH, PSUBSCRIBE and COMMAND LIST: the one in `rds-glob`, which
//! rds-config and rds-sentinel share (re-exported so the keyspace's callers keep one import path).

pub use rds_glob::glob_match;
