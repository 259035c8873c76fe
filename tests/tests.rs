//! One integration-test binary (faster to link than one per file).

mod cli;
mod golden;
mod props;
mod rules;
mod whatif;
