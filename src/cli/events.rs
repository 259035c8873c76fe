//! `demarche events`: the event catalogue and the rejection codes.

use clap::{Args, ValueEnum};
use demarche::report;
use std::process::ExitCode;

pub const TEMPLATE: &str = help_template!(
    "demarche events",
    "demarche events --format json",
    "demarche events --format markdown > docs/events.md",
);

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CatalogueFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
pub struct EventsArgs {
    /// Output format: text for people, json for programs, markdown as in docs/events.md.
    #[arg(long, value_enum, default_value = "text")]
    format: CatalogueFormat,
}

pub fn run(a: EventsArgs) -> ExitCode {
    match a.format {
        CatalogueFormat::Text => print!("{}", report::catalogue_text()),
        CatalogueFormat::Json => println!("{:#}", report::catalogue_json()),
        CatalogueFormat::Markdown => print!("{}", report::catalogue_markdown()),
    }
    ExitCode::SUCCESS
}
