//! Key specifications: where a command's keys sit in its arguments and what it does with them. They
//! drive COMMAND INFO's `key specs`, COMMAND GETKEYS and cluster routing.
//!
//! A spec first finds where its keys begin (a fixed index, or just after a keyword) and then how
//! many follow (a range, or a count stored in an argument), like Redis 7.0's key specs.

/// The command only reads the key's value.
pub const RO: u32 = 1 << 0;
/// The command reads and writes the key's value.
pub const RW: u32 = 1 << 1;
/// The command overwrites the key's value without reading it.
pub const OW: u32 = 1 << 2;
/// The command deletes the key.
pub const RM: u32 = 1 << 3;
/// The value is returned, copied or used (not just its metadata).
pub const ACCESS: u32 = 1 << 4;
/// The value is updated (overwritten or modified in place).
pub const UPDATE: u32 = 1 << 5;
/// Data is added to the value, nothing is changed or removed.
pub const INSERT: u32 = 1 << 6;
/// Data is removed from the value.
pub const DELETE: u32 = 1 << 7;
/// The argument is not a real key, but routes like one (SPUBLISH's channel).
pub const NOT_KEY: u32 = 1 << 8;
/// The spec may miss keys, so argument parsing is needed to find them all.
pub const INCOMPLETE: u32 = 1 << 9;
/// The flags depend on the other arguments (SET ... GET).
pub const VARIABLE_FLAGS: u32 = 1 << 10;

/// Flag names in the order COMMAND INFO prints them.
pub const FLAG_NAMES: &[(u32, &str)] = &[
    (RO, "RO"),
    (RW, "RW"),
    (OW, "OW"),
    (RM, "RM"),
    (ACCESS, "access"),
    (UPDATE, "update"),
    (INSERT, "insert"),
    (DELETE, "delete"),
    (NOT_KEY, "not_key"),
    (INCOMPLETE, "incomplete"),
    (VARIABLE_FLAGS, "variable_flags"),
];

/// The names of the key spec flags set in `flags`, in [`FLAG_NAMES`] order.
pub fn flag_names(flags: u32) -> impl Iterator<Item = &'static str> {
    FLAG_NAMES.iter().filter(move |(bit, _)| flags & bit != 0).map(|(_, name)| *name)
}

/// Where a spec's keys begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index(i32),
    /// Just after `keyword`, searched from `start_from` (negative: from the end, backwards).
    Keyword {
        /// The keyword, matched case-insensitively.
        keyword: &'static str,
        /// Where the search starts.
        start_from: i32,
    },
    /// Not expressible; the command parses its arguments itself.
    Unknown,
}

/// How many keys follow the beginning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `last_key` (>= 0: relative to the first key; < 0: counted from the end), every `key_step`
    /// arguments; with `limit` > 0 only the first 1/limit of the remaining arguments.
    Range {
        /// Last key position.
        last_key: i32,
        /// Distance between keys.
        key_step: i32,
        /// Divisor of the remaining arguments, 0 for none.
        limit: i32,
    },
    /// The number of keys is in the argument at `keynum_idx` (relative to the beginning); keys start
    /// `first_key` after the beginning.
    Keynum {
        /// Index of the count argument, relative to the beginning.
        keynum_idx: i32,
        /// Index of the first key, relative to the beginning.
        first_key: i32,
        /// Distance between keys.
        key_step: i32,
    },
    /// Not expressible.
    Unknown,
}

/// One key specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// Free-text remark printed by COMMAND INFO.
    pub notes: Option<&'static str>,
    /// Bitwise OR of this module's flags.
    pub flags: u32,
    /// Where the keys begin.
    pub begin: BeginSearch,
    /// How the keys are found from there.
    pub find: FindKeys,
}

impl KeySpec {
    /// A spec from its parts.
    pub const fn new(flags: u32, begin: BeginSearch, find: FindKeys) -> Self {
        KeySpec { notes: None, flags, begin, find }
    }

    /// The same spec with a remark.
    pub const fn notes(mut self, notes: &'static str) -> Self {
        self.notes = Some(notes);
        self
    }

