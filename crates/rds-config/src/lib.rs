//! redis.conf for rds: the directive table, the config-file and command-line parser, and the semantics
//! of CONFIG GET / SET / REWRITE, all matching Redis 7.0.15 (texts, defaults, value formats).
//!
//! Layout:
//! - `table`: THE directive table (like Redis's `static_configs[]`): names, aliases, kinds, defaults,
//!   flags, and whether rds acts on each directive. Everything else reads it.
//! - `kind` / `value` / `special`: value types, parsing and printing; `checks`: per-directive
//!   validation; [`notify`]: keyspace-event flags; `cstr`: the C conversions (`string2ll`, `memtoull`,
//!   `sdscatrepr`) whose quirks decide what is accepted.
//! - `parse`: config text, `include`, and `redis-server [path] [--name value ...]` arguments.
//! - `command`: CONFIG GET (with Redis's glob, from `rds-glob`) and atomic CONFIG SET.
//! - `rewrite`: CONFIG REWRITE, which keeps comments and unknown lines like Redis.
//! - `error`: [`ConfigError`], whose `Display` is the exact text Redis prints or replies.
//!
//! This crate performs no networking and knows nothing of commands or storage: `rename-command`, `user`
//! and `loadmodule` lines are stored for the server to validate and apply. It imports only `rds-resp`
//! (for `sdssplitargs`) and `rds-glob`, and must never import the server.

mod checks;
mod command;
mod cstr;
mod error;
mod kind;
pub mod notify;
mod parse;
#[cfg(test)]
mod prop_tests;
mod rewrite;
mod special;
mod table;
#[cfg(test)]
mod testutil;
mod value;

use std::path::{Path, PathBuf};

pub use cstr::{parse_memory, repr};
pub use error::{ConfigError, REDIS_VERSION};
pub use parse::SentinelLine;
pub use rewrite::RewriteLine;
pub use value::ClientBufferLimit;

use table::DIRECTIVES;
use value::{Origin, Value};

/// A full server configuration: one value per directive of the table, plus the file it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// One value per entry of `DIRECTIVES`, same order.
    values: Vec<Value>,
    /// Absolute path of the config file (Redis `server.configfile`).
    file: Option<PathBuf>,
}

impl Config {
    /// Redis 7.0 defaults for every directive.
    pub fn defaults() -> Config {
        Config { values: DIRECTIVES.iter().map(value::default_value).collect(), file: None }
    }

    /// Loads like `redis-server [path] [--directive value ...]`: the file (with `include`), then the CLI
    /// pairs appended as extra lines after the file. `cli_args` are the raw process args after the path.
    /// Also accepts config text from stdin when path is "-" (like redis).
    pub fn load(path: Option<&Path>, cli_args: &[String]) -> Result<Config, ConfigError> {
        let from_stdin_path = path.is_some_and(|p| p == Path::new("-"));
        let file_path = path.filter(|_| !from_stdin_path).map(absolute);
        let (options, stdin_flag) = parse::cli_lines(cli_args, file_path.is_none() && !from_stdin_path);
        let mut text = match &file_path {
            Some(file) => std::fs::read(file)
                .map_err(|err| ConfigError::Open { path: file.clone(), reason: error::strerror(&err) })?,
            None => Vec::new(),
        };
        if from_stdin_path || stdin_flag {
            text.extend(parse::read_stdin()?);
        }
        text.push(b'\n');
        text.extend_from_slice(options.as_bytes());
        let mut cfg = Config::defaults();
        cfg.file = file_path.clone();
        cfg.load_bytes(&text, file_path.as_deref(), true)?;
        Ok(cfg)
    }

    /// Loads a sentinel's config like `redis-sentinel path [--directive value ...]`: the server
    /// directives are applied as `load` does, over Redis's sentinel-mode defaults (port 26379,
    /// protected-mode off), and the `sentinel ...` lines are returned, in order, for the sentinel to
    /// interpret.
    pub fn load_sentinel(path: &Path, cli_args: &[String]) -> Result<(Config, Vec<SentinelLine>), ConfigError> {
        let file_path = absolute(path);
        let (options, _) = parse::cli_lines(cli_args, false);
        let mut text = std::fs::read(&file_path)
            .map_err(|err| ConfigError::Open { path: file_path.clone(), reason: error::strerror(&err) })?;
        text.push(b'\n');
        text.extend_from_slice(options.as_bytes());
        let mut cfg = Config::defaults();
        cfg.file = Some(file_path.clone());
        for (name, value) in [("port", &b"26379"[..]), ("protected-mode", b"no")] {
            if let Some((index, _)) = table::lookup(name.as_bytes()) {
                let _ = cfg.apply(index, &[value], Origin::File);
            }
        }
        let mut loader = parse::Loader::new(&mut cfg, true);
        loader.sentinel_lines = Some(Vec::new());
        loader.load_text(&text, Some(&file_path))?;
        let lines = loader.sentinel_lines.take().unwrap_or_default();
        Ok((cfg, lines))
    }

