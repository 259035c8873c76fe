//! `demarche bench`: how fast this machine replays, on a generated workload or on a log.

use super::common::{Format, progress_bar};
use clap::Args;
use demarche::bench::{self, Records, typed};
use demarche::log::Log;
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
    /// Seed of the generated workload (and of the random points of `state at`).
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
    /// Random points at which `state at` is timed (on a log with snapshots).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    samples: usize,
    /// Skip the baseline (JSON lines into typed serde structs and string-keyed hash maps).
    #[arg(long)]
    no_baseline: bool,
    /// Measure only these (comma-separated), e.g. to profile one of them with many --rounds.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    only: Vec<What>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// What `demarche bench` can measure.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    Apply,
    Replay,
    Verify,
    Baseline,
    StateAt,
}

impl BenchArgs {
    fn wants(&self, w: What) -> bool {
        (self.only.is_empty() || self.only.contains(&w))
            && !(w == What::Baseline && self.no_baseline)
    }
}

pub const HELP: &str = "\
Generates a workload (200 actors, 1,000 missions, crises of expulsions, caps, suspensions and
statements answering each other; valid under the state machine) or reads yours, writes it as a
log of facts and measures, in events per second:
  apply     the trusted fold in memory: stored facts already decoded, applied (no rule runs)
  replay    the trusted replay of the log file (page cache warm): open, check every frame's
            checksum, decode the facts and apply them, as `demarche state` does
  verify    the verified replay, as `demarche log verify` does: every command decided again
            with this build's rules and its facts compared with the log's
  baseline  the same events as JSON lines, each parsed with serde into a typed event struct
            with string ids and folded into HashMap<String, _> state (the design of most
            event-sourcing libraries; it checks no rule either), and the ratios to it
and the memory the decoded events and facts take per event, the log's bytes per event, the
peak resident memory of the run and, on a log with snapshots (--log, --save), the median and
p99 time to the state after a random number of events, through the same call as `demarche
state` (newest snapshot at or before the point, then the trusted replay of the rest).
Each rate is the best of --rounds runs; --only measures some of them (to profile one, e.g.
`perf record -g -- demarche bench --log big.log --only replay --rounds 20`). The load average
at the start and the end says how busy the machine was. Criterion benchmarks with confidence
intervals: cargo bench --bench replay (docs/benchmarks.md).

JSON output: apply_events_per_second, replay_events_per_second, verify_events_per_second,
memory_bytes_per_event, bytes_per_event_on_disk, state_at.median_ms and .p99_ms,
baseline.events_per_second and the ratios, peak_rss_bytes. fold_events_per_second and
decode_fold_events_per_second are the earlier names of the apply and replay rates.

Examples:
  demarche bench
  demarche bench --events 100000 --format json
  demarche bench --events 10000000 --no-baseline --rounds 1 --save big.log
  demarche bench --log big.log --no-baseline
  demarche bench --log big.log --only replay,state-at --rounds 10
  demarche bench --log crisis.log";

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(1)
}

/// Runs `work` with a progress bar over `total` steps on a terminal (after printing `what`);
/// `work` counts its steps in the counter it is given.
fn with_bar<T>(what: &str, total: usize, work: impl FnOnce(&AtomicUsize) -> T) -> T {
    let done = AtomicUsize::new(0);
    let shown = std::io::stderr().is_terminal();
    if shown {
        eprintln!("{what}");
    }
    std::thread::scope(|s| {
        let bar = shown.then(|| s.spawn(|| progress_bar(&done, total)));
        let v = work(&done);
        done.store(total, Ordering::Relaxed);
        if let Some(h) = bar {
            let _ = h.join();
        }
        v
    })
}

/// The best rate of `rounds` runs of `f` over `n` events, with a bar over the rounds.
fn measure(
    what: &str,
    n: usize,
    rounds: usize,
    mut f: impl FnMut() -> Result<Duration, String>,
) -> Result<f64, String> {
    let rounds = rounds.max(1);
    with_bar(&format!("{what} ({rounds} runs)"), rounds, |done| {
        let mut error = None;
        let rate = bench::rate(n, rounds, || {
            let t = match f() {
                Ok(t) => t,
                Err(e) => {
                    error.get_or_insert(e);
                    Duration::MAX
                }
            };
            done.fetch_add(1, Ordering::Relaxed);
            t
        });
        error.map_or(Ok(rate), Err)
    })
}

