//! The AOF manifest (`<appendfilename>.manifest`): which base, history and incr files make up the
//! append-only file, in Redis 7.0's format (`file <name> seq <n> type <b|h|i>` per line).

use std::path::Path;

use rds_resp::inline::split_args;

/// Longest manifest line Redis accepts.
const MAX_LINE: usize = 1024;

/// The role of a file in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The base (a snapshot).
    Base,
    /// Obsolete after a rewrite, pending deletion.
    History,
    /// Commands appended after the base.
    Incr,
}

impl FileKind {
    fn letter(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }
}

/// One file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// File name inside the AOF directory.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// Its role.
    pub kind: FileKind,
}

/// The manifest: at most one base, history files, and incr files in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file.
    pub base: Option<AofFile>,
    /// Incr files, oldest first.
    pub incrs: Vec<AofFile>,
    /// Files awaiting deletion.
    pub history: Vec<AofFile>,
    /// Sequence of the newest base ever named.
    pub base_seq: u64,
    /// Sequence of the newest incr ever named.
    pub incr_seq: u64,
}

/// Why a manifest could not be read: Redis's message, and the offending line (1-based) if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// Line number, when the error is about a line.
    pub line: Option<(usize, String)>,
    /// Redis's text.
    pub reason: &'static str,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.line {
            Some((number, text)) => {
                write!(f, "{} (reading the manifest file, at line {number}: '{text}')", self.reason)
            }
            None => f.write_str(self.reason),
        }
    }
}

impl Manifest {
    /// Parses a manifest like Redis 7.0's loader: `#` comments, `sdssplitargs` tokens as key/value pairs
    /// in any order (unknown keys ignored), `file`, `seq` and `type` mandatory.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::default();
        let mut lines = 0;
        for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
            if raw.is_empty() && index > 0 {
                continue;
            }
            let shown = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned();
            let fail = |reason| ManifestError { line: Some((index + 1, shown.clone())), reason };
            if raw.len() > MAX_LINE {
                return Err(fail("The AOF manifest file contains too long line"));
            }
            if raw.first() == Some(&b'#') || raw.is_empty() {
                continue;
            }
            lines += 1;
            let file = parse_line(raw).map_err(fail)?;
            manifest.add(file).map_err(fail)?;
        }
        if lines == 0 {
            return Err(ManifestError { line: None, reason: "Found an empty AOF manifest" });
        }
        Ok(manifest)
    }

    fn add(&mut self, file: AofFile) -> Result<(), &'static str> {
        match file.kind {
            FileKind::Base => {
                if self.base.is_some() {
                    return Err("Found duplicate base file information");
                }
                self.base_seq = file.seq;
                self.base = Some(file);
            }
            FileKind::History => self.history.push(file),
            FileKind::Incr => {
                if file.seq <= self.incr_seq {
                    return Err("Found a non-monotonic sequence number");
                }
                self.incr_seq = file.seq;
                self.incrs.push(file);
            }
        }
        Ok(())
    }

    /// The text Redis writes: base, then history, then incr files.
    pub fn format(&self) -> String {
        let mut out = String::new();
        for file in self.base.iter().chain(&self.history).chain(&self.incrs) {
            let name =
                if needs_quoting(&file.name) { crate::dispatch::repr(file.name.as_bytes()) } else { file.name.clone() };
            out.push_str(&format!("file {name} seq {} type {}\n", file.seq, file.kind.letter()));
        }
        out
    }

    /// Names a new base (`<name>.<seq>.base.rdb` or `.aof`) and moves the current one to history.
    pub fn new_base(&mut self, base_name: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = FileKind::History;
            self.history.push(old);
        }
        self.base_seq += 1;
        let name = format!("{base_name}.{}.base.{}", self.base_seq, if rdb { "rdb" } else { "aof" });
        self.base = Some(AofFile { name: name.clone(), seq: self.base_seq, kind: FileKind::Base });
        name
    }

    /// Names and appends a new incr file (`<name>.<seq>.incr.aof`).
    pub fn new_incr(&mut self, base_name: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{base_name}.{}.incr.aof", self.incr_seq);
        self.incrs.push(AofFile { name: name.clone(), seq: self.incr_seq, kind: FileKind::Incr });
        name
    }

    /// After a rewrite: every incr file but the last `keep` becomes history.
    pub fn retire_incrs(&mut self, keep: usize) {
        let retire = self.incrs.len().saturating_sub(keep);
        for mut file in self.incrs.drain(..retire) {
            file.kind = FileKind::History;
            self.history.push(file);
        }
    }

    /// The base and incr files in loading order.
    pub fn files_to_load(&self) -> Vec<&AofFile> {
        self.base.iter().chain(&self.incrs).collect()
    }
}

