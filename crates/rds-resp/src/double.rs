//! Double formatting as Redis 7.0 prints it.

/// Formats like C's `printf("%.17g")`, with Redis's spellings `inf`, `-inf` and `nan`.
pub fn format_g17(value: f64) -> String {
    format_g(value, 17)
}

/// Formats like C's `printf("%.<precision>g")`.
pub fn format_g(value: f64, precision: usize) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf".to_string() } else { "-inf".to_string() };
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, value);
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let precision_i32 = i32::try_from(precision).unwrap_or(i32::MAX);
    if exponent < -4 || exponent >= precision_i32 {
        let mantissa = trim_fraction_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = usize::try_from(precision_i32 - 1 - exponent).unwrap_or(0);
        trim_fraction_zeros(&format!("{value:.decimals$}")).to_string()
    }
}

/// Formats the result of INCRBYFLOAT / HINCRBYFLOAT: plain decimal notation, no exponent, trailing zeros
/// removed. Redis computes in `long double` and prints 17 decimals; with `f64` the last digits are noise,
/// so the shortest representation is used, cut to 15 significant digits when it needs more.
pub fn format_human(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "inf".to_string() } else { "-inf".to_string() };
    }
    let shortest = format!("{value}");
    let significant = shortest.bytes().filter(u8::is_ascii_digit).skip_while(|&d| d == b'0').count();
    if significant <= 15 {
        return if shortest == "-0" { "0".to_string() } else { shortest };
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    let text = format!("{rounded}");
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

fn trim_fraction_zeros(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_printf_g17() {
        assert_eq!(format_g17(1.5), "1.5");
        assert_eq!(format_g17(1.1), "1.1000000000000001");
        assert_eq!(format_g17(0.0), "0");
        assert_eq!(format_g17(-0.0), "-0");
        assert_eq!(format_g17(100.0), "100");
        assert_eq!(format_g17(1e17), "1e+17");
        assert_eq!(format_g17(1e16), "10000000000000000");
        assert_eq!(format_g17(0.0001), "0.0001");
        assert_eq!(format_g17(0.00001), "1.0000000000000001e-05");
        assert_eq!(format_g17(f64::INFINITY), "inf");
        assert_eq!(format_g17(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_g17(3.0e-300), "3.0000000000000002e-300");
    }

    #[test]
    fn human_format_drops_binary_noise() {
        assert_eq!(format_human(0.1 + 0.2), "0.3");
        assert_eq!(format_human(10.5 + 0.1), "10.6");
        assert_eq!(format_human(5.0e3), "5000");
        assert_eq!(format_human(-0.0), "0");
        assert_eq!(format_human(3.0), "3");
    }
}
