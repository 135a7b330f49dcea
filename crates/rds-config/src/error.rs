//! [`ConfigError`]: every failure of loading, CONFIG SET and CONFIG REWRITE, with Redis's exact texts.
//!
//! Startup errors print the block `redis-server` writes to stderr, so users recognise it; CONFIG errors
//! display as the reply text without the leading `-`, because clients match on it.

use std::io;
use std::path::PathBuf;

/// The Redis version whose messages and defaults this crate reproduces.
pub const REDIS_VERSION: &str = "7.0.15";

/// An error from loading a config, CONFIG SET or CONFIG REWRITE; `Display` is Redis's exact text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// One line of the config (file, stdin or CLI pair) was rejected: Redis's FATAL CONFIG FILE ERROR block.
    #[error(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}"
    )]
    Directive {
        /// The file the line came from (`None` for stdin/CLI-only configs).
        file: Option<PathBuf>,
        /// The 1-based line number, counted over file + stdin + CLI lines like Redis.
        line: usize,
        /// The trimmed line text as Redis echoes it.
        text: String,
        /// The directive name (lowercased first word).
        directive: String,
        /// Why the line was rejected.
        reason: String,
    },
    /// A whole-config check failed after the lines were read (Redis prints no line number).
    #[error("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n{reason}")]
    Fatal {
        /// Why the config was rejected.
        reason: String,
    },
    /// A config file or include could not be opened or read.
    #[error("Fatal error, can't open config file '{}': {reason}", path.display())]
    Open {
        /// The path as Redis names it in the message.
        path: PathBuf,
        /// The `strerror` text.
        reason: String,
    },
    /// Module configs (`name.option value`) without any `loadmodule` directive.
    #[error("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")]
    ModuleConfigWithoutModule,
    /// CONFIG SET named a parameter that does not exist.
    #[error("ERR Unknown option or number of arguments for CONFIG SET - '{name}'")]
    UnknownOption {
        /// The name as the client sent it.
        name: String,
    },
    /// CONFIG SET on a directive that can only be set at startup.
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config")]
    Immutable {
        /// The name as the client sent it.
        name: String,
    },
    /// CONFIG SET on a protected directive (`dir`, `dbfilename`) while `enable-protected-configs` forbids it.
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config")]
    Protected {
        /// The name as the client sent it.
        name: String,
    },
    /// CONFIG SET named the same parameter twice.
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter")]
    Duplicate {
        /// The name as the client sent it (second occurrence).
        name: String,
    },
    /// CONFIG SET with a value the directive rejects.
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    InvalidValue {
        /// The directive name as registered (canonical, or the alias used).
        name: String,
        /// Why the value was rejected (same text as the startup error).
        reason: String,
    },
    /// CONFIG REWRITE on a config that was not loaded from a file.
    #[error("ERR The server is running without a config file")]
    NoConfigFile,
    /// CONFIG REWRITE failed to read or write the file.
    #[error("ERR Rewriting config file: {reason}")]
    Rewrite {
        /// The config file being rewritten.
        path: PathBuf,
        /// The `strerror` text.
        reason: String,
    },
}

/// The `strerror(errno)` part of an I/O error, without Rust's " (os error N)" suffix.
pub(crate) fn strerror(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_error_prints_the_redis_block() {
        let err = ConfigError::Directive {
            file: None,
            line: 2,
            text: "port \"abc\"".into(),
            directive: "port".into(),
            reason: "argument couldn't be parsed into an integer".into(),
        };
        assert_eq!(
            err.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n\
             >>> 'port \"abc\"'\nargument couldn't be parsed into an integer"
        );
    }

    #[test]
    fn strerror_drops_the_os_error_suffix() {
        let err = io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&err), "No such file or directory");
    }

    #[test]
    fn set_errors_are_reply_texts() {
        let cases = [
            (
                ConfigError::UnknownOption { name: "foo".into() },
                "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
            ),
            (
                ConfigError::Immutable { name: "databases".into() },
                "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
            ),
            (
                ConfigError::Duplicate { name: "port".into() },
                "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }
}
