//! Problems in a file, printed once each: in text, a miette report (code, message, the lines
//! around it, help) on stderr; in JSON, one object on stdout. And when to colour them.
//!
//! Each report shows an excerpt of the file (the problem's line and one on each side, long lines
//! cut around the problem and marked `…`), found through a line index built once per file: so
//! thousands of problems print in time proportional to their number, and a line of any length
//! renders.

use clap::ValueEnum;
use demarche::report::{self, LineIndex};
use demarche::scenario::Problem;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

use super::common::Format;

/// When to colour what is printed on stderr.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set (to anything but nothing).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

static COLOR: AtomicU8 = AtomicU8::new(0);

/// Sets when to colour, for the rest of the process.
pub fn set_color(c: ColorChoice) {
    COLOR.store(c as u8, Ordering::Relaxed);
}

/// Whether what is printed on stderr is coloured.
pub fn stderr_color() -> bool {
    let choice = match COLOR.load(Ordering::Relaxed) {
        x if x == ColorChoice::Always as u8 => ColorChoice::Always,
        x if x == ColorChoice::Never as u8 => ColorChoice::Never,
        _ => ColorChoice::Auto,
    };
    colour(
        choice,
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stderr().is_terminal(),
    )
}

/// Whether to colour, given the choice, the NO_COLOR variable and whether the output is a
/// terminal: `auto` colours a terminal unless NO_COLOR is set to something.
fn colour(choice: ColorChoice, no_color: Option<&std::ffi::OsStr>, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// The choice given by `--color` on a command line, before it is parsed (so that clap's own
/// help and errors follow it too); `None` when absent or not a choice.
pub fn color_arg(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<ColorChoice> {
    let mut found = None;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let a = a.to_string_lossy().into_owned();
        if a == "--" {
            break;
        }
        let value = if a == "--color" {
            args.next().map(|v| v.to_string_lossy().into_owned())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        if let Some(v) = value {
            found = ColorChoice::from_str(&v, false).ok();
        }
    }
    found
}

/// How many problems are listed when no limit is given.
pub const DEFAULT_MAX_PROBLEMS: usize = 100;

/// Prints every problem of a file (up to [`DEFAULT_MAX_PROBLEMS`]).
pub fn print_problems(name: &str, text: &str, problems: &[Problem], format: Format) {
    print_problems_limited(name, text, problems, format, DEFAULT_MAX_PROBLEMS);
}

/// Prints the first `max` problems of a file (all when `max` is 0), then how many more there were.
pub fn print_problems_limited(
    name: &str,
    text: &str,
    problems: &[Problem],
    format: Format,
    max: usize,
) {
    let max = if max == 0 { usize::MAX } else { max };
    let shown = &problems[..problems.len().min(max)];
    let omitted = problems.len() - shown.len();
    let lines = LineIndex::new(text);
    match format {
        Format::Json => {
            let v: Vec<_> = shown
                .iter()
                .map(|p| report::problem_json_at(name, &lines, p))
                .collect();
            println!(
                "{:#}",
                serde_json::json!({"file": name, "valid": false, "count": problems.len(),
                                   "omitted": omitted, "problems": v})
            );
        }
        Format::Text => {
            let theme = if stderr_color() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
            let mut err = String::new();
            for p in shown {
                let diag = ProblemDiagnostic::new(name, text, &lines, p);
                let mut out = String::new();
                if handler.render_report(&mut out, &diag).is_ok() {
                    err.push_str(&out);
                    err.push('\n');
                }
            }
            if omitted > 0 {
                err.push_str(&format!(
                    "{name}: {} problem(s); the first {} are listed, {omitted} more are not (see --max-problems)\n",
                    problems.len(),
                    shown.len()
                ));
            } else {
                err.push_str(&format!("{name}: {} problem(s)\n", problems.len()));
            }
            eprint!("{err}");
        }
    }
}

/// The longest line shown whole, in bytes; longer ones are cut around the problem.
const LONG_LINE: usize = 240;
/// Bytes kept before the problem on a cut line.
const BEFORE: usize = 80;

/// A problem as miette renders it: the header carries the code, file, line, column and event,
/// the message its rule, the source its excerpt.
#[derive(Debug)]
struct ProblemDiagnostic<'p> {
    header: String,
    problem: &'p Problem,
    excerpt: Option<Excerpt>,
}

impl<'p> ProblemDiagnostic<'p> {
    fn new(name: &str, text: &str, lines: &LineIndex, p: &'p Problem) -> Self {
        let event = p
            .event
            .as_deref()
            .map(|e| format!(": event `{e}`"))
            .unwrap_or_default();
        let at = p.span.as_ref().map(|r| lines.line_col(r.start));
        let header = match at {
            Some((line, col)) => format!("error[{}]: {name}:{line}:{col}{event}", p.code),
            None => format!("error[{}]: {name}{event}", p.code),
        };
        let excerpt = p.span.as_ref().map(|r| {
            let label = match &p.event {
                Some(e) => format!("event `{e}`"),
                None => "here".to_string(),
            };
            Excerpt::new(name, text, lines, r.start, r.end, label)
        });
        ProblemDiagnostic {
            header,
            problem: p,
            excerpt,
        }
    }
}

impl std::fmt::Display for ProblemDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem.rule {
            Some(rule) => write!(f, "{} ({rule})", self.problem.message),
            None => write!(f, "{}", self.problem.message),
        }
    }
}

