//! Per-command and per-error counters for INFO commandstats, errorstats and latencystats.

use std::collections::BTreeMap;

use rds_commands::{CommandId, CommandSpec, COMMANDS};

/// Distinct error codes tracked; later new codes are not counted, so a client cannot grow the table
/// without bound (Redis 7.0 has no limit; 7.2 stops at 128).
const MAX_ERROR_CODES: usize = 1024;

/// Latency histogram range and precision, as Redis configures its HDR histograms: 1 ns to 1 s, two
/// significant digits.
const HISTOGRAM_MAX_NS: u64 = 1_000_000_000;
/// `sub_bucket_half_count_magnitude` for two significant digits (sub buckets of 256).
const SUB_HALF_MAGNITUDE: u32 = 7;
const SUB_HALF_COUNT: usize = 1 << SUB_HALF_MAGNITUDE;
/// Buckets needed so that 256 << (buckets - 1) exceeds the maximum value.
const BUCKETS: usize = 23;
const COUNTS_LEN: usize = (BUCKETS + 1) * SUB_HALF_COUNT;

/// A latency histogram with the bucketing of an HDR histogram (1 ns .. 1 s, 2 significant digits),
/// so percentiles come out as Redis reports them.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; COUNTS_LEN].into_boxed_slice(), total: 0 }
    }
}

impl Histogram {
    fn bucket_of(value: u64) -> (u32, u64) {
        let bucket = 64 - (value | 0xff).leading_zeros() - (SUB_HALF_MAGNITUDE + 1);
        (bucket, value >> bucket)
    }

    /// Records one value in nanoseconds (clamped to the histogram's range).
    pub fn record(&mut self, value_ns: u64) {
        let value = value_ns.clamp(1, HISTOGRAM_MAX_NS);
        let (bucket, sub) = Self::bucket_of(value);
        let index = ((bucket as usize + 1) << SUB_HALF_MAGNITUDE) + sub as usize - SUB_HALF_COUNT;
        if let Some(count) = self.counts.get_mut(index) {
            *count += 1;
            self.total += 1;
        }
    }

    fn value_at_index(index: usize) -> u64 {
        let mut bucket = (index >> SUB_HALF_MAGNITUDE) as i64 - 1;
        let mut sub = (index & (SUB_HALF_COUNT - 1)) + SUB_HALF_COUNT;
        if bucket < 0 {
            sub -= SUB_HALF_COUNT;
            bucket = 0;
        }
        (sub as u64) << bucket
    }

    fn highest_equivalent(value: u64) -> u64 {
        let (bucket, sub) = Self::bucket_of(value);
        (sub << bucket) + (1u64 << bucket) - 1
    }

    /// The value at `percentile` (0..=100), in nanoseconds, as `hdr_value_at_percentile` computes it.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let wanted = ((percentile.min(100.0) / 100.0) * self.total as f64 + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                let value = Self::value_at_index(index);
                return if percentile == 0.0 { value } else { Self::highest_equivalent(value) };
            }
        }
        0
    }

    /// Number of recorded values.
    pub fn total(&self) -> u64 {
        self.total
    }

    fn index_of(value: u64) -> usize {
        let (bucket, sub) = Self::bucket_of(value);
        ((bucket as usize + 1) << SUB_HALF_MAGNITUDE) + sub as usize - SUB_HALF_COUNT
    }

    /// The cumulative distribution LATENCY HISTOGRAM replies, as Redis's logarithmic HDR iteration
    /// (first level 1024 ns, base 2) yields it: `(µs, values so far)` at each level whose count grew,
    /// where a level counts every value up to the highest value equivalent to it.
    pub fn cumulative_usec(&self) -> Vec<(u64, u64)> {
        let mut steps = Vec::new();
        let (mut level, mut index, mut seen, mut reported) = (1024u64, 0usize, 0u64, 0u64);
        while seen < self.total {
            let last = Self::index_of(level);
            // A level beyond the last bucket is reported at the last bucket's upper end, as the
            // iterator stops there.
            let highest = if last >= self.counts.len() {
                Self::highest_equivalent(Self::value_at_index(self.counts.len() - 1))
            } else {
                Self::highest_equivalent(level)
            };
            while index <= last && index < self.counts.len() {
                seen += self.counts[index];
                index += 1;
            }
            if seen > reported {
                steps.push((highest / 1000, seen));
                reported = seen;
            }
            level = level.saturating_mul(2);
        }
        steps
    }
}

