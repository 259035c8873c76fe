//! The `demarche` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 the input was rejected or invalid (a rule broken, a file that does
//! not parse or cannot be read); 2 usage (unknown flag, bad argument).

mod cli;

use clap::{Args, Parser, Subcommand, ValueEnum};
use demarche::log::{Log, LogEnd, snapshot};
use demarche::report;
use demarche::run::{Run, Until, run, run_from};
use demarche::scenario::{self, LoadError, Problem, Scenario};
use demarche::whatif::{self, Branch, BranchLoadError, compare::Comparison, sweep};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

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
  demarche whatif scenarios/whatif/nato-expels-two.toml
  demarche sweep scenarios/whatif/nato-expels-two.toml --runs 10000 --seed 7

Exit codes: 0 ok, 1 rejected or invalid input, 2 usage.
Docs: docs/scenario-format.md (writing scenarios), docs/events.md (event kinds, rejection codes),
docs/counterfactuals.md (branches, policies, sweeps).";

const WHATIF_HELP: &str = "\
Examples:
  demarche whatif scenarios/whatif/nato-expels-two.toml
  demarche whatif scenarios/nato-russia-2021.toml --drop nato-expels-8-2021
  demarche whatif scenarios/nato-russia-2021.toml --set nato-expels-8-2021.count=2 \\
      --drop nato-expels-8-2021.staff-cap-set --policy russia=reciprocal,delay=12
  demarche whatif scenarios/nato-russia-2021.toml --insert-after ru-mission-size-2021 extra.toml
  demarche whatif scenarios/whatif/russia-absorbs.toml --format json

Policies (--policy ACTOR=RESPONSE[,key=value...]): RESPONSE is reciprocal, proportional(K), parity,
escalate, absorb or none, or a mixture such as 0.6:reciprocal+0.3:escalate (the rest: no answer).
Keys: delay=DAYS or MIN-MAX, from=DATE, against=ACTOR, answers=measures|any, mission=ID, noise=P,
leave_within=DAYS. See docs/counterfactuals.md.";

const SWEEP_HELP: &str = "\
Examples:
  demarche sweep scenarios/whatif/nato-expels-two.toml --runs 10000 --seed 7
  demarche sweep scenarios/whatif/nato-expels-two.toml --runs 1000 --format csv > runs.csv
  demarche sweep scenarios/nato-russia-2021.toml --policy russia=0.5:reciprocal+0.5:escalate,from=2021-10-06 --runs 500

Run i uses a seed derived from --seed and i only, so results do not depend on --threads.
Branches per second are reported on stderr.";

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
enum SweepFormat {
    Text,
    Json,
    Csv,
}

