//! The report: the throughput and latency tables, the ratio lines and the
//! targets, from the samples a [`Bench`] collected.

use crate::stats::{fmt_num, fmt_ratio, median, min_max, paired_ratio, paired_ratios, quartiles, size_label, size_tag, LatSample, Table, ThrSample};
use crate::zmq_runs::ZmqTransport;
use crate::{buffer_label, cell, lcell, Bench, Cell, Path, RV, RT, ZIPC, ZT, ZV, ZVMCI};

impl Bench {
    fn thr_series(&self, size: usize, cl: Cell, f: impl Fn(&ThrSample) -> f64) -> Vec<Option<f64>> {
        self.thr.get(&(size, cl)).map(|v| v.iter().map(|s| s.as_ref().map(&f)).collect()).unwrap_or_default()
    }

    fn mbs(&self, size: usize, cl: Cell) -> Vec<Option<f64>> {
        self.thr_series(size, cl, ThrSample::mb_per_sec)
    }

    fn msgs(&self, size: usize, cl: Cell) -> Vec<Option<f64>> {
        self.thr_series(size, cl, ThrSample::msgs_per_sec)
    }

    /// Per-round p50 (or p99) in microseconds.
    fn lat_series(&self, size: usize, cl: Cell, p99: bool) -> Vec<Option<f64>> {
        self.lat
            .get(&(size, cl))
            .map(|v| v.iter().map(|s| s.as_ref().map(|s| s.percentile_us(if p99 { 99.0 } else { 50.0 }))).collect())
            .unwrap_or_default()
    }

    /// Every round's round trips together.
    fn lat_pooled(&self, size: usize, cl: Cell) -> Option<LatSample> {
        let rounds = self.lat.get(&(size, cl))?;
        let all: Vec<u64> = rounds.iter().flatten().flat_map(|s| s.rtts_ns.iter().copied()).collect();
        if all.is_empty() {
            None
        } else {
            Some(LatSample::new(all))
        }
    }

    /// Pooled percentile of `cl` divided by the same of `base`.
    fn lat_pooled_ratio(&self, size: usize, cl: Cell, base: Cell, p: f64) -> Option<f64> {
        let a = self.lat_pooled(size, cl)?.percentile_us(p);
        let b = self.lat_pooled(size, base)?.percentile_us(p);
        (b > 0.0).then(|| a / b)
    }

    fn thr_table(&self) -> String {
        let mut t = Table::new(
            &["size", "path", "vsock buffer", "msgs/s", "MB/s", "MB/s min..max", "busy CPUs", "CPU us/MB", "vs raw", "vs default buf", "msgs vs zmq tcp", "runs"],
            3,
        );
        let mut order = vec![cell(ZV, None)];
        order.extend(self.c.buffers.iter().map(|&b| cell(ZV, Some(b))));
        order.push(cell(RV, None));
        order.extend(self.c.buffers.iter().map(|&b| cell(RV, Some(b))));
        if self.c.extra_paths {
            order.push(cell(ZVMCI, None));
        }
        order.push(cell(ZT, None));
        if self.c.extra_paths {
            order.push(cell(ZIPC, None));
        }
        order.push(cell(RT, None));
        for (i, &size) in self.c.sizes.iter().enumerate() {
            if i > 0 {
                t.separator();
            }
            for &cl in &order {
                let samples: Vec<ThrSample> = self.thr.get(&(size, cl)).map(|v| v.iter().flatten().copied().collect()).unwrap_or_default();
                let mb: Vec<f64> = samples.iter().map(ThrSample::mb_per_sec).collect();
                let msgs: Vec<f64> = samples.iter().map(ThrSample::msgs_per_sec).collect();
                // /proc/stat counts in clock ticks: only bursts of 50 ms or
                // more say anything about CPU use.
                let long: Vec<&ThrSample> = samples.iter().filter(|s| s.secs >= 0.05).collect();
                let busy: Vec<f64> = long.iter().map(|s| s.busy_cpus).collect();
                let cost: Vec<f64> = long.iter().map(|s| s.cpu_us_per_mb()).collect();
                let range = min_max(&mb).map(|(lo, hi)| format!("{}..{}", fmt_num(lo), fmt_num(hi))).unwrap_or("-".into());
                let vs_raw = match cl.path {
                    Path::Zmq(ZmqTransport::Vsock) => paired_ratio(&self.mbs(size, cl), &self.mbs(size, cell(RV, cl.buffer))),
                    Path::Zmq(ZmqTransport::Vmci) => paired_ratio(&self.mbs(size, cl), &self.mbs(size, cell(RV, None))),
                    Path::Zmq(ZmqTransport::Tcp) => paired_ratio(&self.mbs(size, cl), &self.mbs(size, cell(RT, None))),
                    _ => None,
                };
                let vs_default = match cl.buffer {
                    Some(_) => paired_ratio(&self.mbs(size, cl), &self.mbs(size, cell(cl.path, None))),
                    None => None,
                };
                let vs_tcp = match cl.path {
                    Path::Zmq(ZmqTransport::Tcp) | Path::Raw(_) => None,
                    Path::Zmq(_) => paired_ratio(&self.msgs(size, cl), &self.msgs(size, cell(ZT, None))),
                };
                let opt = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
                t.row(vec![
                    size_label(size),
                    cl.path.name().to_string(),
                    buffer_label(&cl),
                    fmt_num(median(&msgs).unwrap_or(f64::NAN)),
                    fmt_num(median(&mb).unwrap_or(f64::NAN)),
                    range,
                    median(&busy).map(|b| format!("{b:.2}")).unwrap_or("-".into()),
                    fmt_num(median(&cost).unwrap_or(f64::NAN)),
                    opt(vs_raw),
                    opt(vs_default),
                    opt(vs_tcp),
                    format!("{}/{}", samples.len(), self.c.rounds),
                ]);
            }
        }
        t.render()
    }

