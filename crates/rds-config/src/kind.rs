//! The shape of one directive-table entry: [`Directive`], its [`Kind`] and flags, plus `const`
//! builders so that `table.rs` reads like Redis's `static_configs[]`.

/// CONFIG SET refuses it ("can't set immutable config").
pub(crate) const IMMUTABLE: u16 = 1 << 0;
/// CONFIG SET refuses it unless `enable-protected-configs` allows it.
pub(crate) const PROTECTED: u16 = 1 << 1;
/// CONFIG GET returns it only for an exact name, never for a pattern.
pub(crate) const HIDDEN: u16 = 1 << 2;
/// Takes several arguments in a file; CONFIG SET splits its value on single spaces.
pub(crate) const MULTI_ARG: u16 = 1 << 3;
/// Its value must be redacted from logs (requirepass, masterauth, masteruser).
pub(crate) const SENSITIVE: u16 = 1 << 4;
/// CONFIG SET is refused while the dataset is loading.
pub(crate) const DENY_LOADING: u16 = 1 << 5;
/// Only valid in a config file (include, rename-command, user, loadmodule): not in CONFIG GET/SET.
pub(crate) const FILE_ONLY: u16 = 1 << 6;

/// Extra validation of a bool value (Redis `is_valid_fn`).
pub(crate) type BoolCheck = fn(bool) -> Result<(), &'static str>;
/// Extra validation of an enum value.
pub(crate) type EnumCheck = fn(i32) -> Result<(), &'static str>;
/// Extra validation of a string value.
pub(crate) type StrCheck = fn(&[u8]) -> Result<(), &'static str>;

/// How a numeric directive is parsed and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFmt {
    /// Plain decimal (`string2ll`).
    Int,
    /// Bytes with optional unit (`memtoull`); printed as plain bytes, rewritten as `1gb`/`1mb`/`1kb`.
    Memory,
    /// Octal (`unixsocketperm`).
    Octal,
    /// A memory value or a percentage `N%` (stored as `-N`, like Redis).
    MemoryPercent,
}

/// The directives whose parsing and printing are bespoke (Redis `createSpecialConfig`) or file-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    /// `dir`: the working directory, stored absolute.
    Dir,
    /// `save`: pairs of seconds and changes.
    Save,
    /// `client-output-buffer-limit`: per class hard/soft/seconds.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values`: three integers.
    OomScoreAdjValues,
    /// `notify-keyspace-events`: a flag string.
    NotifyKeyspaceEvents,
    /// `bind`: up to 16 addresses.
    Bind,
    /// `replicaof`: host and port, or none.
    ReplicaOf,
    /// `latency-tracking-info-percentiles`: doubles in [0, 100].
    LatencyPercentiles,
    /// `include path`.
    Include,
    /// `rename-command old new`.
    RenameCommand,
    /// `user name rules...`.
    User,
    /// `loadmodule path args...`.
    LoadModule,
}

/// The value type of a directive, with its default and bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// yes/no.
    Bool {
        /// Default value.
        default: bool,
        /// Extra validation.
        check: Option<BoolCheck>,
    },
    /// A number; `unsigned` chooses Redis's unsigned bounds check (uint, size_t, unsigned long long).
    Num {
        /// Lowest accepted value.
        min: i128,
        /// Highest accepted value.
        max: i128,
        /// Default value.
        default: i128,
        /// Whether Redis stores it in an unsigned C type.
        unsigned: bool,
        /// Parse/print format.
        fmt: NumFmt,
    },
    /// One of a fixed set of names (several names, OR-ed, when the directive is MULTI_ARG).
    Enum {
        /// (name, value) pairs in Redis's order.
        values: &'static [(&'static str, i32)],
        /// Default value.
        default: i32,
        /// Extra validation.
        check: Option<EnumCheck>,
    },
    /// A string; `empty_is_null` means "" is "unset" (dropped from the file on rewrite).
    Str {
        /// Default value (`None` = unset).
        default: Option<&'static str>,
        /// Whether an empty value means unset.
        empty_is_null: bool,
        /// Extra validation.
        check: Option<StrCheck>,
    },
    /// Bespoke handling.
    Special(Special),
}

