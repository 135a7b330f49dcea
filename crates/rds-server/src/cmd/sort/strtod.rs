//! SORT's numeric conversion: C's `strtod` as Redis calls it (glibc, "C" collation), with Redis's
//! acceptance rule: the whole C string must convert, the result must not be NaN, and `errno` must
//! not be `ERANGE` (overflow, or a tiny result that is not exact).
//!
//! What that accepts: leading C whitespace, `+`/`-`, decimal and hexadecimal (`0x1.8p3`) numbers,
//! `inf`/`infinity` in any case; the empty string reads as 0 (nothing converted, nothing left).
//! A NUL byte ends the C string, so `5\0junk` is 5.

/// The score SORT uses for `bytes`, or `None` when Redis reports "One or more scores can't be
/// converted into double".
pub fn sort_score(bytes: &[u8]) -> Option<f64> {
    let text = rds_storage::cstr::c_str(bytes);
    let body_start = text.iter().position(|&b| !is_c_space(b)).unwrap_or(text.len());
    let body = &text[body_start..];
    let (negative, unsigned) = match body.first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let magnitude = if unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity") {
        Some(f64::INFINITY)
    } else if unsigned.len() > 2 && unsigned[0] == b'0' && (unsigned[1] | 0x20) == b'x' && starts_hex(&unsigned[2..]) {
        parse_hex(&unsigned[2..])
    } else if starts_decimal(unsigned) {
        parse_decimal(unsigned)
    } else {
        // Nothing converts: strtod leaves the end pointer at the start, which is a NUL only for "".
        return text.is_empty().then_some(0.0);
    };
    magnitude.map(|m| if negative { -m } else { m })
}

/// C's `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_decimal(text: &[u8]) -> bool {
    match text {
        [first, ..] if first.is_ascii_digit() => true,
        [b'.', second, ..] => second.is_ascii_digit(),
        _ => false,
    }
}

fn starts_hex(text: &[u8]) -> bool {
    match text {
        [first, ..] if first.is_ascii_hexdigit() => true,
        [b'.', second, ..] => second.is_ascii_hexdigit(),
        _ => false,
    }
}

/// Length of the run of bytes at the start of `text` satisfying `pred`.
fn run(text: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    text.iter().position(|&b| !pred(b)).unwrap_or(text.len())
}

/// Splits `digits [. digits]` off the start of `text`: (integer part, fraction part, rest).
fn split_mantissa(text: &[u8], pred: impl Fn(u8) -> bool + Copy) -> (&[u8], &[u8], &[u8]) {
    let int_len = run(text, pred);
    let (int_part, rest) = text.split_at(int_len);
    match rest.split_first() {
        Some((b'.', after)) => {
            let frac_len = run(after, pred);
            (int_part, &after[..frac_len], &after[frac_len..])
        }
        _ => (int_part, &[], rest),
    }
}

/// The exponent `[eEpP][+-]digits` that must make up all of `rest` (letter checked by the caller),
/// saturated to ±1e9. An incomplete exponent is not consumed by strtod, so the conversion fails.
fn exponent(rest: &[u8]) -> Option<i64> {
    let after = rest.get(1..)?;
    let (negative, digits) = match after.first() {
        Some(b'-') => (true, &after[1..]),
        Some(b'+') => (false, &after[1..]),
        _ => (false, after),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |acc, &d| (acc * 10 + i64::from(d - b'0')).min(1_000_000_000));
    Some(if negative { -value } else { value })
}

/// A decimal number that must span all of `text`.
fn parse_decimal(text: &[u8]) -> Option<f64> {
    let (int_part, frac_part, rest) = split_mantissa(text, |b| b.is_ascii_digit());
    let exp = match rest.first() {
        None => 0,
        Some(b'e' | b'E') => exponent(rest)?,
        Some(_) => return None,
    };
    // The grammar is checked above, and Rust's parser reads that grammar with the same correct rounding.
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    if value.is_infinite() {
        return None;
    }
    let tiny = value < f64::MIN_POSITIVE;
    let nonzero_input = int_part.iter().chain(frac_part).any(|&d| d != b'0');
    if tiny && nonzero_input && !decimal_is_exact(int_part, frac_part, exp, value) {
        return None;
    }
    Some(value)
}

/// Significant digits (no leading or trailing zeros) and the power of ten of their last digit.
fn normalize(digits: impl Iterator<Item = u8>, mut exp10: i64) -> (Vec<u8>, i64) {
    let mut out: Vec<u8> = digits.skip_while(|&d| d == b'0').collect();
    while out.last() == Some(&b'0') {
        out.pop();
        exp10 += 1;
    }
    (out, exp10)
}

