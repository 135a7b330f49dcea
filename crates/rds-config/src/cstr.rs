//! The string conversions Redis's config code uses (`string2ll`, `strtoll`, `memtoull`, `sdscatrepr`,
//! `trimDoubleString`), reproduced byte for byte because they decide which values are accepted and how
//! values print.

/// Redis `string2ll`: strict decimal `i64` (no spaces, no `+`, no leading zeros, at most 20 bytes).
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if value > i64::MAX as u64 + 1 {
            return None;
        }
        Some(0i64.wrapping_sub_unsigned(value))
    } else {
        i64::try_from(value).ok()
    }
}

/// C `isspace` in the "C" locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C `strtoll(s, &end, base)` followed by Redis's usual `*end == '\0'` check: `Some(value)` only when the
/// whole input was consumed. Like glibc, an empty input converts to 0 and overflow clamps.
pub(crate) fn strtoll_full(s: &[u8], base: u32) -> Option<i64> {
    strtoll(s, base).map(|(value, _)| value)
}

/// Like [`strtoll_full`] but also fails on overflow (Redis checks `errno` for octal values).
pub(crate) fn strtoll_checked(s: &[u8], base: u32) -> Option<i64> {
    strtoll(s, base).filter(|(_, overflow)| !overflow).map(|(value, _)| value)
}

/// (value, overflowed) when all of `s` converts.
fn strtoll(s: &[u8], base: u32) -> Option<(i64, bool)> {
    if s.is_empty() {
        return Some((0, false));
    }
    let start = s.iter().position(|&b| !is_c_space(b)).unwrap_or(s.len());
    let mut rest = &s[start..];
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    if rest.is_empty() {
        return None;
    }
    let mut magnitude: u128 = 0;
    for &b in rest {
        let digit = char::from(b).to_digit(base)?;
        magnitude = (magnitude * u128::from(base) + u128::from(digit)).min(u128::from(u64::MAX) + 1);
    }
    let signed = if negative { -(magnitude as i128) } else { magnitude as i128 };
    match i64::try_from(signed) {
        Ok(value) => Some((value, false)),
        Err(_) if negative => Some((i64::MIN, true)),
        Err(_) => Some((i64::MAX, true)),
    }
}

/// Redis `memtoull`: digits plus an optional unit (`b k kb m mb g gb`, any case). No sign is accepted,
/// an empty number means 0, and a digit overflow without unit saturates like `strtoull`.
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    let unit = s[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in &s[..digits] {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    value.checked_mul(mul)
}

/// Parses a memory value like Redis's `memtoull` (`1k`=1000, `1kb`=1024, `1m`, `1mb`, `1g`, `1gb`, any
/// case, or plain digits); `None` for anything else, including negative numbers (Redis 7.0 rejects them)
/// and values above `i64::MAX`.
pub fn parse_memory(value: &[u8]) -> Option<i64> {
    memtoull(value).and_then(|v| i64::try_from(v).ok())
}

/// Redis `rewriteConfigFormatMemory`: the largest of gb/mb/kb that divides the value exactly.
pub(crate) fn format_memory(bytes: i128) -> String {
    const KB: i128 = 1024;
    const MB: i128 = 1024 * 1024;
    const GB: i128 = 1024 * 1024 * 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Redis `sdscatrepr`: a double-quoted string with C escapes and `\xHH` for unprintable bytes.
pub fn repr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Redis `string2d`: a finite-or-infinite double with no leading space and nothing left over; no NaN.
pub(crate) fn string2d(s: &[u8]) -> Option<f64> {
    if s.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    let value: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    (!value.is_nan()).then_some(value)
}

/// `printf("%f")` followed by Redis `trimDoubleString` (drop trailing zeros and a trailing dot).
pub(crate) fn format_double(value: f64) -> String {
    let text = format!("{value:.6}");
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"6379", Some(6379)),
            (b"-1", Some(-1)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"9223372036854775808", None),
            (b"007", None),
            (b"-0", None),
            (b"+7", None),
            (b" 7", None),
            (b"7 ", None),
            (b"", None),
            (b"-", None),
            (b"1k", None),
        ];
        for (input, want) in cases {
            assert_eq!(string2ll(input), *want, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn strtoll_follows_glibc() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"", Some(0)),
            (b" 5", Some(5)),
            (b"+5", Some(5)),
            (b"-5", Some(-5)),
            (b"5x", None),
            (b"+", None),
            (b"  ", None),
            (b"99999999999999999999", Some(i64::MAX)),
            (b"-99999999999999999999", Some(i64::MIN)),
        ];
        for (input, want) in cases {
            assert_eq!(strtoll_full(input, 10), *want, "{}", String::from_utf8_lossy(input));
        }
        assert_eq!(strtoll_full(b"777", 8), Some(511));
        assert_eq!(strtoll_full(b"8", 8), None);
        assert_eq!(strtoll_checked(b"7777777777777777777777", 8), None);
        assert_eq!(strtoll_checked(b"", 8), Some(0));
    }

    #[test]
    fn memory_units_match_memtoull() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (b"1", Some(1)),
            (b"1b", Some(1)),
            (b"1k", Some(1000)),
            (b"1K", Some(1000)),
            (b"1kb", Some(1024)),
            (b"1KB", Some(1024)),
            (b"1m", Some(1_000_000)),
            (b"1mb", Some(1 << 20)),
            (b"1Gb", Some(1 << 30)),
            (b"1g", Some(1_000_000_000)),
            (b"", Some(0)),
            (b"kb", Some(0)),
            (b"99999999999999999999", Some(u64::MAX)),
            (b"99999999999999999999kb", None),
            (b"-1", None),
            (b"+5", None),
            (b"1.5gb", None),
            (b"1 kb", None),
            (b"1kbb", None),
        ];
        for (input, want) in cases {
            assert_eq!(memtoull(input), *want, "{}", String::from_utf8_lossy(input));
        }
        assert_eq!(parse_memory(b"1gb"), Some(1 << 30));
        assert_eq!(parse_memory(b"18446744073709551615"), None);
    }

    #[test]
    fn memory_rewrite_format_picks_the_largest_unit() {
        assert_eq!(format_memory(0), "0");
        assert_eq!(format_memory(1 << 30), "1gb");
        assert_eq!(format_memory(3 << 20), "3mb");
        assert_eq!(format_memory(2048), "2kb");
        assert_eq!(format_memory(1000), "1000");
    }

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        assert_eq!(repr(b"a b\"c\\"), "\"a b\\\"c\\\\\"");
        assert_eq!(repr(b"\n\x01\xff"), "\"\\n\\x01\\xff\"");
        assert_eq!(repr(b""), "\"\"");
    }

    #[test]
    fn doubles_print_trimmed() {
        assert_eq!(format_double(50.0), "50");
        assert_eq!(format_double(99.9), "99.9");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(string2d(b"1e1"), Some(10.0));
        assert_eq!(string2d(b" 1"), None);
        assert_eq!(string2d(b"nan"), None);
        assert_eq!(string2d(b""), None);
    }
}