    /// Flag names as COMMAND INFO prints them.
    pub fn flag_names(&self) -> impl Iterator<Item = &'static str> {
        flag_names(self.flags)
    }

    /// A one-line rendering (`RO,access index(1) range(0,1,0)`), the format of the captured test data.
    pub fn describe(&self) -> String {
        let flags: Vec<&str> = self.flag_names().collect();
        let begin = match self.begin {
            BeginSearch::Index(index) => format!("index({index})"),
            BeginSearch::Keyword { keyword, start_from } => format!("keyword({keyword},{start_from})"),
            BeginSearch::Unknown => "unknown".to_string(),
        };
        let find = match self.find {
            FindKeys::Range { last_key, key_step, limit } => format!("range({last_key},{key_step},{limit})"),
            FindKeys::Keynum { keynum_idx, first_key, key_step } => {
                format!("keynum({keynum_idx},{first_key},{key_step})")
            }
            FindKeys::Unknown => "unknown".to_string(),
        };
        let mut text = format!("{} {begin} {find}", flags.join(","));
        if let Some(notes) = self.notes {
            text.push_str(&format!(" notes=\"{notes}\""));
        }
        text
    }
}

/// One key at argument `index`.
pub const fn key_at(flags: u32, index: i32) -> KeySpec {
    KeySpec::new(flags, BeginSearch::Index(index), FindKeys::Range { last_key: 0, key_step: 1, limit: 0 })
}

/// Keys from argument `index` up to `last_key` (see [`FindKeys::Range`]), every `step` arguments.
pub const fn keys_from(flags: u32, index: i32, last_key: i32, step: i32) -> KeySpec {
    KeySpec::new(flags, BeginSearch::Index(index), FindKeys::Range { last_key, key_step: step, limit: 0 })
}

/// One key just after `keyword`, searched forwards from argument `start_from` (GEORADIUS ... STORE key).
pub const fn after_keyword(flags: u32, keyword: &'static str, start_from: i32) -> KeySpec {
    KeySpec::new(
        flags,
        BeginSearch::Keyword { keyword, start_from },
        FindKeys::Range { last_key: 0, key_step: 1, limit: 0 },
    )
}

/// A spec Redis marks `unknown`: its keys are found only by parsing the arguments (see
/// [`movable_keys`]), like SORT's BY/GET patterns and STORE destination.
pub const fn unknown(flags: u32) -> KeySpec {
    KeySpec::new(flags, BeginSearch::Unknown, FindKeys::Unknown)
}

/// The keys of commands whose key specs cannot find them all, or whose flags depend on the
/// arguments (VARIABLE_FLAGS), by parsing their arguments (Redis's `getkeys_proc`); `None` for
/// commands without such a parser.
pub fn movable_keys(id: crate::CommandId, argv: &[impl AsRef<[u8]>]) -> Option<Vec<KeyRef>> {
    match id {
        crate::CommandId::Set => Some(vec![KeyRef { pos: 1, flags: set_key_flags(argv) }]),
        crate::CommandId::BitField => Some(vec![KeyRef { pos: 1, flags: bitfield_key_flags(argv) }]),
        crate::CommandId::Sort => Some(sort_keys(argv)),
        crate::CommandId::SortRo => Some(vec![KeyRef { pos: 1, flags: RO | ACCESS }]),
        // Sorted sets: Redis's `genericGetKeys` (store key, key count, first key positions).
        crate::CommandId::ZUnion
        | crate::CommandId::ZInter
        | crate::CommandId::ZDiff
        | crate::CommandId::ZInterCard => Some(counted_keys(argv, None, 1, RO | ACCESS)),
        crate::CommandId::ZUnionStore | crate::CommandId::ZInterStore | crate::CommandId::ZDiffStore => {
            Some(counted_keys(argv, Some(1), 2, RO | ACCESS))
        }
        crate::CommandId::ZMPop => Some(counted_keys(argv, None, 1, RW | ACCESS | DELETE)),
        crate::CommandId::BZMPop => Some(counted_keys(argv, None, 2, RW | ACCESS | DELETE)),
        _ => None,
    }
}

/// SET reads its key only with GET.
fn set_key_flags(argv: &[impl AsRef<[u8]>]) -> u32 {
    if argv.iter().skip(3).any(|arg| arg.as_ref().eq_ignore_ascii_case(b"get")) {
        RW | ACCESS | UPDATE
    } else {
        OW | UPDATE
    }
}

