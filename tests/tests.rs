//! One integration-test binary (faster to link than one per file).

mod cli;
mod cli_errors;
mod cli_help;
mod cli_sweep;
mod codes;
mod export;
mod facts;
mod golden;
mod loader;
mod log;
mod log_crash;
mod model;
mod props;
mod rules;
mod seeded;
mod whatif;
