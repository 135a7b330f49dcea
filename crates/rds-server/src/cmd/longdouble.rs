//! [`LongDouble`]: software x87 80-bit extended precision, the `long double` Redis computes INCRBYFLOAT
//! in on x86-64. An `f64` would round differently, and Redis prints 17 decimals (`%.17Lf`), so the
//! extra bits show in replies ("123456.78900000000000148"); emulating the format keeps replies and
//! stored values byte-identical. Parsing follows glibc `strtold` plus Redis's `string2ld` checks.

/// Smallest binary exponent of a finite value (`mantissa * 2^exp`): the denormal range.
const MIN_EXP: i32 = -16445;
/// Largest binary exponent of a finite value.
const MAX_EXP: i32 = 16320;
/// Longest input Redis accepts (`MAX_LONG_DOUBLE_CHARS`).
const MAX_CHARS: usize = 5 * 1024;
/// Decimal digits printed after the point (`%.17Lf`).
const FRACTION_DIGITS: u32 = 17;

/// The magnitude part of a [`LongDouble`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magnitude {
    Zero,
    /// `mantissa * 2^exp`, mantissa normalised to 64 bits unless `exp == MIN_EXP` (denormals).
    Finite {
        mantissa: u64,
        exp: i32,
    },
    Infinite,
    NaN,
}

/// An x87 extended-precision number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongDouble {
    negative: bool,
    magnitude: Magnitude,
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble { negative: false, magnitude: Magnitude::Zero };

    /// True unless infinite or NaN.
    pub fn is_finite(&self) -> bool {
        matches!(self.magnitude, Magnitude::Zero | Magnitude::Finite { .. })
    }

    /// Parses like Redis's `string2ld`: the whole input must be a number for `strtold` (decimal, hex
    /// or inf), with no leading space; NaN, overflow and underflow to zero are rejected.
    pub fn parse(bytes: &[u8]) -> Option<LongDouble> {
        if bytes.is_empty() || bytes.len() >= MAX_CHARS || bytes[0].is_ascii_whitespace() {
            return None;
        }
        let (negative, body) = match bytes[0] {
            b'-' => (true, &bytes[1..]),
            b'+' => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let magnitude = if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            Magnitude::Infinite
        } else if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            parse_hex(&body[2..])?
        } else {
            parse_decimal(body)?
        };
        Some(LongDouble { negative, magnitude })
    }

    /// The correctly rounded sum (round to nearest, ties to even), as the FPU computes it.
    pub fn plus(self, other: LongDouble) -> LongDouble {
        use Magnitude::*;
        match (self.magnitude, other.magnitude) {
            (NaN, _) | (_, NaN) => LongDouble { negative: false, magnitude: NaN },
            (Infinite, Infinite) if self.negative != other.negative => LongDouble { negative: false, magnitude: NaN },
            (Infinite, _) => self,
            (_, Infinite) => other,
            (Zero, Zero) => LongDouble { negative: self.negative && other.negative, magnitude: Zero },
            (Zero, _) => other,
            (_, Zero) => self,
            (Finite { mantissa: ma, exp: ea }, Finite { mantissa: mb, exp: eb }) => {
                let (big, small) = if ea >= eb { (self, other) } else { (other, self) };
                let (ea, eb, ma, mb) = if ea >= eb { (ea, eb, ma, mb) } else { (eb, ea, mb, ma) };
                add_finite(big.negative, ma, ea, small.negative, mb, eb)
            }
        }
    }

    /// Formats like Redis's `ld2string(.., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and a bare point
    /// dropped, `-0` printed as `0`.
    pub fn to_human_string(&self) -> String {
        let (mantissa, exp) = match self.magnitude {
            Magnitude::Infinite => return if self.negative { "-inf".into() } else { "inf".into() },
            Magnitude::NaN => return "nan".into(),
            Magnitude::Zero => (0, 0),
            Magnitude::Finite { mantissa, exp } => (mantissa, exp),
        };
        let (integer, fraction) = split_fixed(mantissa, exp);
        let mut text = String::with_capacity(integer.len() + 20);
        if self.negative {
            text.push('-');
        }
        text.push_str(&integer);
        let fraction = format!("{fraction:017}");
        let fraction = fraction.trim_end_matches('0');
        if !fraction.is_empty() {
            text.push('.');
            text.push_str(fraction);
        }
        if text == "-0" {
            text = "0".into();
        }
        text
    }
}