impl std::error::Error for ProblemDiagnostic<'_> {}

impl Diagnostic for ProblemDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.header))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.excerpt.as_ref().map(|e| e as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let e = self.excerpt.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(e.label.clone()),
            e.label_span.0,
            e.label_span.1,
        ))))
    }
}

/// The lines around a problem, cut to a readable length, as the source miette reads: it gives
/// miette the line numbers and column of the whole file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    data: String,
    /// The line (from 0) of the file where `data` starts.
    first_line: usize,
    /// The problem's column (from 0, in bytes) in the file.
    column: usize,
    label: String,
    /// Offset and length of the label in `data`.
    label_span: (usize, usize),
}

impl Excerpt {
    fn new(
        name: &str,
        text: &str,
        lines: &LineIndex,
        start: usize,
        end: usize,
        label: String,
    ) -> Excerpt {
        let start = start.min(text.len());
        let (line, col) = lines.line_col(start);
        let line0 = line - 1;
        let here = lines.range(line0);
        // Underline the first line of the span only: a whole event table is too long.
        let end = end.clamp(start, here.end.max(start));
        let first_line = line0.saturating_sub(1);
        let last_line = (line0 + 1).min(lines.lines() - 1);
        let mut data = String::new();
        let mut label_span = (0, 0);
        for l in first_line..=last_line {
            let r = lines.range(l);
            if l == line0 {
                let (from, to) = if r.len() > LONG_LINE {
                    let from = floor(text, start.saturating_sub(BEFORE).max(r.start));
                    let to = ceil(text, (from + LONG_LINE).max(start + 1).min(r.end));
                    (from, to)
                } else {
                    (r.start, r.end)
                };
                if from > r.start {
                    data.push('…');
                }
                let base = data.len();
                data.push_str(&text[from..to]);
                if to < r.end {
                    data.push('…');
                }
                label_span = (base + start - from, end.min(to).saturating_sub(start));
            } else if r.len() > LONG_LINE {
                data.push_str(&text[r.start..floor(text, r.start + LONG_LINE)]);
                data.push('…');
            } else {
                data.push_str(&text[r.clone()]);
            }
            if l < last_line {
                data.push('\n');
            }
        }
        Excerpt {
            name: name.to_string(),
            data,
            first_line,
            column: col - 1,
            label,
            label_span,
        }
    }
}

/// The nearest char boundary of `text` at or before `i`.
fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest char boundary of `text` at or after `i`.
fn ceil(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self.data.as_str().read_span(span, before, after)?;
        // The label's own position is the problem's position in the file; a cut line
        // would otherwise count its columns from the cut.
        let column = if span.offset() == self.label_span.0 && before == 0 && after == 0 {
            self.column
        } else {
            c.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line() + self.first_line,
            column,
            c.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, color_arg, colour};
    use std::ffi::{OsStr, OsString};

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(colour(ColorChoice::Auto, None, true));
        assert!(colour(ColorChoice::Auto, empty, true));
        assert!(!colour(ColorChoice::Auto, set, true));
        assert!(!colour(ColorChoice::Auto, None, false));
        assert!(colour(ColorChoice::Always, set, false));
        assert!(!colour(ColorChoice::Never, None, true));
    }

    #[test]
    fn the_color_choice_is_found_before_parsing() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            color_arg(args(&["validate", "f.toml", "--color", "never"])),
            Some(ColorChoice::Never)
        );
        assert_eq!(
            color_arg(args(&["--color=always", "events"])),
            Some(ColorChoice::Always)
        );
        assert_eq!(color_arg(args(&["events"])), None);
        assert_eq!(color_arg(args(&["--", "--color", "always"])), None);
    }
}