/// BITFIELD only reads its key when every subcommand is a complete GET (or OVERFLOW); anything
/// else, a syntax error included, counts as a write.
fn bitfield_key_flags(argv: &[impl AsRef<[u8]>]) -> u32 {
    let mut i = 2;
    while i < argv.len() {
        let arg = argv[i].as_ref();
        let remaining = argv.len() - i - 1;
        if arg.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            i += 3;
        } else if arg.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            i += 2;
        } else {
            return RW | ACCESS | UPDATE;
        }
    }
    RO | ACCESS
}

/// Keys counted by the argument at `count_at` (read like C's `atoi`) and following it, then the
/// store key at `store_at` if any: Redis's `genericGetKeys`, the fallback when the key specs do not
/// fit the arguments. No keys when the count is below 1 or exceeds the arguments.
fn counted_keys(argv: &[impl AsRef<[u8]>], store_at: Option<usize>, count_at: usize, flags: u32) -> Vec<KeyRef> {
    let count = argv.get(count_at).map_or(0, |arg| atoi(arg.as_ref()));
    let first = count_at + 1;
    let available = argv.len().saturating_sub(first);
    let Ok(count) = usize::try_from(count) else {
        return Vec::new();
    };
    if count < 1 || count > available {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (first..first + count).map(|pos| KeyRef { pos, flags }).collect();
    if let Some(pos) = store_at {
        keys.push(KeyRef { pos, flags: OW | UPDATE });
    }
    keys
}

/// C's `atoi`: optional leading whitespace and sign, then digits up to the first other byte.
fn atoi(bytes: &[u8]) -> i64 {
    let text = bytes.iter().skip_while(|b| b.is_ascii_whitespace()).copied().collect::<Vec<u8>>();
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, &text[..]),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')));
    if negative {
        -value
    } else {
        value
    }
}

/// SORT's keys: the sorted key, and the destination of the last `STORE` (skipping the arguments of
/// LIMIT, GET and BY, so `GET store` is not mistaken for the option).
fn sort_keys(argv: &[impl AsRef<[u8]>]) -> Vec<KeyRef> {
    let mut keys = vec![KeyRef { pos: 1, flags: RO | ACCESS }];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let arg = argv[i].as_ref();
        if arg.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if arg.eq_ignore_ascii_case(b"get") || arg.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push(KeyRef { pos, flags: OW | UPDATE });
    }
    keys
}

/// A key found in a command's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    /// Argument index (0 is the command name).
    pub pos: usize,
    /// Flags of the spec that found it.
    pub flags: u32,
}