/// Where the measured log comes from, and the scenario when one is needed.
struct Input {
    source: String,
    log: PathBuf,
    /// Shown in the report: the log given or saved, or a temporary one.
    shown: String,
    scenario: Option<Scenario>,
}

fn input(a: &BenchArgs, scratch: &Path) -> Result<Input, ExitCode> {
    let temporary = || {
        let _ = std::fs::create_dir_all(scratch);
        scratch.join("workload.log")
    };
    let write = |path: &Path, s: &Scenario, every: u32| {
        with_bar(
            &format!("writing the log of facts {}", path.display()),
            1,
            |_| bench::write_log(path, s, every),
        )
        .map_err(|e| fail(&e))
    };
    match &a.log {
        Some(p) if Log::is_log(p) => {
            let scenario = if !a.wants(What::Baseline) {
                None
            } else {
                let s = bench::open(p).and_then(|l| l.scenario());
                Some(s.map_err(|e| fail(&e))?)
            };
            Ok(Input {
                source: p.display().to_string(),
                log: p.clone(),
                shown: p.display().to_string(),
                scenario,
            })
        }
        Some(p) => {
            let Ok(s) = demarche::scenario::load(p) else {
                return Err(fail(&format!(
                    "{} is neither a readable log nor a valid scenario (try `demarche validate`)",
                    p.display()
                )));
            };
            let log = temporary();
            write(&log, &s, 0)?;
            Ok(Input {
                source: p.display().to_string(),
                log,
                shown: "temporary log".into(),
                scenario: Some(s),
            })
        }
        None => {
            if a.events == 0 {
                return Err(super::common::usage("--events must be at least 1"));
            }
            let events = a.events;
            let s = with_bar(
                &format!(
                    "generating {events} events over 200 actors and 1,000 missions (seed {})",
                    a.seed
                ),
                events,
                |done| bench::workload(events, a.seed, &mut |n| done.store(n, Ordering::Relaxed)),
            );
            let (log, shown) = match &a.save {
                Some(p) => {
                    write(p, &s, 10_000)?;
                    eprintln!("saved the workload as {}", p.display());
                    (p.clone(), p.display().to_string())
                }
                None => {
                    let p = temporary();
                    write(&p, &s, 0)?;
                    (p, "temporary log".into())
                }
            };
            Ok(Input {
                source: format!("generated, seed {}", a.seed),
                log,
                shown,
                scenario: Some(s),
            })
        }
    }
}

pub fn run(a: BenchArgs) -> ExitCode {
    let scratch = std::env::temp_dir().join(format!("demarche-bench-{}", std::process::id()));
    let load = bench::load_average();
    let result = match input(&a, &scratch) {
        Ok(input) => measure_all(&a, &input, &scratch).map(|m| {
            let load = (load, bench::load_average());
            report(&a, &input, &m, load)
        }),
        Err(code) => Err(code),
    };
    let _ = std::fs::remove_dir_all(&scratch);
    result.unwrap_or_else(|code| code)
}

