//! `demarche whatif`: a counterfactual branch against its base; and the edits on the command
//! line that `whatif` and `sweep` share.

use super::common::{Format, print_problems, usage};
use clap::Args;
use demarche::scenario::{self, LoadError, Scenario};
use demarche::whatif::{self, Branch, BranchLoadError, Policy, compare::Comparison};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const HELP: &str = "\
Policies (--policy ACTOR=RESPONSE[,key=value...]): RESPONSE is reciprocal, proportional(K), parity, escalate, absorb or none, or a mixture such as 0.6:reciprocal+0.3:escalate (the rest: no answer).
Keys: delay=DAYS or MIN-MAX (at most 3650 days), from=DATE, against=ACTOR, answers=measures|any, mission=ID, noise=P, leave_within=DAYS. See docs/counterfactuals.md.";

pub const TEMPLATE: &str = help_template!(
    "demarche whatif scenarios/whatif/nato-expels-two.toml",
    "demarche whatif scenarios/nato-russia-2021.toml --drop nato-expels-8-2021",
    "demarche whatif scenarios/nato-russia-2021.toml --set nato-expels-8-2021.count=2 --drop nato-expels-8-2021.staff-cap-set --policy russia=reciprocal,delay=12",
    "demarche whatif scenarios/nato-russia-2021.toml --insert-after ru-mission-size-2021 docs/examples/russia-warns.toml",
    "demarche whatif scenarios/whatif/russia-absorbs.toml --format json",
);

/// The longest a policy may wait before answering, or give staff to leave: ten years. Longer
/// spans put answers and deadlines millions of years past the scenario.
pub const MAX_DAYS: u32 = 3650;

/// Refuses a policy whose delays or time to leave exceed [`MAX_DAYS`], naming the field.
fn check_days(p: &Policy) -> Result<(), String> {
    let too_long = |field: &str, days: u32| {
        format!("`{field}` of {days} days is too long; at most {MAX_DAYS} (ten years)")
    };
    if let Some(c) = p.choices.iter().find(|c| c.delay.1 > MAX_DAYS) {
        return Err(too_long("delay", c.delay.1));
    }
    if p.leave_within > MAX_DAYS {
        return Err(too_long("leave_within", p.leave_within));
    }
    Ok(())
}

/// Edits given on the command line, applied after those of a branch file.
#[derive(Args, Clone, Default)]
pub struct EditArgs {
    /// Drop an event, or one measure of a decision (by kind or position from 1).
    #[arg(long, value_name = "EVENT_ID[.MEASURE]")]
    drop: Vec<String>,
    /// Change a field: count, limit, depart_by, comply_by, effective, date or notified.
    #[arg(long, value_name = "EVENT_ID[.MEASURE].FIELD=VALUE")]
    set: Vec<String>,
    /// Insert the [[events]] of a TOML file after an event.
    #[arg(long, num_args = 2, value_names = ["EVENT_ID", "FILE"])]
    insert_after: Vec<String>,
    /// A response policy: ACTOR=RESPONSE[,key=value...] (see below).
    #[arg(long, value_name = "ACTOR=RESPONSE")]
    policy: Vec<String>,
    /// The last day simulated (default: the base's end).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
}

impl EditArgs {
    /// The flags that give these edits on a command line, in a fixed order (drops, sets,
    /// insertions, policies, the last day).
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.drop {
            out.extend(["--drop".to_string(), d.clone()]);
        }
        for s in &self.set {
            out.extend(["--set".to_string(), s.clone()]);
        }
        for pair in self.insert_after.chunks(2) {
            out.push("--insert-after".to_string());
            out.extend(pair.iter().cloned());
        }
        for p in &self.policy {
            out.extend(["--policy".to_string(), p.clone()]);
        }
        if let Some(u) = &self.until {
            out.extend(["--until".to_string(), u.clone()]);
        }
        out
    }
}

#[derive(Args)]
pub struct WhatifArgs {
    /// A branch file (see scenarios/whatif/), or a base scenario to edit with the flags.
    file: PathBuf,
    #[command(flatten)]
    edits: EditArgs,
    /// Seed of the policies' random draws (default: the branch file's, else 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Output format: text for people, json for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Loads the first argument of `whatif` or `sweep`: a branch file and its base, or a base.
pub fn load_input(file: &Path, format: Format) -> Result<whatif::Input, ExitCode> {
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
pub fn branch_of<'s>(
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
    if let whatif::Input::Branch(bf, _) = input {
        for p in &b.policies {
            if let Err(e) = check_days(p) {
                eprintln!(
                    "error: {}: the policy of {}: {e}",
                    bf.name,
                    base.world.actor(p.actor).key
                );
                return Err(ExitCode::from(1));
            }
        }
    }
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
                if let Err(e) = check_days(&p) {
                    return fail(format!("--policy {spec}: {e}"));
                }
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

pub fn input_base(input: &whatif::Input) -> &Scenario {
    match input {
        whatif::Input::Branch(_, s) | whatif::Input::Base(s) => s,
    }
}

pub fn run(a: WhatifArgs) -> ExitCode {
    let format = a.format;
    let input = match load_input(&a.file, format) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let base = input_base(&input);
    let mut b = match branch_of(&input, base, &a.edits, format) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Some(s) = a.seed {
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