impl From<f64> for LongDouble {
    /// The same value: every `f64` is exactly a `long double` (GEO coordinates are computed in
    /// `double` and printed as `long double`).
    fn from(value: f64) -> Self {
        let negative = value.is_sign_negative();
        let magnitude = if value.is_nan() {
            Magnitude::NaN
        } else if value.is_infinite() {
            Magnitude::Infinite
        } else if value == 0.0 {
            Magnitude::Zero
        } else {
            let bits = value.to_bits();
            let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
            let fraction = bits & ((1 << 52) - 1);
            let (mantissa, exp) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
            // Normalised to 64 bits: even f64 denormals are far above the x87 denormal range.
            let shift = mantissa.leading_zeros();
            Magnitude::Finite { mantissa: mantissa << shift, exp: exp - i32::try_from(shift).unwrap_or(0) }
        };
        LongDouble { negative, magnitude }
    }
}

/// Integer digits and the 17 fraction digits (rounded half to even, like glibc) of `mantissa * 2^exp`.
fn split_fixed(mantissa: u64, exp: i32) -> (String, u128) {
    const SCALE: u128 = 10u128.pow(FRACTION_DIGITS);
    if exp >= 0 {
        let mut value = BigUint::from_u128(u128::from(mantissa));
        value.shl(exp.unsigned_abs() as usize);
        return (value.to_decimal(), 0);
    }
    let shift = exp.unsigned_abs();
    let (mut integer, fraction_bits) = if shift >= 64 {
        (0u64, u128::from(mantissa))
    } else {
        (mantissa >> shift, u128::from(mantissa & ((1u64 << shift) - 1)))
    };
    // fraction_bits < 2^64 and SCALE < 2^57, so the product fits in 121 bits.
    let scaled = fraction_bits * SCALE;
    let mut digits = 0u128;
    if shift < 128 {
        digits = scaled >> shift;
        let rest = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if rest > half || (rest == half && digits & 1 == 1) {
            digits += 1;
        }
    }
    if digits == SCALE {
        digits = 0;
        integer += 1;
    }
    (integer.to_string(), digits)
}

/// Adds two finite values, `a` having the larger exponent.
fn add_finite(a_negative: bool, ma: u64, ea: i32, b_negative: bool, mb: u64, eb: i32) -> LongDouble {
    // Work at 2^(ea - 63) so both mantissas keep all their bits and a carry still fits in a u128.
    let a = u128::from(ma) << 63;
    let distance = (ea - eb).unsigned_abs();
    let (b, sticky) = if distance <= 63 {
        (u128::from(mb) << (63 - distance), false)
    } else if distance - 63 < 128 {
        let shift = distance - 63;
        (u128::from(mb) >> shift, u128::from(mb) & ((1u128 << shift) - 1) != 0)
    } else {
        (0, true)
    };
    let base = ea - 63;
    if a_negative == b_negative {
        return round(a_negative, a + b, base, sticky);
    }
    // The truncated part of b makes the exact difference slightly smaller: borrow one unit and keep
    // the sticky bit, which then stands for the missing fraction.
    let (negative, difference) = if a >= b { (a_negative, a - b) } else { (b_negative, b - a) };
    if difference == 0 && !sticky {
        return LongDouble::ZERO;
    }
    let difference = if sticky { difference - 1 } else { difference };
    round(negative, difference, base, sticky)
}