/// Parses one `file <name> seq <n> type <t>` line.
fn parse_line(raw: &[u8]) -> Result<AofFile, &'static str> {
    const FORMAT: &str = "Invalid AOF manifest file format";
    let line = raw.strip_suffix(b"\r").unwrap_or(raw);
    let args = split_args(line).ok_or(FORMAT)?;
    if args.len() < 6 || args.len() % 2 != 0 {
        return Err(FORMAT);
    }
    let (mut name, mut seq, mut kind) = (None, None, None);
    for pair in args.chunks(2) {
        let (key, value) = (&pair[0], &pair[1]);
        if key.eq_ignore_ascii_case(b"file") {
            let text = String::from_utf8_lossy(value).into_owned();
            if text.contains('/') {
                return Err("File can't be a path, just a filename");
            }
            name = Some(text);
        } else if key.eq_ignore_ascii_case(b"seq") {
            seq = std::str::from_utf8(value).ok().and_then(|s| s.parse::<u64>().ok());
        } else if key.eq_ignore_ascii_case(b"type") {
            kind = Some(match value.as_slice() {
                b"b" => FileKind::Base,
                b"h" => FileKind::History,
                b"i" => FileKind::Incr,
                _ => return Err("Unknown AOF file type"),
            });
        }
    }
    match (name, seq, kind) {
        (Some(name), Some(seq), Some(kind)) if seq > 0 => Ok(AofFile { name, seq, kind }),
        _ => Err(FORMAT),
    }
}

/// Redis's `sdsneedsrepr`: names with spaces, quotes, backslashes or non-printable bytes are quoted.
fn needs_quoting(name: &str) -> bool {
    name.bytes().any(|b| b == b'\\' || b == b'"' || !(0x21..=0x7e).contains(&b))
}

/// Reads the manifest at `path`: `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<Manifest>, String> {
    match std::fs::read(path) {
        Ok(bytes) => {
            Manifest::parse(&bytes).map(Some).map_err(|e| format!("*** FATAL AOF MANIFEST FILE ERROR *** {e}"))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("Fail to read AOF manifest {}: {error}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_like_redis() {
        let text = "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n";
        let manifest = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(manifest.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!((manifest.base_seq, manifest.incr_seq, manifest.incrs.len()), (2, 3, 2));
        assert_eq!(manifest.format(), text);
        let shuffled = "# comment\nseq 1 type i file \"a b\" extra 7\n";
        let manifest = Manifest::parse(shuffled.as_bytes()).unwrap();
        assert_eq!(manifest.incrs[0].name, "a b");
        assert_eq!(manifest.format(), "file \"a b\" seq 1 type i\n");
    }

    #[test]
    fn rejects_what_redis_rejects() {
        let reason = |text: &str| Manifest::parse(text.as_bytes()).unwrap_err().reason;
        assert_eq!(reason(""), "Found an empty AOF manifest");
        assert_eq!(reason("file x seq 1\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file x seq 1 type x\n"), "Unknown AOF file type");
        assert_eq!(reason("file a/b seq 1 type b\n"), "File can't be a path, just a filename");
        assert_eq!(reason("file a seq 1 type b\nfile b seq 2 type b\n"), "Found duplicate base file information");
        assert_eq!(reason("file a seq 2 type i\nfile b seq 2 type i\n"), "Found a non-monotonic sequence number");
        assert_eq!(reason("file a seq 0 type i\n"), "Invalid AOF manifest file format");
        assert_eq!(
            reason(&format!("file {} seq 1 type i\n", "x".repeat(1100))),
            "The AOF manifest file contains too long line"
        );
    }

    #[test]
    fn a_rewrite_moves_the_old_base_and_incrs_to_history() {
        let mut manifest = Manifest::default();
        manifest.new_base("appendonly.aof", true);
        manifest.new_incr("appendonly.aof");
        manifest.new_incr("appendonly.aof");
        let base = manifest.new_base("appendonly.aof", true);
        manifest.retire_incrs(1);
        assert_eq!(base, "appendonly.aof.2.base.rdb");
        assert_eq!(
            manifest.format(),
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        );
    }
}
