//! `demarche sweep`: many seeded branches on every core, and the distribution of outcomes.

use super::common::{Format, progress_bar, usage};
use super::whatif::{EditArgs, branch_of, input_base, load_input};
use clap::{Args, ValueEnum};
use demarche::whatif::sweep;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

pub const HELP: &str = "\
Run i uses a seed derived from --seed and i only, so results do not depend on --threads. Branches per second are reported on stderr. Edits and policies are given as to `demarche whatif` (see `demarche whatif --help`).";

pub const TEMPLATE: &str = help_template!(
    "demarche sweep scenarios/whatif/nato-expels-two.toml --runs 10000 --seed 7",
    "demarche sweep scenarios/whatif/nato-expels-two.toml --runs 1000 --format csv > runs.csv",
    "demarche sweep scenarios/nato-russia-2021.toml --policy russia=0.5:reciprocal+0.5:escalate,from=2021-10-06 --runs 500",
);

/// The most threads a sweep starts.
const MAX_THREADS: usize = 1024;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SweepFormat {
    Text,
    Json,
    Csv,
}

#[derive(Args)]
pub struct SweepArgs {
    /// A branch file, or a base scenario to edit with the flags.
    file: PathBuf,
    #[command(flatten)]
    edits: EditArgs,
    /// How many branches to run (1 to 10,000,000).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    runs: usize,
    /// Seed of the sweep: run i draws from a seed derived from it and i.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Threads, 1 to 1024 (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// How many of the most common answer sequences to list.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Output format: text for people, json for programs, csv for one row per run.
    #[arg(long, value_enum, default_value = "text")]
    format: SweepFormat,
}

pub fn run(a: SweepArgs) -> ExitCode {
    let SweepArgs {
        file,
        edits,
        runs,
        seed,
        threads,
        top,
        format,
    } = a;
    let edits = &edits;
    if !(1..=sweep::MAX_RUNS).contains(&runs) {
        return usage(&format!(
            "--runs {runs}: a sweep runs from 1 to {} branches",
            sweep::MAX_RUNS
        ));
    }
    if let Some(t) = threads.filter(|t| !(1..=MAX_THREADS).contains(t)) {
        return usage(&format!("--threads {t}: from 1 to {MAX_THREADS}"));
    }
    let pformat = if format == SweepFormat::Json {
        Format::Json
    } else {
        Format::Text
    };
    let input = match load_input(&file, pformat) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let base = input_base(&input);
    let b = match branch_of(&input, base, edits, pformat) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .max(1);
    let prepared = b.prepare();
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    let results = std::thread::scope(|s| {
        let show = std::io::stderr().is_terminal();
        let bar = show.then(|| s.spawn(|| progress_bar(&done, runs)));
        let r = sweep::sweep(&prepared, runs, seed, threads, Some(&done));
        if let Some(h) = bar {
            let _ = h.join();
        }
        r
    });
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{runs} branches in {secs:.2} s on {threads} thread(s): {:.0} branches/s",
        runs as f64 / secs.max(1e-9)
    );
    let title = b.title.clone().unwrap_or_default();
    match format {
        SweepFormat::Csv => print!("{}", sweep::csv(&prepared, &results)),
        SweepFormat::Text => {
            print!(
                "{}",
                sweep::distribution(&prepared, &results, top).text(&title, seed)
            )
        }
        SweepFormat::Json => println!(
            "{:#}",
            sweep::distribution(&prepared, &results, top).json(&title, seed)
        ),
    }
    ExitCode::SUCCESS
}