/// True when the decimal `int.frac e exp` equals the (tiny, nonzero) double `value` exactly.
fn decimal_is_exact(int_part: &[u8], frac_part: &[u8], exp: i64, value: f64) -> bool {
    if value == 0.0 {
        return false;
    }
    let frac_len = i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    let input = normalize(int_part.iter().chain(frac_part).copied(), exp.saturating_sub(frac_len));
    // Every subnormal is k * 2^-1074, whose decimal expansion ends within 1100 digits.
    const PRECISION: i64 = 1100;
    let exact = format!("{:.*e}", PRECISION as usize, value);
    let Some((mantissa, exp_text)) = exact.split_once('e') else { return false };
    let Ok(exp_value) = exp_text.parse::<i64>() else { return false };
    let ours = normalize(mantissa.bytes().filter(u8::is_ascii_digit), exp_value - PRECISION);
    input == ours
}

/// A hexadecimal number (after `0x`) that must span all of `text`, rounded to nearest-even.
fn parse_hex(text: &[u8]) -> Option<f64> {
    let (int_part, frac_part, rest) = split_mantissa(text, |b| b.is_ascii_hexdigit());
    let exp = match rest.first() {
        None => 0,
        Some(b'p' | b'P') => exponent(rest)?,
        Some(_) => return None,
    };
    // Up to 30 significant hex digits (120 bits) are kept exactly; the rest only as a sticky bit.
    let mut mantissa: u128 = 0;
    let mut kept = 0;
    let mut sticky = false;
    let mut exp2 = exp;
    for (index, &digit) in int_part.iter().chain(frac_part).enumerate() {
        let value = u128::from(hex_value(digit));
        let in_fraction = index >= int_part.len();
        if mantissa == 0 && value == 0 {
            exp2 -= if in_fraction { 4 } else { 0 };
            continue;
        }
        if kept < 30 {
            mantissa = (mantissa << 4) | value;
            kept += 1;
            exp2 -= if in_fraction { 4 } else { 0 };
        } else {
            sticky |= value != 0;
            exp2 += if in_fraction { 0 } else { 4 };
        }
    }
    round_binary(mantissa, exp2, sticky)
}

fn hex_value(digit: u8) -> u32 {
    char::from(digit).to_digit(16).unwrap_or(0)
}

/// `mantissa * 2^exp2` (plus a nonzero tail when `sticky`) rounded to a double; `None` on overflow
/// or ERANGE underflow: an inexact result that is tiny, which glibc decides after rounding to 53 bits
/// with an unbounded exponent (so a value rounding up to the smallest normal still counts as tiny
/// unless 53-bit rounding alone reaches it).
fn round_binary(mantissa: u128, exp2: i64, sticky: bool) -> Option<f64> {
    if mantissa == 0 {
        return Some(0.0);
    }
    let bits = i64::from(128 - mantissa.leading_zeros());
    let top = exp2 + bits - 1;
    if top > 1023 {
        return None;
    }
    // The exponent of the last kept bit: 53 significant bits, but never below the subnormal unit.
    let lsb = (top - 52).max(-1074);
    let (mut kept, inexact) = shift_round(mantissa, lsb - exp2, sticky);
    let tiny = top < -1022 && {
        let (rounded, _) = shift_round(mantissa, bits - 53, sticky);
        let carried = rounded >> 53 != 0 && bits > 53;
        top + i64::from(carried) < -1022
    };
    let mut lsb = lsb;
    if kept >> 53 != 0 {
        kept >>= 1;
        lsb += 1;
    }
    let value = compose(kept, lsb)?;
    if inexact && tiny {
        return None;
    }
    Some(value)
}

/// `mantissa` without its `drop` lowest bits, rounded to nearest-even (a nonzero `sticky` tail lies
/// below them), and whether anything nonzero was dropped; a negative `drop` shifts left.
fn shift_round(mantissa: u128, drop: i64, sticky: bool) -> (u128, bool) {
    if drop <= 0 {
        let shift = u32::try_from(-drop).unwrap_or(127).min(127);
        return (mantissa << shift, sticky);
    }
    if drop >= 128 {
        return (0, true);
    }
    let drop = u32::try_from(drop).unwrap_or(127);
    let kept = mantissa >> drop;
    let rest = mantissa & ((1u128 << drop) - 1);
    let half = 1u128 << (drop - 1);
    let round_up = rest > half || (rest == half && (sticky || kept & 1 == 1));
    (kept + u128::from(round_up), rest != 0 || sticky)
}