/// Rounds `(m + f) * 2^exp`, where `0 <= f < 1` and `sticky` tells whether `f > 0`, to the nearest
/// extended value (ties to even). With `sticky`, `m` must carry at least 66 significant bits.
fn round(negative: bool, m: u128, exp: i32, sticky: bool) -> LongDouble {
    if m == 0 {
        return LongDouble { negative, magnitude: Magnitude::Zero };
    }
    let bits = 128 - m.leading_zeros() as i32;
    let mut shift = bits - 64;
    if exp + shift < MIN_EXP {
        shift = MIN_EXP - exp;
    }
    let (mut mantissa, mut exp) = if shift <= 0 {
        (m << shift.unsigned_abs(), exp + shift)
    } else if shift > 128 {
        // Below half the smallest denormal, whatever the sticky bit says.
        (0, exp + shift)
    } else {
        let shift_bits = shift.unsigned_abs();
        let kept = m.checked_shr(shift_bits).unwrap_or(0);
        let rest = if shift_bits == 128 { m } else { m & ((1u128 << shift_bits) - 1) };
        let half = 1u128 << (shift_bits - 1);
        let up = rest > half || (rest == half && (sticky || kept & 1 == 1));
        (kept + u128::from(up), exp + shift)
    };
    if mantissa >> 64 != 0 {
        mantissa >>= 1;
        exp += 1;
    }
    if mantissa == 0 {
        return LongDouble { negative, magnitude: Magnitude::Zero };
    }
    if exp > MAX_EXP {
        return LongDouble { negative, magnitude: Magnitude::Infinite };
    }
    LongDouble { negative, magnitude: Magnitude::Finite { mantissa: mantissa as u64, exp } }
}

/// Reads an optionally signed decimal exponent, saturating far beyond any meaningful range.
fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |acc, &d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    Some(if negative { -value } else { value })
}

/// Splits `digits[.digits]` into the digit bytes and the number of fraction digits; `None` unless
/// there is at least one digit and nothing else.
fn split_mantissa(text: &[u8], is_digit: fn(&u8) -> bool) -> Option<(Vec<u8>, i64)> {
    let (integer, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &[][..]),
    };
    if integer.len() + fraction.len() == 0 || !integer.iter().all(is_digit) || !fraction.iter().all(is_digit) {
        return None;
    }
    let mut digits = integer.to_vec();
    digits.extend_from_slice(fraction);
    Some((digits, i64::try_from(fraction.len()).ok()?))
}

/// `digits * 10^exp10` rounded; `None` (ERANGE for Redis) on overflow or a non-zero underflowing to zero.
fn parse_decimal(text: &[u8]) -> Option<Magnitude> {
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&text[..at], parse_exponent(&text[at + 1..])?),
        None => (text, 0),
    };
    let (digits, fraction_len) = split_mantissa(mantissa, u8::is_ascii_digit)?;
    let first = digits.iter().position(|&d| d != b'0');
    let Some(first) = first else {
        return Some(Magnitude::Zero);
    };
    let digits = &digits[first..];
    let exp10 = exponent - fraction_len;
    let magnitude_order = exp10 + i64::try_from(digits.len()).ok()?;
    if magnitude_order > 4934 {
        return None;
    }
    if magnitude_order < -4952 {
        return None;
    }
    let mut value = BigUint::from_decimal(digits);
    let rounded = if exp10 >= 0 {
        value.mul_pow10(exp10.unsigned_abs() as usize);
        let (top, exp, sticky) = value.top_bits();
        round(false, top, exp, sticky)
    } else {
        let mut divisor = BigUint::from_u128(1);
        divisor.mul_pow10(exp10.unsigned_abs() as usize);
        let (quotient, exp, sticky) = value.divide(&divisor);
        round(false, quotient, exp, sticky)
    };
    match rounded.magnitude {
        Magnitude::Zero | Magnitude::Infinite => None,
        other => Some(other),
    }
}

