//! The `demarche` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 the input was rejected or invalid (a rule broken, a file that does
//! not parse or cannot be read); 2 usage (unknown flag, bad argument).

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "demarche",
    version,
    about = cli::ABOUT,
    long_about = cli::LONG_ABOUT,
    after_help = cli::AFTER_HELP,
    help_template = cli::TEMPLATE
)]
struct Cli {
    /// When to colour errors on stderr.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: cli::problems::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario: a dated timeline of what each event did to each mission, then every
    /// mission's state and the state digest.
    #[command(help_template = cli::replay::TEMPLATE)]
    Replay(cli::replay::ReplayArgs),
    /// Show the state at a date or after an event: every mission's status, headcount and cap,
    /// open channels, relations, and what is still pending.
    #[command(help_template = cli::state::TEMPLATE)]
    State(cli::state::StateArgs),
    /// Check a scenario: every problem in the file and every rejected event, not just the first.
    #[command(after_help = cli::validate::HELP, help_template = cli::validate::TEMPLATE)]
    Validate(cli::validate::ValidateArgs),
    /// The event catalogue: every kind, its fields, who may issue it, its CAMEO and PLOVER
    /// codes; and the rejection codes.
    #[command(help_template = cli::events::TEMPLATE)]
    Events(cli::events::EventsArgs),
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
    #[command(after_help = cli::whatif::HELP, help_template = cli::whatif::TEMPLATE)]
    Whatif(cli::whatif::WhatifArgs),
    /// Run many seeded branches on all cores and print the distribution of outcomes.
    #[command(after_help = cli::sweep::HELP, help_template = cli::sweep::TEMPLATE)]
    Sweep(cli::sweep::SweepArgs),
    /// Fit response policies to recorded answers: which policy reproduces each answer, and
    /// which best explains each actor.
    #[command(after_help = cli::fit::HELP, help_template = cli::fit::TEMPLATE)]
    Fit(cli::fit::FitArgs),
    /// Write one self-contained HTML page: a lane per mission over time, events with their
    /// cards and answers, the state on any day; with a branch, the branch drawn over the base;
    /// with --sweep, how many seeded runs end where; or a static SVG or PNG figure.
    #[command(after_help = cli::report::HELP, help_template = cli::report::TEMPLATE)]
    Report(cli::report::ReportArgs),
    /// Serve the reports and a JSON API of scenarios and logs on a local HTTP port.
    #[command(after_help = cli::serve::HELP, help_template = cli::serve::TEMPLATE)]
    Serve(cli::serve::ServeArgs),
}

/// Restores the default action of SIGPIPE, which Rust programs ignore: printing to a closed pipe
/// (`demarche replay big.log | head`) then ends the program quietly, as other command-line tools
/// do, instead of panicking on the failed write.
fn restore_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: setting the default disposition of a signal at start-up, before any thread.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli: Cli = cli::common::parse();
    cli::problems::set_color(cli.color);
    match cli.command {
        Command::Replay(a) => cli::replay::run(a),
        Command::State(a) => cli::state::run(a),
        Command::Validate(a) => cli::validate::run(a),
        Command::Events(a) => cli::events::run(a),
        Command::Bench(a) => cli::bench::run(a),
        Command::Log(cmd) => cli::log::run_cmd(cmd),
        Command::Whatif(a) => cli::whatif::run(a),
        Command::Sweep(a) => cli::sweep::run(a),
        Command::Fit(a) => cli::fit::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Serve(a) => cli::serve::run(a),
    }
}
