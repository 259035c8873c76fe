//! `demarche state`: the state at a date or right after an event.

use super::common::{
    Format, load_any, log_upto, open_log, print_problems, replay_loaded, report_damage,
    report_log_error, usage,
};
use clap::Args;
use demarche::log::{Log, LogError, Upto};
use demarche::report;
use demarche::run::Run;
use demarche::run::Until;
use demarche::scenario;
use std::path::PathBuf;
use std::process::ExitCode;

pub const TEMPLATE: &str = help_template!(
    "demarche state scenarios/nato-russia-2021.toml --at 2021-10-07",
    "demarche state scenarios/nato-russia-2021.toml --after ru-countermeasures-2021 --format json",
    "demarche state scenarios/uk-russia-2018.toml",
);

#[derive(Args)]
pub struct StateArgs {
    /// A scenario file (TOML), or a log.
    file: PathBuf,
    /// The state at the end of this date (YYYY-MM-DD); without --at or --after, at the end.
    #[arg(long, value_name = "DATE", conflicts_with = "after")]
    at: Option<String>,
    /// The state right after this event (by id).
    #[arg(long, value_name = "EVENT_ID")]
    after: Option<String>,
    /// For a log: replay from the first event, not from the nearest snapshot.
    #[arg(long)]
    no_snapshots: bool,
    /// Output format: text for people, json for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(a: StateArgs) -> ExitCode {
    let format = a.format;
    if Log::is_log(&a.file) {
        return of_log(&a);
    }
    let l = match load_any(&a.file, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let s = &l.scenario;
    let until = match (a.at.as_deref(), a.after.as_deref()) {
        (Some(d), None) => match scenario::parse_date(d) {
            Ok(d) if d < s.start => {
                return usage(&format!("{d} is before {} starts, on {}", s.name, s.start));
            }
            Ok(d) => Until::Date(d),
            Err(msg) => return usage(&msg),
        },
        (None, Some(id)) => match s.event_index(id) {
            Some(i) => Until::Event(i),
            None => return usage(&format!("no event has the id `{id}` in {}", s.name)),
        },
        _ => Until::End,
    };
    let r = replay_loaded(&l, until, a.no_snapshots);
    if !r.problems.is_empty() {
        print_problems(&s.name, &s.text, &r.problems, format);
        return ExitCode::from(1);
    }
    match format {
        Format::Text => print!("{}", report::state_text(s, &r)),
        Format::Json => println!("{:#}", report::state_json(s, &r)),
    }
    if report_damage(&l) {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The state of a log: from the nearest snapshot at or before the answer, then the stored facts
/// of the frames after it, applied without deciding anything. Only the events the state still
/// names (pending effects, caps, leaving staff...) are read for the report.
fn of_log(a: &StateArgs) -> ExitCode {
    let log = match open_log(&a.file) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let upto = match (a.at.as_deref(), a.after.as_deref()) {
        (Some(d), None) => log_upto(&log, d, false, true),
        (None, Some(id)) => log_upto(&log, id, true, false),
        _ => Ok(Upto::End),
    };
    let upto = match upto {
        Ok(u) => u,
        Err(msg) => return usage(&msg),
    };
    let read_to = |upto: Upto| {
        log.state(upto, a.no_snapshots).and_then(|(state, used)| {
            if let Some(c) = used {
                eprintln!("note: started from the snapshot after sequence {c}");
            }
            let (s, index_of) = log.sparse_scenario(state.events, &Log::named_by(&state))?;
            Ok((s, state, index_of))
        })
    };
    // Damage found reading a frame stops the read there: the state as far as the log reads is
    // printed, and said to be only that.
    let (read, damage) = match read_to(upto) {
        Ok(x) => (x, log.damage()),
        Err(e) => {
            let partial = match &e {
                LogError::Damaged { last_good, .. } => read_to(Upto::Count(*last_good)).ok(),
                _ => None,
            };
            match partial {
                Some(x) => (x, Some(e)),
                None => {
                    report_log_error(
                        &log,
                        &e,
                        "nothing was printed: the state cannot be known past the damage",
                    );
                    return ExitCode::from(1);
                }
            }
        }
    };
    let (s, state, index_of) = read;
    let considered = state.events as usize;
    let events = state.events;
    let r = Run {
        state,
        timeline: Vec::new(),
        problems: Vec::new(),
        index_of,
        considered,
    };
    match a.format {
        Format::Text => print!("{}", report::state_text(&s, &r)),
        Format::Json => println!("{:#}", report::state_json(&s, &r)),
    }
    match damage {
        Some(e) => {
            let covers = match upto {
                Upto::Count(n) if n <= events => {
                    format!("the state above needs sequences 1..={n} only, and they were all read")
                }
                _ => format!(
                    "the state above includes sequences 1..={events} only, the events read before the damage; it is the state asked for only if no event after them falls by then"
                ),
            };
            report_log_error(&log, &e, &covers);
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}