/// A hex float body after `0x`: `hexdigits[.hexdigits][p[+-]digits]`.
fn parse_hex(text: &[u8]) -> Option<Magnitude> {
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'p' || b == b'P') {
        Some(at) => (&text[..at], parse_exponent(&text[at + 1..])?),
        None => (text, 0),
    };
    let (digits, fraction_len) = split_mantissa(mantissa, u8::is_ascii_hexdigit)?;
    let first = digits.iter().position(|&d| d != b'0');
    let Some(first) = first else {
        return Some(Magnitude::Zero);
    };
    let digits = &digits[first..];
    // 32 hex digits are 125+ significant bits; the rest only matters as a sticky bit.
    let kept = digits.len().min(32);
    let mut value = 0u128;
    for &d in &digits[..kept] {
        value = (value << 4) | u128::from(hex_value(d));
    }
    let sticky = digits[kept..].iter().any(|&d| d != b'0');
    let dropped = i64::try_from(digits.len() - kept).ok()?;
    let exp = exponent - 4 * fraction_len + 4 * dropped;
    let bits = 128 - i64::from(value.leading_zeros());
    if exp + bits > i64::from(MAX_EXP) + 70 {
        return None;
    }
    let exp = i32::try_from(exp.max(i64::from(MIN_EXP) - 200)).ok()?;
    match round(false, value, exp, sticky).magnitude {
        Magnitude::Zero | Magnitude::Infinite => None,
        other => Some(other),
    }
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

/// Just enough unsigned big-integer arithmetic for exact decimal conversions (little-endian u32 limbs).
#[derive(Debug, Clone, PartialEq, Eq)]
struct BigUint {
    limbs: Vec<u32>,
}

impl BigUint {
    fn from_u128(mut value: u128) -> Self {
        let mut limbs = Vec::new();
        while value != 0 {
            limbs.push(value as u32);
            value >>= 32;
        }
        BigUint { limbs }
    }

    fn from_decimal(digits: &[u8]) -> Self {
        let mut value = BigUint { limbs: Vec::with_capacity(digits.len() / 9 + 1) };
        for chunk in digits.chunks(9) {
            let mut part = 0u32;
            for &d in chunk {
                part = part * 10 + u32::from(d - b'0');
            }
            value.mul_add_small(10u32.pow(chunk.len() as u32), part);
        }
        value
    }

    fn mul_add_small(&mut self, factor: u32, addend: u32) {
        let mut carry = u64::from(addend);
        for limb in &mut self.limbs {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut power: usize) {
        while power >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            power -= 9;
        }
        if power > 0 {
            self.mul_add_small(10u32.pow(power as u32), 0);
        }
    }

    fn bit_len(&self) -> usize {
        match self.limbs.last() {
            None => 0,
            Some(top) => self.limbs.len() * 32 - top.leading_zeros() as usize,
        }
    }

    fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    fn shl(&mut self, bits: usize) {
        if self.is_zero() {
            return;
        }
        let (words, bits) = (bits / 32, bits % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        self.limbs.splice(0..0, std::iter::repeat_n(0, words));
    }

    fn bit(&self, index: usize) -> bool {
        self.limbs.get(index / 32).is_some_and(|limb| limb >> (index % 32) & 1 == 1)
    }

    /// The top 128 bits as `(bits, exp, sticky)`: `self ≈ bits * 2^exp`, sticky when lower bits are set.
    fn top_bits(&self) -> (u128, i32, bool) {
        let len = self.bit_len();
        let low = len.saturating_sub(128);
        let mut top = 0u128;
        for index in (low..len).rev() {
            top = (top << 1) | u128::from(self.bit(index));
        }
        let sticky = (0..low).any(|index| self.bit(index));
        (top, low as i32, sticky)
    }

    fn cmp_shifted(&self, other: &BigUint) -> std::cmp::Ordering {
        self.limbs.len().cmp(&other.limbs.len()).then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }

    fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = 0i64;
        for (index, limb) in self.limbs.iter_mut().enumerate() {
            let subtrahend = i64::from(other.limbs.get(index).copied().unwrap_or(0)) + borrow;
            let mut value = i64::from(*limb) - subtrahend;
            borrow = 0;
            if value < 0 {
                value += 1 << 32;
                borrow = 1;
            }
            *limb = value as u32;
        }
        self.trim();
    }

