//! `demarche replay`: the timeline of a scenario or log, then every mission's state and the digest.

use super::common::{
    Format, load_any, log_upto, open_log, print_problems, replay_loaded, report_damage,
    report_log_error, usage,
};
use clap::Args;
use demarche::core::Change;
use demarche::log::reader::TimelineHead;
use demarche::log::{Log, LogError, Upto};
use demarche::report;
use demarche::run::Run;
use demarche::run::Until;
use demarche::scenario::{self, Scenario};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub const TEMPLATE: &str = help_template!(
    "demarche replay scenarios/nato-russia-2021.toml",
    "demarche replay scenarios/nato-russia-2021.toml --until nato-expels-8-2021",
    "demarche replay scenarios/nato-russia-2021.toml --until 2021-10-31 --format json",
);

#[derive(Args)]
pub struct ReplayArgs {
    /// A scenario file (TOML), or a log.
    file: PathBuf,
    /// Stop after this event id, or at the end of this date (YYYY-MM-DD; effects due by
    /// then are applied).
    #[arg(long, value_name = "EVENT_ID|DATE")]
    until: Option<String>,
    /// Accepted for older scripts; a replay of a log always starts from its first event, so
    /// that the timeline is whole.
    #[arg(long, hide = true)]
    no_snapshots: bool,
    /// Output format: text for people, json for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

fn parse_until(s: &Scenario, arg: &str) -> Result<Until, String> {
    if let Some(i) = s.event_index(arg) {
        return Ok(Until::Event(i));
    }
    if let Ok(d) = scenario::parse_date(arg)
        && d < s.start
    {
        return Err(format!("{d} is before {} starts, on {}", s.name, s.start));
    }
    scenario::parse_date(arg).map(Until::Date).map_err(|_| {
        format!(
            "`{arg}` is neither an event id in {} nor a date (YYYY-MM-DD)",
            s.name
        )
    })
}

pub fn run(a: ReplayArgs) -> ExitCode {
    let format = a.format;
    if Log::is_log(&a.file) {
        return of_log(&a);
    }
    let l = match load_any(&a.file, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let s = &l.scenario;
    let until = match a.until.as_deref().map(|u| parse_until(s, u)).transpose() {
        Ok(u) => u.unwrap_or(Until::End),
        Err(msg) => return usage(&msg),
    };
    let r = replay_loaded(&l, until, a.no_snapshots);
    let s = &l.scenario;
    match format {
        Format::Text => print!("{}", report::run_text(s, &r)),
        Format::Json => println!("{:#}", report::run_json(s, &r)),
    }
    if report_damage(&l) {
        return ExitCode::from(1);
    }
    if r.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        if format == Format::Text {
            eprintln!(
                "replay stopped at the first rejected event; the state above is as before it"
            );
            print_problems(&s.name, &s.text, &r.problems, format);
        }
        ExitCode::from(1)
    }
}

/// The timeline of a log, from its first event: the stored facts applied in order, without
/// deciding anything.
fn of_log(a: &ReplayArgs) -> ExitCode {
    let log = match open_log(&a.file) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let upto = match a.until.as_deref().map(|u| log_upto(&log, u, true, true)) {
        None => Upto::End,
        Some(Ok(u)) => u,
        Some(Err(msg)) => return usage(&msg),
    };
    // Damage found reading a frame stops the replay there: the timeline as far as the log
    // reads is printed, and said to be only that.
    let (covered, damage) = match a.format {
        Format::Text => match stream_text(&log, upto) {
            Ok(n) => (n, log.damage()),
            Err(e) => {
                let partial = match &e {
                    LogError::Damaged { last_good, .. } => print_state(&log, *last_good).ok(),
                    _ => None,
                };
                match partial {
                    Some(n) => (n, Some(e)),
                    None => {
                        report_log_error(&log, &e, "the output above is all that could be read");
                        return ExitCode::from(1);
                    }
                }
            }
        },
        Format::Json => {
            let (s, r, damage) = match log.run(upto) {
                Ok((s, r)) => (s, r, log.damage()),
                Err(e) => {
                    let partial = match &e {
                        LogError::Damaged { last_good, .. } => {
                            log.run(Upto::Count(*last_good)).ok()
                        }
                        _ => None,
                    };
                    match partial {
                        Some((s, r)) => (s, r, Some(e)),
                        None => {
                            report_log_error(&log, &e, "nothing was printed");
                            return ExitCode::from(1);
                        }
                    }
                }
            };
            println!("{:#}", report::run_json(&s, &r));
            (s.events.len() as u64, damage)
        }
    };
    match damage {
        Some(e) => {
            report_log_error(
                &log,
                &e,
                &format!(
                    "the output above covers sequences 1..={covered} only, the events before the damage"
                ),
            );
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}

/// Prints the timeline of a log as its frames are read, then the state reached; returns how
/// many events it covered.
fn stream_text(log: &Log, upto: Upto) -> Result<u64, LogError> {
    print!("{}", report::run_heading(&log.empty_scenario()));
    let world = &log.genesis.world;
    let mut out = std::io::stdout().lock();
    let mut threats = report::Threats::default();
    let mut entry = |day, head: TimelineHead<'_>, changes: &[Change]| {
        let head = match head {
            TimelineHead::Event { event, meta, .. } => report::Head::Event {
                event,
                id: &meta.id,
                threat: threats.next(world, event, &meta.id),
            },
            TimelineHead::Effect { of, .. } => report::Head::Effect { of },
        };
        let mut text = String::new();
        report::entry_text(&mut text, world, day, head, changes);
        let _ = out.write_all(text.as_bytes());
    };
    let state = log.timeline(upto, &mut entry)?;
    drop(out);
    println!();
    print_state_of(log, state)
}

/// Prints the state after the first `count` events of a log; returns `count`.
fn print_state(log: &Log, count: u64) -> Result<u64, LogError> {
    let (state, _) = log.state(Upto::Count(count), false)?;
    println!();
    print_state_of(log, state)
}

fn print_state_of(log: &Log, state: demarche::core::State) -> Result<u64, LogError> {
    let (s, index_of) = log.sparse_scenario(state.events, &Log::named_by(&state))?;
    let considered = state.events as usize;
    let r = Run {
        state,
        timeline: Vec::new(),
        problems: Vec::new(),
        index_of,
        considered,
    };
    print!("{}", report::state_text(&s, &r));
    Ok(considered as u64)
}
