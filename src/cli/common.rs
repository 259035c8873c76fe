//! What every subcommand shares: the output format, usage errors, loading a scenario file or a
//! log, replaying it from a snapshot, and printing problems against the source text.

use clap::ValueEnum;
use demarche::log::{Log, LogEnd, LogError, Upto, snapshot};
use demarche::run::{Run, Until, run, run_from};
use demarche::scenario::{self, LoadError, Scenario};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use super::problems::{DEFAULT_MAX_PROBLEMS, print_problems, print_problems_limited};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Parses the command line, clap's own help and errors coloured as `--color` and NO_COLOR say.
pub fn parse<P: clap::Parser>() -> P {
    use super::problems::{ColorChoice, color_arg};
    let color = match color_arg(std::env::args_os().skip(1)) {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        _ if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            clap::ColorChoice::Never
        }
        _ => clap::ColorChoice::Auto,
    };
    let matches = P::command().color(color).get_matches();
    P::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

pub fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n\nFor more information, try '--help'.");
    ExitCode::from(2)
}

/// A scenario read from a scenario file or from a log.
pub struct Loaded {
    pub scenario: Scenario,
    /// Set when the file is a log.
    pub log: Option<Log>,
}

/// Loads a scenario file or a log (told apart by the log's magic bytes), or prints why not and
/// returns the exit code. A torn log tail is reported and ignored; damage is reported by the
/// caller once the readable prefix has been used.
pub fn load_any(file: &Path, format: Format) -> Result<Loaded, ExitCode> {
    load_any_listing(file, format, DEFAULT_MAX_PROBLEMS)
}

/// [`load_any`], listing at most `max` problems of the file (0: all).
pub fn load_any_listing(file: &Path, format: Format, max: usize) -> Result<Loaded, ExitCode> {
    if !Log::is_log(file) {
        return load_listing(file, format, max).map(|scenario| Loaded {
            scenario,
            log: None,
        });
    }
    let log = open_log(file)?;
    let scenario = log.scenario().map_err(|e| {
        report_log_error(&log, &e, "nothing was read from it");
        ExitCode::from(1)
    })?;
    Ok(Loaded {
        scenario,
        log: Some(log),
    })
}

/// Replays a loaded scenario up to `until`, from the newest usable snapshot when it is a log
/// (unless `fresh`). Prints which snapshot was used, and any ignored, on stderr.
pub fn replay_loaded(l: &Loaded, until: Until, fresh: bool) -> Run {
    let s = &l.scenario;
    let Some(log) = l.log.as_ref().filter(|_| !fresh) else {
        return run(s, until, false);
    };
    let last_needed = |count: u64| match until {
        Until::End => true,
        Until::Event(i) => count <= i as u64 + 1,
        Until::Date(_) => true,
    };
    let (best, ignored) = snapshot::best(log, |h| {
        last_needed(h.count) && !matches!(until, Until::Date(d) if h.clock > d.0)
    });
    for i in ignored {
        eprintln!("note: snapshot {} not used: {}", i.path.display(), i.why);
    }
    match best {
        Some((count, state)) => {
            eprintln!(
                "note: started from the snapshot after sequence {count}; the timeline shows the events after it"
            );
            run_from(s, state, count as usize, until, false)
        }
        None => run(s, until, false),
    }
}

/// Opens a log for reading, or prints why not. A torn tail is noted on stderr and ignored.
pub fn open_log(file: &Path) -> Result<Log, ExitCode> {
    let log = Log::open(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
    if let LogEnd::Torn { offset, bytes, why } = &log.ending {
        eprintln!(
            "note: {}: ignoring an unfinished frame at byte {offset} ({bytes} bytes: {why}) after sequence {}; the next append, or `demarche log repair`, cuts it",
            file.display(),
            log.count
        );
    }
    Ok(log)
}

/// Where a read of a log stops, from `--until`, `--at` or `--after` text: an event id (the
/// read stops right after it) or a date.
pub fn log_upto(log: &Log, arg: &str, ids: bool, dates: bool) -> Result<Upto, String> {
    let name = log.path.display();
    if ids {
        match log.seq_of(arg) {
            Ok(Some(seq)) => return Ok(Upto::Count(seq)),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if dates && let Ok(d) = scenario::parse_date(arg) {
        if d < log.genesis.start {
            return Err(format!(
                "{d} is before {name} starts, on {}",
                log.genesis.start
            ));
        }
        return Ok(Upto::Date(d));
    }
    Err(match (ids, dates) {
        (true, true) => format!("`{arg}` is neither an event id in {name} nor a date (YYYY-MM-DD)"),
        (true, false) => format!("no event has the id `{arg}` in {name}"),
        _ => scenario::parse_date(arg).err().unwrap_or_default(),
    })
}

/// Says what reading a log could not read: the error, how many acknowledged events that
/// leaves out (by the log's acknowledgement record), and what the output above covers.
pub fn report_log_error(log: &Log, e: &LogError, covers: &str) {
    eprintln!("error: {e}");
    if let LogError::Damaged { last_good, .. } = e {
        eprintln!("{}", log.affected(*last_good));
    }
    eprintln!("{covers}");
}

/// Reports damage found in a log after its readable prefix was used. Returns true if damaged.
pub fn report_damage(l: &Loaded) -> bool {
    let Some(log) = l.log.as_ref() else {
        return false;
    };
    match log.damage() {
        Some(e) => {
            report_log_error(
                log,
                &e,
                "the output above covers the events before the damage only",
            );
            true
        }
        None => false,
    }
}

/// Loads a scenario, or prints its problems and returns the exit code.
pub fn load(file: &Path, format: Format) -> Result<Scenario, ExitCode> {
    load_listing(file, format, DEFAULT_MAX_PROBLEMS)
}

/// [`load`], listing at most `max` problems (0: all).
pub fn load_listing(file: &Path, format: Format, max: usize) -> Result<Scenario, ExitCode> {
    match scenario::load(file) {
        Ok(s) => Ok(s),
        Err(LoadError::Io { path, error }) => {
            eprintln!("error: cannot read {path}: {error}");
            Err(ExitCode::from(1))
        }
        Err(LoadError::Invalid {
            name,
            text,
            problems,
            ..
        }) => {
            print_problems_limited(&name, &text, &problems, format, max);
            Err(ExitCode::from(1))
        }
    }
}

/// Draws a progress bar on stderr until `done` reaches `total`.
pub fn progress_bar(done: &AtomicUsize, total: usize) {
    use std::io::Write;
    loop {
        let n = done.load(Ordering::Relaxed).min(total);
        let filled = (n * 30).checked_div(total).unwrap_or(30);
        eprint!(
            "\r[{}{}] {n}/{total}",
            "#".repeat(filled),
            ".".repeat(30 - filled)
        );
        let _ = std::io::stderr().flush();
        if n >= total {
            eprintln!();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
