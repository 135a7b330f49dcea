//! How GEO replies print distances: 4 decimals, as Redis's `fixedpoint_d2string` does (it rounds
//! `d * 10^4` to an integer first). Coordinates print as a `long double` with `%.17Lf`, trimmed,
//! which the server's `LongDouble` already does for INCRBYFLOAT.

/// A distance as GEODIST and WITHDIST print it: `d * 10000` rounded half to even (`llrint`), then
/// written with 4 decimals.
pub fn distance(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".to_string();
    }
    let scaled = (d * 10_000.0).round_ties_even();
    // `llrint` gives i64::MIN (the x86 "integer indefinite") for NaN and out-of-range values.
    let limit = 2f64.powi(63);
    let value = if scaled.is_nan() || scaled < -limit || scaled >= limit { i64::MIN } else { scaled as i64 };
    let digits = value.unsigned_abs().to_string();
    let sign = if value < 0 { "-" } else { "" };
    if digits.len() <= 4 {
        format!("{sign}0.{digits:0>4}")
    } else {
        let (int, frac) = digits.split_at(digits.len() - 4);
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_have_four_decimals() {
        assert_eq!(distance(0.0), "0.0000");
        assert_eq!(distance(166_274.151_6), "166274.1516");
        assert_eq!(distance(0.000_12), "0.0001");
        assert_eq!(distance(0.5), "0.5000");
        assert_eq!(distance(12.0), "12.0000");
        // Ties of the scaled value go to even, like llrint.
        assert_eq!(distance(0.000_25), "0.0002");
        assert_eq!(distance(f64::NAN), "-922337203685477.5808");
    }
}
