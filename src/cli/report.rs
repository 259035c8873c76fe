//! `demarche report`: one self-contained HTML page of a scenario or log, optionally with a
//! counterfactual branch drawn over it or the distribution of a sweep; or a static figure of
//! the timeline (SVG or PNG).

use super::common::{Format, load, print_problems, progress_bar, usage};
use super::whatif::{EditArgs, branch_of, input_base};
use clap::Args;
use demarche::html;
use demarche::log::{Log, LogEnd, reader::Upto};
use demarche::run::{Run, Until, run as replay};
use demarche::scenario::Scenario;
use demarche::whatif::{self, compare::Comparison, file::BranchFile, sweep};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;

pub const HELP: &str = "\
The page works offline: its styles, script, data and the D3 library it draws with are inside the one file. Open it in a browser; hover an event for its card, click it to pin the card, click a day on the axis for the state table of that day, drag on the strip above the axis to choose a period. It prints as shown. See docs/report.md.
A branch comes from a branch file (--branch) or from edits and policies given as for `demarche whatif` (see `demarche whatif --help`); both may be combined.

With --sweep, the branch is run --runs times with seeds drawn from --seed, as `demarche sweep` runs it (the same runs for any --threads), and the page gains a sweep view: per mission the share of runs ending in each status and a histogram of the final headcount, the escalation per actor over time (median and quantile bands), and the runs with their seeds. Click a bar or a bin to list the seeds of its runs; each can be passed to `demarche whatif --seed`. The page stays small for any number of runs.

--format svg or png writes a static figure of the timeline instead, for papers: one lane per mission with headcount and cap as step lines, status bands, event marks coloured by kind, a date axis and a legend; with a branch, both runs and the fork. Text is set in the font built into demarche (DejaVu Sans), so the same input gives the same bytes on every machine. Without --format, an -o name ending in .svg or .png chooses the format, anything else html.";

pub const TEMPLATE: &str = help_template!(
    "demarche report scenarios/nato-russia-2021.toml -o nato.html",
    "demarche report scenarios/nato-russia-2021.toml --branch scenarios/whatif/nato-expels-two.toml -o branch.html",
    "demarche report scenarios/nato-russia-2021.toml --drop nato-expels-8-2021 --policy russia=reciprocal -o dropped.html",
    "demarche report crisis.log -o crisis.html",
    "demarche report scenarios/nato-russia-2021.toml --branch scenarios/whatif/nato-expels-two.toml --sweep --runs 2000 --seed 7 -o sweep.html",
    "demarche report scenarios/nato-russia-2021.toml -o nato.svg",
    "demarche report scenarios/nato-russia-2021.toml --branch scenarios/whatif/nato-expels-two.toml --format png -o branch.png",
);

#[derive(Args)]
pub struct ReportArgs {
    /// A scenario file (TOML), or a log.
    file: PathBuf,
    /// A branch file (see scenarios/whatif/): drawn over FILE, which stands for the base it names.
    #[arg(long, value_name = "BRANCH.toml")]
    branch: Option<PathBuf>,
    #[command(flatten)]
    edits: EditArgs,
    /// Seed of the branch's policies (default: the branch file's, else 0); with --sweep, the
    /// sweep's seed (default 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Run the branch many times with seeded draws and add the distribution of outcomes.
    #[arg(long)]
    sweep: bool,
    /// With --sweep: how many runs (1 to 10,000,000).
    #[arg(long, default_value_t = 1000, value_name = "N", requires = "sweep")]
    runs: usize,
    /// With --sweep: threads, 1 to 1024 (default: every core); the result is the same for any.
    #[arg(long, value_name = "T", requires = "sweep")]
    threads: Option<usize>,
    /// What to write: an html page, or an svg or png figure (default: from the -o name's
    /// extension, else html).
    #[arg(long, value_enum)]
    format: Option<Output>,
    /// Where to write the page or figure.
    #[arg(short, long, value_name = "FILE.html|.svg|.png")]
    output: PathBuf,
}

/// What `demarche report` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Html,
    Svg,
    Png,
}

impl Output {
    /// The format an output name asks for: by its extension, else html.
    fn of(path: &Path) -> Output {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Output::Svg,
            Some("png") => Output::Png,
            _ => Output::Html,
        }
    }
}

/// The most threads a sweep starts.
const MAX_THREADS: usize = 1024;