/// `kept * 2^lsb` with `kept < 2^53`, exactly representable by construction.
fn compose(kept: u128, lsb: i64) -> Option<f64> {
    let kept = u64::try_from(kept).ok()?;
    if kept == 0 {
        return Some(0.0);
    }
    if kept < (1 << 52) {
        // Subnormal: lsb is -1074, the stored mantissa is `kept` itself.
        return Some(f64::from_bits(kept));
    }
    let biased = lsb + 52 + 1023;
    if biased >= 2047 {
        return None;
    }
    let biased = u64::try_from(biased).ok()?;
    Some(f64::from_bits((biased << 52) | (kept & ((1 << 52) - 1))))
}

#[cfg(test)]
mod tests {
    use super::sort_score;

    #[test]
    fn accepts_what_glibc_strtod_converts_whole() {
        let cases: &[(&[u8], Option<f64>)] = &[
            (b"5", Some(5.0)),
            (b"", Some(0.0)),
            (b"  ", None),
            (b" 5", Some(5.0)),
            (b"\t\n\x0b\x0c\r7", Some(7.0)),
            (b"5 ", None),
            (b"-", None),
            (b"1e", None),
            (b"1e+", None),
            (b".5", Some(0.5)),
            (b"5.", Some(5.0)),
            (b".", None),
            (b"+3", Some(3.0)),
            (b"-.5e-3", Some(-0.0005)),
            (b"1E5", Some(100000.0)),
            (b"00012", Some(12.0)),
            (b"5\x00abc", Some(5.0)),
            (b"\x00abc", Some(0.0)),
            (b" \x00", None),
            (b"1_000", None),
            (b"1,5", None),
            (b"0b1", None),
            (b"inf", Some(f64::INFINITY)),
            (b"-INFINITY", Some(f64::NEG_INFINITY)),
            (b"iNfInItY", Some(f64::INFINITY)),
            (b"infinit", None),
            (b"infx", None),
            (b"nan", None),
            (b"-nan", None),
            (b"nan(123)", None),
            (b"1e308", Some(1e308)),
            (b"1.8e308", None),
            (b"1e400", None),
            (b"1e-307", Some(1e-307)),
            (b"2.2250738585072014e-308", Some(f64::MIN_POSITIVE)),
            (b"2.225073858507201e-308", None),
            (b"1e-310", None),
            (b"4.9e-324", None),
            (b"1e-400", None),
            (b"0e-400", Some(0.0)),
            (b"0.0000e-999", Some(0.0)),
            (b"1e-99999999999999999999", None),
            (b"0e99999999999999999999", Some(0.0)),
        ];
        for (input, expected) in cases {
            assert_eq!(sort_score(input), *expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn reads_hexadecimal_floats() {
        let cases: &[(&[u8], Option<f64>)] = &[
            (b"0x10", Some(16.0)),
            (b"0X1P3", Some(8.0)),
            (b"0x1p3", Some(8.0)),
            (b"0x1.8p1", Some(3.0)),
            (b"0x.8", Some(0.5)),
            (b"0x1.p1", Some(2.0)),
            (b"0x1e", Some(30.0)),
            (b"0x1P-3", Some(0.125)),
            (b"  -0x10", Some(-16.0)),
            (b"0x", None),
            (b"0xg", None),
            (b"0x-1", None),
            (b"0x1p", None),
            (b"0x.p1", None),
            (b"0x1p-1022", Some(f64::MIN_POSITIVE)),
            (b"0x1p-1074", Some(f64::from_bits(1))),
            (b"0x3p-1075", None),
            (b"0x1p-1075", None),
            (b"0x0p-5000", Some(0.0)),
            (b"0x1p1024", None),
            (b"0x1.fffffffffffffp1023", Some(f64::MAX)),
            (b"0x1.fffffffffffff8p1023", None),
            (b"0x1.00000000000008p0", Some(1.0)),
            (b"0x1.00000000000018p0", Some(1.0 + 2.0 * f64::EPSILON)),
            (b"0x1.8p-1074", None),
            (b"0x1.fffffffffffffp-1023", None),
            (b"0x1.fffffffffffff8p-1023", Some(f64::MIN_POSITIVE)),
            (b"0x1.000000000000080000000000000000000001p0", Some(1.0 + f64::EPSILON)),
            (b"0x0000000000000000000000000000000000001", Some(1.0)),
        ];
        for (input, expected) in cases {
            assert_eq!(sort_score(input), *expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn exact_tiny_decimals_convert() {
        let exact = format!("{:.1100e}", f64::from_bits(3));
        assert_eq!(sort_score(exact.as_bytes()), Some(f64::from_bits(3)));
        let inexact = format!("{:.30e}", f64::from_bits(3));
        assert_eq!(sort_score(inexact.as_bytes()), None);
    }
}