    /// Parses config text as if it were a file named `source` (used by load and tests).
    pub fn from_text(text: &str, source: &str) -> Result<Config, ConfigError> {
        let mut cfg = Config::defaults();
        let source = (!source.is_empty()).then(|| PathBuf::from(source));
        cfg.load_bytes(text.as_bytes(), source.as_deref(), false)?;
        Ok(cfg)
    }

    fn load_bytes(&mut self, text: &[u8], source: Option<&Path>, check_logfile: bool) -> Result<(), ConfigError> {
        let mut loader = parse::Loader::new(self, check_logfile);
        loader.load_text(text, source)?;
        let module_configs = loader.module_configs;
        if module_configs && self.lines("loadmodule").is_empty() {
            return Err(ConfigError::ModuleConfigWithoutModule);
        }
        Ok(())
    }

    /// The file this config came from, if any (absolute path, like Redis's `config_file`).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Sets (or clears) the file CONFIG REWRITE writes to; `load` sets it from its path argument.
    pub fn set_file(&mut self, path: Option<&Path>) {
        self.file = path.map(absolute);
    }

    /// Typed accessors by canonical name (panic-free: unknown name → default 0 / false / "" and a
    /// debug_assert). Integers and memory sizes (bytes); values above `i64::MAX` saturate.
    pub fn int(&self, name: &str) -> i64 {
        match self.value(name) {
            Some(Value::Num(n)) => i64::try_from(*n).unwrap_or(if *n < 0 { i64::MIN } else { i64::MAX }),
            other => {
                debug_assert!(false, "{name} is not a numeric directive: {other:?}");
                0
            }
        }
    }

    /// A yes/no directive by canonical name (false, and a debug_assert, for anything else).
    pub fn bool(&self, name: &str) -> bool {
        match self.value(name) {
            Some(Value::Bool(on)) => *on,
            other => {
                debug_assert!(false, "{name} is not a yes/no directive: {other:?}");
                false
            }
        }
    }

    /// The value as CONFIG GET prints it (for string/enum/special; works for every directive).
    pub fn str(&self, name: &str) -> String {
        match table::lookup(name.as_bytes()) {
            Some((index, _)) => value::get(&DIRECTIVES[index], &self.values[index]),
            None => {
                debug_assert!(false, "unknown directive {name}");
                String::new()
            }
        }
    }

    /// A string directive's raw bytes (binary-safe, e.g. `requirepass`); empty when unset.
    pub fn bytes(&self, name: &str) -> Vec<u8> {
        match self.value(name) {
            Some(Value::Str(s)) => s.clone().unwrap_or_default(),
            _ => self.str(name).into_bytes(),
        }
    }

    /// `dir` as an absolute path: Redis `chdir`s there; rds resolves relative paths against it instead.
    pub fn dir(&self) -> PathBuf {
        match self.value("dir") {
            Some(Value::Dir(dir)) => dir.clone(),
            _ => PathBuf::new(),
        }
    }

    /// `save` points as (seconds, changes); empty means RDB snapshots are disabled.
    pub fn save_points(&self) -> Vec<(i64, i32)> {
        match self.value("save") {
            Some(Value::Save(points)) => points.clone(),
            _ => Vec::new(),
        }
    }

    /// `bind` addresses (Redis default `* -::*`; empty means listen on no TCP address).
    pub fn bind_addrs(&self) -> Vec<String> {
        match self.value("bind") {
            Some(Value::Bind(addrs)) => addrs.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect(),
            _ => Vec::new(),
        }
    }

    /// `replicaof` host and port, if this server starts as a replica.
    pub fn replica_of(&self) -> Option<(String, u16)> {
        match self.value("replicaof") {
            Some(Value::ReplicaOf(Some((host, port)))) => Some((String::from_utf8_lossy(host).into_owned(), *port)),
            _ => None,
        }
    }

