//! Command documentation as COMMAND DOCS prints it: summary, versions, complexity, history and the
//! argument tree. The entries themselves are in `docs_table.rs`; this module has their types, the
//! `const fn` builders the entries are written with, and the lookup.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The kind of an argument (COMMAND DOCS `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// A key name.
    Key,
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A double.
    Double,
    /// A glob-style pattern.
    Pattern,
    /// A Unix time.
    UnixTime,
    /// A token alone (`NX`).
    PureToken,
    /// Exactly one of the nested arguments.
    OneOf,
    /// All of the nested arguments, in order.
    Block,
}

impl ArgType {
    /// The name COMMAND DOCS prints.
    pub fn name(self) -> &'static str {
        match self {
            ArgType::Key => "key",
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::OneOf => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// The argument may be left out.
pub const ARG_OPTIONAL: u8 = 1 << 0;
/// The argument may repeat.
pub const ARG_MULTIPLE: u8 = 1 << 1;
/// The argument repeats together with its token.
pub const ARG_MULTIPLE_TOKEN: u8 = 1 << 2;

/// Argument flag names in the order COMMAND DOCS prints them.
pub const ARG_FLAG_NAMES: &[(u8, &str)] =
    &[(ARG_OPTIONAL, "optional"), (ARG_MULTIPLE, "multiple"), (ARG_MULTIPLE_TOKEN, "multiple_token")];

/// One node of a command's argument tree.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Argument name.
    pub name: &'static str,
    /// Argument kind.
    pub kind: ArgType,
    /// For keys: index of the key spec that finds it.
    pub key_spec_index: i32,
    /// The token that introduces it (`EX`), if any.
    pub token: Option<&'static str>,
    /// Version that added it.
    pub since: Option<&'static str>,
    /// Version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// Bitwise OR of `ARG_*` flags.
    pub flags: u8,
    /// Nested arguments of ONEOF and BLOCK.
    pub args: &'static [Arg],
}

const fn arg(name: &'static str, kind: ArgType) -> Arg {
    Arg { name, kind, key_spec_index: -1, token: None, since: None, deprecated_since: None, flags: 0, args: &[] }
}

/// A key argument found by key spec `spec_index`.
pub const fn key(name: &'static str, spec_index: i32) -> Arg {
    Arg { key_spec_index: spec_index, ..arg(name, ArgType::Key) }
}

/// A string argument.
pub const fn string(name: &'static str) -> Arg {
    arg(name, ArgType::String)
}

/// An integer argument.
pub const fn integer(name: &'static str) -> Arg {
    arg(name, ArgType::Integer)
}

/// A double argument.
pub const fn double(name: &'static str) -> Arg {
    arg(name, ArgType::Double)
}

/// A pattern argument.
pub const fn pattern(name: &'static str) -> Arg {
    arg(name, ArgType::Pattern)
}

/// A Unix time argument.
pub const fn unix_time(name: &'static str) -> Arg {
    arg(name, ArgType::UnixTime)
}

/// A token on its own.
pub const fn pure(name: &'static str, token: &'static str) -> Arg {
    Arg { token: Some(token), ..arg(name, ArgType::PureToken) }
}

/// One of `args`.
pub const fn oneof(name: &'static str, args: &'static [Arg]) -> Arg {
    Arg { args, ..arg(name, ArgType::OneOf) }
}

/// All of `args`, in order.
pub const fn block(name: &'static str, args: &'static [Arg]) -> Arg {
    Arg { args, ..arg(name, ArgType::Block) }
}

impl Arg {
    /// Introduced by `token`.
    pub const fn token(self, token: &'static str) -> Self {
        Arg { token: Some(token), ..self }
    }

    /// Added in `version`.
    pub const fn since(self, version: &'static str) -> Self {
        Arg { since: Some(version), ..self }
    }

    /// Deprecated since `version`.
    pub const fn deprecated_since(self, version: &'static str) -> Self {
        Arg { deprecated_since: Some(version), ..self }
    }

