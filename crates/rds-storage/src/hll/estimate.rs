//! The cardinality estimate: a histogram of register values fed to Otmar Ertl's improved raw
//! estimator, the one Redis 7.0 uses ("New cardinality estimation algorithms for HyperLogLog
//! sketches", arXiv:1702.01284). Operation order follows Redis's C code so results match exactly.

use super::{dense_get, HllError, SparseOp, SparseOps, ENCODING_DENSE, HEADER_LEN, Q, REGISTERS, REGISTER_MAX};

/// 0.5 / ln(2), the estimator's bias constant for an infinite number of registers.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// How many registers hold each value 0..=63.
pub(super) fn histogram(hll: &[u8]) -> Result<[u64; 64], HllError> {
    let mut histogram = [0u64; 64];
    let registers = &hll[HEADER_LEN..];
    if hll[4] == ENCODING_DENSE {
        for index in 0..REGISTERS {
            histogram[usize::from(dense_get(registers, index))] += 1;
        }
        return Ok(histogram);
    }
    let mut index = 0usize;
    for op in SparseOps::new(registers) {
        let (value, run) = match op {
            SparseOp::Zero(run) => (0, run),
            SparseOp::Val(value, run) => (value, run),
        };
        index += run;
        histogram[usize::from(value & REGISTER_MAX)] += run as u64;
    }
    if index == REGISTERS {
        Ok(histogram)
    } else {
        Err(HllError::Corrupted)
    }
}

/// Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
/// arXiv:1702.01284), with Redis's exact operation order so results match to the unit.
pub(super) fn estimate(histogram: &[u64; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histogram[Q + 1] as f64) / m);
    for j in (1..=Q).rev() {
        z += histogram[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histogram[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// Iteration cap for the series below; they converge in well under 100 steps for inputs in [0, 1].
const SERIES_MAX_STEPS: usize = 10_000;

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    for _ in 0..SERIES_MAX_STEPS {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            break;
        }
    }
    z
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    for _ in 0..SERIES_MAX_STEPS {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if previous == z {
            break;
        }
    }
    z / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_edges_and_small_histograms() {
        assert_eq!(sigma(1.0), f64::INFINITY);
        assert_eq!((sigma(0.0), tau(0.0), tau(1.0)), (0.0, 0.0, 0.0));
        let mut histogram = [0u64; 64];
        histogram[0] = REGISTERS as u64;
        assert_eq!(estimate(&histogram), 0);
        histogram[0] -= 1;
        histogram[1] = 1;
        assert_eq!(estimate(&histogram), 1);
    }
}
