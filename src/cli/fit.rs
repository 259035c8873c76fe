//! `demarche fit`: which response policy reproduces each recorded answer of some scenarios, and
//! which best explains each actor.

use super::common::{Format, usage};
use clap::Args;
use demarche::scenario::LoadError;
use demarche::whatif::fit::{self, Options};
use demarche::whatif::{self, Respond};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
For every recorded answer (an event with in_response_to, by an actor, answering another actor; departures are not answers), the answer and what depends on it are dropped, each policy answers that move instead, and the draft is compared with the record: the same kinds of measure, on the same kind of post or scope, counts within --count-tolerance, dates within --days. Policies answer after the recorded delay unless --delay is given. Per actor, the policy reproducing the largest share of its answers best explains it (the first listed among equals). --format json gives, per answer and policy, the draft in full and why it does not match. See docs/counterfactuals.md.";

pub const TEMPLATE: &str = help_template!(
    "demarche fit scenarios/uk-russia-2018.toml",
    "demarche fit scenarios/nato-russia-2021.toml scenarios/uk-russia-2018.toml scenarios/us-china-2020.toml --days 3",
    "demarche fit scenarios/estonia-russia-2023.toml --policies reciprocal,parity(mission),escalate --format json",
    "demarche fit scenarios/india-canada-2023.toml --delay 7 --count-tolerance 0.5",
);

#[derive(Args)]
pub struct FitArgs {
    /// Scenario files (or logs) whose recorded answers are fitted.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Candidate policies, comma-separated, in the order ties are broken.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "reciprocal,proportional(0.5),proportional(2),parity,escalate,absorb"
    )]
    policies: String,
    /// A count matches when within this fraction of the recorded count (rounded).
    #[arg(long, default_value_t = 0.25, value_name = "FRACTION")]
    count_tolerance: f64,
    /// Dates match when at most this many days apart.
    #[arg(long, default_value_t = 7, value_name = "DAYS")]
    days: u32,
    /// Days between a move and the policy's answer (default: the recorded delay).
    #[arg(long, value_name = "DAYS")]
    delay: Option<u32>,
    /// Days a policy gives to leave or to meet a cap where it sets its own deadline.
    #[arg(long, default_value_t = 14, value_name = "DAYS")]
    leave_within: u32,
    /// Seed of the policies' draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format: text for people, json for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// The longest delay or time to leave accepted: ten years, as for `whatif`.
const MAX_DAYS: u32 = 3650;

pub fn run(a: FitArgs) -> ExitCode {
    let mut policies = Vec::new();
    for p in a.policies.split(',').filter(|p| !p.trim().is_empty()) {
        match Respond::parse(p) {
            Ok(r) => policies.push(r),
            Err(e) => return usage(&format!("--policies: {e}")),
        }
    }
    if policies.is_empty() {
        return usage("--policies: name at least one policy");
    }
    if !(0.0..=10.0).contains(&a.count_tolerance) {
        return usage(&format!(
            "--count-tolerance {}: a fraction from 0 to 10",
            a.count_tolerance
        ));
    }
    for (flag, days) in [
        ("--days", Some(a.days)),
        ("--delay", a.delay),
        ("--leave-within", Some(a.leave_within)),
    ] {
        if let Some(d) = days.filter(|d| *d > MAX_DAYS) {
            return usage(&format!("{flag} {d}: at most {MAX_DAYS} days (ten years)"));
        }
    }
    let mut loaded = Vec::new();
    for f in &a.files {
        match whatif::load_base(f) {
            Ok(s) => loaded.push((f.display().to_string(), s)),
            Err(LoadError::Io { path, error }) => {
                eprintln!("error: cannot read {path}: {error}");
                return ExitCode::from(1);
            }
            Err(LoadError::Invalid {
                name,
                text,
                problems,
                ..
            }) => {
                super::common::print_problems(&name, &text, &problems, a.format);
                return ExitCode::from(1);
            }
        }
    }
    let files: Vec<(String, &demarche::scenario::Scenario)> =
        loaded.iter().map(|(n, s)| (n.clone(), s)).collect();
    let options = Options {
        policies,
        count_tolerance: a.count_tolerance,
        days: a.days,
        delay: a.delay,
        leave_within: a.leave_within,
        seed: a.seed,
    };
    let result = fit::fit(&files, &options);
    match a.format {
        Format::Text => print!("{}", result.text()),
        Format::Json => println!("{:#}", result.json()),
    }
    ExitCode::SUCCESS
}