/// One entry of the directive table (Redis `standardConfig`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Directive {
    /// Canonical lowercase name.
    pub name: &'static str,
    /// Old names accepted everywhere (`slaveof` for `replicaof`).
    pub aliases: &'static [&'static str],
    /// Value type, default and bounds.
    pub kind: Kind,
    /// IMMUTABLE, PROTECTED, HIDDEN, ... bits.
    pub flags: u16,
    /// Whether rds acts on the value.
    pub supported: bool,
}

impl Directive {
    const fn new(name: &'static str, kind: Kind) -> Directive {
        Directive { name, aliases: &[], kind, flags: 0, supported: false }
    }

    /// Adds old names.
    pub(crate) const fn alias(mut self, aliases: &'static [&'static str]) -> Directive {
        self.aliases = aliases;
        self
    }

    /// Adds flag bits.
    pub(crate) const fn flags(mut self, flags: u16) -> Directive {
        self.flags |= flags;
        self
    }

    /// Marks the directive as acted on by rds.
    pub(crate) const fn rds(mut self) -> Directive {
        self.supported = true;
        self
    }

    /// Whether a flag bit is set.
    pub(crate) const fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// A yes/no directive.
pub(crate) const fn boolean(name: &'static str, default: bool) -> Directive {
    Directive::new(name, Kind::Bool { default, check: None })
}

/// A yes/no directive with extra validation.
pub(crate) const fn boolean_checked(name: &'static str, default: bool, check: BoolCheck) -> Directive {
    Directive::new(name, Kind::Bool { default, check: Some(check) })
}

const fn num(name: &'static str, min: i128, max: i128, default: i128, unsigned: bool, fmt: NumFmt) -> Directive {
    Directive::new(name, Kind::Num { min, max, default, unsigned, fmt })
}

/// A signed decimal directive.
pub(crate) const fn int(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, false, NumFmt::Int)
}

/// An unsigned decimal directive.
pub(crate) const fn uint(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, true, NumFmt::Int)
}

/// A signed memory directive.
pub(crate) const fn mem(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, false, NumFmt::Memory)
}

/// An unsigned memory directive.
pub(crate) const fn umem(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, true, NumFmt::Memory)
}

/// A memory-or-percent directive.
pub(crate) const fn mem_percent(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, false, NumFmt::MemoryPercent)
}

/// An unsigned octal directive.
pub(crate) const fn octal(name: &'static str, min: i128, max: i128, default: i128) -> Directive {
    num(name, min, max, default, true, NumFmt::Octal)
}

/// An enum directive.
pub(crate) const fn enumeration(name: &'static str, values: &'static [(&'static str, i32)], default: i32) -> Directive {
    Directive::new(name, Kind::Enum { values, default, check: None })
}

/// An enum directive with extra validation.
pub(crate) const fn enumeration_checked(
    name: &'static str,
    values: &'static [(&'static str, i32)],
    default: i32,
    check: EnumCheck,
) -> Directive {
    Directive::new(name, Kind::Enum { values, default, check: Some(check) })
}

/// A string directive where "" means unset.
pub(crate) const fn string(name: &'static str) -> Directive {
    Directive::new(name, Kind::Str { default: None, empty_is_null: true, check: None })
}

/// A string directive that keeps "" as a value, with a default.
pub(crate) const fn string_or_empty(name: &'static str, default: &'static str, check: Option<StrCheck>) -> Directive {
    Directive::new(name, Kind::Str { default: Some(default), empty_is_null: false, check })
}

/// A string directive where "" means unset, with validation.
pub(crate) const fn string_checked(name: &'static str, check: StrCheck) -> Directive {
    Directive::new(name, Kind::Str { default: None, empty_is_null: true, check: Some(check) })
}

/// A bespoke directive.
pub(crate) const fn special(name: &'static str, which: Special) -> Directive {
    Directive::new(name, Kind::Special(which))
}
