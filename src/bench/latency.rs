//! Latency percentiles from the round-trip times every client recorded.

use std::time::Duration;

/// Round-trip times, in nanoseconds, merged from every client and sorted.
#[derive(Debug, Default)]
pub struct Latencies {
    sorted: Vec<u64>,
}

impl Latencies {
    pub fn from_samples(mut samples: Vec<u64>) -> Latencies {
        samples.sort_unstable();
        Latencies { sorted: samples }
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The `p`-th percentile (nearest rank), `None` without samples.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.sorted.is_empty() {
            return None;
        }
        // p × n / 100, less a hair: 99.9 × 1000 / 100 is 999.000…1 in floating point, whose
        // ceiling would take the rank after the right one (the maximum, here).
        let rank = (p * self.sorted.len() as f64 / 100.0 - 1e-9).ceil() as usize;
        let i = rank.clamp(1, self.sorted.len()) - 1;
        Some(Duration::from_nanos(self.sorted[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let l = Latencies::from_samples((1..=100).rev().collect());
        assert_eq!(l.percentile(50.0), Some(Duration::from_nanos(50)));
        assert_eq!(l.percentile(99.0), Some(Duration::from_nanos(99)));
        assert_eq!(l.percentile(100.0), Some(Duration::from_nanos(100)));
        let l = Latencies::from_samples((1..=1000).collect());
        assert_eq!(l.percentile(99.9), Some(Duration::from_nanos(999)));
        assert_eq!(Latencies::default().percentile(50.0), None);
        let one = Latencies::from_samples(vec![7]);
        assert_eq!(one.percentile(99.0), Some(Duration::from_nanos(7)));
    }
}
