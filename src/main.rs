//! The `demarche` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 the input was rejected or invalid (a rule broken, a file that does
//! not parse or cannot be read); 2 usage (unknown flag, bad argument).

mod cli;

use clap::{Parser, Subcommand, ValueEnum};
use demarche::log::{Log, LogEnd, snapshot};
use demarche::report;
use demarche::run::{Run, Until, run, run_from};
use demarche::scenario::{self, LoadError, Problem, Scenario};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const ABOUT: &str =
    "Replay diplomatic crises event by event, and ask what state every mission was in on any date.";

const LONG_ABOUT: &str = "\
demarche replays a scenario (a TOML file of actors, missions and dated diplomatic events) through a
state machine that enforces the rules missions follow (Vienna Conventions: who may expel, who may cap
staff, deadlines, compliance dates...). Events that break a rule are rejected with the file, line,
event and rule; nothing from a rejected event is applied.

Examples:
  demarche replay scenarios/nato-russia-2021.toml
  demarche replay scenarios/nato-russia-2021.toml --until 2021-10-07
  demarche state scenarios/nato-russia-2021.toml --at 2021-11-02 --format json
  demarche state scenarios/nato-russia-2021.toml --after ru-countermeasures-2021
  demarche validate scenarios/uk-russia-2018.toml
  demarche events

Exit codes: 0 ok, 1 rejected or invalid input, 2 usage.
Docs: docs/scenario-format.md (writing scenarios), docs/events.md (event kinds, rejection codes).";

#[derive(Parser)]
#[command(name = "demarche", version, about = ABOUT, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CatalogueFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario: a dated timeline of what each event did to each mission, then every
    /// mission's state and the state digest.
    #[command(
        after_help = "Examples:\n  demarche replay scenarios/nato-russia-2021.toml\n  demarche replay scenarios/nato-russia-2021.toml --until nato-expels-8-2021\n  demarche replay scenarios/nato-russia-2021.toml --until 2021-10-31 --format json"
    )]
    Replay {
        /// The scenario file (TOML).
        file: PathBuf,
        /// Stop after this event id, or at the end of this date (YYYY-MM-DD; effects due by
        /// then are applied).
        #[arg(long, value_name = "EVENT_ID|DATE")]
        until: Option<String>,
        /// For a log: replay from the first event, not from the nearest snapshot.
        #[arg(long)]
        no_snapshots: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show the state at a date or after an event: every mission's status, headcount and cap,
    /// open channels, relations, and what is still pending.
    #[command(
        after_help = "Examples:\n  demarche state scenarios/nato-russia-2021.toml --at 2021-10-07\n  demarche state scenarios/nato-russia-2021.toml --after ru-countermeasures-2021 --format json"
    )]
    State {
        file: PathBuf,
        /// The state at the end of this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", conflicts_with = "after")]
        at: Option<String>,
        /// The state right after this event (by id).
        #[arg(long, value_name = "EVENT_ID")]
        after: Option<String>,
        /// For a log: replay from the first event, not from the nearest snapshot.
        #[arg(long)]
        no_snapshots: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check a scenario: every problem in the file and every rejected event, not just the first.
    #[command(
        after_help = "Exit code 0 and a one-line summary when valid; otherwise the problems and exit code 1."
    )]
    Validate {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The event catalogue: every kind, its fields, who may issue it, its CAMEO and PLOVER
    /// codes; and the rejection codes.
    Events {
        #[arg(long, value_enum, default_value = "text")]
        format: CatalogueFormat,
    },
    /// Durable logs: import a scenario, append events, follow, verify, export, repair.
    #[command(subcommand)]
    Log(cli::log::LogCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay {
            file,
            until,
            no_snapshots,
            format,
        } => cmd_replay(&file, until.as_deref(), no_snapshots, format),
        Command::State {
            file,
            at,
            after,
            no_snapshots,
            format,
        } => cmd_state(&file, at.as_deref(), after.as_deref(), no_snapshots, format),
        Command::Log(cmd) => cli::log::run_cmd(cmd),
        Command::Validate { file, format } => cmd_validate(&file, format),
        Command::Events { format } => {
            match format {
                CatalogueFormat::Text => print!("{}", report::catalogue_text()),
                CatalogueFormat::Json => println!("{:#}", report::catalogue_json()),
                CatalogueFormat::Markdown => print!("{}", report::catalogue_markdown()),
            }
            ExitCode::SUCCESS
        }
    }
}

pub(crate) fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n\nFor more information, try '--help'.");
    ExitCode::from(2)
}

/// A scenario read from a scenario file or from a log.
struct Loaded {
    scenario: Scenario,
    /// Set when the file is a log.
    log: Option<Log>,
}

/// Loads a scenario file or a log (told apart by the log's magic bytes), or prints why not and
/// returns the exit code. A torn log tail is reported and ignored; damage is reported by the
/// caller once the readable prefix has been used.
fn load_any(file: &Path, format: Format) -> Result<Loaded, ExitCode> {
    if !Log::is_log(file) {
        return load(file, format).map(|scenario| Loaded {
            scenario,
            log: None,
        });
    }
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
    let scenario = log.scenario().map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
    Ok(Loaded {
        scenario,
        log: Some(log),
    })
}

