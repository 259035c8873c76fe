//! `demarche validate`: every problem in a file and every rejected event, or a one-line summary.

use super::common::{Format, load_any, print_problems, report_damage};
use clap::Args;
use demarche::run::{Until, run as run_scenario};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str =
    "Exit code 0 and a one-line summary when valid; otherwise the problems and exit code 1.";

#[derive(Args)]
pub struct ValidateArgs {
    file: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(a: ValidateArgs) -> ExitCode {
    let format = a.format;
    let l = match load_any(&a.file, format) {
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
        print_problems(&s.name, &s.text, &r.problems, format);
        ExitCode::from(1)
    }
}
