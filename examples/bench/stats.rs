//! Statistics (medians, percentiles, paired ratios), CPU accounting from
//! /proc/stat, number formatting and the plain-text table.

use std::fmt::Write as _;

/// One throughput measurement: `messages` received between the receiver's
/// first and last message (libzmq's local_thr method: the clock starts when
/// the first message arrives, so connection set-up is not timed).
#[derive(Clone, Copy, Debug)]
pub struct ThrSample {
    /// Messages after the first one (the ones the timed window covers).
    pub messages: u64,
    pub size: usize,
    pub secs: f64,
    /// CPUs kept busy during the timed window (whole machine, from
    /// /proc/stat: application threads, libzmq I/O threads and the kernel's
    /// vsock loopback worker alike).
    pub busy_cpus: f64,
}

impl ThrSample {
    pub fn msgs_per_sec(&self) -> f64 {
        self.messages as f64 / self.secs
    }
    /// Payload megabytes (10^6 bytes) per second, like local_thr's figure
    /// divided by 8.
    pub fn mb_per_sec(&self) -> f64 {
        self.msgs_per_sec() * self.size as f64 / 1e6
    }
    /// CPU time (all CPUs, in microseconds) spent per payload megabyte.
    pub fn cpu_us_per_mb(&self) -> f64 {
        self.busy_cpus * self.secs * 1e6 / (self.messages as f64 * self.size as f64 / 1e6)
    }
}

/// Round-trip times of one latency run, in nanoseconds, sorted.
#[derive(Clone, Debug)]
pub struct LatSample {
    pub rtts_ns: Vec<u64>,
}

impl LatSample {
    pub fn new(mut rtts_ns: Vec<u64>) -> Self {
        rtts_ns.sort_unstable();
        LatSample { rtts_ns }
    }
    /// Nearest-rank percentile (`p` in 0..=100), in microseconds.
    pub fn percentile_us(&self, p: f64) -> f64 {
        percentile_sorted(&self.rtts_ns, p) as f64 / 1e3
    }
}

pub fn percentile_sorted(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Median (mean of the two middle values for an even count); `None` when
/// there is no value.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let mut it = values.iter().copied().filter(|x| x.is_finite());
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x))))
}

/// Median over rounds of `a[i] / b[i]`, for the rounds where both ran: each
/// pair was measured a few seconds apart, so slow drifts of the machine's
/// speed cancel out.
pub fn paired_ratio(a: &[Option<f64>], b: &[Option<f64>]) -> Option<f64> {
    median(&paired_ratios(a, b))
}

/// `a[i] / b[i]` for every round where both ran.
pub fn paired_ratios(a: &[Option<f64>], b: &[Option<f64>]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .filter_map(|(x, y)| match (x, y) {
            (Some(x), Some(y)) if *y > 0.0 => Some(x / y),
            _ => None,
        })
        .collect()
}

/// First and third quartiles (medians of the lower and upper halves).
pub fn quartiles(values: &[f64]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let half = v.len() / 2;
    Some((median(&v[..half])?, median(&v[v.len() - half..])?))
}

/// Whole-machine CPU counters from the first line of /proc/stat.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuStat {
    busy: u64,
    total: u64,
}

impl CpuStat {
    pub fn read() -> CpuStat {
        let Ok(text) = std::fs::read_to_string("/proc/stat") else {
            return CpuStat::default();
        };
        let Some(line) = text.lines().next() else {
            return CpuStat::default();
        };
        let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal guest guest_nice;
        // guest time is already counted in user.
        let total: u64 = fields.iter().take(8).sum();
        let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
        CpuStat { busy: total.saturating_sub(idle), total }
    }

    /// CPUs busy on average between `self` and `later`, out of `cpus`.
    pub fn busy_cpus(&self, later: &CpuStat, cpus: usize) -> f64 {
        let total = later.total.saturating_sub(self.total);
        if total == 0 {
            return f64::NAN;
        }
        later.busy.saturating_sub(self.busy) as f64 / total as f64 * cpus as f64
    }
}

/// CPUs online in the machine (not `available_parallelism`, which shrinks
/// to the calling thread's CPU mask once it is pinned).
pub fn cpu_count() -> usize {
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as usize
    } else {
        1
    }
}

/// `16 B`, `256 B`, `4 KiB`, `64 KiB`, `1 MiB`.
pub fn size_label(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// The same without the space, for ratio names: `16B`, `64KiB`.
pub fn size_tag(bytes: usize) -> String {
    size_label(bytes).replace(' ', "")
}

/// Parses `16`, `4K`, `4KiB`, `1M`, `1MiB` (binary units).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let (digits, mult) = if let Some(d) = lower.strip_suffix("mib").or_else(|| lower.strip_suffix('m')) {
        (d, 1u64 << 20)
    } else if let Some(d) = lower.strip_suffix("kib").or_else(|| lower.strip_suffix('k')) {
        (d, 1u64 << 10)
    } else {
        (lower.strip_suffix('b').unwrap_or(&lower), 1)
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(mult)
}

/// Three significant digits, with k/M suffixes for big numbers.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    let (v, suffix) = if x >= 1e6 {
        (x / 1e6, "M")
    } else if x >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$}{suffix}")
}

pub fn fmt_ratio(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "nan".to_string(),
    }
}

/// A plain-text table with right-aligned columns (the first `left` columns
/// left-aligned).
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

impl Table {
    pub fn new(header: &[&str], left: usize) -> Self {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new(), left }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn separator(&mut self) {
        self.rows.push(Vec::new());
    }

    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.len());
            }
        }
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::with_capacity(n);
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                parts.push(if i < self.left {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                });
            }
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        let mut out = String::new();
        line(&self.header, &mut out);
        let total: usize = widths.iter().sum::<usize>() + 2 * (n - 1);
        let _ = writeln!(out, "{}", "-".repeat(total));
        for row in &self.rows {
            if row.is_empty() {
                out.push('\n');
            } else {
                line(row, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile_sorted(&v, 50.0), 50);
        assert_eq!(percentile_sorted(&v, 99.0), 99);
        assert_eq!(percentile_sorted(&v, 100.0), 100);
        assert_eq!(paired_ratio(&[Some(2.0), None, Some(9.0)], &[Some(1.0), Some(1.0), Some(3.0)]), Some(2.5));
        assert_eq!(quartiles(&[1.0, 2.0, 3.0, 4.0, 5.0]), Some((1.5, 4.5)));
    }

    #[test]
    fn sizes() {
        assert_eq!(size_label(16), "16 B");
        assert_eq!(size_label(4096), "4 KiB");
        assert_eq!(size_tag(1 << 20), "1MiB");
        assert_eq!(parse_size("4K"), Some(4096));
        assert_eq!(parse_size("1MiB"), Some(1 << 20));
        assert_eq!(parse_size("256"), Some(256));
        assert_eq!(parse_size("x"), None);
    }
}
