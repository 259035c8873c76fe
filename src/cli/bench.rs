//! `demarche bench`: how fast this machine replays, on a generated workload or on a log.

use super::common::{Format, progress_bar};
use clap::Args;
use demarche::bench::{self, naive};
use demarche::log::{Durability, Log, Writer, WriterOptions};
use demarche::scenario::Scenario;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Args)]
pub struct BenchArgs {
    /// Events to generate (ignored with --log).
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    events: usize,
    /// Seed of the generated workload.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measure this log (or scenario file) instead of a generated workload.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Keep the generated workload as a log at FILE (snapshots every 10,000 events), to replay,
    /// query or benchmark again with --log.
    #[arg(long, value_name = "FILE", conflicts_with = "log")]
    save: Option<PathBuf>,
    /// Runs of each measurement; the best is reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Skip the naive baseline (JSON lines into string-keyed hash maps).
    #[arg(long)]
    no_baseline: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub const HELP: &str = "\
Generates a workload (200 actors, 1,000 missions, crises of expulsions, caps, suspensions and
statements answering each other; valid under the state machine) or reads yours, then measures:
  fold         events per second folded in memory (decide + apply each event)
  decode+fold  events per second read from a log file (page cache warm), checked and folded
  state at     with --log on a log with snapshots: median and p99 time to the state after a
               random number of events (nearest snapshot, then replay)
  baseline     the same events as JSON lines folded into HashMap<String, _> state, the design
               most event-sourcing libraries use (it checks no rules), and our ratio to it
Each measurement runs --rounds times; the best run is reported. Criterion benchmarks with
confidence intervals: cargo bench --bench replay (docs/benchmarks.md).

Examples:
  demarche bench
  demarche bench --events 100000 --format json
  demarche bench --events 10000000 --no-baseline --save big.log
  demarche bench --log crisis.log";

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(1)
}

/// Generates the workload with a progress bar on a terminal.
fn generate(events: usize, seed: u64) -> Scenario {
    let done = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let bar = std::io::stderr()
            .is_terminal()
            .then(|| s.spawn(|| progress_bar(&done, events)));
        let w = bench::workload(events, seed, &mut |n| done.store(n, Ordering::Relaxed));
        done.store(events, Ordering::Relaxed);
        if let Some(h) = bar {
            let _ = h.join();
        }
        w
    })
}

pub fn run(a: BenchArgs) -> ExitCode {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scratch = std::env::temp_dir().join(format!("demarche-bench-{}", std::process::id()));
    let (s, log_path, source) = match &a.log {
        Some(p) => {
            let s = if Log::is_log(p) {
                match Log::open(p).and_then(|l| l.scenario()) {
                    Ok(s) => s,
                    Err(e) => return fail(&e),
                }
            } else {
                match demarche::scenario::load(p) {
                    Ok(s) => s,
                    Err(_) => {
                        return fail(&format!(
                            "{} is neither a readable log nor a valid scenario (try `demarche validate`)",
                            p.display()
                        ));
                    }
                }
            };
            (
                s,
                Log::is_log(p).then(|| p.clone()),
                p.display().to_string(),
            )
        }
        None => {
            if a.events == 0 {
                return super::common::usage("--events must be at least 1");
            }
            eprintln!(
                "generating {} events over 200 actors and 1,000 missions (seed {})...",
                a.events, a.seed
            );
            (
                generate(a.events, a.seed),
                None,
                format!("generated, seed {}", a.seed),
            )
        }
    };
    let n = s.events.len();
    if n == 0 {
        return fail(&"nothing to measure: no events");
    }
    // A log to decode: the one given, the one to save, or the workload in a temporary file.
    let log_path = match (log_path, &a.save) {
        (Some(p), _) => p,
        (None, Some(p)) => {
            let options = WriterOptions {
                durability: Durability::Batch,
                ..WriterOptions::default()
            };
            if let Err(e) = Writer::create(p, &s, 10_000, options) {
                return fail(&e);
            }
            eprintln!("saved the workload as {}", p.display());
            p.clone()
        }
        (None, None) => {
            let _ = std::fs::create_dir_all(&scratch);
            let p = scratch.join("workload.log");
            let options = WriterOptions {
                durability: Durability::Batch,
                snapshots: false,
                ..WriterOptions::default()
            };
            if let Err(e) = Writer::create(&p, &s, 0, options) {
                return fail(&e);
            }
            p
        }
    };
    let log_bytes = std::fs::metadata(&log_path).map_or(0, |m| m.len());
    let fold = bench::rate(n, a.rounds, || {
        std::hint::black_box(bench::fold(&s.world, &s.initial, &s.events));
    });
    let mut decode_error = None;
    let decode = bench::rate(n, a.rounds, || {
        if let Err(e) = bench::decode_fold(&log_path) {
            decode_error = Some(e.to_string());
        }
    });
    if let Some(e) = decode_error {
        return fail(&e);
    }
    let baseline = (!a.no_baseline).then(|| {
        let jsonl = naive::jsonl(&s);
        let rate = bench::rate(n, a.rounds, || {
            std::hint::black_box(naive::fold(&jsonl));
        });
        (rate, jsonl.len())
    });
    // Snapshots: the state at random points, if the log has any.
    let state_at = match Log::open(&log_path) {
        Ok(log) if !log.snapshots.is_empty() => {
            match bench::state_at_latencies(&log, 200, a.seed) {
                Ok(l) => Some((
                    log.snapshots.len(),
                    bench::quantile(&l, 0.5),
                    bench::quantile(&l, 0.99),
                )),
                Err(e) => return fail(&e),
            }
        }
        _ => None,
    };
    let _ = std::fs::remove_dir_all(&scratch);
    let measured = Measured {
        n,
        cores,
        fold,
        decode,
        log_bytes,
        baseline,
        state_at,
    };
    report(&a, &source, &measured, &log_path)
}