/// Counters of one command (Redis's `calls`, `microseconds`, `rejected_calls`, `failed_calls`).
#[derive(Debug, Default, Clone)]
pub struct CommandStats {
    /// Times the handler ran.
    pub calls: u64,
    /// Total handler time, µs.
    pub usec: u64,
    /// Refused before running (arity, auth, ...).
    pub rejected: u64,
    /// Ran and replied with an error.
    pub failed: u64,
    /// Latency distribution, allocated on the first call.
    pub histogram: Option<Box<Histogram>>,
}

/// Counters of every command, indexed by [`CommandId`].
#[derive(Debug, Default, Clone)]
pub struct CommandTable {
    entries: Vec<CommandStats>,
}

impl CommandTable {
    fn entry(&mut self, id: CommandId) -> &mut CommandStats {
        let index = id as usize;
        if self.entries.len() <= index {
            self.entries.resize_with(COMMANDS.len().max(index + 1), CommandStats::default);
        }
        &mut self.entries[index]
    }

    /// Counts one execution of `id` that took `duration_us`; its latency goes to the histogram only
    /// with `latency-tracking` on (`track_latency`), as in Redis.
    pub fn record_call(&mut self, id: CommandId, duration_us: u64, failed: bool, track_latency: bool) {
        let entry = self.entry(id);
        entry.calls += 1;
        entry.usec += duration_us;
        if failed {
            entry.failed += 1;
        }
        if track_latency {
            entry.histogram.get_or_insert_with(Box::default).record(duration_us.saturating_mul(1000));
        }
    }

    /// Counts one refusal of `id` before it ran.
    pub fn record_rejected(&mut self, id: CommandId) {
        self.entry(id).rejected += 1;
    }

    /// Counts a failure of `id` after the call was counted (a blocked command ended by CLIENT UNBLOCK).
    pub fn record_failed(&mut self, id: CommandId) {
        self.entry(id).failed += 1;
    }

    /// The counters of `id`, if it ever ran or was refused.
    pub fn get(&self, id: CommandId) -> Option<&CommandStats> {
        self.entries.get(id as usize)
    }

    /// Commands with any activity, in table order.
    pub fn active(&self) -> impl Iterator<Item = (&'static CommandSpec, &CommandStats)> {
        COMMANDS.iter().zip(&self.entries).filter(|(_, s)| s.calls > 0 || s.rejected > 0 || s.failed > 0)
    }
}

/// Error replies counted by code (the first word of the error), in code order like Redis's rax.
#[derive(Debug, Default, Clone)]
pub struct ErrorTable {
    counts: BTreeMap<String, u64>,
}

impl ErrorTable {
    /// Counts one error reply whose text (without `-`) is `text`.
    pub fn record(&mut self, text: &str) {
        // Redis looks for the code in the first 32 bytes only, and falls back to ERR.
        let head = &text.as_bytes()[..text.len().min(32)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(end) => &text[..end],
            None => "ERR",
        };
        if let Some(count) = self.counts.get_mut(code) {
            *count += 1;
        } else if self.counts.len() < MAX_ERROR_CODES {
            self.counts.insert(code.to_string(), 1);
        }
    }

    /// (code, count) pairs in code order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(code, count)| (code.as_str(), *count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_reports_hdr_bucket_upper_bounds() {
        let mut h = Histogram::default();
        h.record(18_000);
        assert_eq!(h.value_at_percentile(50.0), 18_047);
        h.record(173_000);
        assert_eq!(h.value_at_percentile(99.0), 173_055);
        assert_eq!(h.value_at_percentile(50.0), 18_047);
        let mut small = Histogram::default();
        small.record(5);
        assert_eq!(small.value_at_percentile(50.0), 5);
        assert_eq!(Histogram::default().value_at_percentile(50.0), 0);
        let mut huge = Histogram::default();
        huge.record(u64::MAX);
        assert_eq!(huge.total(), 1);
    }

    #[test]
    fn errors_are_counted_by_code() {
        let mut table = ErrorTable::default();
        table.record("ERR syntax error");
        table.record("WRONGTYPE Operation against a key holding the wrong kind of value");
        table.record("ERR x");
        table.record("NOSPACEATALLINTHEFIRSTTHIRTYTWOBYTES");
        let counts: Vec<(&str, u64)> = table.iter().collect();
        assert_eq!(counts, vec![("ERR", 3), ("WRONGTYPE", 1)]);
    }
}
