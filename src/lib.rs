//! demarche: an event-sourced simulator of diplomatic missions.
//!
//! A scenario (actors, missions, and a dated list of diplomatic events) is replayed through a
//! pure state machine ([`core`]) that enforces the rules a mission follows and rejects events
//! that break them. Around it: [`scenario`] reads human-written TOML files, [`report`] renders
//! timelines and states, [`whatif`] forks a scenario into counterfactual branches, and the
//! `demarche` binary is the command line.
//!
//! # Testing a counterfactual
//!
//! Given the founding scenario, when NATO withdraws 2 accreditations instead of 8 on
//! 6 October 2021 and keeps the cap at 20, and Russia answers in kind after 12 days, then
//! Russia's mission is still working at the end, with 16 in post:
//!
//! ```
//! use demarche::core::Status;
//! use demarche::whatif::{self, Branch, Policy, Respond, compare::facts};
//!
//! let base = whatif::load_base("scenarios/nato-russia-2021.toml".as_ref()).unwrap();
//! let russia = base.world.actor_by_key("russia").unwrap();
//! let from = demarche::scenario::parse_date("2021-10-06").unwrap();
//!
//! let mut branch = Branch::new(&base);
//! branch.set("nato-expels-8-2021.count", "2").unwrap();
//! branch.drop("nato-expels-8-2021.staff-cap-set").unwrap();
//! branch.policy(Policy::simple(russia, from, Respond::Reciprocal, 12));
//! let outcome = branch.run();
//!
//! let mission = base.world.mission_by_key("ru-mission-nato").unwrap();
//! let end = facts(&base.world, &outcome.state, mission);
//! assert_eq!((end.status, end.headcount, end.cap), (Status::Active, 16, Some(20)));
//! assert_eq!(outcome.generated[0].id, "policy:russia:1");
//! ```

pub mod bench;
pub mod codec;
pub mod core;
pub mod export;
pub mod r#gen;
pub mod html;
pub mod log;
pub mod report;
pub mod run;
pub mod scenario;
pub mod serve;
pub mod whatif;