    fn lat_table(&self) -> String {
        let mut t = Table::new(
            &["size", "placement", "path", "p50 us", "p99 us", "p50 min..max", "round trips", "p50 vs raw", "p99 vs raw", "runs"],
            3,
        );
        let placements: &[bool] = if self.c.pin { &[true, false] } else { &[false] };
        let mut first = true;
        for &size in &self.c.lat_sizes {
            for &one in placements {
                if !first {
                    t.separator();
                }
                first = false;
                for path in [ZV, RV, ZT, RT] {
                    let cl = lcell(path, one);
                    let p50s: Vec<f64> = self.lat_series(size, cl, false).into_iter().flatten().collect();
                    let pooled = self.lat_pooled(size, cl);
                    let raw = match cl.path {
                        Path::Zmq(ZmqTransport::Vsock) => Some(lcell(RV, one)),
                        Path::Zmq(ZmqTransport::Tcp) => Some(lcell(RT, one)),
                        _ => None,
                    };
                    let p50_vs = raw.and_then(|r| paired_ratio(&self.lat_series(size, cl, false), &self.lat_series(size, r, false)));
                    let p99_vs = raw.and_then(|r| self.lat_pooled_ratio(size, cl, r, 99.0));
                    let opt = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
                    t.row(vec![
                        size_label(size),
                        self.placement(cl).to_string(),
                        cl.path.name().to_string(),
                        pooled.as_ref().map(|s| fmt_num(s.percentile_us(50.0))).unwrap_or("-".into()),
                        pooled.as_ref().map(|s| fmt_num(s.percentile_us(99.0))).unwrap_or("-".into()),
                        min_max(&p50s).map(|(lo, hi)| format!("{}..{}", fmt_num(lo), fmt_num(hi))).unwrap_or("-".into()),
                        pooled.as_ref().map(|s| s.rtts_ns.len().to_string()).unwrap_or("0".into()),
                        opt(p50_vs),
                        opt(p99_vs),
                        format!("{}/{}", p50s.len(), self.c.rounds),
                    ]);
                }
            }
        }
        t.render()
    }

    /// Every ratio line, in print order.
    fn ratios(&self) -> Vec<Ratio> {
        let mut out = Vec::new();
        let mut pooled = Vec::new();
        let mut paired = |name: String, a: Vec<Option<f64>>, b: Vec<Option<f64>>| {
            let per_round = paired_ratios(&a, &b);
            out.push(Ratio { name, value: median(&per_round), per_round });
        };
        if self.c.throughput {
            for &size in &self.c.sizes {
                paired(format!("vsock_vs_raw_{}", size_tag(size)), self.mbs(size, cell(ZV, None)), self.mbs(size, cell(RV, None)));
            }
            for &size in &self.c.sizes {
                paired(format!("vsock_vs_tcp_msgs_{}", size_tag(size)), self.msgs(size, cell(ZV, None)), self.msgs(size, cell(ZT, None)));
            }
            for &b in &self.c.buffers {
                let tag = size_tag(b as usize);
                for &size in &self.c.sizes {
                    paired(format!("vsock_buf{tag}_vs_default_{}", size_tag(size)), self.mbs(size, cell(ZV, Some(b))), self.mbs(size, cell(ZV, None)));
                }
                for &size in &self.c.sizes {
                    paired(format!("raw_vsock_buf{tag}_vs_default_{}", size_tag(size)), self.mbs(size, cell(RV, Some(b))), self.mbs(size, cell(RV, None)));
                }
                for &size in &self.c.sizes {
                    paired(format!("vsock_vs_raw_buf{tag}_{}", size_tag(size)), self.mbs(size, cell(ZV, Some(b))), self.mbs(size, cell(RV, Some(b))));
                }
                for &size in &self.c.sizes {
                    paired(format!("vsock_buf{tag}_vs_tcp_msgs_{}", size_tag(size)), self.msgs(size, cell(ZV, Some(b))), self.msgs(size, cell(ZT, None)));
                }
            }
            for &size in &self.c.sizes {
                paired(format!("tcp_vs_raw_{}", size_tag(size)), self.mbs(size, cell(ZT, None)), self.mbs(size, cell(RT, None)));
            }
        }
        if self.c.latency {
            // Without a suffix: both sides on one CPU (with --pin; else
            // floating), where the figures are the software path's. "_2cpus":
            // a CPU per side, where the emulator's cross-CPU wake-ups weigh in.
            let placements: &[(bool, &str)] = if self.c.pin { &[(true, ""), (false, "_2cpus")] } else { &[(false, "")] };
            for (i, &size) in self.c.lat_sizes.iter().enumerate() {
                for &(one, suffix) in placements {
                    let p50 = |p: Path| self.lat_series(size, lcell(p, one), false);
                    let tag = size_tag(size);
                    if i == 0 && suffix.is_empty() {
                        paired("vsock_rtt_vs_raw_p50".to_string(), p50(ZV), p50(RV));
                    }
                    paired(format!("vsock_rtt_vs_raw_p50_{tag}{suffix}"), p50(ZV), p50(RV));
                    paired(format!("tcp_rtt_vs_raw_p50_{tag}{suffix}"), p50(ZT), p50(RT));
                    paired(format!("vsock_rtt_vs_tcp_p50_{tag}{suffix}"), p50(ZV), p50(ZT));
                    pooled.push((format!("vsock_rtt_vs_raw_p99_{tag}{suffix}"), self.lat_pooled_ratio(size, lcell(ZV, one), lcell(RV, one), 99.0)));
                }
            }
        }
        drop(paired);
        for (name, value) in pooled {
            out.push(Ratio { name, value, per_round: Vec::new() });
        }
        out
    }
}