/// Edits given on the command line, applied after those of a branch file.
#[derive(Args, Clone, Default)]
struct EditArgs {
    /// Drop an event, or one measure of a decision (by kind or position from 1).
    #[arg(long, value_name = "EVENT_ID[.MEASURE]")]
    drop: Vec<String>,
    /// Change a field: count, limit, depart_by, comply_by, effective, date or notified.
    #[arg(long, value_name = "EVENT_ID[.MEASURE].FIELD=VALUE")]
    set: Vec<String>,
    /// Insert the [[events]] of a TOML file after an event.
    #[arg(long, num_args = 2, value_names = ["EVENT_ID", "FILE"])]
    insert_after: Vec<String>,
    /// A response policy: ACTOR=RESPONSE[,key=value...].
    #[arg(long, value_name = "ACTOR=RESPONSE")]
    policy: Vec<String>,
    /// The last day simulated (default: the base's end).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
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
    /// Measure replay speed: events per second folded in memory and read from a log, beside a
    /// naive JSON baseline.
    #[command(after_help = cli::bench::HELP)]
    Bench(cli::bench::BenchArgs),
    /// Durable logs: import a scenario, append events, follow, verify, export, repair.
    #[command(subcommand)]
    Log(cli::log::LogCommand),
    /// Run a counterfactual branch: where it diverges, which recorded events no longer happen
    /// and why, what response policies did instead, and every mission side by side with the
    /// base, with an escalation score over time.
    #[command(after_help = WHATIF_HELP)]
    Whatif {
        /// A branch file (see scenarios/whatif/), or a base scenario to edit with the flags.
        file: PathBuf,
        #[command(flatten)]
        edits: EditArgs,
        /// Seed of the policies' random draws (default: the branch file's, else 0).
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run many seeded branches on all cores and print the distribution of outcomes.
    #[command(after_help = SWEEP_HELP)]
    Sweep {
        /// A branch file, or a base scenario to edit with the flags.
        file: PathBuf,
        #[command(flatten)]
        edits: EditArgs,
        #[arg(long, default_value_t = 1000)]
        runs: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// How many of the most common answer sequences to list.
        #[arg(long, default_value_t = 5)]
        top: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: SweepFormat,
    },
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
        Command::Bench(args) => cli::bench::run(args),
        Command::Validate { file, format } => cmd_validate(&file, format),
        Command::Whatif {
            file,
            edits,
            seed,
            format,
        } => cmd_whatif(&file, &edits, seed, format),
        Command::Sweep {
            file,
            edits,
            runs,
            seed,
            threads,
            top,
            format,
        } => cmd_sweep(&file, &edits, runs, seed, threads, top, format),
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
pub(crate) fn load(file: &Path, format: Format) -> Result<Scenario, ExitCode> {
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

/// Loads the first argument of `whatif` or `sweep`: a branch file and its base, or a base.
fn load_input(file: &Path, format: Format) -> Result<whatif::Input, ExitCode> {
    match whatif::load_input(file) {
        Ok(i) => Ok(i),
        Err(BranchLoadError::Io { path, error }) => {
            eprintln!("error: cannot read {path}: {error}");
            Err(ExitCode::from(1))
        }
        Err(BranchLoadError::Invalid {
            name,
            text,
            problems,
        }) => {
            print_problems(&name, &text, &problems, format);
            Err(ExitCode::from(1))
        }
        Err(BranchLoadError::Base(LoadError::Io { path, error })) => {
            eprintln!("error: cannot read {path}: {error}");
            Err(ExitCode::from(1))
        }
        Err(BranchLoadError::Base(LoadError::Invalid {
            name,
            text,
            problems,
            ..
        })) => {
            print_problems(&name, &text, &problems, format);
            Err(ExitCode::from(1))
        }
    }
}

/// The branch of a loaded input with the command-line edits applied on top.
fn branch_of<'s>(
    input: &whatif::Input,
    base: &'s Scenario,
    edits: &EditArgs,
    format: Format,
) -> Result<Branch<'s>, ExitCode> {
    let mut b = match input {
        whatif::Input::Branch(bf, _) => match bf.build(base) {
            Ok(b) => b,
            Err(problems) => {
                print_problems(&bf.name, &bf.text, &problems, format);
                return Err(ExitCode::from(1));
            }
        },
        whatif::Input::Base(_) => Branch::new(base),
    };
    let fail = |msg: String| Err(usage(&msg));
    for d in &edits.drop {
        if let Err(e) = b.drop(d) {
            return fail(format!("--drop {d}: {e}"));
        }
    }
    for s in &edits.set {
        let Some((target, value)) = s.split_once('=') else {
            return fail(format!(
                "--set {s}: expected EVENT_ID[.MEASURE].FIELD=VALUE"
            ));
        };
        if let Err(e) = b.set(target, value) {
            return fail(format!("--set {s}: {e}"));
        }
    }
    for pair in edits.insert_after.chunks(2) {
        let (id, path) = (&pair[0], &pair[1]);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return Err(ExitCode::from(1));
            }
        };
        if let Err(e) = b.insert_toml(id, path, &text) {
            eprintln!("error: --insert-after {id} {path}: {e}");
            return Err(ExitCode::from(1));
        }
    }
    let from = b.first_edit_day().unwrap_or(base.start);
    for spec in &edits.policy {
        match whatif::file::parse_policy_spec(&base.world, spec, from) {
            Ok(p) => {
                b.policy(p);
            }
            Err(e) => return fail(format!("--policy {spec}: {e}")),
        }
    }
    if let Some(u) = &edits.until {
        match scenario::parse_date(u) {
            Ok(d) => b.until = Some(d),
            Err(e) => return fail(format!("--until {u}: {e}")),
        }
    }
    if b.title.is_none() {
        b.title = Some(format!("{} edited on the command line", base.name));
    }
    Ok(b)
}

fn input_base(input: &whatif::Input) -> &Scenario {
    match input {
        whatif::Input::Branch(_, s) | whatif::Input::Base(s) => s,
    }
}

fn cmd_whatif(file: &Path, edits: &EditArgs, seed: Option<u64>, format: Format) -> ExitCode {
    let input = match load_input(file, format) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let base = input_base(&input);
    let mut b = match branch_of(&input, base, edits, format) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Some(s) = seed {
        b.seed = s;
    }
    let prepared = b.prepare();
    let outcome = prepared.run(b.seed, true);
    let title = b.title.clone().unwrap_or_default();
    let c = Comparison::new(&prepared, title, b.notes.clone(), outcome);
    match format {
        Format::Text => print!("{}", c.text()),
        Format::Json => println!("{:#}", c.json()),
    }
    ExitCode::SUCCESS
}

fn cmd_sweep(
    file: &Path,
    edits: &EditArgs,
    runs: usize,
    seed: u64,
    threads: Option<usize>,
    top: usize,
    format: SweepFormat,
) -> ExitCode {
    let pformat = if format == SweepFormat::Json {
        Format::Json
    } else {
        Format::Text
    };
    let input = match load_input(file, pformat) {
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

/// Draws a progress bar on stderr until `done` reaches `total`.
pub(crate) fn progress_bar(done: &AtomicUsize, total: usize) {
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