    /// `self / divisor` as `(quotient, exp, sticky)` with a 68-70 bit quotient: the exact ratio is
    /// `(quotient + f) * 2^exp`, `sticky` telling whether `f > 0`.
    fn divide(&self, divisor: &BigUint) -> (u128, i32, bool) {
        let scale = 69 + divisor.bit_len() as i64 - self.bit_len() as i64;
        let mut remainder = self.clone();
        let mut divisor = divisor.clone();
        if scale > 0 {
            remainder.shl(scale as usize);
        } else {
            divisor.shl(scale.unsigned_abs() as usize);
        }
        let mut quotient = 0u128;
        for bit in (0..=70).rev() {
            let mut shifted = divisor.clone();
            shifted.shl(bit);
            if remainder.cmp_shifted(&shifted) != std::cmp::Ordering::Less {
                remainder.sub_assign(&shifted);
                quotient |= 1u128 << bit;
            }
        }
        (quotient, -(scale as i32), !remainder.is_zero())
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut limbs = self.limbs.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut remainder = 0u64;
            for limb in limbs.iter_mut().rev() {
                let current = (remainder << 32) | u64::from(*limb);
                *limb = (current / 1_000_000_000) as u32;
                remainder = current % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(remainder as u32);
        }
        let mut text = String::with_capacity(chunks.len() * 9);
        for (index, chunk) in chunks.iter().rev().enumerate() {
            if index == 0 {
                text.push_str(&chunk.to_string());
            } else {
                text.push_str(&format!("{chunk:09}"));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::LongDouble;

    fn sum(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        a.plus(b).to_human_string()
    }

    #[test]
    fn doubles_print_as_redis_prints_geo_coordinates() {
        let human = |value: f64| LongDouble::from(value).to_human_string();
        assert_eq!(human(13.361_389_338_970_184), "13.36138933897018433");
        assert_eq!(human(180.0), "180");
        assert_eq!(human(-180.0), "-180");
        assert_eq!(human(85.051_128_78), "85.0511287799999991");
        assert_eq!(human(-0.0), "0");
        assert_eq!(human(0.5), "0.5");
        assert_eq!(human(5e-324), "0");
        assert_eq!(human(f64::INFINITY), "inf");
    }

    #[test]
    fn sums_print_like_glibc_long_double() {
        // Expected values come from `printf("%.17Lf", strtold(a) + strtold(b))` on x86-64 glibc.
        let cases = [
            ("123456.789", "0", "123456.78900000000000148"),
            ("0.1", "0.2", "0.3"),
            ("10.5", "0.1", "10.6"),
            ("0.000003814697265625", "0", "0.00000381469726562"),
            ("0.000011444091796875", "0", "0.00001144409179688"),
            ("1e25", "1", "10000000000000000000000000"),
            ("-1e-20", "0", "0"),
            ("-0", "-0", "0"),
            ("9007199254740993", "0", "9007199254740993"),
            ("18446744073709551617", "0", "18446744073709551616"),
            ("0x1.8p1", "0x.8", "3.5"),
            ("5.0e3", "-5000", "0"),
            ("3.0e-300", "1e-4950", "0"),
            ("1e308", "0", "99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048"),
        ];
        for (a, b, expected) in cases {
            assert_eq!(sum(a, b), expected, "{a} + {b}");
        }
        let max = sum("0x1.fffffffffffffffep16383", "0");
        assert_eq!(max.len(), 4933);
        assert!(max.starts_with("1189731495357231765021263853030970205169"), "{max}");
        assert!(max.ends_with("1989770240"), "{max}");
    }

    #[test]
    fn parsing_follows_string2ld() {
        for good in ["inf", "-Infinity", ".5", "5.", "+5", "0x10", "0X1P-3", "0e99999", "1e-4950", "1E+3"] {
            assert!(LongDouble::parse(good.as_bytes()).is_some(), "{good}");
        }
        for bad in
            ["", " 1", "1 ", "nan", "-", ".", "0x", "0x1p", "1e", "1e+", "infin", "1.5.3", "1e-5000", "1e5000", "1\0"]
        {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad:?}");
        }
        let inf = LongDouble::parse(b"inf").unwrap();
        assert!(!inf.plus(LongDouble::parse(b"-inf").unwrap()).is_finite());
        assert!(!LongDouble::parse(b"0x1.fffffffffffffffep16383")
            .unwrap()
            .plus(LongDouble::parse(b"1e4932").unwrap())
            .is_finite());
    }
}