/// Finds the keys of `argv` (command name first) with `specs`, skipping NOT_KEY specs.
///
/// `None` means a spec does not fit the arguments (a syntax error the command itself would report,
/// or a spec that cannot find every key); Redis then falls back to the command's own key parser.
pub fn find_keys(specs: &[KeySpec], argv: &[impl AsRef<[u8]>]) -> Option<Vec<KeyRef>> {
    let argc = i64::try_from(argv.len()).ok()?;
    let mut keys = Vec::new();
    for spec in specs.iter().filter(|spec| spec.flags & NOT_KEY == 0) {
        let begin = match spec.begin {
            BeginSearch::Index(index) => i64::from(index),
            BeginSearch::Keyword { keyword, start_from } => match find_keyword(argv, keyword, start_from) {
                Some(found) => found + 1,
                None => continue,
            },
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match spec.find {
            FindKeys::Range { last_key, key_step, limit } => {
                let last = if last_key >= 0 {
                    begin + i64::from(last_key)
                } else if limit <= 0 {
                    argc + i64::from(last_key)
                } else {
                    begin + (argc - begin) / i64::from(limit) + i64::from(last_key)
                };
                (begin, last, i64::from(key_step))
            }
            FindKeys::Keynum { keynum_idx, first_key, key_step } => {
                let count_at = usize::try_from(begin + i64::from(keynum_idx)).ok()?;
                let count = parse_count(argv.get(count_at)?.as_ref())?;
                let first = begin + i64::from(first_key);
                (first, first + count - 1, i64::from(key_step))
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut pos = first;
        while pos <= last {
            keys.push(KeyRef { pos: usize::try_from(pos).ok()?, flags: spec.flags });
            pos += step.max(1);
        }
        if spec.flags & INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// Index of `keyword` in `argv`, searched like Redis: forwards from `start_from` up to (not including)
/// the last argument, or backwards from `argc + start_from` down to (not including) argument 1.
fn find_keyword(argv: &[impl AsRef<[u8]>], keyword: &str, start_from: i32) -> Option<i64> {
    let argc = i64::try_from(argv.len()).ok()?;
    let start = if start_from > 0 { i64::from(start_from) } else { argc + i64::from(start_from) };
    let end = if start_from > 0 { argc - 1 } else { 1 };
    let forward = start <= end;
    let mut index = start;
    while index != end {
        if index >= argc || index < 1 {
            break;
        }
        let arg = argv.get(usize::try_from(index).ok()?)?;
        if arg.as_ref().eq_ignore_ascii_case(keyword.as_bytes()) {
            return Some(index);
        }
        index += if forward { 1 } else { -1 };
    }
    None
}

/// A key count argument: a non-negative decimal integer.
fn parse_count(arg: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(arg).ok()?;
    let valid = !text.is_empty() && !text.starts_with('+') && (text == "0" || !text.starts_with('0'));
    let count: i64 = if valid {
        text.parse().ok()?
    } else {
        return None;
    };
    (count >= 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(specs: &[KeySpec], words: &[&str]) -> Option<Vec<usize>> {
        find_keys(specs, words).map(|keys| keys.iter().map(|k| k.pos).collect())
    }

    #[test]
    fn finds_keys_like_redis() {
        let mset = [keys_from(OW | UPDATE, 1, -1, 2)];
        assert_eq!(positions(&mset, &["mset", "a", "b", "c"]), Some(vec![1, 3]));
        assert_eq!(positions(&mset, &["mset", "a", "b", "c", "d"]), Some(vec![1, 3]));
        let bitop = [key_at(OW | UPDATE, 2), keys_from(RO | ACCESS, 3, -1, 1)];
        assert_eq!(positions(&bitop, &["bitop", "and", "d", "a", "b"]), Some(vec![2, 3, 4]));
        assert_eq!(positions(&bitop, &["bitop", "and", "d"]), None);
        let keynum =
            [KeySpec::new(RO, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
        assert_eq!(positions(&keynum, &["eval", "s", "2", "a", "b", "x"]), Some(vec![3, 4]));
        assert_eq!(positions(&keynum, &["eval", "s", "0"]), None);
        assert_eq!(positions(&keynum, &["eval", "s", "-1", "a"]), None);
        let store = [KeySpec::new(
            OW,
            BeginSearch::Keyword { keyword: "STORE", start_from: 1 },
            FindKeys::Range { last_key: 0, key_step: 1, limit: 0 },
        )];
        assert_eq!(positions(&store, &["x", "k", "store", "d", "y"]), Some(vec![3]));
        assert_eq!(positions(&store, &["x", "k", "y"]), Some(vec![]));
    }

    #[test]
    fn sort_keys_follow_redis_parser() {
        let find =
            |words: &[&str]| -> Vec<(usize, u32)> { sort_keys(words).iter().map(|k| (k.pos, k.flags)).collect() };
        assert_eq!(find(&["sort", "k"]), vec![(1, RO | ACCESS)]);
        assert_eq!(find(&["sort", "k", "store", "d"]), vec![(1, RO | ACCESS), (3, OW | UPDATE)]);
        assert_eq!(
            find(&["sort", "k", "limit", "store", "x", "STORE", "d2", "get", "store"]),
            vec![(1, RO | ACCESS), (6, OW | UPDATE)]
        );
        assert_eq!(find(&["sort", "k", "store"]), vec![(1, RO | ACCESS)]);
        assert_eq!(
            find(&["sort", "k", "by", "store", "store", "a", "store", "b"]),
            vec![(1, RO | ACCESS), (7, OW | UPDATE)]
        );
    }

    #[test]
    fn describes_specs() {
        assert_eq!(key_at(RO | ACCESS, 1).describe(), "RO,access index(1) range(0,1,0)");
        assert_eq!(key_at(RW, 1).notes("why").describe(), "RW index(1) range(0,1,0) notes=\"why\"");
    }
}
