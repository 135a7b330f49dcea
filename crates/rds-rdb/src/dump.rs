//! DUMP/RESTORE payloads: `<type> <value body> <u16 LE RDB version> <u64 LE CRC-64 of the rest>`.

use std::cell::RefCell;

use rds_storage::Value;

use crate::decode::value::read_value;
use crate::decode::LoadLimits;
use crate::encode::{type_code, StringWriter};
use crate::error::{RdbError, Result};
use crate::io::Source;
use crate::{CRC64, RDB_VERSION};

/// Bytes of the footer: version and checksum.
const FOOTER_LEN: usize = 10;

/// The DUMP payload of `value`, compressing strings as with `rdbcompression yes`.
pub fn dump_payload(value: &Value) -> Vec<u8> {
    dump_payload_with(value, true)
}

/// The DUMP payload of `value`; `compression` is `rdbcompression`.
pub fn dump_payload_with(value: &Value, compression: bool) -> Vec<u8> {
    thread_local! {
        // One writer per thread keeps the LZF hash table (512 KiB) across calls.
        static STRINGS: RefCell<StringWriter> = RefCell::new(StringWriter::new(true));
    }
    let mut out = vec![type_code(value)];
    STRINGS.with(|strings| {
        let mut strings = strings.borrow_mut();
        strings.set_compression(compression);
        // Writing to a Vec cannot fail.
        let _ = crate::encode::write_body(&mut out, value, &mut strings);
    });
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks a payload's footer: an RDB version this crate reads and, when `check_crc`, the CRC-64
/// (RESTORE's "DUMP payload version or checksum are wrong" when this fails).
pub fn verify_payload(payload: &[u8], check_crc: bool) -> Result<()> {
    let Some(body_len) = payload.len().checked_sub(FOOTER_LEN) else {
        return Err(RdbError::Truncated { offset: payload.len() as u64 });
    };
    let footer = &payload[body_len..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return Err(RdbError::UnsupportedVersion(u32::from(version)));
    }
    if !check_crc {
        return Ok(());
    }
    let mut stored = [0u8; 8];
    stored.copy_from_slice(&footer[2..]);
    let expected = u64::from_le_bytes(stored);
    let actual = CRC64.checksum(&payload[..body_len + 2]);
    if expected != actual {
        return Err(RdbError::Checksum { expected, actual });
    }
    Ok(())
}

/// Decodes the value of a payload without checking its footer (call [`verify_payload`] first).
/// An empty collection is an error, as in Redis ("Bad data format"). Like Redis, the value is read
/// from the whole payload: bytes after it are ignored, and a value may run into the footer.
pub fn decode_payload(payload: &[u8], limits: &LoadLimits) -> Result<Value> {
    let mut src = Source::new(payload);
    let type_code = src.byte()?;
    read_value(&mut src, type_code, b"", limits)?.ok_or_else(|| RdbError::corrupt(1, "empty collection"))
}

/// Checks and decodes a payload with Redis's default encoding limits.
pub fn restore_payload(payload: &[u8]) -> Result<Value> {
    verify_payload(payload, true)?;
    decode_payload(payload, &LoadLimits::default())
}
