//! Scores as text, the way Redis 7.0's `d2string` writes them into listpacks (integral values below
//! 2^52 in magnitude as integers, others as `%.17g`), and back.

/// Formats `value` as Redis's `d2string`: `inf`/`-inf`/`nan`, `0`/`-0`, an integer when the value
/// is integral and within (-(2^52 - 1), 2^52), else `%.17g`.
pub fn d2string(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    const MIN: f64 = -4_503_599_627_370_495.0;
    const MAX: f64 = 4_503_599_627_370_496.0;
    if value > MIN && value < MAX && value == value.trunc() {
        return (value as i64).to_string();
    }
    format_g17(value)
}

/// Formats like C's `printf("%.17g")` for a finite value.
pub fn format_g17(value: f64) -> String {
    const PRECISION: i32 = 17;
    let scientific = format!("{:.*e}", PRECISION as usize - 1, value);
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..PRECISION).contains(&exponent) {
        let mantissa = trim_fraction_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = usize::try_from(PRECISION - 1 - exponent).unwrap_or(0);
        trim_fraction_zeros(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_fraction_zeros(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.')
}

/// Parses a score stored as text (`strtod` rules); `None` for NaN or garbage.
pub fn parse(text: &[u8]) -> Option<f64> {
    rds_storage::num::parse_f64(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_redis() {
        let cases = [
            (1.5, "1.5"),
            (2.0, "2"),
            (-3.0, "-3"),
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (4_503_599_627_370_496.0, "4503599627370496"),
            (-0.0000001, "-9.9999999999999995e-08"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0"),
            (0.0, "0"),
            (123456.25, "123456.25"),
        ];
        for (value, text) in cases {
            assert_eq!(d2string(value), text, "{value}");
        }
    }

    #[test]
    fn parses_what_it_formats() {
        for value in [1.5, 0.1, 1e300, -7.25e-12, f64::INFINITY, f64::NEG_INFINITY, 4.0] {
            assert_eq!(parse(d2string(value).as_bytes()), Some(value));
        }
        assert_eq!(parse(b"nan"), None);
    }
}