struct Measured {
    n: usize,
    cores: usize,
    fold: f64,
    decode: f64,
    log_bytes: u64,
    /// Events per second and JSON bytes.
    baseline: Option<(f64, usize)>,
    /// Snapshots, median and p99 latency of the state at a random point.
    state_at: Option<(usize, Duration, Duration)>,
}

fn report(a: &BenchArgs, source: &str, m: &Measured, log_path: &Path) -> ExitCode {
    let Measured {
        n,
        cores,
        fold,
        decode,
        log_bytes,
        baseline,
        state_at,
    } = *m;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per_event = log_bytes as f64 / n as f64;
    match a.format {
        Format::Json => {
            let v = serde_json::json!({
                "workload": source,
                "events": n,
                "cores": cores,
                "rounds": a.rounds,
                "fold_events_per_second": fold.round(),
                "decode_fold_events_per_second": decode.round(),
                "log_bytes": log_bytes,
                "log_bytes_per_event": (per_event * 10.0).round() / 10.0,
                "state_at": state_at.map(|(snaps, p50, p99)| serde_json::json!({
                    "snapshots": snaps,
                    "samples": 200,
                    "median_ms": (ms(p50) * 1000.0).round() / 1000.0,
                    "p99_ms": (ms(p99) * 1000.0).round() / 1000.0,
                })),
                "baseline": baseline.map(|(r, bytes)| serde_json::json!({
                    "what": "JSON lines, string ids, HashMap<String, _> state, no rules",
                    "events_per_second": r.round(),
                    "bytes_per_event": (bytes as f64 / n as f64 * 10.0).round() / 10.0,
                    "fold_ratio": (fold / r * 10.0).round() / 10.0,
                })),
            });
            println!("{v:#}");
        }
        Format::Text => {
            println!("workload     {source}: {n} events");
            println!("machine      {cores} core(s); best of {} run(s)", a.rounds);
            println!("fold         {:>12.0} events/s", fold);
            println!(
                "decode+fold  {:>12.0} events/s   ({}: {log_bytes} bytes, {per_event:.1} per event)",
                decode,
                if a.log.is_some() || a.save.is_some() {
                    log_path.display().to_string()
                } else {
                    "temporary log".into()
                }
            );
            if let Some((snaps, p50, p99)) = state_at {
                println!(
                    "state at     median {:.3} ms, p99 {:.3} ms   (200 random points, {snaps} snapshots)",
                    ms(p50),
                    ms(p99)
                );
            }
            if let Some((r, bytes)) = baseline {
                println!(
                    "baseline     {:>12.0} events/s   (JSON lines, {:.1} bytes per event, into HashMap<String, _>; no rules checked)",
                    r,
                    bytes as f64 / n as f64
                );
                println!("ratio        fold is {:.1}x the baseline", fold / r);
            }
        }
    }
    ExitCode::SUCCESS
}