fn measure_all(a: &BenchArgs, input: &Input, scratch: &Path) -> Result<Measured, ExitCode> {
    let log = bench::open(&input.log).map_err(|e| fail(&e))?;
    let n = log.count as usize;
    if n == 0 {
        return Err(fail(&"nothing to measure: no events"));
    }
    let log_bytes = std::fs::metadata(&input.log).map_or(0, |m| m.len());
    let records = with_bar("decoding the facts into memory", 1, |_| {
        Records::from_log(&log)
    })
    .map_err(|e| fail(&e))?;
    let commands_bytes = match &input.scenario {
        Some(s) => bench::commands_memory_bytes(&s.events),
        None => {
            let mut total = 0;
            for i in 0..log.frames.len() {
                let frame = log.frame(i).map_err(|e| fail(&e))?;
                let events: Vec<_> = log
                    .events(&frame)
                    .map_err(|e| fail(&e))?
                    .into_iter()
                    .map(|(e, _)| e)
                    .collect();
                total += bench::commands_memory_bytes(&events);
            }
            total
        }
    };
    let initial = &log.genesis.initial;
    let err = |e: String| fail(&e);
    let apply = a
        .wants(What::Apply)
        .then(|| {
            measure("apply in memory", n, a.rounds, || {
                let state = initial.clone();
                let (s, t) = bench::timed(|| records.apply(state));
                drop(std::hint::black_box(s));
                Ok(t)
            })
        })
        .transpose()
        .map_err(err)?;
    let replay = a
        .wants(What::Replay)
        .then(|| {
            measure("replay from the log", n, a.rounds, || {
                let (s, t) = bench::timed(|| bench::replay(&input.log));
                s.map_err(|e| e.to_string())?;
                Ok(t)
            })
        })
        .transpose()
        .map_err(err)?;
    let verify = a
        .wants(What::Verify)
        .then(|| {
            measure("verify the log", n, a.rounds, || {
                let (checked, t) = bench::timed(|| bench::verify(&input.log));
                match checked? {
                    c if c == n as u64 => Ok(t),
                    c => Err(format!("verified {c} events of {n}")),
                }
            })
        })
        .transpose()
        .map_err(err)?;
    let baseline = match &input.scenario {
        Some(s) if a.wants(What::Baseline) => {
            let _ = std::fs::create_dir_all(scratch);
            let path = scratch.join("workload.jsonl");
            let lines = bench::jsonl(s);
            std::fs::write(&path, &lines).map_err(|e| fail(&format!("{}: {e}", path.display())))?;
            let rate = measure("baseline: typed JSON lines", n, a.rounds, || {
                let (s, t) = bench::timed(|| typed::replay(&path));
                s.map_err(|e| e.to_string())?;
                Ok(t)
            })
            .map_err(err)?;
            Some((rate, lines.len()))
        }
        _ => None,
    };
    let state_at = if log.snapshots.is_empty() || !a.wants(What::StateAt) {
        None
    } else {
        let samples = a.samples.max(1);
        let l = with_bar(
            &format!("state at {samples} random points"),
            samples,
            |done| {
                bench::state_at_latencies(&log, samples, a.seed, &mut |k| {
                    done.store(k, Ordering::Relaxed)
                })
            },
        )
        .map_err(|e| fail(&e))?;
        Some(StateAt {
            snapshots: log.snapshots.len(),
            samples,
            median: bench::quantile(&l, 0.5),
            p99: bench::quantile(&l, 0.99),
            max: l.last().copied().unwrap_or_default(),
        })
    };
    Ok(Measured {
        n,
        facts: records.facts(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        apply,
        replay,
        verify,
        facts_bytes: records.memory_bytes(),
        commands_bytes,
        log_bytes,
        baseline,
        state_at,
        peak_rss: bench::peak_rss(),
    })
}

struct StateAt {
    snapshots: usize,
    samples: usize,
    median: Duration,
    p99: Duration,
    max: Duration,
}

struct Measured {
    n: usize,
    facts: usize,
    cores: usize,
    apply: Option<f64>,
    replay: Option<f64>,
    verify: Option<f64>,
    /// Bytes the decoded facts take in memory, and the commands.
    facts_bytes: usize,
    commands_bytes: usize,
    log_bytes: u64,
    /// Events per second and JSON bytes.
    baseline: Option<(f64, usize)>,
    state_at: Option<StateAt>,
    peak_rss: Option<u64>,
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// `load`: the load average when the run started and when it ended.
fn report(
    a: &BenchArgs,
    input: &Input,
    m: &Measured,
    load: (Option<f64>, Option<f64>),
) -> ExitCode {
    let n = m.n as f64;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let on_disk = m.log_bytes as f64 / n;
    let facts_mem = m.facts_bytes as f64 / n;
    let commands_mem = m.commands_bytes as f64 / n;
    let memory = facts_mem + commands_mem;
    let rounded = |r: Option<f64>| r.map(f64::round);
    let ratio = |r: Option<f64>, base: f64| r.map(|r| round(r / base, 2));
    match a.format {
        Format::Json => {
            let v = serde_json::json!({
                "workload": input.source,
                "log": input.shown,
                "events": m.n,
                "facts": m.facts,
                "facts_per_event": round(m.facts as f64 / n, 2),
                "cores": m.cores,
                "rounds": a.rounds,
                "load_average": {"start": load.0, "end": load.1},
                "apply_events_per_second": rounded(m.apply),
                "replay_events_per_second": rounded(m.replay),
                "verify_events_per_second": rounded(m.verify),
                "fold_events_per_second": rounded(m.apply),
                "decode_fold_events_per_second": rounded(m.replay),
                "memory_bytes_per_event": round(memory, 1),
                "memory": {
                    "facts_bytes_per_event": round(facts_mem, 1),
                    "commands_bytes_per_event": round(commands_mem, 1),
                },
                "log_bytes": m.log_bytes,
                "bytes_per_event_on_disk": round(on_disk, 1),
                "log_bytes_per_event": round(on_disk, 1),
                "state_at": m.state_at.as_ref().map(|s| serde_json::json!({
                    "snapshots": s.snapshots,
                    "samples": s.samples,
                    "median_ms": round(ms(s.median), 4),
                    "p99_ms": round(ms(s.p99), 4),
                    "max_ms": round(ms(s.max), 4),
                })),
                "baseline": m.baseline.map(|(r, bytes)| serde_json::json!({
                    "what": "JSON lines into typed serde structs with string ids, HashMap<String, _> state, no rules",
                    "events_per_second": r.round(),
                    "bytes_per_event": round(bytes as f64 / n, 1),
                    "apply_ratio": ratio(m.apply, r),
                    "replay_ratio": ratio(m.replay, r),
                    "verify_ratio": ratio(m.verify, r),
                    "fold_ratio": ratio(m.apply, r),
                })),
                "peak_rss_bytes": m.peak_rss,
            });
            println!("{v:#}");
        }
        Format::Text => {
            let mib = |b: f64| b / (1024.0 * 1024.0);
            let shown = |l: Option<f64>| l.map_or("?".to_string(), |l| format!("{l:.1}"));
            println!(
                "workload     {}: {} events, {} facts",
                input.source, m.n, m.facts
            );
            println!(
                "machine      {} core(s); best of {} run(s); load average {} at the start, {} at the end",
                m.cores,
                a.rounds,
                shown(load.0),
                shown(load.1)
            );
            if let Some(r) = m.apply {
                println!("apply        {r:>12.0} events/s   (stored facts in memory, no rule)");
            }
            if let Some(r) = m.replay {
                println!(
                    "replay       {r:>12.0} events/s   (decode+fold of {}, no rule)",
                    input.shown
                );
            }
            if let Some(r) = m.verify {
                println!(
                    "verify       {r:>12.0} events/s   (every command decided again, facts compared)"
                );
            }
            println!(
                "memory       {memory:>12.1} bytes/event  (facts {facts_mem:.1}, commands {commands_mem:.1})"
            );
            println!(
                "on disk      {on_disk:>12.1} bytes/event  ({} bytes)",
                m.log_bytes
            );
            if let Some(s) = &m.state_at {
                println!(
                    "state at     median {:.3} ms, p99 {:.3} ms, max {:.3} ms   ({} random points, {} snapshots)",
                    ms(s.median),
                    ms(s.p99),
                    ms(s.max),
                    s.samples,
                    s.snapshots
                );
            }
            if let Some((r, bytes)) = m.baseline {
                println!(
                    "baseline     {r:>12.0} events/s   (JSON lines into typed serde structs, {:.1} bytes per event, HashMap<String, _> state; no rule)",
                    bytes as f64 / n
                );
                let ratios: Vec<String> = [
                    ("apply", m.apply),
                    ("replay", m.replay),
                    ("verify", m.verify),
                ]
                .into_iter()
                .filter_map(|(what, x)| x.map(|x| format!("{what} {:.1}x", x / r)))
                .collect();
                if !ratios.is_empty() {
                    println!("ratios       {} the baseline", ratios.join(", "));
                }
            }
            if let Some(b) = m.peak_rss {
                println!("peak RSS     {:>12.1} MiB", mib(b as f64));
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn args(line: &[&str]) -> BenchArgs {
        Cli::try_parse_from([&["bench"], line].concat())
            .unwrap()
            .bench
    }

    #[test]
    fn only_and_no_baseline_choose_what_is_measured() {
        let all = [
            What::Apply,
            What::Replay,
            What::Verify,
            What::Baseline,
            What::StateAt,
        ];
        let every = args(&[]);
        assert!(all.iter().all(|&w| every.wants(w)));
        let some = args(&["--only", "replay,state-at"]);
        let chosen: Vec<bool> = all.iter().map(|&w| some.wants(w)).collect();
        assert_eq!(chosen, [false, true, false, false, true]);
        let quiet = args(&["--only", "baseline,apply", "--no-baseline"]);
        assert!(quiet.wants(What::Apply) && !quiet.wants(What::Baseline));
        assert!(Cli::try_parse_from(["bench", "--only", "fold"]).is_err());
    }
}
