//! Reading config text like Redis's `loadServerConfigFromString`, `include` (with globs), and turning
//! `redis-server` command-line arguments into config lines like Redis's `main()`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cstr::repr;
use crate::error::{strerror, ConfigError};
use crate::kind::{Special, FILE_ONLY, MULTI_ARG};
use crate::table::{lookup, DIRECTIVES};
use crate::value::{Origin, Value};
use crate::Config;
use rds_glob::glob_match;

/// Directives Redis 7.0 still accepts (with exactly one argument) and ignores.
const DEPRECATED: [&str; 3] = ["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// How deep `include` may nest; Redis has no limit (and overflows its stack on a loop).
const MAX_INCLUDE_DEPTH: usize = 16;

/// State shared by a file and the files it includes.
pub(crate) struct Loader<'a> {
    cfg: &'a mut Config,
    /// Whether a `save` line was seen yet: the first one replaces the defaults, later ones add.
    save_seen: bool,
    /// Whether any `module.option value` line was seen.
    pub(crate) module_configs: bool,
    /// Whether to open `logfile` for appending after reading, like Redis does.
    check_logfile: bool,
    depth: usize,
    /// `Some` in sentinel mode: `sentinel ...` lines are collected here for the sentinel to apply.
    pub(crate) sentinel_lines: Option<Vec<SentinelLine>>,
}

/// One `sentinel <option> ...` line of a sentinel's config, left to rds-sentinel to interpret (Redis
/// queues them too, and applies them after the whole file was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelLine {
    /// The arguments after `sentinel`.
    pub args: Vec<Vec<u8>>,
    /// The 1-based line number, as error messages print it.
    pub line: usize,
    /// The trimmed line text, as error messages echo it.
    pub text: String,
    /// The file the line came from (`None` for command-line directives).
    pub file: Option<PathBuf>,
}

impl<'a> Loader<'a> {
    /// A loader that applies lines to `cfg`.
    pub(crate) fn new(cfg: &'a mut Config, check_logfile: bool) -> Loader<'a> {
        Loader { cfg, save_seen: false, module_configs: false, check_logfile, depth: 0, sentinel_lines: None }
    }

    /// Applies every line of `text`, which came from `file`, then runs Redis's whole-config checks.
    pub(crate) fn load_text(&mut self, text: &[u8], file: Option<&Path>) -> Result<(), ConfigError> {
        for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let fail = |directive: &[u8], reason: String| ConfigError::Directive {
                file: file.map(Path::to_path_buf),
                line: index + 1,
                text: String::from_utf8_lossy(line).into_owned(),
                directive: String::from_utf8_lossy(directive).into_owned(),
                reason,
            };
            let Some(mut args) = rds_resp::inline::split_args(line) else {
                let first = line.split(|b| b.is_ascii_whitespace()).next().unwrap_or_default();
                let reason = "Unbalanced quotes in configuration line".to_string();
                return Err(fail(&first.to_ascii_lowercase(), reason));
            };
            if args.is_empty() {
                continue;
            }
            args[0].make_ascii_lowercase();
            if let (Some(lines), true) = (self.sentinel_lines.as_mut(), args[0] == b"sentinel") {
                let text = String::from_utf8_lossy(line).into_owned();
                let file = file.map(Path::to_path_buf);
                lines.push(SentinelLine { args: args.split_off(1), line: index + 1, text, file });
                continue;
            }
            let argv: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            match self.apply_line(&argv) {
                Ok(()) => {}
                Err(LineError::Reason(reason)) => return Err(fail(argv[0], reason)),
                Err(LineError::Config(err)) => return Err(err),
            }
        }
        self.check_whole_config()
    }