    /// May be left out.
    pub const fn optional(self) -> Self {
        Arg { flags: self.flags | ARG_OPTIONAL, ..self }
    }

    /// May repeat.
    pub const fn multiple(self) -> Self {
        Arg { flags: self.flags | ARG_MULTIPLE, ..self }
    }

    /// Repeats with its token.
    pub const fn multiple_token(self) -> Self {
        Arg { flags: self.flags | ARG_MULTIPLE_TOKEN, ..self }
    }

    /// Flag names as COMMAND DOCS prints them.
    pub fn flag_names(&self) -> impl Iterator<Item = &'static str> {
        let flags = self.flags;
        ARG_FLAG_NAMES.iter().filter(move |(bit, _)| flags & bit != 0).map(|(_, name)| *name)
    }
}

/// The command is deprecated.
pub const DOC_DEPRECATED: u8 = 1 << 0;
/// The command is internal (replication, cluster bus).
pub const DOC_SYSCMD: u8 = 1 << 1;

/// The documentation of one command or subcommand.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// Full lowercase name (`config|get`).
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Version that added the command.
    pub since: &'static str,
    /// Time complexity; empty when Redis documents none.
    pub complexity: &'static str,
    /// Bitwise OR of `DOC_*` flags.
    pub doc_flags: u8,
    /// Version that deprecated the command.
    pub deprecated_since: Option<&'static str>,
    /// What replaces a deprecated command.
    pub replaced_by: Option<&'static str>,
    /// (version, change) pairs.
    pub history: &'static [(&'static str, &'static str)],
    /// The argument tree.
    pub args: &'static [Arg],
}

/// Documentation of `name`.
pub const fn doc(name: &'static str, summary: &'static str, since: &'static str, complexity: &'static str) -> Doc {
    Doc {
        name,
        summary,
        since,
        complexity,
        doc_flags: 0,
        deprecated_since: None,
        replaced_by: None,
        history: &[],
        args: &[],
    }
}

impl Doc {
    /// Marks the command deprecated.
    pub const fn deprecated(self) -> Self {
        Doc { doc_flags: self.doc_flags | DOC_DEPRECATED, ..self }
    }

    /// Marks the command internal.
    pub const fn syscmd(self) -> Self {
        Doc { doc_flags: self.doc_flags | DOC_SYSCMD, ..self }
    }

    /// Deprecated since `version`.
    pub const fn deprecated_since(self, version: &'static str) -> Self {
        Doc { deprecated_since: Some(version), ..self }
    }

    /// Replaced by `what`.
    pub const fn replaced_by(self, what: &'static str) -> Self {
        Doc { replaced_by: Some(what), ..self }
    }

    /// Version history.
    pub const fn history(self, history: &'static [(&'static str, &'static str)]) -> Self {
        Doc { history, ..self }
    }

    /// Argument tree.
    pub const fn args(self, args: &'static [Arg]) -> Self {
        Doc { args, ..self }
    }

    /// Doc flag names as COMMAND DOCS prints them.
    pub fn flag_names(&self) -> impl Iterator<Item = &'static str> {
        let flags = self.doc_flags;
        [(DOC_DEPRECATED, "deprecated"), (DOC_SYSCMD, "syscmd")]
            .into_iter()
            .filter(move |(bit, _)| flags & bit != 0)
            .map(|(_, name)| name)
    }
}

/// Every documentation entry.
pub fn all() -> &'static [Doc] {
    crate::docs_table::DOCS
}

/// The documentation of the command with full name `name` (lowercase), if the table has it.
pub fn lookup(name: &str) -> Option<&'static Doc> {
    static INDEX: OnceLock<HashMap<&'static str, &'static Doc>> = OnceLock::new();
    INDEX.get_or_init(|| crate::docs_table::DOCS.iter().map(|doc| (doc.name, doc)).collect()).get(name).copied()
}
