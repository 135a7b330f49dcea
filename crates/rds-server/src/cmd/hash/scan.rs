//! HSCAN, and the cursor/option handling SSCAN shares: Redis parses the cursor before looking the
//! key up and the options after, so a missing key answers an empty scan whatever its options.

use rds_resp::ReplyBuf;
use rds_storage::glob::glob_match;
use rds_storage::Value;

use crate::cmd::keys::scan::parse_cursor;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// The options of HSCAN/SSCAN.
pub(crate) struct ScanOptions<'a> {
    /// COUNT: elements wanted per call (a hint; compact encodings return everything).
    pub count: usize,
    /// MATCH: the glob pattern, `None` for `*` (which skips matching, as in Redis).
    pub pattern: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// True when `element` passes the MATCH filter.
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern.is_none_or(|pattern| glob_match(pattern, element, false))
    }

    /// How many buckets a hash-table scan may visit: Redis gives up after `10 * COUNT`.
    pub fn bucket_budget(&self) -> usize {
        self.count.saturating_mul(10)
    }
}

/// The cursor of argument 2, or `ERR invalid cursor`.
pub(crate) fn scan_cursor(ctx: &Ctx) -> Result<u64, CommandError> {
    parse_cursor(ctx.arg(2)).ok_or_else(|| CommandError::err("invalid cursor"))
}

/// Parses `[MATCH pattern] [COUNT count]` from argument 3 on (TYPE is only for SCAN).
pub(crate) fn scan_options<'a>(ctx: &Ctx<'a>) -> Result<ScanOptions<'a>, CommandError> {
    let mut options = ScanOptions { count: 10, pattern: None };
    let mut index = 3;
    while index < ctx.argc() {
        let has_value = index + 1 < ctx.argc();
        if ctx.arg_is(index, "count") && has_value {
            let count = ctx.int_arg(index + 1)?;
            if count < 1 {
                return Err(CommandError::Syntax);
            }
            options.count = usize::try_from(count).unwrap_or(usize::MAX);
        } else if ctx.arg_is(index, "match") && has_value {
            let pattern = ctx.arg(index + 1);
            options.pattern = (pattern != b"*").then_some(pattern);
        } else {
            return Err(CommandError::Syntax);
        }
        index += 2;
    }
    Ok(options)
}

/// Writes a scan reply: the next cursor, then `elements` (already encoded bulk strings) of `len`.
pub(crate) fn write_scan_reply(out: &mut ReplyBuf, cursor: u64, len: usize, elements: &ReplyBuf) {
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(len);
    out.raw(&elements.buf);
}

/// The reply to a scan of a missing key: cursor 0, no elements.
pub(crate) fn write_empty_scan(out: &mut ReplyBuf) {
    out.raw(b"*2\r\n$1\r\n0\r\n*0\r\n");
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]: fields and values, flat.
pub fn hscan(ctx: &mut Ctx) -> CmdResult {
    let mut cursor = scan_cursor(ctx)?;
    let key = ctx.arg(1);
    // Option errors only count once the key is known to be a hash.
    let options = scan_options(ctx);
    let (hash, out) = match ctx.lookup_read_with_out(key) {
        (Some(Value::Hash(hash)), out) => (hash, out),
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => {
            write_empty_scan(out);
            return Ok(());
        }
    };
    let options = options?;
    // Encoded into a scratch buffer first: the number of elements is only known at the end.
    let mut elements = ReplyBuf::new();
    let (mut visited, mut kept) = (0usize, 0usize);
    let mut budget = options.bucket_budget();
    loop {
        cursor = hash.scan(cursor, |field, value| {
            visited += 2;
            if options.matches(field) {
                elements.bulk(field);
                elements.bulk(value);
                kept += 2;
            }
        });
        if cursor == 0 || budget == 0 || visited >= options.count {
            break;
        }
        budget -= 1;
    }
    write_scan_reply(out, cursor, kept, &elements);
    Ok(())
}
