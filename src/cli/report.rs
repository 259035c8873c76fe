//! `demarche report`: one self-contained HTML page of a scenario or log, optionally with a
//! counterfactual branch drawn over it.

use super::common::{Format, load, print_problems, usage};
use super::whatif::{EditArgs, branch_of, input_base};
use clap::Args;
use demarche::html;
use demarche::log::{Log, LogEnd, reader::Upto};
use demarche::run::{Run, Until, run as replay};
use demarche::scenario::Scenario;
use demarche::whatif::{self, compare::Comparison, file::BranchFile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const HELP: &str = "\
The page works offline: its styles, script, data and the D3 library it draws with are inside the one file. Open it in a browser; hover an event for its card, click it to pin the card, click a day on the axis for the state table of that day, drag on the strip above the axis to choose a period. It prints as shown. See docs/report.md.
A branch comes from a branch file (--branch) or from edits and policies given as for `demarche whatif` (see `demarche whatif --help`); both may be combined.";

pub const TEMPLATE: &str = help_template!(
    "demarche report scenarios/nato-russia-2021.toml -o nato.html",
    "demarche report scenarios/nato-russia-2021.toml --branch scenarios/whatif/nato-expels-two.toml -o branch.html",
    "demarche report scenarios/nato-russia-2021.toml --drop nato-expels-8-2021 --policy russia=reciprocal -o dropped.html",
    "demarche report crisis.log -o crisis.html",
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
    /// Seed of the branch's policies (default: the branch file's, else 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the page.
    #[arg(short, long, value_name = "FILE.html")]
    output: PathBuf,
}

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

fn write(path: &Path, page: &str) -> ExitCode {
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

pub fn run(a: ReportArgs) -> ExitCode {
    if a.output.as_os_str().is_empty() {
        return usage("-o needs a file name");
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
    let data = if matches!(input, whatif::Input::Base(_)) && b.is_unedited() {
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
    match data {
        Ok(d) => write(&a.output, &html::page(&d)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
