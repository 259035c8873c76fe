//! Subcommands of the `demarche` binary that live in their own files.

pub mod bench;
pub mod log;
