//! `demarche validate`: every problem in a file and every rejected event, or a one-line summary.

use super::common::{
    DEFAULT_MAX_PROBLEMS, Format, load_any_listing, print_problems_limited, report_damage,
};
use clap::Args;
use demarche::run::{Until, run as run_scenario};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str =
    "Exit code 0 and a one-line summary when valid; otherwise the problems and exit code 1.";

pub const TEMPLATE: &str = help_template!(
    "demarche validate scenarios/uk-russia-2018.toml",
    "demarche validate scenarios/nato-russia-2021.toml --format json",
    "demarche validate scenarios/invalid/rejected-then-more.toml   # exits 1: three problems",
    "demarche validate scenarios/invalid/many-problems.toml --max-problems 2   # exits 1",
);

#[derive(Args)]
pub struct ValidateArgs {
    /// A scenario file (TOML), or a log.
    file: PathBuf,
    /// Output format: text for people, json for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// List at most N problems, then say how many more there are (0: list them all).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PROBLEMS)]
    max_problems: usize,
}

pub fn run(a: ValidateArgs) -> ExitCode {
    let format = a.format;
    let l = match load_any_listing(&a.file, format, a.max_problems) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if report_damage(&l) {
        return ExitCode::from(1);
    }
    let s = l.scenario;
    let r = run_scenario(&s, Until::End, true);
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
        print_problems_limited(&s.name, &s.text, &r.problems, format, a.max_problems);
        ExitCode::from(1)
    }
}
