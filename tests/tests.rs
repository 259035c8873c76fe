//! One integration-test binary (faster to link than one per file).

mod browser;
mod browser_serve;
mod cli;
mod cli_errors;
mod cli_help;
mod cli_sweep;
mod codes;
mod export;
mod facts;
mod fit;
mod golden;
mod loader;
mod local_staff;
mod log;
mod log_crash;
mod log_fits;
mod log_json;
mod log_recovery;
mod model;
mod policies;
mod props;
mod rules;
mod rules_doc;
mod seeded;
mod serve;
mod whatif;