    fn apply_line(&mut self, argv: &[&[u8]]) -> Result<(), LineError> {
        let name = argv[0];
        if let Some((index, _)) = lookup(name) {
            let d = &DIRECTIVES[index];
            if !d.has(FILE_ONLY) {
                if !d.has(MULTI_ARG) && argv.len() != 2 {
                    return Err(LineError::Reason("wrong number of arguments".to_string()));
                }
                if d.name == "save" && !self.save_seen {
                    self.save_seen = true;
                    self.cfg.values[index] = Value::Save(Vec::new());
                }
                self.cfg.apply(index, &argv[1..], Origin::File).map_err(LineError::Reason)?;
                return Ok(());
            }
        }
        if DEPRECATED.iter().any(|d| d.as_bytes() == name) && argv.len() == 2 {
            return Ok(());
        }
        let file_only = |special: Special, ok: bool| -> Option<Special> { ok.then_some(special) };
        let which = match name {
            b"include" => file_only(Special::Include, argv.len() == 2),
            b"rename-command" => file_only(Special::RenameCommand, argv.len() == 3),
            b"user" => file_only(Special::User, argv.len() >= 2),
            b"loadmodule" => file_only(Special::LoadModule, argv.len() >= 2),
            _ => None,
        };
        match which {
            Some(Special::Include) => self.include(argv[1]).map_err(LineError::Config),
            Some(_) => {
                let (index, _) = lookup(name).ok_or_else(bad_directive)?;
                self.cfg.apply(index, &argv[1..], Origin::File).map(|_| ()).map_err(LineError::Reason)
            }
            None if name.contains(&b'.') => {
                if argv.len() != 2 {
                    return Err(LineError::Reason("Module config specified without value".to_string()));
                }
                self.module_configs = true;
                Ok(())
            }
            None if name == b"sentinel" => match argv.len() {
                1 => Ok(()),
                _ => Err(LineError::Reason("sentinel directive while not in sentinel mode".to_string())),
            },
            None => Err(bad_directive()),
        }
    }

    /// Redis's checks at the end of every `loadServerConfigFromString`.
    fn check_whole_config(&self) -> Result<(), ConfigError> {
        if self.check_logfile {
            let logfile = self.cfg.str("logfile");
            if !logfile.is_empty() {
                let path = self.cfg.dir().join(&logfile);
                if let Err(err) = std::fs::OpenOptions::new().append(true).create(true).open(path) {
                    return Err(ConfigError::Fatal { reason: format!("Can't open the log file: {}", strerror(&err)) });
                }
            }
        }
        if self.cfg.bool("cluster-enabled") && self.cfg.replica_of().is_some() {
            return Err(ConfigError::Fatal { reason: "replicaof directive not allowed in cluster mode".to_string() });
        }
        Ok(())
    }

    /// `include path`: relative to the current `dir` (Redis's cwd), globbed when it has `*`, `?` or `[`.
    fn include(&mut self, arg: &[u8]) -> Result<(), ConfigError> {
        let as_written = PathBuf::from(String::from_utf8_lossy(arg).into_owned());
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::Fatal {
                reason: format!("Too many nested includes at '{}'", as_written.display()),
            });
        }
        let path = self.cfg.dir().join(&as_written);
        let is_glob = arg.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        let files = if is_glob { glob_files(&path) } else { vec![path] };
        let mut text = Vec::new();
        for file in &files {
            let shown = if is_glob { file } else { &as_written };
            let content =
                std::fs::read(file).map_err(|err| ConfigError::Open { path: shown.clone(), reason: strerror(&err) })?;
            text.extend_from_slice(&content);
        }
        self.depth += 1;
        let source = files.first().filter(|_| files.len() == 1).cloned();
        let result = self.load_text(&text, source.as_deref());
        self.depth -= 1;
        result
    }
}

enum LineError {
    /// The line is rejected with this reason.
    Reason(String),
    /// A nested file failed with its own error.
    Config(ConfigError),
}

fn bad_directive() -> LineError {
    LineError::Reason("Bad directive or wrong number of arguments".to_string())
}

/// `sdstrim(line, " \t\r\n")`.
fn trim(line: &[u8]) -> &[u8] {
    let is_trim = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !is_trim(b)).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !is_trim(b)).map_or(start, |i| i + 1);
    &line[start..end]
}

