//! CONFIG GET and CONFIG SET, following Redis's `configGetCommand` / `configSetCommand`.

use crate::error::ConfigError;
use crate::kind::{FILE_ONLY, HIDDEN, IMMUTABLE, MULTI_ARG, PROTECTED};
use crate::table::{lookup_config, DIRECTIVES, PROTECTED_LOCAL, PROTECTED_YES};
use crate::value::{self, Origin, Value};
use crate::Config;
use rds_glob::glob_match;

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Config {
    /// CONFIG GET: all (name, value as Redis prints it) pairs whose name or alias matches any of the glob
    /// patterns (case-insensitive, Redis stringmatch rules: `*` `?` `[..]` `\`). Like Redis, a pattern
    /// matches canonical names and aliases independently (so `*` lists `slaveof` and `replicaof`), each
    /// key at most once; a pattern without glob characters is an exact lookup that returns the name as
    /// typed and also finds hidden directives.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let seen =
            |out: &[(String, String)], key: &[u8]| out.iter().any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(key));
        for pattern in patterns {
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if let Some((index, _)) = lookup_config(pattern).filter(|_| !seen(&out, pattern)) {
                    out.push((lossy(pattern), value::get(&DIRECTIVES[index], &self.values[index])));
                }
                continue;
            }
            for (index, d) in DIRECTIVES.iter().enumerate() {
                if d.has(HIDDEN) || d.has(FILE_ONLY) {
                    continue;
                }
                for key in std::iter::once(&d.name).chain(d.aliases) {
                    if !seen(&out, key.as_bytes()) && glob_match(pattern, key.as_bytes(), true) {
                        out.push((key.to_string(), value::get(d, &self.values[index])));
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET with one or more pairs, atomic: all applied or none. Returns the canonical names whose
    /// value changed. Errors use Redis's exact texts. Protected directives (`dir`, `dbfilename`) are
    /// refused unless `enable-protected-configs` is `yes` (see [`Config::set_from_client`] for `local`).
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, ConfigError> {
        self.set_from_client(pairs, false)
    }

    /// [`Config::set`] for a client that is (or is not) connected locally, which matters when
    /// `enable-protected-configs` is `local`.
    pub fn set_from_client(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        local_client: bool,
    ) -> Result<Vec<&'static str>, ConfigError> {
        let targets = self.resolve_targets(pairs, local_client)?;
        let mut next = self.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        for ((index, key), (_, value)) in targets.into_iter().zip(pairs) {
            let d = &DIRECTIVES[index];
            let args = if d.has(MULTI_ARG) { split_spaces(value) } else { vec![*value] };
            match next.apply(index, &args, Origin::Set) {
                Ok(true) if !changed.contains(&d.name) => changed.push(d.name),
                Ok(_) => {}
                Err(reason) => return Err(ConfigError::InvalidValue { name: key.to_string(), reason }),
            }
        }
        self.values = next.values;
        Ok(changed)
    }

    /// The first loop of Redis's `configSetCommand`: find every directive, refuse unknown, immutable,
    /// protected and duplicate ones; the first error wins.
    fn resolve_targets(
        &self,
        pairs: &[(&[u8], &[u8])],
        local_client: bool,
    ) -> Result<Vec<(usize, &'static str)>, ConfigError> {
        let protected_ok = match self.value("enable-protected-configs") {
            Some(Value::Enum(PROTECTED_YES)) => true,
            Some(Value::Enum(PROTECTED_LOCAL)) => local_client,
            _ => false,
        };
        let mut targets: Vec<(usize, &'static str)> = Vec::with_capacity(pairs.len());
        for (name, _) in pairs {
            let Some((index, key)) = lookup_config(name) else {
                return Err(ConfigError::UnknownOption { name: lossy(name) });
            };
            let d = &DIRECTIVES[index];
            if d.has(IMMUTABLE) {
                return Err(ConfigError::Immutable { name: lossy(name) });
            }
            if d.has(PROTECTED) && !protected_ok {
                return Err(ConfigError::Protected { name: lossy(name) });
            }
            if targets.iter().any(|(_, seen)| *seen == key) {
                return Err(ConfigError::Duplicate { name: lossy(name) });
            }
            targets.push((index, key));
        }
        Ok(targets)
    }
}

/// `sdssplitlen(value, " ")`: every single space separates (so doubled spaces give empty arguments);
/// an empty value gives no arguments.
fn split_spaces(value: &[u8]) -> Vec<&[u8]> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&b| b == b' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(cfg: &Config, patterns: &[&str]) -> Vec<(String, String)> {
        let patterns: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
        cfg.get(&patterns)
    }

    fn set(cfg: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<&'static str>, String> {
        let pairs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
        cfg.set(&pairs).map_err(|e| e.to_string())
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_string(), value.to_string())
    }

    #[test]
    fn get_matches_names_and_aliases_like_redis() {
        let cfg = Config::defaults();
        assert_eq!(get(&cfg, &["port"]), vec![pair("port", "6379")]);
        assert_eq!(get(&cfg, &["PORT"]), vec![pair("PORT", "6379")]);
        assert_eq!(get(&cfg, &["port", "PORT", "p*rt"]), vec![pair("port", "6379")]);
        assert_eq!(get(&cfg, &["slave-read-only"]), vec![pair("slave-read-only", "yes")]);
        assert_eq!(get(&cfg, &["*read-only*"]), vec![pair("replica-read-only", "yes"), pair("slave-read-only", "yes")]);
        assert_eq!(get(&cfg, &["bind\\-*"]), vec![pair("bind-source-addr", "")]);
        assert_eq!(get(&cfg, &["save"]), vec![pair("save", "3600 1 300 100 60 10000")]);
        assert_eq!(get(&cfg, &["nope", "include", "rename-command"]), vec![]);
        assert_eq!(get(&cfg, &["key-load-delay"]), vec![pair("key-load-delay", "0")]);
        assert!(get(&cfg, &["*"]).iter().all(|(k, _)| k != "key-load-delay" && k != "include"));
        assert_eq!(get(&cfg, &["*"]).len(), 192);
    }

    #[test]
    fn set_errors_match_redis_texts() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("foo", "bar")], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
            (
                &[("port", "abc")],
                "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer",
            ),
            (
                &[("PORT", "abc")],
                "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer",
            ),
            (
                &[("DATABASES", "3")],
                "ERR CONFIG SET failed (possibly related to argument 'DATABASES') - can't set immutable config",
            ),
            (
                &[("Port", "1"), ("port", "2")],
                "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter",
            ),
            (&[("dir", "/tmp")], "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"),
            (
                &[("slave-read-only", "maybe")],
                "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'",
            ),
            (
                &[("port", "1"), ("foo", "1"), ("databases", "3")],
                "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
            ),
            (
                &[("databases", "3"), ("foo", "1")],
                "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
            ),
            (
                &[("port", "abc"), ("databases", "3")],
                "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
            ),
            (
                &[("slaveof", "a 1")],
                "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config",
            ),
            (
                &[("save", "  ")],
                "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
            ),
        ];
        for (pairs, want) in cases {
            let mut cfg = Config::defaults();
            assert_eq!(set(&mut cfg, pairs), Err(want.to_string()), "{pairs:?}");
        }
    }

    #[test]
    fn set_is_atomic() {
        let mut cfg = Config::defaults();
        let err = set(&mut cfg, &[("maxmemory", "1gb"), ("timeout", "5"), ("port", "99999")]);
        assert!(err.is_err());
        assert_eq!(cfg.int("maxmemory"), 0);
        assert_eq!(cfg.int("timeout"), 0);
        assert_eq!(
            set(&mut cfg, &[("maxmemory", "1gb"), ("timeout", "5"), ("port", "6379")]),
            Ok(vec!["maxmemory", "timeout"])
        );
        assert_eq!(cfg.int("maxmemory"), 1 << 30);
        assert_eq!(cfg.str("timeout"), "5");
    }

    #[test]
    fn set_handles_aliases_multi_args_and_clamps() {
        let mut cfg = Config::defaults();
        assert_eq!(
            set(&mut cfg, &[("slave-read-only", "yes"), ("replica-read-only", "no")]),
            Ok(vec!["replica-read-only"])
        );
        assert!(!cfg.bool("replica-read-only"));
        set(&mut cfg, &[("client-output-buffer-limit", "normal 1mb 2mb 60"), ("save", "100 10 200 20")]).unwrap();
        assert_eq!(
            cfg.str("client-output-buffer-limit"),
            "normal 1048576 2097152 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert_eq!(cfg.save_points(), vec![(100, 10), (200, 20)]);
        set(&mut cfg, &[("save", "")]).unwrap();
        assert_eq!(cfg.str("save"), "");
        set(&mut cfg, &[("notify-keyspace-events", "KEA"), ("hz", "1000")]).unwrap();
        assert_eq!(cfg.str("notify-keyspace-events"), "AKE");
        assert_eq!(cfg.int("hz"), 500);
        set(&mut cfg, &[("hz", "0")]).unwrap();
        assert_eq!(cfg.int("hz"), 1);
        set(&mut cfg, &[("lua-time-limit", "10")]).unwrap();
        assert_eq!(cfg.int("busy-reply-threshold"), 10);
        assert_eq!(set(&mut cfg, &[("port", "6379")]), Ok(vec![]));
    }

    #[test]
    fn protected_configs_follow_enable_protected_configs() {
        let mut cfg = Config::from_text("enable-protected-configs local\n", "t.conf").unwrap();
        let tmp = std::env::temp_dir();
        let pairs: [(&[u8], &[u8]); 1] = [(b"dir", tmp.to_str().unwrap().as_bytes())];
        assert!(cfg.set_from_client(&pairs, false).is_err());
        assert_eq!(cfg.set_from_client(&pairs, true).map(|_| ()), Ok(()));
        assert_eq!(cfg.dir(), std::fs::canonicalize(&tmp).unwrap());
    }

    #[test]
    fn split_spaces_keeps_empty_fields() {
        assert_eq!(split_spaces(b""), Vec::<&[u8]>::new());
        assert_eq!(split_spaces(b"+1  2"), vec![&b"+1"[..], b"", b"2"]);
    }
}
