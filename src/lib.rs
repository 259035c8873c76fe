//! demarche: an event-sourced simulator of diplomatic missions.
//!
//! A scenario (actors, missions, and a dated list of diplomatic events) is replayed through a
//! pure state machine ([`core`]) that enforces the rules a mission follows and rejects events
//! that break them. Around it: [`scenario`] reads human-written TOML files, [`report`] renders
//! timelines and states, and the `demarche` binary is the command line.

pub mod codec;
pub mod core;
pub mod r#gen;
pub mod report;
pub mod run;
pub mod scenario;
pub mod whatif;