/// `glob(3)` for config includes: each wildcard component is matched against directory entries (hidden
/// entries only by an explicit leading dot), results sorted; no match is not an error.
fn glob_files(pattern: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::new()];
    for component in pattern.components() {
        let part = component.as_os_str().to_string_lossy().into_owned();
        let wild = part.bytes().any(|b| matches!(b, b'*' | b'?' | b'['));
        let mut next = Vec::new();
        for base in &found {
            if !wild {
                next.push(base.join(component));
                continue;
            }
            let Ok(entries) = std::fs::read_dir(if base.as_os_str().is_empty() { Path::new(".") } else { base }) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.') || part.starts_with('.'))
                .filter(|name| glob_match(part.as_bytes(), name.as_bytes(), false))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|name| base.join(name)));
        }
        found = next;
    }
    found.into_iter().filter(|p| p.exists()).collect()
}

/// Redis `main()`'s argument handling: `--name value...` pairs become config lines (values quoted with
/// `sdscatrepr`); returns the lines and whether `-` asked for config on stdin. `no_path` is true when
/// no config file was given (so a leading `-` also means stdin).
pub(crate) fn cli_lines(args: &[String], no_path: bool) -> (String, bool) {
    let mut options = String::new();
    let mut stdin = false;
    let mut handled_last = true;
    for (j, arg) in args.iter().enumerate() {
        let last = j + 1 == args.len();
        let next_is_option = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
        if arg == "-" && ((no_path && j == 0) || last) {
            stdin = true;
        } else if handled_last && arg.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&arg[2..]);
            options.push(' ');
            let words = rds_resp::inline::split_args(arg.as_bytes()).map_or(0, |w| w.len());
            if words == 1 {
                handled_last = false;
                let is_save = arg.eq_ignore_ascii_case("--save");
                let is_sentinel = arg.eq_ignore_ascii_case("--sentinel");
                if is_save && (last || next_is_option) {
                    options.push_str("\"\"");
                    handled_last = true;
                } else if is_sentinel && next_is_option {
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            options.push_str(&repr(arg.as_bytes()));
            options.push(' ');
            handled_last = true;
        }
    }
    (options, stdin)
}

/// Reads all of stdin (`redis-server -`).
pub(crate) fn read_stdin() -> Result<Vec<u8>, ConfigError> {
    let mut text = Vec::new();
    std::io::stdin()
        .read_to_end(&mut text)
        .map_err(|err| ConfigError::Open { path: PathBuf::from("-"), reason: strerror(&err) })?;
    Ok(text)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod load_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn cli_arguments_become_lines_like_redis_main() {
        let cases: &[(&[&str], &str)] = &[
            (&["--port", "7000"], "port \"7000\" "),
            (
                &["--port", "7000", "--save", "", "--replicaof", "127.0.0.1", "6379"],
                "port \"7000\" \nsave \"\" \nreplicaof \"127.0.0.1\" \"6379\" ",
            ),
            (&["--save", "--port", "1"], "save \"\"\nport \"1\" "),
            (&["--port", "1", "--save"], "port \"1\" \nsave \"\""),
            (&["--loglevel", "--port", "5"], "loglevel \"--port\" \"5\" "),
            (&["--port 6380"], "port 6380 "),
            (&["extra"], "\"extra\" "),
            (&["--loglevel", "wa\"rn"], "loglevel \"wa\\\"rn\" "),
        ];
        for (args, want) in cases {
            assert_eq!(cli_lines(&strings(args), false), (want.to_string(), false), "{args:?}");
        }
        assert_eq!(cli_lines(&strings(&["-", "--port", "1"]), true), ("port \"1\" ".to_string(), true));
        assert_eq!(cli_lines(&strings(&["--port", "1", "-"]), false), ("port \"1\" ".to_string(), true));
    }

    #[test]
    fn trim_strips_config_whitespace() {
        assert_eq!(trim(b"  port 1 \r"), b"port 1");
        assert_eq!(trim(b" \t "), b"");
    }
}