/// Loads a scenario file, or a log by its stored facts; and replays it to its end.
fn load_run(file: &Path) -> Result<(Scenario, Run), ExitCode> {
    if !Log::is_log(file) {
        let s = load(file, Format::Text)?;
        let r = replay(&s, Until::End, false);
        if !r.problems.is_empty() {
            eprintln!(
                "error: {} does not replay; a report needs every event accepted",
                s.name
            );
            print_problems(&s.name, &s.text, &r.problems, Format::Text);
            return Err(ExitCode::from(1));
        }
        return Ok((s, r));
    }
    let fail = |e: demarche::log::LogError| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    };
    let log = Log::open(file).map_err(fail)?;
    if let LogEnd::Torn { offset, bytes, why } = &log.ending {
        eprintln!(
            "note: {}: ignoring an unfinished frame at byte {offset} ({bytes} bytes: {why}) after sequence {}; the next append, or `demarche log repair`, cuts it",
            file.display(),
            log.count
        );
    }
    if let Some(e) = log.damage() {
        eprintln!("error: {e}");
        eprintln!(
            "a report covers a whole log; `demarche log verify` and `demarche log repair` say what can be kept"
        );
        return Err(ExitCode::from(1));
    }
    log.run(Upto::End).map_err(fail)
}

fn write(path: &Path, page: &[u8]) -> ExitCode {
    match std::fs::write(path, page) {
        Ok(()) => {
            eprintln!("{}: {} bytes", path.display(), page.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The `demarche whatif` command that replays one run of this sweep once its seed is appended:
/// the branch file (else FILE) and the edits given, without what only the report takes.
fn whatif_command(a: &ReportArgs) -> String {
    let target = a.branch.as_deref().unwrap_or(&a.file);
    let mut words = vec![
        "demarche".to_string(),
        "whatif".to_string(),
        shell_word(&target.display().to_string()),
    ];
    words.extend(a.edits.to_args().iter().map(|w| shell_word(w)));
    words.push("--seed".into());
    words.join(" ")
}

pub fn run(a: ReportArgs) -> ExitCode {
    if a.output.as_os_str().is_empty() {
        return usage("-o needs a file name");
    }
    let output = a.format.unwrap_or_else(|| Output::of(&a.output));
    if a.sweep && output != Output::Html {
        return usage(
            "--sweep draws its distributions in the html page; a figure shows one run: leave out --sweep, or write html",
        );
    }
    if a.sweep && !(1..=sweep::MAX_RUNS).contains(&a.runs) {
        return usage(&format!(
            "--runs {}: a sweep runs from 1 to {} branches",
            a.runs,
            sweep::MAX_RUNS
        ));
    }
    if let Some(t) = a.threads.filter(|t| !(1..=MAX_THREADS).contains(t)) {
        return usage(&format!("--threads {t}: from 1 to {MAX_THREADS}"));
    }
    let (scenario, base_run) = match load_run(&a.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let branch_file = match &a.branch {
        None => None,
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return ExitCode::from(1);
                }
            };
            let name = path.display().to_string();
            match BranchFile::parse(&name, &text) {
                Ok(bf) => Some(bf),
                Err(problems) => {
                    print_problems(&name, &text, &problems, Format::Text);
                    return ExitCode::from(1);
                }
            }
        }
    };
    let input = match branch_file {
        Some(bf) => whatif::Input::Branch(Box::new(bf), scenario),
        None => whatif::Input::Base(scenario),
    };
    let base = input_base(&input);
    let mut b = match branch_of(&input, base, &a.edits, Format::Text) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let data = if a.sweep {
        let seed = a.seed.unwrap_or(0);
        let threads = a
            .threads
            .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
            .unwrap_or(1)
            .max(1);
        let prepared = b.prepare();
        let done = AtomicUsize::new(0);
        let runs = std::thread::scope(|s| {
            let bar = std::io::stderr()
                .is_terminal()
                .then(|| s.spawn(|| progress_bar(&done, a.runs)));
            let r = sweep::sweep_with(
                &prepared,
                a.runs,
                seed,
                threads,
                Some(&done),
                html::sweep::keep,
            );
            if let Some(h) = bar {
                let _ = h.join();
            }
            r
        });
        let title = b.title.clone().unwrap_or_default();
        html::sweep_data(
            base,
            &base_run,
            &prepared,
            title,
            seed,
            whatif_command(&a),
            &runs,
        )
    } else if matches!(input, whatif::Input::Base(_)) && b.is_unedited() {
        html::data(base, &base_run)
    } else {
        if let Some(s) = a.seed {
            b.seed = s;
        }
        let prepared = b.prepare();
        let outcome = prepared.run(b.seed, true);
        let title = b.title.clone().unwrap_or_default();
        let cmp = Comparison::new(&prepared, title, b.notes.clone(), outcome);
        html::branch_data(base, &base_run, &cmp)
    };
    let bytes = data.and_then(|d| match output {
        Output::Html => Ok(html::page(&d).into_bytes()),
        Output::Svg => html::figure::svg(&d).map(String::into_bytes),
        Output::Png => html::figure::png(&d),
    });
    match bytes {
        Ok(b) => write(&a.output, &b),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
