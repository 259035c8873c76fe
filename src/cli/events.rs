//! `demarche events`: the event catalogue and the rejection codes.

use clap::{Args, ValueEnum};
use demarche::report;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CatalogueFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
pub struct EventsArgs {
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
