//! The subcommands of the `demarche` binary, one file each, and what they share (`common`).

pub mod bench;
pub mod common;
pub mod events;
pub mod log;
pub mod problems;
pub mod replay;
pub mod state;
pub mod sweep;
pub mod validate;
pub mod whatif;
