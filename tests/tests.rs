//! One integration-test binary (faster to link than one per file).

mod cli;
mod codes;
mod export;
mod golden;
mod loader;
mod log;
mod log_crash;
mod props;
mod rules;
mod seeded;
mod whatif;