/// One `ratio` line: the median of the same-round ratios (`per_round`), or
/// a single figure (pooled percentiles).
struct Ratio {
    name: String,
    value: Option<f64>,
    per_round: Vec<f64>,
}

fn find<'a>(ratios: &'a [Ratio], name: &str) -> Option<&'a Ratio> {
    ratios.iter().find(|r| r.name == name)
}

impl Bench {
    /// Prints the tables, the failed runs, the targets and, last, one
    /// `ratio <name> <value>` line per ratio.
    pub(crate) fn print_report(&self, elapsed: std::time::Duration) {
        let c = &self.c;
        if c.throughput {
            let counts: Vec<String> = c.sizes.iter().map(|s| format!("{} x{}", size_label(*s), self.counts[s])).collect();
            println!("\nThroughput (PUSH/PULL; raw = length-prefixed stream; messages per burst, the same for every path of a size: {})", counts.join(", "));
            println!("median over rounds; 'vs' columns: median over rounds of the same-round ratio of MB/s (msgs/s for the last)\n");
            print!("{}", self.thr_table());
        }
        if c.latency {
            println!("\nRound-trip latency (REQ/REP; raw = ping-pong over a stream socket; default vsock buffer)");
            println!("p50/p99 over every round's round trips; 'p50 vs raw': median of same-round ratios; 'p99 vs raw': of the pooled p99s");
            if c.pin {
                println!("placement '1 CPU': both sides on CPU 0 (the software path's cost); '2 CPUs': a CPU each (adds the emulated cross-CPU wake-up)");
            }
            println!();
            print!("{}", self.lat_table());
        }
        if !self.failures.is_empty() {
            println!("\nFailed runs ({}):", self.failures.len());
            for f in &self.failures {
                println!("  {f}");
            }
        }
        let ratios = self.ratios();
        println!();
        let target = |name: &str, want: &str, ok: fn(f64) -> bool| {
            let r = find(&ratios, name);
            let value = r.and_then(|r| r.value);
            let verdict = match value {
                Some(v) if ok(v) => "met",
                Some(_) => "MISSED",
                None => "not measured",
            };
            let spread = r
                .and_then(|r| quartiles(&r.per_round).map(|(q1, q3)| format!("; same-round ratios: quartiles {q1:.3}..{q3:.3} over {} rounds", r.per_round.len())))
                .unwrap_or_default();
            println!("target {name} {want}: {verdict} ({}{spread})", fmt_ratio(value));
        };
        target("vsock_vs_raw_64KiB", ">= 0.9", |v| v >= 0.9);
        target("vsock_vs_raw_1MiB", ">= 0.9", |v| v >= 0.9);
        target("vsock_vs_tcp_msgs_16B", ">= 1.0", |v| v >= 1.0);
        target("vsock_vs_tcp_msgs_256B", ">= 1.0", |v| v >= 1.0);
        target("vsock_rtt_vs_raw_p50", "<= 1.2", |v| v <= 1.2);
        println!("bench: total {:.1} s", elapsed.as_secs_f64());
        for r in &ratios {
            println!("ratio {} {}", r.name, fmt_ratio(r.value));
        }
    }
}
