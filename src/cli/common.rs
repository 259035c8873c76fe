//! What every subcommand shares: the output format, usage errors, loading a scenario file or a
//! log, replaying it from a snapshot, and printing problems against the source text.

use clap::ValueEnum;
use demarche::log::{Log, LogEnd, snapshot};
use demarche::report;
use demarche::run::{Run, Until, run, run_from};
use demarche::scenario::{self, LoadError, Problem, Scenario};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
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

/// Reports damage found in a log after its readable prefix was used. Returns true if damaged.
pub fn report_damage(l: &Loaded) -> bool {
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
pub fn load(file: &Path, format: Format) -> Result<Scenario, ExitCode> {
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

pub fn print_problems(name: &str, text: &str, problems: &[Problem], format: Format) {
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