    /// Records a REPLICAOF command's effect, so CONFIG GET/REWRITE see it (the directive is immutable
    /// for CONFIG SET, like Redis).
    pub fn set_replica_of(&mut self, master: Option<(&str, u16)>) {
        if let Some((index, _)) = table::lookup(b"replicaof") {
            self.values[index] = Value::ReplicaOf(master.map(|(host, port)| (host.as_bytes().to_vec(), port)));
        }
    }

    /// `client-output-buffer-limit` for the normal, replica and pubsub classes, in that order.
    pub fn client_output_buffer_limits(&self) -> [ClientBufferLimit; 3] {
        match self.value("client-output-buffer-limit") {
            Some(Value::Obuf(limits)) => *limits,
            _ => special::DEFAULT_OBUF,
        }
    }

    /// `notify-keyspace-events` as [`notify`] flag bits.
    pub fn notify_keyspace_events(&self) -> u32 {
        match self.value("notify-keyspace-events") {
            Some(Value::Notify(flags)) => *flags,
            _ => 0,
        }
    }

    /// The arguments of every occurrence of a file-only directive (`rename-command`, `user`,
    /// `loadmodule`, `include`), in file order.
    pub fn lines(&self, name: &str) -> Vec<Vec<String>> {
        match self.value(name) {
            Some(Value::Lines(lines)) => lines
                .iter()
                .map(|args| args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Replaces every occurrence of a file-only directive (`user`, ...): what CONFIG REWRITE writes
    /// for it (rds-sentinel keeps its ACL users here, as Redis's rewrite writes them).
    pub fn set_lines(&mut self, name: &str, lines: Vec<Vec<Vec<u8>>>) {
        if let Some((index, _)) = table::lookup(name.as_bytes()) {
            if matches!(self.values[index], Value::Lines(_)) {
                self.values[index] = Value::Lines(lines);
            }
        }
    }

    /// Directives set (in file/CLI/CONFIG SET) to a non-default value that rds does not act on yet, for a
    /// one-time startup log line and docs/compat.md.
    pub fn unsupported_in_use(&self) -> Vec<&'static str> {
        DIRECTIVES
            .iter()
            .zip(&self.values)
            .filter(|(d, v)| !d.supported && **v != value::default_value(d))
            .map(|(d, _)| d.name)
            .collect()
    }

    /// Names of every directive known, with whether rds acts on it (for docs generation and tests).
    pub fn directives() -> impl Iterator<Item = (&'static str, bool)> {
        DIRECTIVES.iter().map(|d| (d.name, d.supported))
    }

    /// Aliases of every directive that has them, as (alias, canonical name).
    pub fn aliases() -> impl Iterator<Item = (&'static str, &'static str)> {
        DIRECTIVES.iter().flat_map(|d| d.aliases.iter().map(move |a| (*a, d.name)))
    }

    /// Whether the directive's value must not appear in logs (requirepass, masterauth, masteruser).
    pub fn is_sensitive(name: &str) -> bool {
        table::lookup(name.as_bytes()).is_some_and(|(i, _)| DIRECTIVES[i].has(kind::SENSITIVE))
    }

    /// Whether CONFIG SET of this directive must be refused with `-LOADING` while the dataset loads
    /// (appendonly, dir, repl-diskless-load), like Redis's DENY_LOADING_CONFIG.
    pub fn denied_while_loading(name: &[u8]) -> bool {
        table::lookup(name).is_some_and(|(i, _)| DIRECTIVES[i].has(kind::DENY_LOADING))
    }

    /// The stored value of a directive by name or alias.
    fn value(&self, name: &str) -> Option<&Value> {
        table::lookup(name.as_bytes()).map(|(index, _)| &self.values[index])
    }

    /// Parses `args` into directive `index`; returns whether the value changed.
    fn apply(&mut self, index: usize, args: &[&[u8]], origin: Origin) -> Result<bool, String> {
        let d = &DIRECTIVES[index];
        let mut new = value::set(d, &self.values[index], args, origin)?;
        match (d.name, &mut new) {
            // Redis accepts any hz but clamps it to CONFIG_MIN_HZ..=CONFIG_MAX_HZ.
            ("hz", Value::Num(hz)) => *hz = (*hz).clamp(1, 500),
            // CONFIG SET resizes the backlog, which enforces CONFIG_REPL_BACKLOG_MIN_SIZE.
            ("repl-backlog-size", Value::Num(size)) if origin == Origin::Set => *size = (*size).max(16 * 1024),
            _ => {}
        }
        let changed = new != self.values[index];
        self.values[index] = new;
        Ok(changed)
    }
}

/// Redis `getAbsolutePath`: join relative paths to the working directory.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
