//! HSCAN, and the cursor/option handling SSCAN shares: Redis parses the cursor before looking the
//! key up and the options after, so a missing key answers an empty scan whatever its options.

use rds_resp::ReplyBuf;
use rds_storage::Value;

use crate::cmd::keys::scan::{parse_cursor, parse_scan_options, ScanOptions};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// The cursor of argument 2, or `ERR invalid cursor`.
pub(crate) fn scan_cursor(ctx: &Ctx) -> Result<u64, CommandError> {
    parse_cursor(ctx.arg(2)).ok_or_else(|| CommandError::err("invalid cursor"))
}

/// Parses `[MATCH pattern] [COUNT count]` from argument 3 on (TYPE is only for SCAN).
pub(crate) fn scan_options<'a>(ctx: &Ctx<'a>) -> Result<ScanOptions<'a>, CommandError> {
    parse_scan_options(ctx, 3, false)
}

/// What a key scan gathered: the encoded elements and their counts.
#[derive(Default)]
pub(crate) struct ScanTally {
    /// The kept elements, encoded as bulk strings.
    pub elements: ReplyBuf,
    /// Elements seen, kept or not (what COUNT is measured against).
    pub visited: usize,
    /// Elements kept (the length of the reply's inner array).
    pub kept: usize,
}

/// Runs a budgeted scan from `cursor` and writes its reply. `step` scans one bucket from the cursor
/// it is given into the tally and returns the next cursor; like Redis, scanning stops when the scan
/// is complete, COUNT elements were seen, or after `10 * COUNT` buckets.
pub(crate) fn scan_and_reply(
    out: &mut ReplyBuf,
    options: &ScanOptions,
    mut cursor: u64,
    mut step: impl FnMut(u64, &mut ScanTally) -> u64,
) {
    // Encoded into a scratch buffer first: the number of elements is only known at the end.
    let mut tally = ScanTally::default();
    let mut budget = options.bucket_budget();
    loop {
        cursor = step(cursor, &mut tally);
        if cursor == 0 || budget == 0 || tally.visited >= options.count {
            break;
        }
        budget -= 1;
    }
    write_scan_reply(out, cursor, tally.kept, &tally.elements);
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
    let cursor = scan_cursor(ctx)?;
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
    scan_and_reply(out, &options, cursor, |cursor, tally| {
        hash.scan(cursor, |field, value| {
            tally.visited += 2;
            if options.matches(field) {
                tally.elements.bulk(field);
                tally.elements.bulk(value);
                tally.kept += 2;
            }
        })
    });
    Ok(())
}