/// Replays a loaded scenario up to `until`, from the newest usable snapshot when it is a log
/// (unless `fresh`). Prints which snapshot was used, and any ignored, on stderr.
fn replay_loaded(l: &Loaded, until: Until, fresh: bool) -> Run {
    let s = &l.scenario;
    let Some(log) = l.log.as_ref().filter(|_| !fresh) else {
        return run(s, until, false);
    };
    let last_needed = |count: u64| match until {
        Until::End => true,
        Until::Event(i) => count <= i as u64 + 1,
        Until::Date(_) => true,
    };
    let (best, ignored) = snapshot::best(log, |h, st| {
        last_needed(h.count) && !matches!(until, Until::Date(d) if st.clock > d)
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

/// Reports damage found in a log after its readable prefix was used. Returns true if damaged.
fn report_damage(l: &Loaded) -> bool {
    match l.log.as_ref().and_then(Log::damage) {
        Some(e) => {
            eprintln!("error: {e}");
            eprintln!("the output above covers the events before the damage only");
            true
        }
        None => false,
    }
}

/// Loads a scenario, or prints its problems and returns the exit code.
fn load(file: &Path, format: Format) -> Result<Scenario, ExitCode> {
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
            print_problems(&name, &text, &problems, format);
            Err(ExitCode::from(1))
        }
    }
}

pub(crate) fn print_problems(name: &str, text: &str, problems: &[Problem], format: Format) {
    match format {
        Format::Json => {
            let v: Vec<_> = problems
                .iter()
                .map(|p| report::problem_json(name, text, p))
                .collect();
            println!(
                "{:#}",
                serde_json::json!({"file": name, "valid": false, "problems": v})
            );
        }
        Format::Text => {
            let theme = if std::io::stderr().is_terminal() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
            for p in problems {
                let (line, col) = p
                    .span
                    .as_ref()
                    .map_or((0, 0), |r| scenario::line_col(text, r.start));
                let event = p
                    .event
                    .as_deref()
                    .map(|e| format!(" event `{e}`:"))
                    .unwrap_or_default();
                eprintln!(
                    "error[{}]: {name}:{line}:{col}:{event} {}",
                    p.code, p.message
                );
                let diag = ProblemDiagnostic {
                    problem: p.clone(),
                    src: NamedSource::new(name, text.to_string()),
                };
                let mut out = String::new();
                if handler.render_report(&mut out, &diag).is_ok() {
                    eprintln!("{out}");
                }
            }
            eprintln!("{name}: {} problem(s)", problems.len());
        }
    }
}

#[derive(Debug)]
struct ProblemDiagnostic {
    problem: Problem,
    src: NamedSource<String>,
}

impl std::fmt::Display for ProblemDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem.rule {
            Some(rule) => write!(f, "{} ({rule})", self.problem.message),
            None => write!(f, "{}", self.problem.message),
        }
    }
}

impl std::error::Error for ProblemDiagnostic {}

impl Diagnostic for ProblemDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.problem.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.problem.span.clone()?;
        let label = match &self.problem.event {
            Some(e) => format!("event `{e}`"),
            None => "here".to_string(),
        };
        // Point at the first line of the span: a whole event table is too long to underline.
        let text = self.src.inner();
        let end = text[span.start..span.end.min(text.len())]
            .find('\n')
            .map_or(span.end, |n| span.start + n);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            span.start,
            end.saturating_sub(span.start),
        ))))
    }
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

fn cmd_replay(file: &Path, until: Option<&str>, fresh: bool, format: Format) -> ExitCode {
    let l = match load_any(file, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let s = &l.scenario;
    let until = match until.map(|u| parse_until(s, u)).transpose() {
        Ok(u) => u.unwrap_or(Until::End),
        Err(msg) => return usage(&msg),
    };
    let r = replay_loaded(&l, until, fresh);
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

fn cmd_state(
    file: &Path,
    at: Option<&str>,
    after: Option<&str>,
    fresh: bool,
    format: Format,
) -> ExitCode {
    let l = match load_any(file, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let s = &l.scenario;
    let until = match (at, after) {
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
    let r = replay_loaded(&l, until, fresh);
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

fn cmd_validate(file: &Path, format: Format) -> ExitCode {
    let l = match load_any(file, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if report_damage(&l) {
        return ExitCode::from(1);
    }
    let s = l.scenario;
    let r = run(&s, Until::End, true);
    if r.problems.is_empty() {
        let summary = format!(
            "{}: valid: {} actors, {} missions, {} events from {} to {}, digest {}",
            s.name,
            s.world.actors.len(),
            s.world.missions.len(),
            s.events.len(),
            s.events.first().map_or(s.start, |e| e.date),
            r.state.clock,
            r.state.digest()
        );
        match format {
            Format::Text => println!("{summary}"),
            Format::Json => println!(
                "{:#}",
                serde_json::json!({"file": s.name, "valid": true, "events": s.events.len(), "digest": r.state.digest()})
            ),
        }
        ExitCode::SUCCESS
    } else {
        print_problems(&s.name, &s.text, &r.problems, format);
        ExitCode::from(1)
    }
}
