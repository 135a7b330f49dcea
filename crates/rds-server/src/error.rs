//! [`CommandError`]: an error *reply*, not a failure of the connection. Its text is byte-exact with
//! Redis 7.0 because clients switch on it.

use thiserror::Error;

/// An error reply; Display gives the text after `-`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// `WRONGTYPE`.
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    /// `ERR syntax error`.
    #[error("ERR syntax error")]
    Syntax,
    /// Not an integer, or out of the 64-bit range.
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    /// Not a valid float.
    #[error("ERR value is not a valid float")]
    NotFloat,
    /// An increment or decrement would overflow.
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    /// `ERR no such key`.
    #[error("ERR no such key")]
    NoSuchKey,
    /// Wrong number of arguments for the named command (full name, e.g. `config|get`).
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(String),
    /// Authentication required.
    #[error("NOAUTH Authentication required.")]
    NoAuth,
    /// Bad password.
    #[error("WRONGPASS invalid username-password pair or user is disabled.")]
    WrongPass,
    /// DB index out of range.
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    /// An error with its full text (code included).
    #[error("{0}")]
    Other(String),
}

impl CommandError {
    /// An error with its complete text, code included (`ERR ...`, `BUSYKEY ...`).
    pub fn other(text: impl Into<String>) -> Self {
        CommandError::Other(text.into())
    }

    /// `ERR <message>`.
    pub fn err(message: impl std::fmt::Display) -> Self {
        CommandError::Other(format!("ERR {message}"))
    }
}

/// Result type of command handlers.
pub type CmdResult = Result<(), CommandError>;
